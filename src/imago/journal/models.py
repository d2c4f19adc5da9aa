"""A private journal: the first stored user item, and the model for all that follow.

Each entry has one visibility (privacy.Visibility). The text is encrypted at rest. An entry
shared with the partner or the therapist belongs to the couple the author was in when writing,
so it stays a readable record for both partners after an unlink, and never reaches a later
partner. Likewise an entry shared with the therapist names the therapist connection it was
shared under: a later therapist, or the same one after a new connection, does not see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from imago.privacy.crypto import EncryptedTextField
from imago.privacy.models import Visibility


class JournalEntry(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    couple = models.ForeignKey(
        "couples.Couple", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    therapist_connection = models.ForeignKey(
        "couples.TherapistConnection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For entries shared with the therapist: the connection they were shared under.",
    )
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        # Never the text: this string shows up in the admin, logs and error reports.
        return f"Journal entry {self.pk} ({self.visibility})"
