"""Starting, marking, repairing and stopping the 30 days without put-downs.

Check-then-do, as in the journal: each function validates first and raises NegativityError
with a message the form shows next to the field (or at the top), then acts.

Days are local dates: `today` defaults to django.utils.timezone.localdate(), the date in
settings.TIME_ZONE. Every function takes `today=` as a keyword so tests (and a later per-person
time zone) can say which day it is without patching the clock.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone

from imago.couples.models import Couple
from imago.couples.selectors import couple_of
from imago.negativity.models import DEFAULT_DAYS, Challenge, DayMark, Repair
from imago.negativity.progress import Progress, progress
from imago.negativity.selectors import marks_of, open_challenges, unrepaired_slip

MAX_NOTE_LENGTH = 2_000
MAX_REPAIR_LENGTH = 2_000
MAX_APPRECIATIONS = 3
MAX_DAYS = 366

NOT_A_PERSON = "This practice is for partners, so there is nothing to do here."
FOR_COUPLES = (
    "The 30 days without put-downs are something two linked partners do together. "
    "Once you and your partner have linked your accounts, either of you can start."
)
ALREADY_RUNNING = "Your 30 days are already under way. There is one at a time for a couple."
NOTHING_RUNNING = "There is no practice under way right now. Either of you can start one."
ALREADY_FINISHED = (
    "These 30 days are complete, so they cannot be marked any more. "
    "You can start another 30 days whenever you both like."
)
BAD_LENGTH = f"Choose a length between 1 and {MAX_DAYS} days."
CHOOSE_DAY = "Choose the day you are marking: today or yesterday."
FUTURE_DAY = "That day has not come yet. You can mark today or yesterday."
PAST_DAY = "Only today and yesterday can be marked. Earlier days stay as they were."
BEFORE_START = "Your practice started on {start}, so that day is not part of it."
UNKNOWN_CHOICE = "Choose how the day went."
NOTE_TOO_LONG = (
    "This note is {length:,} characters long; a note can hold up to "
    f"{MAX_NOTE_LENGTH:,}. Please shorten it."
)
NO_SLIP = "A repair is offered after you mark a slip. There is no slip waiting for one right now."
EMPTY_APOLOGY = "Write a few words about what you are sorry for."
NO_APPRECIATION = "Write at least one thing you appreciate about your partner."
REPAIR_TOO_LONG = (
    "This is {length:,} characters long; up to "
    f"{MAX_REPAIR_LENGTH:,} fit here. Please shorten it."
)
TOO_MANY_APPRECIATIONS = f"Up to {MAX_APPRECIATIONS} appreciations fit in one repair."


class NegativityError(Exception):
    """A refusal to show the person, next to `field` (a form field name, or None for the top)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def long_date(day: date) -> str:
    return dateformat.format(day, "l j F")


def _today(today: date | None) -> date:
    return today if today is not None else timezone.localdate()


def _check_couple(person) -> Couple:
    if not person.is_person:
        raise NegativityError(None, NOT_A_PERSON)
    couple = couple_of(person)
    if couple is None:
        raise NegativityError(None, FOR_COUPLES)
    return couple


def _check_open(couple: Couple) -> Challenge:
    challenge = open_challenges(couple).first()
    if challenge is None:
        raise NegativityError(None, NOTHING_RUNNING)
    return challenge


def challenge_progress(*, challenge: Challenge, today: date | None = None) -> Progress:
    partners = [(p.pk, p.display_name) for p in challenge.couple.partners()]
    return progress(
        started_on=challenge.started_on,
        days=challenge.days,
        marks=marks_of(challenge),
        partners=partners,
        today=_today(today),
    )


def _close(challenge: Challenge, *, by, ending: str) -> None:
    challenge.ended_at = timezone.now()
    challenge.ended_by = by
    challenge.ending = ending
    challenge.save(update_fields=["ended_at", "ended_by", "ending"])


def challenge_start(*, person, days: int = DEFAULT_DAYS, today: date | None = None) -> Challenge:
    """Start the couple's count today. A finished challenge is closed first; a running one
    refuses."""
    couple = _check_couple(person)
    if not 1 <= days <= MAX_DAYS:
        raise NegativityError(None, BAD_LENGTH)
    today = _today(today)
    with transaction.atomic():
        current = open_challenges(couple).select_for_update(of=("self",)).first()
        if current is not None:
            if not challenge_progress(challenge=current, today=today).finished:
                raise NegativityError(None, ALREADY_RUNNING)
            _close(current, by=person, ending=Challenge.Ending.FINISHED)
        try:
            with transaction.atomic():
                return Challenge.objects.create(
                    couple=couple, started_by=person, started_on=today, days=days
                )
        except IntegrityError:
            # Both partners pressed "start" at the same moment: the database let one through.
            raise NegativityError(None, ALREADY_RUNNING) from None


def _check_day(*, challenge: Challenge, day: date | None, today: date) -> date:
    if day is None:
        raise NegativityError("day", CHOOSE_DAY)
    if day > today:
        raise NegativityError("day", FUTURE_DAY)
    if day < today - timedelta(days=1):
        raise NegativityError("day", PAST_DAY)
    if day < challenge.started_on:
        raise NegativityError("day", BEFORE_START.format(start=long_date(challenge.started_on)))
    return day


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise NegativityError("note", NOTE_TOO_LONG.format(length=len(note)))
    return note


def day_mark(
    *, person, day: date | None, choice: str, note: str = "", today: date | None = None
) -> DayMark:
    """Mark one day for oneself. A second mark for the same day replaces the first."""
    couple = _check_couple(person)
    challenge = _check_open(couple)
    today = _today(today)
    if challenge_progress(challenge=challenge, today=today).finished:
        raise NegativityError(None, ALREADY_FINISHED)
    day = _check_day(challenge=challenge, day=day, today=today)
    if choice not in DayMark.Choice.values:
        raise NegativityError("choice", UNKNOWN_CHOICE)
    note = _check_note(note)
    defaults = {"choice": choice, "note": note}
    try:
        with transaction.atomic():
            mark, _ = DayMark.objects.update_or_create(
                challenge=challenge, person=person, day=day, defaults=defaults
            )
    except IntegrityError:
        # A double submit raced us to the insert; the row exists now, so this is an update.
        mark, _ = DayMark.objects.update_or_create(
            challenge=challenge, person=person, day=day, defaults=defaults
        )
    return mark


def _check_repair_text(field: str, text: str, *, empty: str | None = None) -> str:
    text = (text or "").strip()
    if empty and not text:
        raise NegativityError(field, empty)
    if len(text) > MAX_REPAIR_LENGTH:
        raise NegativityError(field, REPAIR_TOO_LONG.format(length=len(text)))
    return text


def repair_create(*, author, apology: str, appreciations: list[str]) -> Repair:
    """A repair for the author's latest slip, written to the partner. Offered, never required."""
    couple = _check_couple(author)
    challenge = _check_open(couple)
    slip = unrepaired_slip(challenge, author)
    if slip is None:
        raise NegativityError(None, NO_SLIP)
    apology = _check_repair_text("apology", apology, empty=EMPTY_APOLOGY)
    if len(appreciations) > MAX_APPRECIATIONS:
        raise NegativityError(None, TOO_MANY_APPRECIATIONS)
    checked = [
        _check_repair_text(f"appreciation_{number}", text)
        for number, text in enumerate(appreciations, start=1)
    ]
    checked = [text for text in checked if text]
    if not checked:
        raise NegativityError("appreciation_1", NO_APPRECIATION)
    return Repair.objects.create(
        challenge=challenge,
        author=author,
        slip_day=slip.day,
        apology=apology,
        appreciations=checked,
    )


def challenge_stop(*, person, today: date | None = None) -> Challenge:
    """Either partner may stop the couple's challenge; the marks stay as a record."""
    couple = _check_couple(person)
    with transaction.atomic():
        challenge = open_challenges(couple).select_for_update(of=("self",)).first()
        if challenge is None:
            raise NegativityError(None, NOTHING_RUNNING)
        finished = challenge_progress(challenge=challenge, today=today).finished
        ending = Challenge.Ending.FINISHED if finished else Challenge.Ending.STOPPED
        _close(challenge, by=person, ending=ending)
    return challenge


def challenge_ending_label(challenge: Challenge) -> str | None:
    """How a challenge ended, in words; None while it is open."""
    if challenge.ending:
        return challenge.get_ending_display()
    if challenge.couple.ended_at is not None:
        # Unlinking ends the couple; the challenge stopped with it.
        return "Stopped when the couple ended"
    return None


def no_put_downs_export(*, person) -> list[dict]:
    """For the account export: the person's own marks with their private notes, and the
    repairs they wrote. Never the partner's notes or repairs."""

    def when(value):
        return value.isoformat() if value else None

    challenges = (
        Challenge.objects.filter(couple__memberships__person=person)
        .distinct()
        .select_related("couple")
        .order_by("created_at")
    )
    return [
        {
            "started_on": when(challenge.started_on),
            "days": challenge.days,
            "started_by_you": challenge.started_by_id == person.pk,
            "ended": when(challenge.ended_at or challenge.couple.ended_at),
            "how_it_ended": challenge_ending_label(challenge),
            "your_marks": [
                {"day": when(m.day), "mark": m.get_choice_display(), "private_note": m.note}
                for m in DayMark.objects.filter(challenge=challenge, person=person).order_by("day")
            ],
            "your_repairs": [
                {
                    "for_the_slip_on": when(r.slip_day),
                    "written": when(r.created_at),
                    "apology": r.apology,
                    "appreciations": r.appreciations,
                }
                for r in Repair.objects.filter(challenge=challenge, author=person).order_by(
                    "created_at"
                )
            ],
        }
        for challenge in challenges
    ]
