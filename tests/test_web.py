"""The site's shell: home page, dashboards per role, the quick exit's page, error pages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from imago.accounts.models import CertificationLevel, ProfessionalProfile, Role, User
from imago.couples.models import TherapistConnection
from imago.journal.services import journal_entry_create
from tests.conftest import PASSWORD, login, make_person, make_therapist


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


def assert_headings_in_order(html: str) -> None:
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels and levels[0] == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading level skipped: {levels}"


def assert_no_inline_code(html: str) -> None:
    assert "style=" not in html
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"


# Home ---------------------------------------------------------------------------------------


def test_home_explains_what_this_is_and_for_whom(db):
    response = Client().get(reverse("home"))
    html = response.text
    assert response.status_code == 200
    assert h1_count(html) == 1
    assert_headings_in_order(html)
    assert_no_inline_code(html)
    for words in ("Couples", "Individuals", "Therapists and workshop presenters"):
        assert words in html
    assert "violence" in html and "addiction" in html
    assert "does not replace therapy" in html
    assert "encrypted" in html and "no tracking" in html
    assert reverse("signup") in html and reverse("login") in html
    assert "Go to your dashboard" not in html


def test_home_makes_no_claims_that_it_works(db):
    html = Client().get(reverse("home")).text.lower()
    for claim in ("proven", "guarantee", "effective", "research shows", "will save"):
        assert claim not in html


def test_home_for_someone_logged_in_links_to_the_dashboard(world, client_for):
    response = client_for("partner_a").get(reverse("home"))
    assert response.status_code == 200
    assert "Go to your dashboard" in response.text
    assert f'href="{reverse("dashboard")}"' in response.text


def test_robots_txt_keeps_crawlers_out(db):
    response = Client().get(reverse("robots_txt"))
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /" in response.text


# Dashboards ---------------------------------------------------------------------------------


def test_the_dashboard_asks_anonymous_visitors_to_log_in(db):
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_a_linked_person_sees_partner_therapist_and_recent_entries(world, client_for):
    journal_entry_create(author=world.partner_a, text="note", visibility="private")
    response = client_for("partner_a").get(reverse("dashboard"))
    html = response.text
    assert response.status_code == 200
    assert h1_count(html) == 1
    assert_headings_in_order(html)
    assert_no_inline_code(html)
    assert "You are linked with <strong>Ben</strong>" in html
    assert "connected to <strong>Tess</strong>" in html
    assert "Your entry of" in html
    assert "Coming soon" in html
    assert reverse("couple_join") not in html


def test_a_person_sees_a_pending_therapist_connection(world, client_for):
    TherapistConnection.objects.filter(couple=world.couple).update(active_since=None)
    html = client_for("partner_b").get(reverse("dashboard")).text
    assert "waiting for both of you to agree" in html


def test_a_person_not_linked_is_invited_to_link_or_practise_alone(db):
    person = make_person("solo@example.com", "Sol")
    html = login(Client(), person).get(reverse("dashboard")).text
    assert "You are not linked with a partner yet" in html
    assert f'href="{reverse("couple")}"' in html
    assert f'href="{reverse("couple_join")}"' in html
    assert "practise on your own" in html


def test_the_dashboard_never_shows_the_partners_entries(world, client_for):
    journal_entry_create(author=world.partner_b, text="Ben's private words", visibility="private")
    html = client_for("partner_a").get(reverse("dashboard")).text
    assert "Ben&#x27;s private words" not in html and "Ben's private words" not in html


def test_a_therapist_sees_verification_and_connected_couples(world, client_for):
    response = client_for("therapist").get(reverse("dashboard"))
    html = response.text
    assert response.status_code == 200
    assert h1_count(html) == 1
    assert_headings_in_order(html)
    assert "Verified" in html
    assert "One couple is connected to you." in html
    assert f'href="{reverse("practice")}"' in html


def test_an_unverified_therapist_sees_that_they_are_waiting(db):
    therapist = make_therapist("new@example.com", "Nell", verified=False)
    html = login(Client(), therapist).get(reverse("dashboard")).text
    assert "Waiting for verification" in html
    assert "No couples are connected to you yet." in html


@pytest.mark.parametrize("role", [Role.PRESENTER, Role.FACILITATOR])
def test_presenters_and_facilitators_see_what_is_coming(db, role):
    user = make_person("p@example.com", "Pat", role=role)
    ProfessionalProfile.objects.create(
        user=user, certification_level=CertificationLevel.CERTIFIED_PRESENTER
    )
    response = login(Client(), user).get(reverse("dashboard"))
    assert response.status_code == 200
    assert_headings_in_order(response.text)
    assert "Waiting for verification" in response.text
    assert "Coming soon" in response.text


def test_a_professional_without_a_profile_is_asked_for_credentials(db):
    user = make_person("p@example.com", "Pat", role=Role.PRESENTER)
    html = login(Client(), user).get(reverse("dashboard")).text
    assert "Not verified" in html
    assert f'href="{reverse("account")}"' in html


def test_an_administrator_sees_profiles_waiting_for_verification(db):
    admin = User.objects.create_superuser(
        email="root@example.com", password=PASSWORD, display_name="Root"
    )
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    make_therapist("t1@example.com", "T1", verified=False)
    make_therapist("t2@example.com", "T2", verified=False)
    make_therapist("t3@example.com", "T3", verified=True)
    response = login(Client(), admin).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "2 professional profiles are waiting to be checked." in response.text
    assert f'href="{reverse("admin:index")}"' in response.text


# The quick exit's neutral page --------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "partner_a", "therapist"])
def test_the_neutral_page_says_nothing_about_this_site(world, client_for, role):
    response = client_for(role).get(reverse("neutral"))
    html = response.text
    assert response.status_code == 200
    assert "<title>Simple recipes</title>" in html
    assert "imago" not in html.lower()
    assert settings.SITE_NAME.lower() not in html.lower()
    for giveaway in ("<nav", "<header", "<footer", "quick-exit", "partner", "therap", "couple"):
        assert giveaway not in html.lower()
    assert "<a " not in html  # no way back, not even by accident


def test_the_neutral_page_is_accessible_html_with_its_own_stylesheet(db):
    html = Client().get(reverse("neutral")).text
    assert html.startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert h1_count(html) == 1
    assert_headings_in_order(html)
    assert_no_inline_code(html)
    assert "<script" not in html
    assert html.count("<article") == 3
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert len(stylesheets) == 1
    path = stylesheets[0].removeprefix("/" + settings.STATIC_URL.lstrip("/"))
    assert finders.find(path), f"stylesheet {path} is missing"


def test_the_neutral_page_does_not_extend_the_site_shell():
    source = get_template("web/neutral.html").template.source
    assert "extends" not in source


# Error pages --------------------------------------------------------------------------------


def test_a_missing_page_answers_with_our_404(world, client_for):
    response = client_for("partner_a").get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert h1_count(response.text) == 1
    assert f'href="{reverse("dashboard")}"' in response.text


def test_the_404_page_works_for_anonymous_visitors(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert f'href="{reverse("home")}"' in response.text


def test_the_500_page_needs_no_request_or_context():
    html = get_template("500.html").render({})
    assert "Something went wrong" in html
    assert h1_count(html) == 1
    assert_no_inline_code(html)
    assert "extends" not in get_template("500.html").template.source


def test_the_403_page_renders(db):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = get_template("403.html").render({}, request)
    assert "Not allowed" in html
    assert h1_count(html) == 1


def test_a_missing_csrf_token_shows_our_friendly_page(world):
    client = login(Client(enforce_csrf_checks=True), world.partner_a)
    response = client.post(reverse("journal"), {"text": "x", "visibility": "private"})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert h1_count(response.text) == 1
