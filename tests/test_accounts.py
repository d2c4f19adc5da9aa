"""Signing up, logging in and out, lockout, and passwords."""

from __future__ import annotations

import re

import pytest
from axes.utils import reset as axes_reset
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from imago.accounts.models import ProfessionalProfile, Role, User
from tests.conftest import PASSWORD, login, make_person, make_therapist

ORIGINAL_HASHERS = list(django_settings.PASSWORD_HASHERS)


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    axes_reset()
    yield
    axes_reset()


def signup_data(**overrides) -> dict:
    data = {
        "email": "new@example.com",
        "display_name": "Nora",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": "person",
        "certification_level": "",
        "credentials": "",
    }
    data.update(overrides)
    return data


# Sign up ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_the_signup_form(client):
    response = client.get(reverse("signup"))
    assert response.status_code == 200
    assert b"I am joining as" in response.content
    # Nobody can make themselves an administrator.
    assert b'value="admin"' not in response.content


@pytest.mark.django_db
def test_it_signs_up_a_person_and_logs_them_in(client):
    response = client.post(reverse("signup"), signup_data())
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    user = User.objects.get(email="new@example.com")
    assert user.display_name == "Nora"
    assert user.role == Role.PERSON
    assert not hasattr(user, "professional_profile") or user.professional_profile is None
    assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_it_signs_up_a_therapist_unverified(client):
    response = client.post(
        reverse("signup"),
        signup_data(
            role="therapist",
            certification_level="certified_therapist",
            credentials="Licence 12345, state board",
        ),
        follow=True,
    )
    user = User.objects.get(email="new@example.com")
    assert user.role == Role.THERAPIST
    profile = ProfessionalProfile.objects.get(user=user)
    assert profile.verified_at is None
    assert profile.credentials == "Licence 12345, state board"
    assert b"administrator will check your credentials" in response.content
    # A therapist is sent on to set up two-factor sign-in before anything else.
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor"))


@pytest.mark.django_db
def test_it_asks_professionals_for_their_certification_level(client):
    response = client.post(reverse("signup"), signup_data(role="facilitator"))
    assert response.status_code == 200
    assert "certification level" in response.context["form"].errors["certification_level"][0]
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_it_refuses_an_admin_role_at_signup(client):
    response = client.post(reverse("signup"), signup_data(role="admin"))
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_it_rejects_a_duplicate_email_whatever_its_case(client):
    make_person("nora@example.com", "Nora")
    response = client.post(reverse("signup"), signup_data(email="NORA@Example.com"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "already exists" in errors["email"][0]
    assert User.objects.filter(email__iexact="nora@example.com").count() == 1


@pytest.mark.django_db
def test_it_rejects_a_weak_password_with_the_validators_messages(client):
    response = client.post(
        reverse("signup"), signup_data(password1="password", password2="password")
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["password1"])
    assert "too short" in errors
    assert "too common" in errors
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.django_db
def test_it_rejects_two_different_passwords(client):
    response = client.post(reverse("signup"), signup_data(password2=PASSWORD + "x"))
    assert "not the same" in response.context["form"].errors["password2"][0]


@pytest.mark.django_db
def test_signup_keeps_what_the_person_typed_except_passwords(client):
    response = client.post(
        reverse("signup"),
        signup_data(
            password1="short",
            password2="short",
            role="presenter",
            certification_level="certified_presenter",
            credentials="Trained 2019",
        ),
    )
    html = response.content.decode()
    assert 'value="new@example.com"' in html
    assert 'value="Nora"' in html
    assert "Trained 2019" in html
    assert re.search(r'value="presenter"[^>]*checked', html)
    assert re.search(r'value="certified_presenter"[^>]*selected', html)
    assert 'value="short"' not in html
    assert 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_signup_honours_a_safe_next(client):
    response = client.post(reverse("signup"), signup_data(next="/couple/join/abc/"))
    assert response.status_code == 302
    assert response.url == "/couple/join/abc/"


@pytest.mark.django_db
def test_signup_ignores_a_next_pointing_elsewhere(client):
    response = client.post(reverse("signup"), signup_data(next="https://evil.example/"))
    assert response.url == reverse("dashboard")


@pytest.mark.django_db
def test_signup_form_carries_next_through(client):
    response = client.get(reverse("signup") + "?next=/couple/join/abc/")
    html = response.content.decode()
    assert 'name="next" value="/couple/join/abc/"' in html
    assert "/account/login/?next=%2Fcouple%2Fjoin%2Fabc%2F" in html


@pytest.mark.django_db
def test_a_logged_in_person_visiting_signup_goes_to_the_dashboard(client):
    login(client, make_person("nora@example.com", "Nora"))
    response = client.get(reverse("signup"))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


@pytest.mark.django_db
def test_new_passwords_are_hashed_with_argon2(client, settings):
    settings.PASSWORD_HASHERS = ORIGINAL_HASHERS
    client.post(reverse("signup"), signup_data())
    user = User.objects.get(email="new@example.com")
    assert user.password.startswith("argon2")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["signup", "login"])
def test_it_refuses_a_post_without_csrf_token(name):
    client = Client(enforce_csrf_checks=True)
    data = signup_data() if name == "signup" else {"username": "x@example.com", "password": "x"}
    response = client.post(reverse(name), data)
    assert response.status_code == 403


# Log in and out --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_logs_a_person_in_with_any_case_of_email(client):
    make_person("nora@example.com", "Nora")
    response = client.post(reverse("login"), {"username": "Nora@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


@pytest.mark.django_db
def test_login_honours_a_safe_next(client):
    make_person("nora@example.com", "Nora")
    response = client.post(
        reverse("login") + "?next=/couple/join/abc/",
        {"username": "nora@example.com", "password": PASSWORD, "next": "/couple/join/abc/"},
    )
    assert response.url == "/couple/join/abc/"


@pytest.mark.django_db
def test_login_page_labels_the_field_as_email(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert 'name="username"' in html
    assert "E-mail address" in html
    assert reverse("password_reset") in html


@pytest.mark.django_db
def test_a_wrong_password_shows_a_message(client):
    make_person("nora@example.com", "Nora")
    response = client.post(reverse("login"), {"username": "nora@example.com", "password": "nope"})
    assert response.status_code == 200
    assert b"do not match an account" in response.content


@pytest.mark.django_db
def test_it_locks_out_after_five_failures_with_a_kind_page(client):
    make_person("nora@example.com", "Nora")
    statuses = [
        client.post(
            reverse("login"), {"username": "nora@example.com", "password": f"wrong {i}"}
        ).status_code
        for i in range(5)
    ]
    assert statuses[:4] == [200, 200, 200, 200]
    # Even the right password is refused while the lockout lasts.
    response = client.post(reverse("login"), {"username": "nora@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "try again in about 15 minutes" in html
    assert reverse("password_reset") in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_password_reset_lifts_the_lockout(client):
    make_person("nora@example.com", "Nora")
    for i in range(5):
        client.post(reverse("login"), {"username": "nora@example.com", "password": f"wrong {i}"})
    client.post(reverse("password_reset"), {"email": "nora@example.com"})
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": PASSWORD + "!", "new_password2": PASSWORD + "!"})
    response = client.post(
        reverse("login"), {"username": "nora@example.com", "password": PASSWORD + "!"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_logout_rejects_get(client):
    login(client, make_person("nora@example.com", "Nora"))
    assert client.get(reverse("logout")).status_code == 405


@pytest.mark.django_db
def test_logout_logs_the_person_out(client):
    login(client, make_person("nora@example.com", "Nora"))
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 302


# Passwords -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_password_reset_sends_a_neutral_email_with_a_working_link(client):
    make_person("nora@example.com", "Nora")
    response = client.post(reverse("password_reset"), {"email": "Nora@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nora@example.com"]
    assert message.subject == "Your password reset link"
    body = message.body.lower()
    for word in ("couple", "partner", "therap", "journal", "nora"):
        assert word not in body
    link = re.search(r"https?://[^/]+(/\S+)", message.body).group(1)
    response = client.get(link)
    # Django swaps the token for a session marker and redirects to the form.
    assert response.status_code == 302
    response = client.get(response.url)
    assert b"Choose a new password" in response.content
    response = client.post(
        response.wsgi_request.path,
        {"new_password1": "a brand new phrase 42", "new_password2": "a brand new phrase 42"},
    )
    assert response.url == reverse("password_reset_complete")
    assert User.objects.get(email="nora@example.com").check_password("a brand new phrase 42")


@pytest.mark.django_db
def test_password_reset_does_not_tell_whether_an_account_exists(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert b"If an account exists for that address" in response.content
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_bad_reset_link_shows_a_kind_page(client):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    )
    assert response.status_code == 200
    assert b"This link no longer works" in response.content


@pytest.mark.django_db
def test_password_change_needs_the_old_password(client):
    user = make_person("nora@example.com", "Nora")
    login(client, user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not it",
            "new_password1": "a brand new phrase 42",
            "new_password2": "a brand new phrase 42",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new phrase 42",
            "new_password2": "a brand new phrase 42",
        },
    )
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("a brand new phrase 42")
    # Still logged in after the change.
    assert client.get(reverse("account")).status_code == 200


# Account page ----------------------------------------------------------------------------------


def test_the_account_page_shows_name_email_role_and_two_factor(client_for, world):
    response = client_for("partner_a").get(reverse("account"))
    html = response.content.decode()
    assert "Ana" in html and "ana@example.com" in html
    assert "Partner or individual" in html
    assert "Two-factor sign-in" in html
    for name in ("password_change", "two_factor", "account_export", "account_delete"):
        assert reverse(name) in html


def test_the_account_page_shows_a_therapists_verification(client_for, world):
    html = client_for("therapist").get(reverse("account")).content.decode()
    assert "Verified" in html


@pytest.mark.django_db
def test_an_unverified_professional_can_send_their_certification(client):
    user = make_therapist("tina@example.com", "Tina", verified=False)
    login(client, user)
    html = client.get(reverse("account")).content.decode()
    assert "Waiting for verification" in html
    response = client.post(
        reverse("account_professional"),
        {"certification_level": "in_training", "credentials": "Course 2025"},
    )
    assert response.url == reverse("account")
    user.professional_profile.refresh_from_db()
    assert user.professional_profile.credentials == "Course 2025"
    assert user.professional_profile.verified_at is None


def test_a_verified_profile_cannot_be_changed_by_its_owner(client_for, world):
    response = client_for("therapist").post(
        reverse("account_professional"), {"certification_level": "in_training"}
    )
    assert response.url == reverse("account")
    world.therapist.professional_profile.refresh_from_db()
    assert world.therapist.professional_profile.certification_level == "certified_therapist"


def test_a_next_that_is_not_a_path_is_ignored_rather_than_failing(world, client_for):
    response = client_for("partner_a").get(reverse("signup"), {"next": "not-a-path"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
