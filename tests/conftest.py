"""The shared base case: two linked partners with a therapist, another couple, another
therapist, and an anonymous visitor (architecture.md: healthchecks' alice/bob/charlie idea).

`world` builds them; `client_for(role)` gives a Django test client logged in as that role
(therapists with a verified two-factor device, as the site requires of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from imago.accounts.models import CertificationLevel, ProfessionalProfile, Role, User
from imago.couples.models import Couple, Membership, TherapistConnection

ROLES = ["partner_a", "partner_b", "other_couple", "therapist", "other_therapist", "anonymous"]
PASSWORD = "correct horse battery staple 7"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Fast hashing in tests; argon2 itself is checked in test_accounts.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel layer for every test. Each test runs its consumers on an event loop of its
    own, and channels-redis keeps asyncio locks bound to the loop that first used them: a layer
    shared across tests fails with "bound to a different event loop" on Redis (CI)."""
    from channels.layers import channel_layers

    yield
    channel_layers.backends.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, the consumers' database work runs on worker threads that keep their own
    connections (consumers.db); close them before the test database is dropped, or PostgreSQL
    refuses to drop a database "being accessed by other users"."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def make_person(email: str, name: str, **extra) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, display_name=name, **extra)


def make_therapist(email: str, name: str, *, verified: bool = True) -> User:
    user = make_person(email, name, role=Role.THERAPIST)
    profile = ProfessionalProfile.objects.create(
        user=user, certification_level=CertificationLevel.CERTIFIED_THERAPIST
    )
    if verified:
        profile.verified_at = timezone.now()
        profile.save()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def make_couple(a: User, b: User) -> Couple:
    couple = Couple.objects.create()
    Membership.objects.create(couple=couple, person=a)
    Membership.objects.create(couple=couple, person=b)
    return couple


def connect(couple: Couple, therapist: User) -> TherapistConnection:
    connection = TherapistConnection.objects.create(
        couple=couple, therapist=therapist, active_since=timezone.now()
    )
    connection.consented_by.set(couple.partners())
    return connection


@dataclass
class World:
    partner_a: User
    partner_b: User
    couple: Couple
    other_couple: User  # a partner in another couple
    other_partner: User
    other_couple_obj: Couple
    therapist: User  # the couple's therapist, verified, both partners consented
    other_therapist: User  # verified, but not this couple's therapist
    anonymous: None = None

    def user(self, role: str) -> User | None:
        return getattr(self, role)


@pytest.fixture
def world(db) -> World:
    a = make_person("ana@example.com", "Ana")
    b = make_person("ben@example.com", "Ben")
    couple = make_couple(a, b)
    c = make_person("cora@example.com", "Cora")
    d = make_person("dev@example.com", "Dev")
    other = make_couple(c, d)
    therapist = make_therapist("tess@example.com", "Tess")
    other_therapist = make_therapist("omar@example.com", "Omar")
    connect(couple, therapist)
    connect(other, other_therapist)
    return World(a, b, couple, c, d, other, therapist, other_therapist)


def login(client: Client, user: User) -> Client:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(world):
    def make(role: str) -> Client:
        client = Client()
        user = world.user(role)
        return login(client, user) if user is not None else client

    return make
