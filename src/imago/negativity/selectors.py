"""Read side. A person only ever sees their own active couple's challenge, so no URL carries an
id and there is nothing of another couple's to find."""

from __future__ import annotations

from imago.couples.models import Couple
from imago.couples.selectors import couple_of
from imago.negativity.models import Challenge, DayMark, Repair


def open_challenges(couple: Couple | None):
    """The couple's open challenge (at most one, by the database), as a QuerySet.

    Only an active couple has one: after an unlink its challenge counts as stopped.
    """
    if couple is None or not couple.is_active:
        return Challenge.objects.none()
    return Challenge.objects.open().filter(couple=couple)


def open_challenge_for(person) -> Challenge | None:
    return open_challenges(couple_of(person)).first()


def marks_of(challenge: Challenge):
    """Every mark of the challenge, both partners'. Notes are read only by their author."""
    return DayMark.objects.filter(challenge=challenge).order_by("day", "person_id")


def own_marks(challenge: Challenge, person):
    return DayMark.objects.filter(challenge=challenge, person=person)


def repairs_for(challenge: Challenge, person):
    """Repairs the person wrote or was written, in this challenge (always within the couple)."""
    if (
        not person.is_authenticated
        or not challenge.couple.memberships.filter(person=person).exists()
    ):
        return Repair.objects.none()
    return Repair.objects.filter(challenge=challenge).select_related("author")


def unrepaired_slip(challenge: Challenge, person) -> DayMark | None:
    """The person's latest slip in the challenge that has no repair yet, or None.

    Only the latest: one repair is what is offered, not a backlog of them.
    """
    slip = (
        own_marks(challenge, person).filter(choice=DayMark.Choice.SLIPPED).order_by("-day").first()
    )
    if slip is None:
        return None
    if Repair.objects.filter(challenge=challenge, author=person, slip_day=slip.day).exists():
        return None
    return slip
