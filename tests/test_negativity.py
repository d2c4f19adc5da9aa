"""30 days without put-downs: starting, marking, the count, slips and repairs, privacy of the
notes, stopping, finishing, and every refusal with its message.

Days are moved with the services' keyword `today=` rather than by patching the clock.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imago.accounts.services import person_export
from imago.couples.services import couple_unlink
from imago.negativity import services
from imago.negativity.models import Challenge, DayMark, Repair
from imago.negativity.progress import progress
from imago.negativity.selectors import open_challenges
from imago.negativity.services import (
    NegativityError,
    challenge_progress,
    challenge_start,
    challenge_stop,
    day_mark,
    repair_create,
)
from tests.conftest import login, make_couple, make_person

NOTE = "I bit my tongue at breakfast and it worked"
OVERVIEW = reverse("no_put_downs")
MARK = reverse("no_put_downs_mark")
REPAIR = reverse("no_put_downs_repair")
STOP = reverse("no_put_downs_stop")


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def start(world, *, on: date | None = None) -> Challenge:
    return challenge_start(person=world.partner_a, today=on or timezone.localdate())


def keep(person, day: date, **extra) -> DayMark:
    return day_mark(person=person, day=day, choice="kept", today=day, **extra)


def keep_both(world, first: date, count: int) -> None:
    for offset in range(count):
        day = first + timedelta(days=offset)
        keep(world.partner_a, day)
        keep(world.partner_b, day)


def refusal(call) -> NegativityError:
    with pytest.raises(NegativityError) as caught:
        call()
    return caught.value


# Starting --------------------------------------------------------------------------------------


def test_a_partner_starts_the_30_days_and_both_see_day_1(world, client_for):
    response = client_for("partner_b").post(reverse("no_put_downs_start"), follow=True)
    assert "Your 30 days have begun" in response.text
    challenge = Challenge.objects.get(couple=world.couple)
    assert challenge.days == 30
    assert challenge.started_on == timezone.localdate()
    assert challenge.started_by == world.partner_b
    page = client_for("partner_a").get(OVERVIEW).text
    assert "Day <strong>1</strong> of 30" in page


def test_only_one_challenge_runs_at_a_time_for_a_couple(world):
    start(world)
    error = refusal(lambda: challenge_start(person=world.partner_b))
    assert error.message == services.ALREADY_RUNNING
    assert Challenge.objects.filter(couple=world.couple).count() == 1


def test_the_database_itself_refuses_a_second_open_challenge(world):
    start(world)
    with pytest.raises(IntegrityError):
        Challenge.objects.create(couple=world.couple, started_on=timezone.localdate())


def test_the_other_couple_starts_their_own_independently(world):
    start(world)
    challenge_start(person=world.other_couple)
    assert Challenge.objects.count() == 2


def test_a_person_without_a_partner_cannot_start_and_is_told_kindly(db, client):
    single = make_person("sol@example.com", "Sol")
    assert refusal(lambda: challenge_start(person=single)).message == services.FOR_COUPLES
    login(client, single)
    page = client.get(OVERVIEW).text
    assert "This one is for couples" in page
    assert "you can still practise" in page
    assert "Start the 30 days" not in page
    response = client.post(reverse("no_put_downs_start"), follow=True)
    assert "two linked partners do together" in response.text
    assert not Challenge.objects.exists()


def test_a_therapist_cannot_start_one(world):
    assert refusal(lambda: challenge_start(person=world.therapist)).message == (
        services.NOT_A_PERSON
    )


def test_starting_needs_a_csrf_token(world):
    client = login(Client(enforce_csrf_checks=True), world.partner_a)
    assert client.post(reverse("no_put_downs_start")).status_code == 403
    assert not Challenge.objects.exists()


def test_the_start_page_explains_the_practice_without_trademarked_names(world, client_for):
    page = client_for("partner_a").get(OVERVIEW).text
    assert "30 days without put-downs" in page
    assert "What counts as a put-down?" in page
    for mark in ("Zero Negativity", "Safe Conversations"):
        assert mark not in page


# Marking ---------------------------------------------------------------------------------------


def test_a_partner_marks_today_and_yesterday(world):
    start(world, on=days_ago(3))
    today = timezone.localdate()
    day_mark(person=world.partner_a, day=today, choice="kept")
    day_mark(person=world.partner_a, day=today - timedelta(days=1), choice="kept")
    assert DayMark.objects.filter(person=world.partner_a).count() == 2


def test_tomorrow_cannot_be_marked(world):
    start(world)
    tomorrow = timezone.localdate() + timedelta(days=1)
    error = refusal(lambda: day_mark(person=world.partner_a, day=tomorrow, choice="kept"))
    assert (error.field, error.message) == ("day", services.FUTURE_DAY)


def test_last_week_cannot_be_marked(world):
    start(world, on=days_ago(10))
    error = refusal(lambda: day_mark(person=world.partner_a, day=days_ago(7), choice="kept"))
    assert (error.field, error.message) == ("day", services.PAST_DAY)


def test_the_day_before_the_start_cannot_be_marked(world):
    start(world)
    error = refusal(lambda: day_mark(person=world.partner_a, day=days_ago(1), choice="kept"))
    assert error.field == "day"
    assert "started on" in error.message


def test_a_second_mark_for_the_same_day_replaces_the_first(world):
    start(world)
    today = timezone.localdate()
    day_mark(person=world.partner_a, day=today, choice="slipped", note="first")
    day_mark(person=world.partner_a, day=today, choice="kept", note="second")
    [mark] = DayMark.objects.filter(person=world.partner_a)
    assert (mark.choice, mark.note) == ("kept", "second")


def test_marking_needs_a_running_challenge(world):
    error = refusal(
        lambda: day_mark(person=world.partner_a, day=timezone.localdate(), choice="kept")
    )
    assert error.message == services.NOTHING_RUNNING


def test_the_partner_sees_the_mark_but_not_the_note(world, client_for):
    start(world)
    client_for("partner_a").post(
        MARK, {"day": timezone.localdate().isoformat(), "choice": "kept", "note": NOTE}
    )
    own = client_for("partner_a").get(OVERVIEW).text
    assert NOTE in own
    partners = client_for("partner_b").get(OVERVIEW).text
    assert "Ana:</strong> a day without put-downs" in partners
    assert NOTE not in partners


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"day": "tomorrow"}, "day", services.CHOOSE_DAY),
        ({"day": ""}, "day", services.CHOOSE_DAY),
        ({"day": "+1"}, "day", services.FUTURE_DAY),
        ({"day": "-7"}, "day", services.PAST_DAY),
        ({"choice": "maybe"}, "choice", services.UNKNOWN_CHOICE),
        ({"choice": ""}, "choice", services.UNKNOWN_CHOICE),
        ({"note": "x" * (services.MAX_NOTE_LENGTH + 1)}, "note", "a note can hold up to 2,000"),
    ],
    ids=["not-a-date", "no-day", "tomorrow", "last-week", "unknown", "no-choice", "long-note"],
)
def test_a_bad_mark_gets_a_message_next_to_the_field_and_keeps_the_note(
    world, client_for, data, field, message
):
    start(world, on=days_ago(10))
    today = timezone.localdate()
    if data.get("day", "").startswith(("+", "-")):
        data = {**data, "day": (today + timedelta(days=int(data["day"]))).isoformat()}
    typed = data.get("note", "Kept to myself, mostly")
    posted = {"day": today.isoformat(), "choice": "kept", "note": typed, **data}
    response = client_for("partner_a").post(MARK, posted)
    assert response.status_code == 200
    form = response.context["mark_form"]
    assert any(message in error for error in form.errors[field])
    assert f'id="id_{field}_error"' in response.text
    assert typed in response.text
    assert not DayMark.objects.exists()


# The count -------------------------------------------------------------------------------------


def test_the_count_grows_day_by_day(world):
    first = days_ago(5)
    challenge = start(world, on=first)
    keep_both(world, first, 5)
    for offset in range(6):
        shown = challenge_progress(challenge=challenge, today=first + timedelta(days=offset))
        assert shown.day_number == offset + 1
        assert not shown.finished
    assert challenge_progress(challenge=challenge).row[0].kept_by_all


def test_a_slip_restarts_the_count_from_the_next_day(world):
    first = days_ago(6)
    challenge = start(world, on=first)
    keep_both(world, first, 3)
    slip_day = first + timedelta(days=3)
    day_mark(person=world.partner_b, day=slip_day, choice="slipped", today=slip_day)
    shown = challenge_progress(challenge=challenge, today=slip_day)
    assert shown.day_number == 0  # "Your count begins again tomorrow"
    assert shown.restarted
    later = challenge_progress(challenge=challenge, today=slip_day + timedelta(days=2))
    assert later.count_start == slip_day + timedelta(days=1)
    assert later.day_number == 2


def test_a_slip_marked_for_yesterday_makes_today_day_1(world, client_for):
    challenge = start(world, on=days_ago(4))
    day_mark(person=world.partner_a, day=days_ago(1), choice="slipped")
    assert challenge_progress(challenge=challenge).day_number == 1
    page = client_for("partner_b").get(OVERVIEW).text
    assert "Day <strong>1</strong> of 30" in page
    assert "The count began again on" in page


def test_the_days_are_a_list_with_words_not_only_colour(world, client_for):
    first = days_ago(2)
    start(world, on=first)
    keep_both(world, first, 1)
    keep(world.partner_a, first + timedelta(days=1))
    page = client_for("partner_a").get(OVERVIEW).text
    assert '<ol class="npd-days">' in page
    assert "Ana marked a day without put-downs; Ben marked a day without put-downs." in page
    assert "Ana marked a day without put-downs; Ben has not marked it." in page
    assert "Day 30," in page and "still ahead." in page


def test_the_page_compares_no_scores_between_partners(world, client_for):
    start(world, on=days_ago(3))
    day_mark(person=world.partner_b, day=days_ago(1), choice="slipped")
    page = client_for("partner_a").get(OVERVIEW).text.lower()
    for word in ("score", "fault", "failed", "winner", "blame"):
        assert word not in page


# Repairs ---------------------------------------------------------------------------------------


def slip(world, person=None) -> DayMark:
    start(world, on=days_ago(3))
    return day_mark(person=person or world.partner_b, day=timezone.localdate(), choice="slipped")


def test_a_slip_offers_a_repair_to_the_one_who_slipped_only(world, client_for):
    slip(world)
    assert "Write a repair to Ana" in client_for("partner_b").get(OVERVIEW).text
    assert "Write a repair" not in client_for("partner_a").get(OVERVIEW).text
    assert client_for("partner_b").get(REPAIR).status_code == 200
    # Never forced: the partner who did not slip is sent back with an explanation.
    response = client_for("partner_a").get(REPAIR, follow=True)
    assert "A repair is offered after you mark a slip" in response.text


def test_the_repair_is_shown_to_the_partner_as_theirs(world, client_for):
    slip(world)
    response = client_for("partner_b").post(
        REPAIR,
        {"apology": "I rolled my eyes at you", "appreciation_1": "You listen so well"},
        follow=True,
    )
    assert "Your repair is saved" in response.text
    page = client_for("partner_a").get(OVERVIEW).text
    assert "Ben's repair" in page
    assert "I rolled my eyes at you" in page and "You listen so well" in page
    assert "Your repair" in client_for("partner_b").get(OVERVIEW).text
    # Offered once per slip: it is not offered again.
    assert "Write a repair to Ana" not in client_for("partner_b").get(OVERVIEW).text


def test_another_couple_never_sees_a_repair_or_a_mark(world, client_for):
    slip(world)
    repair_create(
        author=world.partner_b, apology="I rolled my eyes at you", appreciations=["Your laugh"]
    )
    for role in ("other_couple", "therapist", "other_therapist"):
        page = client_for(role).get(OVERVIEW, follow=True).text
        assert "I rolled my eyes at you" not in page
        assert "Ben" not in page


def test_a_repair_is_stored_as_shared_with_the_partner_and_encrypted(world):
    slip(world)
    repair = repair_create(
        author=world.partner_b, apology="I rolled my eyes", appreciations=["", "Your laugh"]
    )
    assert repair.visibility == "partner"
    assert repair.appreciations == ["Your laugh"]
    assert repair.slip_day == timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT apology, appreciations FROM negativity_repair WHERE id = %s", [repair.pk]
        )
        raw = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in raw)
    assert "eyes" not in raw[0]


def test_a_repair_needs_an_apology_and_keeps_what_was_typed(world, client_for):
    slip(world)
    response = client_for("partner_b").post(
        REPAIR, {"apology": "   ", "appreciation_1": "You are patient"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["apology"] == [services.EMPTY_APOLOGY]
    assert "You are patient" in response.text
    assert not Repair.objects.exists()


def test_a_repair_needs_at_least_one_appreciation(world, client_for):
    slip(world)
    response = client_for("partner_b").post(
        REPAIR, {"apology": "I snapped at you", "appreciation_1": "", "appreciation_2": " "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["appreciation_1"] == [services.NO_APPRECIATION]
    assert "I snapped at you" in response.text
    assert not Repair.objects.exists()


def test_a_too_long_appreciation_is_refused_next_to_it(world, client_for):
    slip(world)
    response = client_for("partner_b").post(
        REPAIR,
        {"apology": "Sorry", "appreciation_1": "ok", "appreciation_2": "y" * 2001},
    )
    assert "up to 2,000 fit here" in response.context["form"].errors["appreciation_2"][0]


def test_a_repair_needs_your_own_slip_in_a_running_challenge(world):
    slip(world, world.partner_b)
    error = refusal(lambda: repair_create(author=world.partner_a, apology="x", appreciations=["y"]))
    assert error.message == services.NO_SLIP
    challenge_stop(person=world.partner_a)
    error = refusal(lambda: repair_create(author=world.partner_b, apology="x", appreciations=["y"]))
    assert error.message == services.NOTHING_RUNNING


# Private notes ---------------------------------------------------------------------------------


def test_a_private_note_is_encrypted_in_the_database(world):
    start(world)
    mark = day_mark(person=world.partner_a, day=timezone.localdate(), choice="kept", note=NOTE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM negativity_daymark WHERE id = %s", [mark.pk])
        [raw] = cursor.fetchone()
    assert raw.startswith("fernet:")
    assert "tongue" not in raw
    assert DayMark.objects.get(pk=mark.pk).note == NOTE


def test_a_private_note_is_in_its_authors_export_and_never_the_partners(world):
    slip(world, world.partner_a)
    day_mark(person=world.partner_a, day=days_ago(1), choice="kept", note=NOTE)
    day_mark(person=world.partner_b, day=days_ago(1), choice="kept", note="Ben's own thought")
    repair_create(author=world.partner_a, apology="I mocked you", appreciations=["Your care"])
    own = person_export(person=world.partner_a)["no_put_downs"]
    [challenge] = own
    assert {m["private_note"] for m in challenge["your_marks"]} == {NOTE, ""}
    assert challenge["your_repairs"][0]["apology"] == "I mocked you"
    partners = json.dumps(person_export(person=world.partner_b))
    assert NOTE not in partners
    assert "I mocked you" not in partners
    assert "Ben's own thought" in partners


# Stopping, finishing, unlinking ----------------------------------------------------------------


def test_either_partner_stops_it_after_a_confirmation(world, client_for):
    start(world)
    client = client_for("partner_b")
    confirm = client.get(STOP)
    assert confirm.status_code == 200
    assert "This ends the practice for both of you" in confirm.text
    assert open_challenges(world.couple).exists()
    response = client.post(STOP, follow=True)
    assert "The practice is stopped" in response.text
    challenge = Challenge.objects.get()
    assert (challenge.ending, challenge.ended_by) == ("stopped", world.partner_b)
    assert "Start the 30 days" in client_for("partner_a").get(OVERVIEW).text
    # And they can start again.
    challenge_start(person=world.partner_a)
    assert open_challenges(world.couple).count() == 1


def test_the_other_couple_cannot_stop_this_couples_challenge(world, client_for):
    start(world)
    client_for("other_couple").post(STOP)
    assert open_challenges(world.couple).exists()


def test_finishing_30_days_shows_a_warm_message_and_lets_them_start_again(world, client_for):
    first = days_ago(29)
    challenge = start(world, on=first)
    keep_both(world, first, 29)
    assert not challenge_progress(challenge=challenge).finished
    keep_both(world, timezone.localdate(), 1)
    assert challenge_progress(challenge=challenge).finished
    page = client_for("partner_b").get(OVERVIEW).text
    assert "Thirty days without put-downs" in page
    assert "You did it together" in page
    assert "Save my mark" not in page
    error = refusal(
        lambda: day_mark(person=world.partner_a, day=timezone.localdate(), choice="slipped")
    )
    assert error.message == services.ALREADY_FINISHED
    client_for("partner_b").post(reverse("no_put_downs_start"))
    challenge.refresh_from_db()
    assert challenge.ending == "finished"
    assert open_challenges(world.couple).get().started_on == timezone.localdate()


def test_the_last_day_is_not_finished_while_a_partner_may_still_mark_it(world):
    first = days_ago(29)
    challenge = start(world, on=first)
    keep_both(world, first, 29)
    keep(world.partner_a, timezone.localdate())
    assert not challenge_progress(challenge=challenge).finished
    # Two days on, nobody can mark it any more: the 30 days are complete.
    later = timezone.localdate() + timedelta(days=2)
    assert challenge_progress(challenge=challenge, today=later).finished


def test_unlinking_stops_the_challenge(world, client_for):
    challenge = start(world)
    couple_unlink(person=world.partner_b)
    assert not open_challenges(world.couple).exists()
    challenge = Challenge.objects.get(pk=challenge.pk)
    assert services.challenge_ending_label(challenge) == "Stopped when the couple ended"
    page = client_for("partner_a").get(OVERVIEW).text
    assert "This one is for couples" in page
    error = refusal(
        lambda: day_mark(person=world.partner_a, day=timezone.localdate(), choice="kept")
    )
    assert error.message == services.FOR_COUPLES
    # A new couple starts fresh.
    make_couple(world.partner_a, make_person("nia@example.com", "Nia"))
    challenge_start(person=world.partner_a)
    assert Challenge.objects.count() == 2


# Professionals and hostile input ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["therapist", "other_therapist"])
def test_a_therapist_is_sent_to_their_dashboard(world, client_for, role):
    start(world)
    for url in (OVERVIEW, REPAIR, STOP):
        response = client_for(role).get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard")


HOSTILE = [
    "",
    "a\x00b",
    "x" * 100_000,
    "💥\u202e\ufeff" * 50,
    "<script>alert(1)</script>",
    "9" * 23,
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_in_these_forms_never_give_a_server_error(world, client_for, value):
    start(world)
    client = client_for("partner_a")
    client.raise_request_exception = False
    fields = ["day", "choice", "note", "apology", "appreciation_1", "appreciation_2"]
    for url in (MARK, REPAIR, STOP, reverse("no_put_downs_start")):
        assert client.post(url, dict.fromkeys(fields, value)).status_code < 500
    day_mark(person=world.partner_a, day=timezone.localdate(), choice="slipped")
    assert client.post(REPAIR, dict.fromkeys(fields, value)).status_code < 500


# The count, as plain data ----------------------------------------------------------------------


class M:
    def __init__(self, day, person_id, choice):
        self.day, self.person_id, self.choice = day, person_id, choice


def test_the_count_is_worked_out_without_a_database():
    d0 = date(2026, 3, 1)
    partners = [(1, "Ana"), (2, "Ben")]
    marks = [M(d0, 1, "kept"), M(d0, 2, "kept"), M(d0 + timedelta(days=1), 2, "slipped")]
    shown = progress(started_on=d0, days=3, marks=marks[:2], partners=partners, today=d0)
    assert (shown.day_number, shown.restarted, shown.finished) == (1, False, False)
    later = progress(
        started_on=d0, days=3, marks=marks, partners=partners, today=d0 + timedelta(days=6)
    )
    assert later.count_start == d0 + timedelta(days=2)
    assert later.day_number == 3
    assert later.finished  # the count's days can no longer be marked, none a slip
