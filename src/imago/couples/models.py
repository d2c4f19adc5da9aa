"""Couples, how partners link by invitation, and a couple's connection to one therapist."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from imago.dialogue import DEFAULT_LIMITS, LIMIT_RANGES


class CoupleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)

    def for_person(self, person):
        """Every couple the person was ever part of (shared items stay readable as a record)."""
        return self.filter(memberships__person=person).distinct()


class Couple(models.Model):
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CoupleQuerySet.as_manager()

    def __str__(self) -> str:
        names = " & ".join(str(m.person) for m in self.memberships.all())
        return f"Couple {self.pk}: {names}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def partners(self) -> list:
        return [m.person for m in self.memberships.select_related("person").order_by("joined_at")]

    def partner_of(self, person):
        return next((p for p in self.partners() if p.pk != person.pk), None)


class Membership(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One active couple per person, held by the database, not only by the views.
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_at__isnull=True), name="one_active_couple"
            ),
            models.UniqueConstraint(fields=["couple", "person"], name="member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in couple {self.couple_id}"


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(
            used_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A single-use, expiring invitation, handed over as a link or as a short code.

    Only digests of the link token and the code are stored, so a database reader cannot use
    them. kind says what accepting does: link two partners, or connect a couple to a therapist.
    """

    class Kind(models.TextChoices):
        PARTNER = "partner", "Partner invitation"
        THERAPIST = "therapist", "Therapist invitation"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    code_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.created_by} ({self.created_at:%Y-%m-%d})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class TherapistConnectionQuerySet(models.QuerySet):
    def current(self):
        """Pending (waiting for the second partner's consent) or active."""
        return self.filter(ended_at__isnull=True)

    def active(self):
        return self.filter(ended_at__isnull=True, active_since__isnull=False)


class TherapistConnection(models.Model):
    """A couple's link to their therapist. Active only once both partners have consented."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="connections")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections"
    )
    consented_by = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    active_since = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Balance in dialogues (imago.dialogue.balance): past these, the room suggests closing with
    # appreciations. The therapist may adjust them for this couple; a nudge, never a rule.
    balance_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_LIMITS.minutes,
        validators=[
            MinValueValidator(LIMIT_RANGES["minutes"][0]),
            MaxValueValidator(LIMIT_RANGES["minutes"][1]),
        ],
        help_text="Minutes on the frustration before the room suggests appreciations.",
    )
    balance_turns = models.PositiveSmallIntegerField(
        default=DEFAULT_LIMITS.turns,
        validators=[
            MinValueValidator(LIMIT_RANGES["turns"][0]),
            MaxValueValidator(LIMIT_RANGES["turns"][1]),
        ],
        help_text="Speaking turns on the frustration before the room suggests appreciations.",
    )

    objects = TherapistConnectionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple"], condition=Q(ended_at__isnull=True), name="one_therapist"
            )
        ]

    def __str__(self) -> str:
        return f"Couple {self.couple_id} with {self.therapist}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None and self.active_since is not None


class InvitationAttempt(models.Model):
    """One invitation code or link that did not work, kept for a short while to slow guessing.

    A logged-in person is counted by account, an anonymous visitor by address; so the address
    is stored only when there is no account to count by. Rows older than the throttle's window
    mean nothing and are deleted as new ones come in.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        who = f"person {self.person_id}" if self.person_id else f"address {self.ip}"
        return f"Failed invitation attempt by {who} at {self.at:%Y-%m-%d %H:%M}"
