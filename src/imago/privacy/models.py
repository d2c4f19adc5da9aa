"""Who may see a stored item, and the record of who looked at private data."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Visibility(models.TextChoices):
    """Every stored user item has exactly one of these (architecture.md, privacy model)."""

    PRIVATE = "private", "Only me"
    PARTNER = "partner", "Me and my partner"
    THERAPIST = "therapist", "Me and our therapist"


class AuditEvent(models.Model):
    """One view of a person's private or screening data by someone other than that person.

    Kept when either side is deleted (the labels stay), because the record is the point.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_label = models.CharField(max_length=254)
    action = models.CharField(max_length=40)
    what = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.what}"
