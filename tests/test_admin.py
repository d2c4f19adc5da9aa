"""The admin: managing people and verifying professionals, behind our login and two-factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from imago.accounts.models import Role, User
from tests.conftest import login, make_person, make_therapist


def make_admin(email="ada@example.com") -> User:
    admin = make_person(email, "Ada", role=Role.ADMIN, is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    return admin


@pytest.fixture
def admin_client(db) -> Client:
    return login(Client(), make_admin())


def test_an_admin_verifies_a_therapist_with_the_action(admin_client):
    admin = User.objects.get(email="ada@example.com")
    therapist = make_therapist("tina@example.com", "Tina", verified=False)
    profile = therapist.professional_profile
    url = reverse("admin:accounts_professionalprofile_changelist")
    response = admin_client.post(
        url, {"action": "mark_verified", "_selected_action": [profile.pk]}, follow=True
    )
    assert response.status_code == 200
    assert b"1 profile marked as verified." in response.content
    profile.refresh_from_db()
    assert profile.verified_at is not None
    assert profile.verified_by == admin
    assert User.objects.get(pk=therapist.pk).is_verified_therapist


def test_the_profile_list_filters_by_verification(admin_client):
    make_therapist("tina@example.com", "Tina", verified=False)
    make_therapist("tom@example.com", "Tom", verified=True)
    url = reverse("admin:accounts_professionalprofile_changelist")
    unverified = admin_client.get(url, {"verified": "no"}).context["cl"].result_list
    verified = admin_client.get(url, {"verified": "yes"}).context["cl"].result_list
    assert [p.user.email for p in unverified] == ["tina@example.com"]
    assert [p.user.email for p in verified] == ["tom@example.com"]


def test_the_user_list_and_page_show_no_password_hash(admin_client):
    person = make_person("nora@example.com", "Nora")
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "nora"})
    assert response.status_code == 200
    assert b"nora@example.com" in response.content
    response = admin_client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assert response.status_code == 200
    _, _, digest = person.password.rpartition("$")
    assert digest.encode() not in response.content


def test_an_admin_can_add_a_person(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New@Example.com",
            "display_name": "New",
            "role": "person",
            "usable_password": "true",
            "password1": "a brand new phrase 42",
            "password2": "a brand new phrase 42",
            "professional_profile-TOTAL_FORMS": "0",
            "professional_profile-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").check_password("a brand new phrase 42")


def test_a_partner_cannot_reach_the_admin(client_for, world):
    client = client_for("partner_a")
    response = client.get("/admin/")
    # Not staff: Django sends them to the admin login, which hands over to our login page.
    assert response.status_code == 302
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302


def test_a_therapist_cannot_reach_the_admin(client_for, world):
    assert client_for("therapist").get("/admin/").status_code == 302


@pytest.mark.django_db
def test_an_admin_without_a_verified_second_factor_is_sent_to_enter_a_code():
    client = Client()
    client.force_login(make_admin(), backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_verify"))


@pytest.mark.django_db
def test_an_admin_without_any_device_is_sent_to_set_one_up():
    admin = make_person("ada@example.com", "Ada", role=Role.ADMIN, is_staff=True)
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.url.startswith(reverse("two_factor"))


def test_the_admin_login_goes_through_our_login(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_admin_pages_carry_the_quick_exit_too(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert 'id="quick-exit"' in response.text
    assert "imago/quick-exit.js" in response.text
