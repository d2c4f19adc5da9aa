"""Encryption at rest and the audit record."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from imago.journal.models import JournalEntry
from imago.privacy import crypto
from imago.privacy.models import AuditEvent
from imago.privacy.services import audit_record


def _raw_text(entry_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {JournalEntry._meta.db_table} WHERE id = %s", [entry_id])
        return cursor.fetchone()[0]


def test_private_text_is_encrypted_in_the_database_and_reads_back(world):
    entry = JournalEntry.objects.create(author=world.partner_a, text="I felt alone on Sunday.")
    raw = _raw_text(entry.pk)
    assert raw.startswith("fernet:")
    assert "I felt alone" not in raw  # base64 has no spaces, so no chance match
    assert JournalEntry.objects.get(pk=entry.pk).text == "I felt alone on Sunday."


def test_encryption_keys_can_be_rotated(world, settings):
    entry = JournalEntry.objects.create(author=world.partner_a, text="before rotation")
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]
    assert JournalEntry.objects.get(pk=entry.pk).text == "before rotation"
    newer = JournalEntry.objects.create(author=world.partner_a, text="after rotation")
    settings.FIELD_ENCRYPTION_KEYS = old_keys
    with pytest.raises(ImproperlyConfigured, match="IMAGO_FIELD_KEY"):
        JournalEntry.objects.get(pk=newer.pk)


def test_a_malformed_key_is_reported_by_name(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="IMAGO_FIELD_KEY"):
        crypto.encrypt("x")


def test_json_values_round_trip_encrypted(db):
    field = crypto.EncryptedJSONField()
    stored = field.get_prep_value({"q1": 2, "q2": [1, 0]})
    assert stored.startswith("fernet:") and '"q1"' not in stored
    assert field.from_db_value(stored, None, connection) == {"q1": 2, "q2": [1, 0]}


def test_audit_records_survive_the_people_they_name(world):
    event = audit_record(
        actor=world.therapist, subject=world.partner_a, action="view", what="journal"
    )
    world.therapist.delete()
    event.refresh_from_db()
    assert event.actor is None and event.actor_label == "tess@example.com"
    assert AuditEvent.objects.count() == 1
