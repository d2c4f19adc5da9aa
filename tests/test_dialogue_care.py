"""Care in the room: a break shows a gentle timer and a calming line, the dialogue opens with an
appreciation prompt, and a dialogue about a frustration counts its turns on the frustration
and its appreciations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from imago.dialogues.room import CALM_TEXT, OPENING_APPRECIATION, facilitator_view, view_for
from imago.dialogues.services import dialogue_request, event_submit, new_client_id


def submit(dialogue, user, action, text=""):
    dialogue.refresh_from_db()
    event_submit(
        dialogue_id=dialogue.pk,
        user=user,
        action=action,
        text=text,
        client_id=new_client_id(),
        expected_seq=dialogue.seq,
    )
    dialogue.refresh_from_db()


@pytest.fixture
def started(world):
    dialogue = dialogue_request(person=world.partner_a, variant="frustration")
    submit(dialogue, world.partner_b, "accept")
    return dialogue


def test_the_first_send_opens_with_an_appreciation_prompt(world, started):
    ana = view_for(started, world.partner_a)
    assert ana["stems"][0] == OPENING_APPRECIATION
    submit(
        started,
        world.partner_a,
        "send",
        "Before we start: something I appreciate about you is your patience.",
    )
    submit(started, world.partner_b, "mirror", "My patience.")
    submit(started, world.partner_a, "confirm")
    submit(started, world.partner_a, "more")
    assert OPENING_APPRECIATION not in view_for(started, world.partner_a)["stems"]


def test_a_break_shows_when_it_began_and_a_calming_line(world, started, client_for):
    assert view_for(started, world.partner_a)["break"] is None
    submit(started, world.partner_b, "pause")
    for user in (world.partner_a, world.partner_b):
        pause = view_for(started, user)["break"]
        assert pause["calm"] == CALM_TEXT and pause["since"]
    page = client_for("partner_a").get(reverse("dialogue_room", args=[started.pk])).content
    assert b'role="timer"' in page and b"On a break since" in page
    submit(started, world.partner_b, "resume")
    assert view_for(started, world.partner_a)["break"] is None


def test_a_frustration_dialogue_counts_frustration_and_appreciation_turns(world, started):
    assert view_for(started, world.partner_a)["balance"]["text"] == (
        "So far: less than a minute on the frustration (0 turns) · "
        "less than a minute on appreciations (0 turns)"
    )
    submit(
        started, world.partner_a, "send", "Before we start: something I appreciate about you is X."
    )
    submit(started, world.partner_b, "mirror", "X.")
    submit(started, world.partner_a, "confirm")
    submit(started, world.partner_a, "more")
    submit(started, world.partner_a, "send", "When the dishes wait, I feel alone.")
    balance = view_for(started, world.partner_b)["balance"]
    # The opening appreciation and its mirror are appreciation; the next chunk is not.
    assert (balance["frustration"], balance["appreciation"]) == (1, 2)
    assert "(1 turn)" in balance["text"] and "(2 turns)" in balance["text"]
    assert balance["nudge"] is None


def frustration_round(dialogue, world, chunks: int):
    for _ in range(chunks):
        submit(dialogue, world.partner_a, "send", "When the dishes wait, I feel alone.")
        submit(dialogue, world.partner_b, "mirror", "You feel alone with the dishes.")
        submit(dialogue, world.partner_a, "confirm")
        submit(dialogue, world.partner_a, "more")


def test_past_the_therapists_limit_everyone_in_the_room_is_nudged_toward_appreciation(
    world, started
):
    from imago.couples.models import TherapistConnection

    TherapistConnection.objects.filter(couple=world.couple).update(balance_turns=4)
    frustration_round(started, world, chunks=1)
    assert view_for(started, world.partner_a)["balance"]["nudge"] is None
    frustration_round(started, world, chunks=1)  # 4 turns on the frustration
    views = [view_for(started, world.partner_a), view_for(started, world.partner_b)]
    views.append(facilitator_view(started, world.therapist))
    nudges = {view["balance"]["nudge"] for view in views}
    assert len(nudges) == 1 and "appreciation" in nudges.pop()


def test_without_a_therapist_the_default_limits_apply(world, started):
    from imago.couples.models import TherapistConnection
    from imago.dialogue import DEFAULT_LIMITS

    TherapistConnection.objects.filter(couple=world.couple).delete()
    frustration_round(started, world, chunks=DEFAULT_LIMITS.turns // 2 - 1)
    assert view_for(started, world.partner_a)["balance"]["nudge"] is None
    frustration_round(started, world, chunks=1)
    assert view_for(started, world.partner_a)["balance"]["nudge"]


def test_once_the_partners_choose_to_close_the_nudge_is_gone(world, started):
    from imago.couples.models import TherapistConnection

    TherapistConnection.objects.filter(couple=world.couple).update(balance_turns=4)
    frustration_round(started, world, chunks=1)
    submit(started, world.partner_a, "send", "And I feel unseen.")
    submit(started, world.partner_b, "mirror", "You feel unseen.")
    submit(started, world.partner_a, "confirm")
    submit(started, world.partner_a, "no_more")
    submit(started, world.partner_b, "skip_summary")
    submit(started, world.partner_b, "validate", "It makes sense.")
    submit(started, world.partner_b, "empathize", "Lonely.")
    submit(started, world.partner_a, "confirm")
    assert view_for(started, world.partner_a)["balance"]["nudge"]
    submit(started, world.partner_a, "close")
    assert view_for(started, world.partner_a)["balance"]["nudge"] is None


def test_the_room_page_shows_the_nudge(world, started, client_for):
    from imago.couples.models import TherapistConnection

    TherapistConnection.objects.filter(couple=world.couple).update(balance_turns=4)
    frustration_round(started, world, chunks=2)
    page = client_for("partner_b").get(reverse("dialogue_room", args=[started.pk]))
    nudge = view_for(started, world.partner_b)["balance"]["nudge"]
    assert 'id="room-nudge"' in page.content.decode() and nudge in page.content.decode()


def test_an_everyday_dialogue_shows_no_count(world):
    dialogue = dialogue_request(person=world.partner_a)
    assert view_for(dialogue, world.partner_a)["balance"] is None
