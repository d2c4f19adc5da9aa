"""Two-factor sign-in: set-up, backup codes, the code asked at login, and who must use it."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from imago.accounts.models import Role
from tests.conftest import PASSWORD, login, make_person, make_therapist


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def logged_in_without_second_factor(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# Who is asked ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_therapist_without_a_device_must_set_one_up():
    therapist = make_person("tina@example.com", "Tina", role=Role.THERAPIST)
    client = logged_in_without_second_factor(therapist)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url == reverse("two_factor") + "?next=%2Fdashboard%2F"
    response = client.get(response.url)
    assert response.status_code == 200
    assert b"Because you can see other people" in response.content


@pytest.mark.django_db
def test_a_therapist_with_a_device_must_enter_a_code():
    therapist = make_therapist("tina@example.com", "Tina")
    client = logged_in_without_second_factor(therapist)
    for name in ("dashboard", "account", "account_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("two_factor_verify") + "?next=")


@pytest.mark.django_db
def test_a_therapist_cannot_add_a_second_device_to_skip_the_code():
    therapist = make_therapist("tina@example.com", "Tina")
    client = logged_in_without_second_factor(therapist)
    response = client.get(reverse("two_factor"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two_factor_verify"))
    assert TOTPDevice.objects.filter(user=therapist).count() == 1


@pytest.mark.django_db
def test_a_person_is_not_forced_to_use_two_factor(client):
    login(client, make_person("nora@example.com", "Nora"))
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_a_person_who_turned_it_on_is_asked_for_a_code():
    person = make_person("nora@example.com", "Nora")
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    client = logged_in_without_second_factor(person)
    response = client.get(reverse("account"))
    assert response.url.startswith(reverse("two_factor_verify"))


@pytest.mark.django_db
def test_logout_and_the_neutral_page_stay_reachable_before_the_code():
    client = logged_in_without_second_factor(make_therapist("tina@example.com", "Tina"))
    assert client.get(reverse("neutral")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


# Setting it up ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_set_up_shows_an_svg_qr_code_and_the_secret(client):
    person = make_person("nora@example.com", "Nora")
    login(client, person)
    response = client.get(reverse("two_factor"))
    html = response.content.decode()
    match = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert match
    assert base64.b64decode(match.group(1)).lstrip().startswith((b"<?xml", b"<svg"))
    device = TOTPDevice.objects.get(user=person)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode()
    assert secret[:4] in html
    # Reloading keeps the same secret, so an already scanned code stays valid.
    client.get(reverse("two_factor"))
    assert TOTPDevice.objects.filter(user=person).count() == 1


@pytest.mark.django_db
def test_a_right_code_confirms_the_device_and_shows_backup_codes_once(client):
    person = make_person("nora@example.com", "Nora")
    login(client, person)
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=person)
    response = client.post(reverse("two_factor"), {"code": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = response.context["codes"]
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=person).values_list("token", flat=True)) == (
        set(codes)
    )
    for code in codes:
        assert code in response.content.decode()
    # The session now counts as verified, and the codes are not shown again.
    response = client.get(reverse("two_factor"))
    assert response.status_code == 200
    assert codes[0] not in response.content.decode()
    assert b"10 unused codes" in response.content


@pytest.mark.django_db
def test_a_wrong_code_at_set_up_shows_a_message(client):
    person = make_person("nora@example.com", "Nora")
    login(client, person)
    client.get(reverse("two_factor"))
    response = client.post(reverse("two_factor"), {"code": "000000"})
    assert response.status_code == 200
    assert "did not match" in response.context["form"].errors["code"][0]
    assert not TOTPDevice.objects.get(user=person).confirmed


@pytest.mark.django_db
def test_a_new_therapist_sets_up_two_factor_and_returns_to_next():
    therapist = make_person("tina@example.com", "Tina", role=Role.THERAPIST)
    client = logged_in_without_second_factor(therapist)
    client.get(reverse("two_factor") + "?next=/dashboard/")
    device = TOTPDevice.objects.get(user=therapist)
    response = client.post(reverse("two_factor"), {"code": code_for(device), "next": "/dashboard/"})
    assert response.context["continue_url"] == "/dashboard/"
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_new_backup_codes_replace_the_old_ones(client):
    therapist = make_therapist("tina@example.com", "Tina")
    login(client, therapist)
    first = client.post(reverse("two_factor_backup_codes")).context["codes"]
    second = client.post(reverse("two_factor_backup_codes")).context["codes"]
    stored = set(StaticToken.objects.filter(device__user=therapist).values_list("token", flat=True))
    assert stored == set(second)
    assert not stored & set(first)


@pytest.mark.django_db
def test_backup_codes_need_an_authenticator_first(client):
    login(client, make_person("nora@example.com", "Nora"))
    response = client.post(reverse("two_factor_backup_codes"))
    assert response.status_code == 302
    assert not StaticDevice.objects.exists()


# Entering a code -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_right_code_lets_a_therapist_in_and_honours_next():
    therapist = make_therapist("tina@example.com", "Tina")
    device = TOTPDevice.objects.get(user=therapist)
    client = logged_in_without_second_factor(therapist)
    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": "/account/"}
    )
    assert response.status_code == 302
    assert response.url == "/account/"
    assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_shows_a_clear_message():
    therapist = make_therapist("tina@example.com", "Tina")
    client = logged_in_without_second_factor(therapist)
    response = client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert response.status_code == 200
    assert "did not work" in response.context["form"].errors["code"][0]
    assert b'aria-invalid="true"' in response.content
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_a_backup_code_works_once():
    therapist = make_therapist("tina@example.com", "Tina")
    static = StaticDevice.objects.create(user=therapist, name="Backup codes", confirmed=True)
    static.token_set.create(token="abcd2345")
    client = logged_in_without_second_factor(therapist)
    response = client.post(reverse("two_factor_verify"), {"code": "ABCD 2345"}, follow=True)
    assert b"You used a backup code. 0 left" in response.content
    other = logged_in_without_second_factor(therapist)
    response = other.post(reverse("two_factor_verify"), {"code": "abcd2345"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


@pytest.mark.django_db
def test_verify_sends_a_person_without_a_device_to_set_up(client):
    login(client, make_person("nora@example.com", "Nora"))
    response = client.get(reverse("two_factor_verify") + "?next=/account/")
    assert response.url == reverse("two_factor") + "?next=%2Faccount%2F"


@pytest.mark.django_db
def test_verify_ignores_a_next_pointing_elsewhere():
    therapist = make_therapist("tina@example.com", "Tina")
    client = logged_in_without_second_factor(therapist)
    device = TOTPDevice.objects.get(user=therapist)
    response = client.post(
        reverse("two_factor_verify"), {"code": code_for(device), "next": "//evil.example/"}
    )
    assert response.url == reverse("dashboard")


@pytest.mark.django_db
def test_logging_in_sends_a_therapist_with_a_device_to_the_code_page(client):
    make_therapist("tina@example.com", "Tina")
    response = client.post(
        reverse("login"), {"username": "tina@example.com", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
    assert b"Enter your code" in response.content


# Turning it off --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_person_can_turn_it_off_with_their_password(client):
    person = make_person("nora@example.com", "Nora")
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    StaticDevice.objects.create(user=person, name="Backup codes", confirmed=True)
    login(client, person)
    response = client.post(reverse("two_factor_disable"), {"password": "not it"})
    assert response.status_code == 200
    assert "not your current password" in response.context["disable_form"].errors["password"][0]
    assert TOTPDevice.objects.filter(user=person).exists()
    response = client.post(reverse("two_factor_disable"), {"password": PASSWORD})
    assert response.url == reverse("account")
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()


def test_a_therapist_cannot_turn_it_off(client_for, world):
    client = client_for("therapist")
    response = client.post(reverse("two_factor_disable"), {"password": PASSWORD}, follow=True)
    assert b"keep two-factor sign-in on" in response.content
    assert TOTPDevice.objects.filter(user=world.therapist).exists()


def test_turning_it_off_rejects_get(client_for, world):
    assert client_for("partner_a").get(reverse("two_factor_disable")).status_code == 405


@pytest.mark.django_db
def test_after_turning_it_on_the_next_login_asks_for_a_code(client):
    person = make_person("nora@example.com", "Nora")
    client.post(reverse("login"), {"username": "nora@example.com", "password": PASSWORD})
    assert client.get(reverse("account")).status_code == 200
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=person)
    client.post(reverse("two_factor"), {"code": code_for(device)})
    assert client.get(reverse("account")).status_code == 200
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"), {"username": "nora@example.com", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))


def test_an_api_call_without_the_second_factor_gets_401_json_not_a_redirect(world):
    from django.test import Client

    client = Client()
    client.force_login(world.therapist, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/api/me")
    assert response.status_code == 401
    assert "Two-factor" in response.json()["detail"]
    assert client.get("/api/health").status_code == 200
