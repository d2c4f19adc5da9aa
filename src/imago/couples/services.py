"""Linking partners, unlinking them, and connecting a couple to a therapist.

Every function checks first (raising CoupleError with a message the person can read) and only
then changes anything, inside one transaction. Invitations are single-use: the invitation row
is locked while it is used, so two people racing for the same link cannot both succeed, and the
database's one-active-couple constraint backs this up for two different invitations.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import dateformat, timezone

from imago.couples.models import (
    Couple,
    Invitation,
    InvitationAttempt,
    Membership,
    TherapistConnection,
)
from imago.couples.selectors import (
    connection_of,
    connections_for_therapist,
    couple_of,
    pending_partner_invitation,
)
from imago.dialogue import LIMIT_RANGES

# No 0/O, 1/I/L: a code read aloud or copied from paper should not be mistyped.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class CoupleError(Exception):
    """A reason an action cannot be done, worded for the person who tried it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvitationUnusable(CoupleError):
    """The invitation cannot be used by anyone (unknown, expired, used, cancelled, wrong kind).

    Views answer these with 404 and a kind page; other CoupleErrors depend on who is asking.
    """


@dataclass(frozen=True)
class IssuedInvitation:
    """What the inviter hands over. Token and code exist only here: we store their digests."""

    invitation: Invitation
    token: str
    code: str  # formatted XXXX-XXXX
    path: str  # the link's path on this site

    @property
    def url(self) -> str:
        return self.path


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def code_normalize(code: str) -> str:
    """Upper case, without dashes or spaces: 'abcd efgh' and 'ABCD-EFGH' are the same code."""
    return "".join(ch for ch in code.upper() if ch not in "- \t")


def code_format(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_looks_valid(code: str) -> bool:
    normalized = code_normalize(code)
    return len(normalized) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in normalized)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _invitation_issue(*, created_by, kind: str, url_name: str) -> IssuedInvitation:
    token = secrets.token_urlsafe(24)
    code = _new_code()
    # A clash is about one in 10^12 per pair of open codes; draw again rather than fail.
    while Invitation.objects.filter(code_digest=digest(code)).exists():
        code = _new_code()
    invitation = Invitation.objects.create(
        kind=kind,
        created_by=created_by,
        token_digest=digest(token),
        code_digest=digest(code),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    return IssuedInvitation(
        invitation=invitation,
        token=token,
        code=code_format(code),
        path=reverse(url_name, kwargs={"token": token}),
    )


def invitation_find(*, kind: str, token: str = "", code: str = "", lock: bool = False):
    """The invitation behind a link token or a code, if anyone could still use it.

    Raises InvitationUnusable otherwise. With lock=True (inside a transaction) the row stays
    locked until the transaction ends.
    """
    if token:
        lookup = {"token_digest": digest(token)}
    elif code and code_looks_valid(code):
        lookup = {"code_digest": digest(code_normalize(code))}
    else:
        raise InvitationUnusable("We couldn't find that invitation. Please check the link or code.")
    queryset = Invitation.objects.select_related("created_by")
    if lock:
        queryset = queryset.select_for_update()
    invitation = queryset.filter(**lookup).first()
    if invitation is None:
        raise InvitationUnusable("We couldn't find that invitation. Please check the link or code.")
    if invitation.kind != kind:
        if kind == Invitation.Kind.PARTNER:
            raise InvitationUnusable(
                "This invitation comes from a therapist, not from a partner. "
                "You can use it on your couple page, under “Join your therapist”."
            )
        raise InvitationUnusable(
            "This invitation comes from a partner, not from a therapist. "
            "You can use it under “Have a code? Join your partner”."
        )
    if invitation.used_at is not None:
        raise InvitationUnusable("This invitation has already been used. Please ask for a new one.")
    if invitation.cancelled_at is not None:
        raise InvitationUnusable("This invitation was cancelled. Please ask for a new one.")
    if invitation.is_expired:
        raise InvitationUnusable("This invitation has expired. Please ask for a new one.")
    return invitation


# Guessing ---------------------------------------------------------------------------------

# A code has 31^8 values, so a few wrong tries are typos, and many are someone guessing. The
# window matches the login throttle's, so the waiting time we name is the same everywhere.
ATTEMPT_WINDOW = timedelta(minutes=15)
ATTEMPTS_PER_PERSON = 10
# Anonymous visitors can only try links, and several people may share one address.
ATTEMPTS_PER_ADDRESS = 30


class TooManyAttempts(CoupleError):
    """Too many codes or links that did not work, lately: we do not look this one up."""


def _attempts_recent(*, person, ip):
    since = timezone.now() - ATTEMPT_WINDOW
    if person is not None and person.is_authenticated:
        return InvitationAttempt.objects.filter(person=person, at__gt=since), ATTEMPTS_PER_PERSON
    return InvitationAttempt.objects.filter(person=None, ip=ip, at__gt=since), ATTEMPTS_PER_ADDRESS


def invitation_attempts_check(*, person, ip: str | None, kind: str = Invitation.Kind.PARTNER):
    """Refuse to look up any code or link for someone who got too many wrong lately.

    A person is counted by account across both kinds of invitation; an anonymous visitor by
    address. Two requests at the same moment may both pass: a slowdown, not a lock.
    """
    attempts, limit = _attempts_recent(person=person, ip=ip)
    if attempts.count() >= limit:
        sender = "your therapist" if kind == Invitation.Kind.THERAPIST else "your partner"
        raise TooManyAttempts(
            "Too many codes that did not work. Please wait 15 minutes, "
            f"or ask {sender} to send the link again."
        )


def invitation_attempt_record(*, person, ip: str | None) -> None:
    """Count a code or link that did not work (after InvitationUnusable)."""
    now = timezone.now()
    # Rows past the window count for nothing; deleting them here keeps the table small
    # without a scheduled job.
    InvitationAttempt.objects.filter(at__lte=now - ATTEMPT_WINDOW).delete()
    if person is not None and person.is_authenticated:
        InvitationAttempt.objects.create(person=person, at=now)
    else:
        InvitationAttempt.objects.create(ip=ip or None, at=now)


def invitation_open(*, kind: str, token: str, person, ip: str | None) -> Invitation:
    """invitation_find for a link someone opened, counting it if it did not work."""
    invitation_attempts_check(person=person, ip=ip, kind=kind)
    try:
        return invitation_find(kind=kind, token=token)
    except InvitationUnusable:
        invitation_attempt_record(person=person, ip=ip)
        raise


# Partners ---------------------------------------------------------------------------------


def partner_invitation_check(*, inviter) -> None:
    if not inviter.is_person:
        raise CoupleError("Only partner accounts can invite a partner.")
    if couple_of(inviter) is not None:
        raise CoupleError("You are already linked to a partner.")


def partner_invitation_create(*, inviter, email: str = "", base_url: str = "") -> IssuedInvitation:
    """A new partner invitation; the inviter's earlier unused one stops working.

    With an e-mail address, the link and code are also sent there. base_url (like
    "https://example.org") makes the link absolute; views pass the request's own.
    """
    partner_invitation_check(inviter=inviter)
    with transaction.atomic():
        Invitation.objects.usable().filter(kind=Invitation.Kind.PARTNER, created_by=inviter).update(
            cancelled_at=timezone.now()
        )
        issued = _invitation_issue(
            created_by=inviter, kind=Invitation.Kind.PARTNER, url_name="invitation_accept"
        )
    if email:
        from imago.couples.tasks import send_partner_invitation

        send_partner_invitation.enqueue(
            to=email,
            inviter_name=str(inviter),
            # The e-mail's link has a neutral path: it may be read over someone's shoulder.
            link=base_url.rstrip("/") + reverse("invitation_link", kwargs={"token": issued.token}),
            code=issued.code,
            expires_on=dateformat.format(
                timezone.localtime(issued.invitation.expires_at), "F j, Y"
            ),
        )
    return issued


def invitation_cancel(*, person) -> Invitation:
    """Cancel the person's open partner invitation."""
    invitation = pending_partner_invitation(person)
    if invitation is None:
        raise CoupleError("You have no open invitation to cancel.")
    Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    invitation.refresh_from_db()
    return invitation


def partner_acceptance_check(*, person, invitation: Invitation) -> None:
    """Reasons this person cannot accept this (otherwise usable) partner invitation."""
    if not person.is_person:
        raise CoupleError("Only partner accounts can accept a partner's invitation.")
    if invitation.created_by_id == person.pk:
        raise CoupleError("You can't accept your own invitation.")
    if couple_of(person) is not None:
        raise CoupleError(
            "You are already linked to a partner. To accept this invitation, unlink first."
        )
    if couple_of(invitation.created_by) is not None:
        raise CoupleError(
            "This invitation can no longer be used: the person who sent it is now linked "
            "to a partner."
        )


def invitation_accept(*, person, token: str = "", code: str = "", ip: str | None = None) -> Couple:
    """Accept a partner invitation by link token or by code: the two become a couple.

    A token or code that does not work is counted against the person (see
    invitation_attempts_check); after too many, nothing is looked up for a while.
    """
    invitation_attempts_check(person=person, ip=ip, kind=Invitation.Kind.PARTNER)
    try:
        return _invitation_accept(person=person, token=token, code=code)
    except InvitationUnusable:
        # Recorded outside the rolled-back transaction, or it would vanish with it.
        invitation_attempt_record(person=person, ip=ip)
        raise


def _invitation_accept(*, person, token: str, code: str) -> Couple:
    with transaction.atomic():
        invitation = invitation_find(
            kind=Invitation.Kind.PARTNER, token=token, code=code, lock=True
        )
        partner_acceptance_check(person=person, invitation=invitation)
        inviter = invitation.created_by
        now = timezone.now()
        try:
            with transaction.atomic():
                couple = Couple.objects.create(created_at=now)
                Membership.objects.create(couple=couple, person=inviter, joined_at=now)
                Membership.objects.create(couple=couple, person=person, joined_at=now)
        except IntegrityError:
            # Someone else linked one of the two a moment ago, through another invitation.
            raise CoupleError(
                "One of you was linked to a partner a moment ago, so this invitation "
                "can no longer be used."
            ) from None
        invitation.used_at = now
        invitation.used_by = person
        invitation.save(update_fields=["used_at", "used_by"])
    return couple


def couple_unlink(*, person) -> Couple:
    """End the person's couple: both memberships end, and so does any therapist connection.

    Items shared between the partners keep pointing at this couple, so both can still read
    them as a record; private items were only ever their author's.
    """
    with transaction.atomic():
        couple = (
            Couple.objects.select_for_update()
            .filter(memberships__person=person, memberships__left_at__isnull=True)
            .first()
        )
        if couple is None or couple.ended_at is not None:
            raise CoupleError("You are not linked to a partner right now.")
        now = timezone.now()
        couple.ended_at = now
        couple.ended_by = person
        couple.save(update_fields=["ended_at", "ended_by"])
        couple.memberships.filter(left_at__isnull=True).update(left_at=now)
        TherapistConnection.objects.current().filter(couple=couple).update(
            ended_at=now, ended_by=person
        )
        # An invitation made before this couple must not link either of them to someone else
        # now. (While they were linked it was refused with a clearer message.)
        Invitation.objects.usable().filter(
            kind=Invitation.Kind.PARTNER, created_by__in=couple.partners()
        ).update(cancelled_at=now)
    return couple


# Therapists -------------------------------------------------------------------------------


def therapist_invitation_create(*, therapist) -> IssuedInvitation:
    """A link and code a verified therapist gives one couple. Several may be open at once."""
    if not therapist.is_verified_therapist:
        raise CoupleError(
            "An administrator needs to verify your certification before you can invite couples."
        )
    with transaction.atomic():
        return _invitation_issue(
            created_by=therapist, kind=Invitation.Kind.THERAPIST, url_name="therapist_join_link"
        )


def therapist_request_check(*, person, invitation: Invitation) -> Couple:
    """Reasons this person cannot use this (otherwise usable) therapist invitation."""
    couple = couple_of(person)
    if couple is None:
        raise CoupleError(
            "You need to be linked to your partner before you connect with a therapist."
        )
    if connection_of(couple) is not None:
        raise CoupleError(
            "You already have a therapist, or a request waiting for consent. "
            "End it first to connect with someone else."
        )
    if not invitation.created_by.is_verified_therapist:
        raise CoupleError(
            "This therapist's certification is not verified right now, "
            "so the invitation can't be used."
        )
    return couple


def therapist_connection_request(
    *, person, token: str = "", code: str = "", ip: str | None = None
) -> TherapistConnection:
    """The first partner accepts a therapist's invitation; the other partner must still agree.

    Wrong tokens and codes are counted like in invitation_accept.
    """
    invitation_attempts_check(person=person, ip=ip, kind=Invitation.Kind.THERAPIST)
    try:
        return _therapist_connection_request(person=person, token=token, code=code)
    except InvitationUnusable:
        invitation_attempt_record(person=person, ip=ip)
        raise


def _therapist_connection_request(*, person, token: str, code: str) -> TherapistConnection:
    with transaction.atomic():
        invitation = invitation_find(
            kind=Invitation.Kind.THERAPIST, token=token, code=code, lock=True
        )
        couple = therapist_request_check(person=person, invitation=invitation)
        now = timezone.now()
        try:
            with transaction.atomic():
                connection = TherapistConnection.objects.create(
                    couple=couple, therapist=invitation.created_by, requested_at=now
                )
        except IntegrityError:
            raise CoupleError(
                "Your partner connected a therapist a moment ago. Please look at your couple page."
            ) from None
        connection.consented_by.add(person)
        invitation.used_at = now
        invitation.used_by = person
        invitation.save(update_fields=["used_at", "used_by"])
    return connection


def _pending_connection_of(person) -> TherapistConnection:
    couple = couple_of(person)
    connection = connection_of(couple)
    if connection is None or connection.active_since is not None:
        raise CoupleError("There is no therapist request waiting for your answer.")
    return connection


def therapist_connection_consent(*, person) -> TherapistConnection:
    """The other partner agrees; once both have, the therapist can see what is shared."""
    with transaction.atomic():
        connection = _pending_connection_of(person)
        connection = TherapistConnection.objects.select_for_update().get(pk=connection.pk)
        if connection.consented_by.filter(pk=person.pk).exists():
            raise CoupleError("You have already agreed. Your partner's consent is still needed.")
        if not connection.therapist.is_verified_therapist:
            raise CoupleError(
                "This therapist's certification is not verified right now, so the connection "
                "can't start. You can decline the request."
            )
        connection.consented_by.add(person)
        partner_ids = {p.pk for p in connection.couple.partners()}
        consented_ids = set(connection.consented_by.values_list("pk", flat=True))
        if partner_ids <= consented_ids:
            connection.active_since = timezone.now()
            connection.save(update_fields=["active_since"])
    return connection


def therapist_connection_decline(*, person) -> TherapistConnection:
    """Either partner says no to (or withdraws) a request that is still waiting."""
    with transaction.atomic():
        connection = _pending_connection_of(person)
        connection.ended_at = timezone.now()
        connection.ended_by = person
        connection.save(update_fields=["ended_at", "ended_by"])
    return connection


def therapist_connection_end(*, person, couple: Couple | None = None) -> TherapistConnection:
    """End a couple's therapist connection (pending or active).

    A partner ends their own couple's connection (couple is not needed). The therapist may end
    a connection too, by naming the couple; only their own connection is found.
    """
    with transaction.atomic():
        if person.is_person:
            connection = connection_of(couple_of(person))
        else:
            connection = (
                TherapistConnection.objects.current()
                .filter(couple=couple, therapist=person)
                .first()
                if couple is not None
                else None
            )
        if connection is None:
            raise CoupleError("You are not connected to a therapist right now.")
        connection.ended_at = timezone.now()
        connection.ended_by = person
        connection.save(update_fields=["ended_at", "ended_by"])
    return connection


def therapist_balance_check(*, therapist, couple: Couple, minutes: int, turns: int) -> None:
    """Raise CoupleError unless this therapist may set these balance limits for this couple."""
    if not connections_for_therapist(therapist).filter(couple=couple).exists():
        raise CoupleError("Only the couple's own therapist can change their balance limits.")
    for value, name, words in (
        (minutes, "minutes", "Minutes on the frustration"),
        (turns, "turns", "Turns on the frustration"),
    ):
        low, high = LIMIT_RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise CoupleError(f"{words} can be from {low} to {high}.")


def therapist_balance_set(
    *, therapist, couple: Couple, minutes: int, turns: int
) -> TherapistConnection:
    """The couple's therapist chooses after how many minutes or turns on a frustration the
    dialogue room suggests closing with appreciations (imago.dialogue.balance)."""
    with transaction.atomic():
        therapist_balance_check(therapist=therapist, couple=couple, minutes=minutes, turns=turns)
        connection = connections_for_therapist(therapist).select_for_update().get(couple=couple)
        connection.balance_minutes = minutes
        connection.balance_turns = turns
        connection.save(update_fields=["balance_minutes", "balance_turns"])
    return connection
