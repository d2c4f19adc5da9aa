"""Writing, changing and deleting journal entries, and reading one as somebody else.

Check-then-do: every function validates first and raises JournalError with a message the form
(or the API) shows next to the field, then acts. The web pages and the API call these same
functions, so both refuse the same things in the same words.
"""

from __future__ import annotations

from django.db import transaction

from imago.couples.models import Couple
from imago.couples.selectors import connection_of, couple_of
from imago.journal.models import JournalEntry
from imago.journal.selectors import get_entry_for_user
from imago.privacy.models import Visibility
from imago.privacy.services import audit_record

MAX_TEXT_LENGTH = 20_000

NOT_A_PERSON = "The journal is for partners and individuals, so there is nothing to write here."
EMPTY_TEXT = "Write something before saving. An empty entry cannot be saved."
TOO_LONG = (
    "This entry is {length:,} characters long; the most one entry can hold is "
    f"{MAX_TEXT_LENGTH:,}. Split it into two entries, or shorten it."
)
UNKNOWN_VISIBILITY = "Choose who can read this entry."
NO_PARTNER = (
    "You can share with a partner once the two of you have linked your accounts. "
    "For now, keep it to yourself."
)
COUPLE_ENDED = (
    "This entry was written while you were linked with a partner you are no longer linked "
    "with, so it can only be private now. Write a new entry to share something."
)
NO_THERAPIST = (
    "Your couple is not connected to a therapist, so there is nobody to share this with yet."
)
THERAPIST_PENDING = (
    "Your therapist connection is waiting for both of you to agree. Until then, an entry "
    "cannot be shared with the therapist."
)
THERAPIST_UNVERIFIED = (
    "Your therapist's account has not been verified yet. Until it is, an entry cannot be "
    "shared with them."
)


class JournalError(Exception):
    """A refusal to show the person, next to `field` ("text", "visibility", or None)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _check_author(author) -> None:
    if not author.is_person:
        raise JournalError(None, NOT_A_PERSON)


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise JournalError("text", EMPTY_TEXT)
    if len(text) > MAX_TEXT_LENGTH:
        raise JournalError("text", TOO_LONG.format(length=len(text)))
    return text


def _visibility_problem(*, couple: Couple | None, visibility: str, new: bool) -> str | None:
    """Why `visibility` is not possible for an entry belonging to `couple`, or None."""
    if visibility == Visibility.PRIVATE:
        return None
    if couple is None:
        return NO_PARTNER
    if not couple.is_active:
        # Shared entries stay a record of the couple they were written in, so an entry
        # can never be handed to a later partner; after an unlink it can only go private.
        return NO_PARTNER if new else COUPLE_ENDED
    if visibility == Visibility.THERAPIST:
        connection = connection_of(couple)
        if connection is None:
            return NO_THERAPIST
        if not connection.is_active:
            return THERAPIST_PENDING
        if not connection.therapist.is_verified_therapist:
            return THERAPIST_UNVERIFIED
    return None


def _entry_couple(*, author, entry: JournalEntry | None) -> Couple | None:
    """The couple an entry belongs to: the one it was written in, else the author's current one.

    An entry written while single has no couple; it joins the author's current couple the
    first time it is shared, because no earlier partner can have a claim on it.
    """
    if entry is not None and entry.couple_id is not None:
        return entry.couple
    return couple_of(author)


def _check_visibility(*, author, entry: JournalEntry | None, visibility: str) -> Couple | None:
    if visibility not in Visibility.values:
        raise JournalError("visibility", UNKNOWN_VISIBILITY)
    couple = _entry_couple(author=author, entry=entry)
    problem = _visibility_problem(couple=couple, visibility=visibility, new=entry is None)
    if problem:
        raise JournalError("visibility", problem)
    return couple


def journal_unavailable_visibilities(*, author, entry: JournalEntry | None = None) -> dict:
    """{visibility: reason} for the choices the author cannot pick right now (forms grey them)."""
    couple = _entry_couple(author=author, entry=entry)
    problems = {
        v: _visibility_problem(couple=couple, visibility=v, new=entry is None)
        for v in (Visibility.PARTNER, Visibility.THERAPIST)
    }
    return {v: reason for v, reason in problems.items() if reason}


def _shared_under(*, couple: Couple | None, visibility: str):
    """The therapist connection an entry is shared under (checked active), or None."""
    return connection_of(couple) if visibility == Visibility.THERAPIST else None


def journal_entry_create(*, author, text: str, visibility: str) -> JournalEntry:
    _check_author(author)
    text = _check_text(text)
    couple = _check_visibility(author=author, entry=None, visibility=visibility)
    # Even a private entry remembers the couple it was written in: if it is shared later,
    # it goes to that couple and never to a later partner.
    return JournalEntry.objects.create(
        author=author,
        couple=couple,
        visibility=visibility,
        therapist_connection=_shared_under(couple=couple, visibility=visibility),
        text=text,
    )


def journal_entry_update(
    *, author, entry: JournalEntry, text: str, visibility: str
) -> JournalEntry:
    if entry.author_id != author.pk:
        raise JournalError(None, "Only the person who wrote an entry can change it.")
    text = _check_text(text)
    couple = _check_visibility(author=author, entry=entry, visibility=visibility)
    entry.text = text
    entry.visibility = visibility
    if entry.couple_id is None and visibility != Visibility.PRIVATE:
        entry.couple = couple
    # Saving with "our therapist" shares it with the therapist the couple has now.
    entry.therapist_connection = _shared_under(couple=couple, visibility=visibility)
    entry.save(update_fields=["text", "visibility", "couple", "therapist_connection", "updated_at"])
    return entry


def journal_entry_delete(*, author, entry: JournalEntry) -> None:
    if entry.author_id != author.pk:
        raise JournalError(None, "Only the person who wrote an entry can delete it.")
    entry.delete()


def journal_entries_read(*, reader, entries) -> list[JournalEntry]:
    """Hand entries to `reader`, recording first every one a professional is about to see.

    Partners reading what the other chose to share with them are not audited: that is the
    sharing working as meant. A therapist reading a partner's words is, every time.
    """
    entries = list(entries)
    if reader.is_person:
        return entries
    with transaction.atomic():
        for entry in entries:
            if entry.author_id != reader.pk:
                audit_record(
                    actor=reader,
                    subject=entry.author,
                    action="view",
                    what=f"journal entry {entry.pk}",
                )
    return entries


def journal_entry_read(*, reader, pk: int) -> JournalEntry:
    """One entry `reader` may read (404 otherwise), audited like journal_entries_read."""
    entry = get_entry_for_user(reader, pk)
    journal_entries_read(reader=reader, entries=[entry])
    return entry
