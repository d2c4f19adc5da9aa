"""Read-side helpers: who belongs to which couple, and which couple a therapist may open.

Every lookup that takes an id from a URL goes through one helper here that returns 404 for
"does not exist" and "not yours" alike, so a URL never tells whether a couple exists.
"""

from __future__ import annotations

from django.http import Http404

from imago.couples.models import Couple, Invitation, Membership, TherapistConnection
from imago.dialogue import DEFAULT_LIMITS, Limits


def couple_of(person) -> Couple | None:
    """The person's active couple, or None."""
    if not person.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("couple")
        .filter(person=person, left_at__isnull=True)
        .first()
    )
    return membership.couple if membership else None


def connection_of(couple: Couple | None) -> TherapistConnection | None:
    """The couple's pending or active therapist connection, or None."""
    if couple is None:
        return None
    return TherapistConnection.objects.current().filter(couple=couple).first()


def balance_limits_for(couple: Couple | None) -> Limits:
    """The limits for the balance nudge in this couple's dialogues: those their active
    therapist chose, or the defaults when no therapist is connected (or not yet consented to).
    """
    if couple is None:
        return DEFAULT_LIMITS
    connection = TherapistConnection.objects.active().filter(couple=couple).first()
    if connection is None:
        return DEFAULT_LIMITS
    return Limits(minutes=connection.balance_minutes, turns=connection.balance_turns)


def connections_for_therapist(therapist):
    """This therapist's active connections (both partners consented). Empty unless verified."""
    if not therapist.is_authenticated or not therapist.is_verified_therapist:
        return TherapistConnection.objects.none()
    return TherapistConnection.objects.active().filter(therapist=therapist)


def couples_for_therapist(therapist):
    """Couples whose both partners consented to this therapist. Empty unless verified."""
    return Couple.objects.filter(connections__in=connections_for_therapist(therapist)).distinct()


def get_couple_for_therapist(therapist, couple_id: int) -> Couple:
    couple = couples_for_therapist(therapist).filter(pk=couple_id).first()
    if couple is None:
        raise Http404("No such couple")
    return couple


def pending_partner_invitation(person) -> Invitation | None:
    """The person's open partner invitation (there is at most one), or None."""
    return (
        Invitation.objects.usable()
        .filter(kind=Invitation.Kind.PARTNER, created_by=person)
        .order_by("-created_at")
        .first()
    )


def open_therapist_invitations(therapist):
    return Invitation.objects.usable().filter(kind=Invitation.Kind.THERAPIST, created_by=therapist)


def active_connections_for_therapist(therapist):
    """The therapist's connections both partners consented to, newest first."""
    if not therapist.is_authenticated or not therapist.is_verified_therapist:
        return TherapistConnection.objects.none()
    return (
        TherapistConnection.objects.active()
        .filter(therapist=therapist)
        .select_related("couple")
        .prefetch_related("couple__memberships__person")
        .order_by("-active_since")
    )


def pending_connections_for_therapist(therapist):
    """Requests still waiting for the second partner's consent."""
    if not therapist.is_authenticated:
        return TherapistConnection.objects.none()
    return (
        TherapistConnection.objects.current()
        .filter(therapist=therapist, active_since__isnull=True)
        .prefetch_related("consented_by")
        .order_by("-requested_at")
    )
