"""The JSON API: session login, CSRF, and the journal's privacy model through /api/."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imago.couples.models import TherapistConnection
from imago.journal.models import JournalEntry
from imago.journal.services import MAX_TEXT_LENGTH, NO_PARTNER, NO_THERAPIST, journal_entry_create
from imago.privacy.models import AuditEvent
from tests.conftest import login, make_couple, make_person

API = "api-1.0.0"


def url(name, **kwargs):
    return reverse(f"{API}:{name}", kwargs=kwargs or None)


def post_json(client, name, body):
    return client.post(url(name), body, content_type="application/json")


def entries(world):
    """One entry of each visibility by each partner, keyed by (author role, visibility)."""
    made = {}
    for role in ("partner_a", "partner_b", "other_couple"):
        for visibility in ("private", "partner", "therapist"):
            made[role, visibility] = journal_entry_create(
                author=world.user(role), text=f"{role} {visibility}", visibility=visibility
            )
    return made


def test_the_url_names_live_in_ninjas_namespace():
    assert url("health") == "/api/health"
    assert url("me") == "/api/me"
    assert url("journal_list") == url("journal_create") == "/api/journal"
    assert url("journal_detail", entry_id=7) == "/api/journal/7"


def test_health_is_public(db):
    response = Client().get(url("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("name", ["me", "couple", "journal_list"])
def test_anonymous_callers_get_401(db, name):
    assert Client().get(url(name)).status_code == 401


def test_anonymous_posts_get_401(db):
    response = post_json(Client(), "journal_create", {"text": "hi"})
    assert response.status_code == 401
    assert not JournalEntry.objects.exists()


def test_the_schema_is_public_and_the_docs_page_is_off(db):
    assert Client().get(url("openapi-json")).json()["info"]["title"] == "imago API"
    assert Client().get("/api/docs").status_code == 404


def test_me_describes_a_person(world, client_for):
    body = client_for("partner_a").get(url("me")).json()
    assert body == {
        "id": world.partner_a.pk,
        "email": "ana@example.com",
        "display_name": "Ana",
        "role": "person",
        "verified": None,
        "two_factor": False,
    }


def test_me_describes_a_therapist(world, client_for):
    body = client_for("therapist").get(url("me")).json()
    assert body["role"] == "therapist"
    assert body["verified"] is True
    assert body["two_factor"] is True


def test_couple_describes_the_partner_and_the_therapist(world, client_for):
    body = client_for("partner_a").get(url("couple")).json()
    assert body["linked"] is True
    assert body["partner"] == {"display_name": "Ben"}
    assert body["therapist"] == {"display_name": "Tess", "state": "active"}
    assert body["since"]


def test_couple_shows_a_pending_therapist(world, client_for):
    TherapistConnection.objects.filter(couple=world.couple).update(active_since=None)
    body = client_for("partner_b").get(url("couple")).json()
    assert body["therapist"] == {"display_name": "Tess", "state": "pending"}


def test_couple_for_someone_not_linked(db):
    single = make_person("solo@example.com", "Sol")
    body = login(Client(), single).get(url("couple")).json()
    assert body == {"linked": False, "partner": None, "since": None, "therapist": None}


READABLE = {
    "partner_a": {
        ("partner_a", "private"),
        ("partner_a", "partner"),
        ("partner_a", "therapist"),
        ("partner_b", "partner"),
    },
    "partner_b": {
        ("partner_b", "private"),
        ("partner_b", "partner"),
        ("partner_b", "therapist"),
        ("partner_a", "partner"),
    },
    "other_couple": {
        ("other_couple", "private"),
        ("other_couple", "partner"),
        ("other_couple", "therapist"),
    },
    "therapist": {("partner_a", "therapist"), ("partner_b", "therapist")},
    "other_therapist": {("other_couple", "therapist")},
}


@pytest.mark.parametrize("role", sorted(READABLE))
def test_each_role_lists_only_the_entries_it_may_read(world, client_for, role):
    made = entries(world)
    body = client_for(role).get(url("journal_list")).json()
    expected = {made[key].pk for key in READABLE[role]}
    assert {item["id"] for item in body} == expected
    for item in body:
        entry = JournalEntry.objects.get(pk=item["id"])
        assert item["text"] == entry.text
        assert item["is_mine"] == (entry.author == world.user(role))
        assert item["author"] == {"display_name": entry.author.display_name}


@pytest.mark.parametrize("role", sorted(READABLE))
def test_each_role_gets_404_for_every_entry_it_may_not_read(world, client_for, role):
    made = entries(world)
    client = client_for(role)
    missing = client.get(url("journal_detail", entry_id=99999))
    for key, entry in made.items():
        response = client.get(url("journal_detail", entry_id=entry.pk))
        if key in READABLE[role]:
            assert response.status_code == 200
            assert response.json()["text"] == entry.text
        else:
            assert response.status_code == 404
            assert response.json() == missing.json() == {"detail": "Not Found"}


def test_a_pending_connection_shows_the_therapist_nothing(world, client_for):
    entries(world)
    TherapistConnection.objects.filter(couple=world.couple).update(active_since=None)
    assert client_for("therapist").get(url("journal_list")).json() == []


def test_a_therapist_reading_an_entry_is_audited(world, client_for):
    entry = journal_entry_create(author=world.partner_b, text="for Tess", visibility="therapist")
    client_for("therapist").get(url("journal_detail", entry_id=entry.pk))
    event = AuditEvent.objects.get()
    assert (event.actor, event.subject, event.action) == (world.therapist, world.partner_b, "view")
    assert event.what == f"journal entry {entry.pk}"


def test_a_therapist_listing_entries_is_audited_once_per_entry(world, client_for):
    made = entries(world)
    client_for("therapist").get(url("journal_list"))
    audited = set(AuditEvent.objects.values_list("what", flat=True))
    assert audited == {
        f"journal entry {made['partner_a', 'therapist'].pk}",
        f"journal entry {made['partner_b', 'therapist'].pk}",
    }


def test_partners_reading_through_the_api_are_not_audited(world, client_for):
    entries(world)
    client_for("partner_a").get(url("journal_list"))
    assert not AuditEvent.objects.exists()


def test_a_person_creates_an_entry(world, client_for):
    response = post_json(
        client_for("partner_a"), "journal_create", {"text": "A kind word", "visibility": "partner"}
    )
    assert response.status_code == 201
    body = response.json()
    entry = JournalEntry.objects.get(pk=body["id"])
    assert (entry.author, entry.couple, entry.text) == (
        world.partner_a,
        world.couple,
        "A kind word",
    )
    assert body["is_mine"] is True
    assert body["visibility"] == "partner"


def test_visibility_defaults_to_private(world, client_for):
    response = post_json(client_for("partner_a"), "journal_create", {"text": "Just me"})
    assert response.json()["visibility"] == "private"


def test_a_therapist_cannot_create_an_entry(world, client_for):
    response = post_json(client_for("therapist"), "journal_create", {"text": "hello"})
    assert response.status_code == 403
    assert not JournalEntry.objects.exists()


def errors(response):
    assert response.status_code == 422
    return {(e["field"], e["message"]) for e in response.json()["detail"]}


def test_schema_errors_use_the_field_and_message_shape(world, client_for):
    client = client_for("partner_a")
    assert {f for f, _ in errors(post_json(client, "journal_create", {}))} == {"text"}
    bad = errors(post_json(client, "journal_create", {"text": "x", "visibility": "everyone"}))
    assert {f for f, _ in bad} == {"visibility"}
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_is_refused(world, client_for, text):
    response = post_json(client_for("partner_a"), "journal_create", {"text": text})
    [(field, message)] = errors(response)
    assert field == "text"
    assert "empty" in message


def test_too_long_text_is_refused(world, client_for):
    body = {"text": "x" * (MAX_TEXT_LENGTH + 1)}
    [(field, _)] = errors(post_json(client_for("partner_a"), "journal_create", body))
    assert field == "text"


def test_partner_visibility_without_a_couple_is_refused(db):
    client = login(Client(), make_person("solo@example.com", "Sol"))
    body = {"text": "hi", "visibility": "partner"}
    assert errors(post_json(client, "journal_create", body)) == {("visibility", NO_PARTNER)}


def test_therapist_visibility_without_a_therapist_is_refused(db):
    a = make_person("a@example.com", "A")
    make_couple(a, make_person("b@example.com", "B"))
    body = {"text": "hi", "visibility": "therapist"}
    assert errors(post_json(login(Client(), a), "journal_create", body)) == {
        ("visibility", NO_THERAPIST)
    }


def test_therapist_visibility_after_the_connection_ended_is_refused(world, client_for):
    TherapistConnection.objects.filter(couple=world.couple).update(ended_at=timezone.now())
    body = {"text": "hi", "visibility": "therapist"}
    assert errors(post_json(client_for("partner_a"), "journal_create", body)) == {
        ("visibility", NO_THERAPIST)
    }


def test_malformed_json_is_refused_without_a_500(world, client_for):
    response = client_for("partner_a").post(
        url("journal_create"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": [{"field": None, "message": "The request body is not valid JSON."}]
    }
    assert not JournalEntry.objects.exists()


def test_a_post_without_a_csrf_token_is_refused(world):
    client = login(Client(enforce_csrf_checks=True), world.partner_a)
    response = post_json(client, "journal_create", {"text": "no token"})
    assert response.status_code == 403
    assert not JournalEntry.objects.exists()


def test_a_post_with_a_csrf_token_works(world):
    client = login(Client(enforce_csrf_checks=True), world.partner_a)
    client.get(reverse("journal"))
    response = client.post(
        url("journal_create"),
        {"text": "with token"},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 201


def test_reads_need_no_csrf_token(world):
    client = login(Client(enforce_csrf_checks=True), world.partner_a)
    assert client.get(url("journal_list")).status_code == 200
