from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from imago.couples.models import Couple
from imago.couples.selectors import connections_for_therapist
from imago.journal.models import JournalEntry
from imago.privacy.models import Visibility


def entries_readable_by(user):
    """Every journal entry this user may read, by the privacy model's three visibilities.

    Own entries always; the partner's entries shared with the partner, from any couple the
    user was part of (a record survives an unlink); entries shared with the therapist under a
    connection that is still active (both partners consented, therapist verified).
    """
    if not user.is_authenticated:
        return JournalEntry.objects.none()
    shared_with_partner = Q(
        visibility=Visibility.PARTNER, couple__in=Couple.objects.for_person(user)
    )
    shared_with_therapist = Q(
        visibility=Visibility.THERAPIST,
        therapist_connection__in=connections_for_therapist(user),
    )
    return JournalEntry.objects.filter(
        Q(author=user) | shared_with_partner | shared_with_therapist
    ).select_related("author")


def get_entry_for_user(user, pk: int) -> JournalEntry:
    entry = entries_readable_by(user).filter(pk=pk).first()
    if entry is None:
        raise Http404("No such entry")
    return entry


def get_own_entry(user, pk: int) -> JournalEntry:
    """An entry the user wrote; anyone else's, even one shared with them, answers 404."""
    if not user.is_authenticated:
        raise Http404("No such entry")
    entry = JournalEntry.objects.filter(author=user, pk=pk).first()
    if entry is None:
        raise Http404("No such entry")
    return entry


def recent_own_entries(user, limit: int = 3):
    return JournalEntry.objects.filter(author=user).order_by("-created_at")[:limit]
