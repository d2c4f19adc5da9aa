"""What happens to a person's account: signing up, two-factor, export and deletion.

Each function checks first and raises AccountError (carrying a message fit to show the person)
before it changes anything.
"""

from __future__ import annotations

import base64
import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from imago.accounts.models import (
    PROFESSIONAL_ROLES,
    CertificationLevel,
    ProfessionalProfile,
    Role,
    User,
)

BACKUP_CODE_COUNT = 10
DELETED_LABEL = "deleted person"
EMAIL_TAKEN = (
    "An account with this e-mail address already exists. "
    "You can log in, or reset your password if you forgot it."
)
TOO_MANY_TRIES = "Too many wrong codes. Please wait a minute, then try again."


class AccountError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# Sign up ---------------------------------------------------------------------------------------


def email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def user_signup(
    *,
    email: str,
    display_name: str,
    password: str,
    role: str = Role.PERSON,
    certification_level: str = "",
    credentials: str = "",
) -> User:
    # Administrators are made by other administrators, never by signing up.
    if role == Role.ADMIN or role not in Role.values:
        raise AccountError("Please choose how you are joining.", field="role")
    if role in PROFESSIONAL_ROLES and not certification_level:
        raise AccountError("Please choose your certification level.", field="certification_level")
    if email_is_taken(email):
        raise AccountError(EMAIL_TAKEN, field="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email.strip(),
                password=password,
                display_name=display_name.strip(),
                role=role,
            )
            if role in PROFESSIONAL_ROLES:
                # Unverified until an administrator checks the credentials.
                ProfessionalProfile.objects.create(
                    user=user,
                    certification_level=certification_level,
                    credentials=credentials.strip(),
                )
    except IntegrityError:
        # Two sign-ups with the same address at the same moment: the database decides.
        raise AccountError(EMAIL_TAKEN, field="email") from None
    return user


def professional_profile_submit(
    *, user, certification_level: str, credentials: str
) -> ProfessionalProfile:
    """A professional's claim, new or corrected; it waits for an administrator either way."""
    if user.role not in PROFESSIONAL_ROLES:
        raise AccountError("Only therapists, presenters and facilitators have certification.")
    profile = getattr(user, "professional_profile", None)
    if profile is not None and profile.verified_at:
        # A verified claim changes only through an administrator, who checks it again.
        raise AccountError(
            "Your certification is verified. To change it, please contact an administrator."
        )
    if certification_level not in CertificationLevel.values:
        raise AccountError("Please choose your certification level.", field="certification_level")
    profile, _ = ProfessionalProfile.objects.update_or_create(
        user=user,
        defaults={"certification_level": certification_level, "credentials": credentials.strip()},
    )
    return profile


# Two-factor ------------------------------------------------------------------------------------


def has_confirmed_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed authenticator device being set up; the same one on every reload, so the
    QR code a person already scanned stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_data_uri(device: TOTPDevice) -> str:
    # SVG needs no imaging library; a data: URI is allowed by our CSP's img-src.
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _clean_code(code: str) -> str:
    return "".join(code.split()).lower()


def totp_device_confirm(*, user, code: str) -> TOTPDevice:
    if has_confirmed_totp(user):
        raise AccountError("Two-factor sign-in is already set up.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise AccountError("Please start the set-up again.")
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise AccountError(TOO_MANY_TRIES, field="code")
    if not device.verify_token(_clean_code(code)):
        raise AccountError(
            "That code did not match. Check that the time on your phone is right and enter "
            "the code your app shows now.",
            field="code",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Any other half-finished set-ups are now useless.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device


def backup_codes_create(*, user) -> list[str]:
    """Ten new single-use codes; earlier codes stop working. Shown once, never again."""
    if not has_confirmed_totp(user):
        raise AccountError("Set up an authenticator app first; backup codes come with it.")
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_check(*, user, code: str):
    """The device that accepts the code (authenticator first, then backup codes)."""
    devices = list(devices_for_user(user))
    if not devices:
        raise AccountError("Two-factor sign-in is not set up yet.")
    code = _clean_code(code)
    if not code:
        raise AccountError("Please enter a code.", field="code")
    if not any(d.verify_is_allowed()[0] for d in devices):
        raise AccountError(TOO_MANY_TRIES, field="code")
    ordered = sorted(devices, key=lambda d: not isinstance(d, TOTPDevice))
    for device in ordered:
        matched = otp_verify_token(user, device.persistent_id, code)
        if matched is not None:
            return matched
    raise AccountError(
        "That code did not work. Enter the current code from your app, or one of your "
        "backup codes.",
        field="code",
    )


def two_factor_disable(*, user) -> None:
    if user.needs_two_factor:
        raise AccountError(
            "Therapists and administrators keep two-factor sign-in on, to protect the people "
            "whose information they can see."
        )
    if not any(devices_for_user(user, confirmed=None)):
        raise AccountError("Two-factor sign-in is not turned on.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


# Your data -------------------------------------------------------------------------------------


def _when(value):
    return value.isoformat() if value else None


def person_export(*, person) -> dict:
    """Everything the person owns, readable. Never the partner's items, never secrets."""
    from imago.couples.models import Invitation, Membership, TherapistConnection
    from imago.journal.models import JournalEntry
    from imago.negativity.services import no_put_downs_export
    from imago.privacy.models import AuditEvent

    profile = getattr(person, "professional_profile", None)
    memberships = (
        Membership.objects.filter(person=person).select_related("couple").order_by("joined_at")
    )
    couples = []
    couple_ids = []
    for membership in memberships:
        couple = membership.couple
        couple_ids.append(couple.pk)
        partner = couple.partner_of(person)
        couples.append(
            {
                "partner": partner.display_name if partner else None,
                "couple_started": _when(couple.created_at),
                "couple_ended": _when(couple.ended_at),
                "you_joined": _when(membership.joined_at),
                "you_left": _when(membership.left_at),
            }
        )

    def invitation_state(invitation) -> str:
        if invitation.used_at:
            return "accepted"
        if invitation.cancelled_at:
            return "cancelled"
        if invitation.is_expired:
            return "expired"
        return "open"

    invitations = [
        {
            "kind": invitation.get_kind_display(),
            "created": _when(invitation.created_at),
            "expires": _when(invitation.expires_at),
            "accepted": _when(invitation.used_at),
            "cancelled": _when(invitation.cancelled_at),
            "state": invitation_state(invitation),
        }
        for invitation in Invitation.objects.filter(created_by=person).order_by("created_at")
    ]
    connections = [
        {
            "therapist": connection.therapist.display_name,
            "requested": _when(connection.requested_at),
            "active_since": _when(connection.active_since),
            "ended": _when(connection.ended_at),
        }
        for connection in TherapistConnection.objects.filter(couple_id__in=couple_ids)
        .select_related("therapist")
        .order_by("requested_at")
    ]
    entries = [
        {
            "text": entry.text,
            "visibility": entry.get_visibility_display(),
            "written": _when(entry.created_at),
            "last_changed": _when(entry.updated_at),
        }
        for entry in JournalEntry.objects.filter(author=person).order_by("created_at")
    ]
    views_of_your_data = [
        {"when": _when(event.at), "who": event.actor_label, "what": event.what}
        for event in AuditEvent.objects.filter(subject=person).order_by("at")
    ]
    return {
        "exported_at": _when(timezone.now()),
        "profile": {
            "email": person.email,
            "name": person.display_name,
            "role": person.get_role_display(),
            "joined": _when(person.date_joined),
            "last_login": _when(person.last_login),
            "two_factor": has_confirmed_totp(person),
        },
        "professional_profile": (
            {
                "certification_level": profile.get_certification_level_display(),
                "credentials": profile.credentials,
                "verified": _when(profile.verified_at),
            }
            if profile
            else None
        ),
        "couples": couples,
        "invitations_you_created": invitations,
        "therapist_connections": connections,
        "journal_entries": entries,
        # Own marks with their private notes and own repairs; never the partner's.
        "no_put_downs": no_put_downs_export(person=person),
        "views_of_your_data": views_of_your_data,
    }


# Deleting an account ---------------------------------------------------------------------------


def account_delete(*, person) -> None:
    """Delete the person and what they wrote; end their couple; keep the audit trail unnamed."""
    from imago.couples.services import CoupleError, couple_unlink
    from imago.privacy.models import AuditEvent

    with transaction.atomic():
        try:
            # Ends the couple (and with it the therapist connection); the partner keeps
            # their own entries.
            couple_unlink(person=person)
        except CoupleError:
            pass  # not in a couple: nothing to end
        # The record of who looked at whose data is the point of an audit log, so it stays,
        # but without the deleted person's e-mail address.
        AuditEvent.objects.filter(subject=person).update(subject_label=DELETED_LABEL)
        AuditEvent.objects.filter(actor=person).update(actor_label=DELETED_LABEL)
        person.delete()
