"""30 days without put-downs: a couple's shared practice (imago-method.md section 3).

A couple runs one challenge at a time. Each partner marks each day for themselves: a day
without put-downs, or a slip. A slip restarts the count and offers the partner who slipped a
repair: an apology and appreciations, written to the other partner. The count itself is never
stored; it is worked out from the marks (imago.negativity.progress), so a replaced mark can
never leave a stale number behind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from imago.privacy.crypto import EncryptedJSONField, EncryptedTextField
from imago.privacy.models import Visibility

DEFAULT_DAYS = 30


class ChallengeQuerySet(models.QuerySet):
    def open(self):
        """Not stopped or closed, and the couple is still together.

        An unlink does not touch this app's rows; a challenge of an ended couple simply
        stops counting as open here, so unlinking ends it without the couples app knowing.
        """
        return self.filter(ended_at__isnull=True, couple__ended_at__isnull=True)


class Challenge(models.Model):
    class Ending(models.TextChoices):
        STOPPED = "stopped", "Stopped"
        FINISHED = "finished", "Finished"

    couple = models.ForeignKey(
        "couples.Couple", on_delete=models.CASCADE, related_name="no_put_downs_challenges"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The local date (settings.TIME_ZONE) of day 1: days, not instants, are what people mark.
    started_on = models.DateField()
    days = models.PositiveSmallIntegerField(default=DEFAULT_DAYS)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ending = models.CharField(max_length=20, choices=Ending.choices, blank=True)

    objects = ChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One running challenge per couple, held by the database: two partners pressing
            # "start" at the same moment cannot make two.
            models.UniqueConstraint(
                fields=["couple"],
                condition=Q(ended_at__isnull=True),
                name="one_open_no_put_downs_challenge",
            )
        ]

    def __str__(self) -> str:
        return f"No put-downs challenge {self.pk} of couple {self.couple_id} from {self.started_on}"


class DayMark(models.Model):
    class Choice(models.TextChoices):
        KEPT = "kept", "A day without put-downs"
        SLIPPED = "slipped", "I slipped"

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="marks")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="no_put_downs_marks"
    )
    day = models.DateField()
    choice = models.CharField(max_length=20, choices=Choice.choices)
    # Private to its author, always: the partner sees the mark, never the note.
    note = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "person", "day"], name="one_no_put_downs_mark_a_day"
            )
        ]

    def __str__(self) -> str:
        # Never the note: this string shows up in the admin, logs and error reports.
        return f"Mark by person {self.person_id} for {self.day} ({self.choice})"


class Repair(models.Model):
    """After a slip: an apology and appreciations, written by the one who slipped to the other."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="repairs")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="no_put_downs_repairs"
    )
    slip_day = models.DateField()
    # Always shared with the partner: a repair is written to them. Kept as a field so the
    # privacy model's vocabulary holds for every stored item.
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PARTNER, editable=False
    )
    apology = EncryptedTextField()
    appreciations = EncryptedJSONField()  # a list of one to three texts
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Repair by person {self.author_id} for {self.slip_day}"
