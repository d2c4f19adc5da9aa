"""Field-level encryption for private free text and screening answers.

A database dump or backup must not reveal what a person wrote privately. Values are encrypted
with Fernet (AES-128-CBC + HMAC) using the keys in settings.FIELD_ENCRYPTION_KEYS: the first key
encrypts, every key decrypts, so an operator can rotate keys by putting a new one first.
"""

from __future__ import annotations

import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"  # marks a stored value as ciphertext, so a plain value is never mistaken


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "IMAGO_FIELD_KEY must hold url-safe base64 Fernet keys (32 bytes each)"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return PREFIX + fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "an encrypted field could not be read with the configured IMAGO_FIELD_KEY"
        ) from None


class EncryptedTextField(models.TextField):
    """Text stored encrypted; reads back as plain str. Cannot be filtered or ordered on."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decrypt(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        return decrypt(value) if value.startswith(PREFIX) else value


class EncryptedJSONField(models.TextField):
    """Any JSON-serialisable value (for example screening answers), stored encrypted."""

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, sort_keys=True))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(decrypt(value))

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(PREFIX):
            return json.loads(decrypt(value))
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
