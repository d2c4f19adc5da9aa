"""A dialogue between two partners, stored as the events that made it.

The events are the record: every turn is written (encrypted) before anyone is told about it, and
the current state can always be rebuilt by replaying them (imago.dialogue.replay). `state` is
a copy of the latest state kept for fast reads; `seq` counts the events so that a stale tab or a
replayed message can be recognised.

Seat "a" is the partner who asked for the dialogue (the first sender), seat "b" the other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from imago.dialogue import FACILITATOR, Action, Step, Variant
from imago.privacy.crypto import EncryptedTextField


class DialogueQuerySet(models.QuerySet):
    def for_couple(self, couple):
        return self.filter(couple=couple)

    def open(self):
        return self.exclude(step=Step.CLOSED).filter(cancelled_at__isnull=True)


class Dialogue(models.Model):
    couple = models.ForeignKey("couples.Couple", on_delete=models.CASCADE, related_name="dialogues")
    seat_a = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seat_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(
        max_length=20, choices=[(v.value, v.value) for v in Variant], default=Variant.STANDARD
    )
    step = models.CharField(max_length=20, default=Step.APPOINTMENT)  # copy of state["step"]
    state = models.JSONField()
    seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # "I can be ready at ...": the time the receiver named, if not now.
    ready_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)  # the receiver said "ready now"
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Both partners at one screen, face to face: the logged-in partner acts for the seat whose
    # turn it is (services.event_submit's on_behalf_of_seat). Either partner may switch.
    shared_device = models.BooleanField(default=False)
    # The couple's therapist reads the transcript only when both partners agreed, each for
    # this dialogue; either may take it back (services.transcript_consent_set).
    transcript_shared_by_a_at = models.DateTimeField(null=True, blank=True)
    transcript_shared_by_b_at = models.DateTimeField(null=True, blank=True)

    objects = DialogueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Dialogue {self.pk} ({self.step})"

    def seat_of(self, user) -> str | None:
        if user.pk == self.seat_a_id:
            return "a"
        if user.pk == self.seat_b_id:
            return "b"
        return None

    @property
    def transcript_shared_with_therapist(self) -> bool:
        return bool(self.transcript_shared_by_a_at and self.transcript_shared_by_b_at)

    def person_at(self, seat: str):
        return self.seat_a if seat == "a" else self.seat_b


class DialogueEvent(models.Model):
    # No index of its own: one_event_per_seq (dialogue, seq) starts with it and serves every
    # look-up by dialogue, and each index is one more write on every turn.
    dialogue = models.ForeignKey(
        Dialogue, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=[(a.value, a.value) for a in Action])
    actor = models.CharField(max_length=12)  # "a", "b" or "facilitator"
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = EncryptedTextField(blank=True, default="")
    # Chosen by the sending tab, so a message sent twice (double tap, replay) is stored once.
    client_id = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "seq"], name="one_event_per_seq"),
            models.UniqueConstraint(
                fields=["dialogue", "client_id"], name="one_event_per_client_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dialogue_id}#{self.seq} {self.actor} {self.action}"

    @property
    def by_facilitator(self) -> bool:
        return self.actor == FACILITATOR
