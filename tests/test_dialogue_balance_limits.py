"""The therapist's limits for the balance nudge: the selector, the service, and the form on the
practice couple page (who may set them, and every kind of bad input)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from imago.couples.models import TherapistConnection
from imago.couples.selectors import balance_limits_for
from imago.couples.services import CoupleError, therapist_balance_set
from imago.dialogue import DEFAULT_LIMITS, Limits
from tests.conftest import connect, make_couple, make_person, make_therapist


def url(world) -> str:
    return reverse("practice_couple_balance", kwargs={"couple_id": world.couple.pk})


def stored(world) -> tuple[int, int]:
    connection = TherapistConnection.objects.active().get(couple=world.couple)
    return connection.balance_minutes, connection.balance_turns


# The selector -----------------------------------------------------------------------------


def test_the_selector_gives_the_active_connections_limits(world):
    TherapistConnection.objects.filter(couple=world.couple).update(
        balance_minutes=30, balance_turns=10
    )
    assert balance_limits_for(world.couple) == Limits(minutes=30, turns=10)


def test_the_selector_gives_the_defaults_without_a_therapist(db):
    couple = make_couple(
        make_person("zoe@example.com", "Zoe"), make_person("yan@example.com", "Yan")
    )
    assert balance_limits_for(couple) == DEFAULT_LIMITS
    assert balance_limits_for(None) == DEFAULT_LIMITS


def test_the_selector_ignores_a_request_not_yet_consented_and_an_ended_connection(world):
    TherapistConnection.objects.filter(couple=world.couple).update(
        balance_minutes=30, balance_turns=10, active_since=None
    )
    assert balance_limits_for(world.couple) == DEFAULT_LIMITS
    TherapistConnection.objects.filter(couple=world.couple).update(
        active_since=timezone.now(), ended_at=timezone.now()
    )
    assert balance_limits_for(world.couple) == DEFAULT_LIMITS


def test_a_new_therapist_starts_from_the_defaults(world):
    therapist_balance_set(therapist=world.therapist, couple=world.couple, minutes=60, turns=40)
    TherapistConnection.objects.filter(couple=world.couple).update(ended_at=timezone.now())
    connect(world.couple, make_therapist("nia@example.com", "Nia"))
    assert balance_limits_for(world.couple) == DEFAULT_LIMITS


# The service ------------------------------------------------------------------------------


def test_the_couples_therapist_sets_the_limits(world):
    connection = therapist_balance_set(
        therapist=world.therapist, couple=world.couple, minutes=5, turns=100
    )
    assert (connection.balance_minutes, connection.balance_turns) == (5, 100)
    assert balance_limits_for(world.couple) == Limits(minutes=5, turns=100)


@pytest.mark.parametrize("who", ["other_therapist", "partner_a"])
def test_no_one_else_may_set_the_limits(world, who):
    with pytest.raises(CoupleError, match="Only the couple's own therapist"):
        therapist_balance_set(therapist=world.user(who), couple=world.couple, minutes=30, turns=8)
    assert stored(world) == (20, 16)


def test_an_unverified_therapist_may_not_set_the_limits(world):
    world.therapist.professional_profile.verified_at = None
    world.therapist.professional_profile.save()
    with pytest.raises(CoupleError):
        therapist_balance_set(therapist=world.therapist, couple=world.couple, minutes=30, turns=8)
    assert stored(world) == (20, 16)


@pytest.mark.parametrize(
    ("minutes", "turns", "message"),
    [
        (4, 16, "Minutes on the frustration can be from 5 to 120."),
        (121, 16, "Minutes on the frustration can be from 5 to 120."),
        (20, 3, "Turns on the frustration can be from 4 to 100."),
        (20, 101, "Turns on the frustration can be from 4 to 100."),
        ("20", 16, "Minutes on the frustration can be from 5 to 120."),
        (20, True, "Turns on the frustration can be from 4 to 100."),
    ],
)
def test_the_service_refuses_values_out_of_range(world, minutes, turns, message):
    with pytest.raises(CoupleError) as raised:
        therapist_balance_set(
            therapist=world.therapist, couple=world.couple, minutes=minutes, turns=turns
        )
    assert raised.value.message == message
    assert stored(world) == (20, 16)


# The page ---------------------------------------------------------------------------------


def test_the_couple_page_shows_the_current_limits_and_the_form(world, client_for):
    page = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})
    content = client_for("therapist").get(page).content.decode()
    assert "Balance in dialogues" in content
    assert "a nudge, not a rule" in content
    assert "after 20 minutes or 16 turns on the frustration (the defaults)" in content
    assert f'action="{url(world)}"' in content
    assert '<label for="id_minutes">' in content
    assert 'aria-describedby="id_minutes_helptext"' in content
    assert 'name="minutes" value="20"' in content
    assert 'name="turns" value="16"' in content


def test_the_therapist_sets_the_limits_on_the_couple_page(world, client_for):
    client = client_for("therapist")
    response = client.post(url(world), {"minutes": "25", "turns": "12"})
    page = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})
    assert response.status_code == 302
    assert response.url == page
    assert stored(world) == (25, 12)
    content = client.get(page).content.decode()
    assert "Saved. The room now suggests appreciations after 25 minutes or 12 turns" in content
    assert "after 25 minutes or 12 turns on the frustration." in content
    assert "(the defaults)" not in content
    assert 'name="minutes" value="25"' in content


@pytest.mark.parametrize(
    ("minutes", "turns"),
    [("5", "4"), ("120", "100"), (" 30 ", "8")],
)
def test_values_at_the_edges_of_the_ranges_are_accepted(world, client_for, minutes, turns):
    response = client_for("therapist").post(url(world), {"minutes": minutes, "turns": turns})
    assert response.status_code == 302
    assert stored(world) == (int(minutes), int(turns))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Please fill this in. " + "Choose a whole number of minutes from 5 to 120."),
        (
            {"minutes": "", "turns": ""},
            "Please fill this in. " + "Choose a whole number of turns from 4 to 100.",
        ),
        (
            {"minutes": "25", "turns": ""},
            "Please fill this in. " + "Choose a whole number of turns from 4 to 100.",
        ),
        ({"minutes": "twenty", "turns": "12"}, "Choose a whole number of minutes from 5 to 120."),
        ({"minutes": "12.5", "turns": "12"}, "Choose a whole number of minutes from 5 to 120."),
        ({"minutes": "a\x00b", "turns": "12"}, "Choose a whole number of minutes from 5 to 120."),
        ({"minutes": "4", "turns": "12"}, "Choose a whole number of minutes from 5 to 120."),
        ({"minutes": "121", "turns": "12"}, "Choose a whole number of minutes from 5 to 120."),
        ({"minutes": "-20", "turns": "12"}, "Choose a whole number of minutes from 5 to 120."),
        ({"minutes": "25", "turns": "3"}, "Choose a whole number of turns from 4 to 100."),
        ({"minutes": "25", "turns": "101"}, "Choose a whole number of turns from 4 to 100."),
        (
            {"minutes": "99999999999999999999999", "turns": "12"},
            "Choose a whole number of minutes from 5 to 120.",
        ),
        (
            {"minutes": "9" * 100_000, "turns": "12"},
            "Choose a whole number of minutes from 5 to 120.",
        ),
    ],
)
def test_bad_input_shows_the_page_again_with_the_error_and_changes_nothing(
    world, client_for, data, error
):
    client = client_for("therapist")
    client.raise_request_exception = False
    response = client.post(url(world), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Balance in dialogues" in content
    assert 'class="errorlist' in content
    assert error in content
    assert stored(world) == (20, 16)


def test_another_therapist_gets_404_and_nothing_changes(world, client_for):
    response = client_for("other_therapist").post(url(world), {"minutes": "25", "turns": "12"})
    assert response.status_code == 404
    assert stored(world) == (20, 16)


@pytest.mark.parametrize("role", ["partner_a", "partner_b", "other_couple"])
def test_a_partner_is_sent_to_their_dashboard_and_nothing_changes(world, client_for, role):
    response = client_for(role).post(url(world), {"minutes": "25", "turns": "12"})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert stored(world) == (20, 16)


def test_an_anonymous_visitor_is_sent_to_log_in(world, client_for):
    response = client_for("anonymous").post(url(world), {"minutes": "25", "turns": "12"})
    assert response.status_code == 302
    assert "login" in response.url
    assert stored(world) == (20, 16)


def test_get_is_not_allowed(world, client_for):
    assert client_for("therapist").get(url(world)).status_code == 405


def test_open_dialogue_screens_are_told_to_read_the_new_limits(world, client_for):
    """A live room keeps a copy of its dialogue; new limits reach it at once."""
    from asgiref.sync import async_to_sync, sync_to_async
    from channels.layers import get_channel_layer

    from imago.dialogues.consumers import group_name
    from imago.dialogues.services import dialogue_request

    dialogue = dialogue_request(person=world.partner_a, variant="frustration")
    therapist = client_for("therapist")
    url = reverse("practice_couple_balance", args=[world.couple.pk])

    async def a_screen_listening():
        layer = get_channel_layer()
        screen = await layer.new_channel()
        await layer.group_add(group_name(dialogue.pk), screen)
        await sync_to_async(therapist.post)(url, {"minutes": 30, "turns": 8})
        return await layer.receive(screen)

    # No change attached: the screen reloads its copy (with the limits) from the database.
    assert async_to_sync(a_screen_listening)() == {"type": "dialogue.changed"}
