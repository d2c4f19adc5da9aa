"""People and their roles. A person logs in with an e-mail address.

Roles are kept apart on purpose (imago-method.md section 8): a facilitator may teach skills but
is not a therapist, and nobody's certification counts until an administrator verified it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    PERSON = "person", "Partner or individual"
    THERAPIST = "therapist", "Therapist"
    PRESENTER = "presenter", "Workshop presenter"
    FACILITATOR = "facilitator", "Facilitator (non-clinical)"
    ADMIN = "admin", "Administrator"


PROFESSIONAL_ROLES = {Role.THERAPIST, Role.PRESENTER, Role.FACILITATOR}
TWO_FACTOR_ROLES = {Role.THERAPIST, Role.ADMIN}


class CertificationLevel(models.TextChoices):
    # Described, not named after any organisation's marks; the admin verifies each claim.
    CERTIFIED_THERAPIST = "certified_therapist", "Certified Imago relationship therapist"
    CLINICAL_INSTRUCTOR = "clinical_instructor", "Clinical instructor"
    CERTIFIED_PRESENTER = "certified_presenter", "Certified workshop presenter"
    FACILITATOR = "facilitator", "Facilitator (non-clinical)"
    IN_TRAINING = "in_training", "In training"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField(
        "name", max_length=80, help_text="What your partner and your therapist will see."
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PERSON)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]
    objects = UserManager()

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES or self.is_staff or self.is_superuser

    @property
    def is_person(self) -> bool:
        return self.role == Role.PERSON

    @property
    def is_verified_therapist(self) -> bool:
        return self.role == Role.THERAPIST and self.professional_verified

    @property
    def professional_verified(self) -> bool:
        profile = getattr(self, "professional_profile", None)
        return bool(profile and profile.verified_at)


class ProfessionalProfile(models.Model):
    """A therapist's, presenter's or facilitator's claim of certification, and its check."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="professional_profile")
    certification_level = models.CharField(max_length=30, choices=CertificationLevel.choices)
    credentials = models.TextField(
        blank=True,
        help_text="Licence or registration numbers and where an administrator can check them.",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        state = "verified" if self.verified_at else "unverified"
        return f"{self.user.email} ({self.get_certification_level_display()}, {state})"

    def verify(self, *, by: User) -> None:
        self.verified_at = timezone.now()
        self.verified_by = by
        self.save(update_fields=["verified_at", "verified_by"])
