"""A person's own data: downloading it, and deleting the account."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from imago.accounts.models import User
from imago.accounts.services import account_delete, person_export
from imago.couples.models import Couple, Invitation, Membership, TherapistConnection
from imago.journal.models import JournalEntry
from imago.privacy.models import AuditEvent, Visibility
from imago.privacy.services import audit_record
from tests.conftest import PASSWORD, login, make_person


def write(author, text, visibility=Visibility.PRIVATE, couple=None) -> JournalEntry:
    return JournalEntry.objects.create(
        author=author, text=text, visibility=visibility, couple=couple
    )


# Export ----------------------------------------------------------------------------------------


def test_the_export_holds_own_entries_and_never_the_partners(world):
    write(world.partner_a, "Ana's private thought")
    write(world.partner_a, "Ana shares this", Visibility.PARTNER, world.couple)
    write(world.partner_b, "Ben's private thought")
    write(world.partner_b, "Ben shares this", Visibility.PARTNER, world.couple)
    data = person_export(person=world.partner_a)
    texts = [e["text"] for e in data["journal_entries"]]
    assert sorted(texts) == ["Ana shares this", "Ana's private thought"]
    dumped = json.dumps(data)
    assert "Ben's private thought" not in dumped
    assert "Ben shares this" not in dumped


def test_the_export_holds_own_no_put_downs_marks_and_notes_never_the_partners(world):
    from imago.negativity.services import challenge_start, day_mark, repair_create

    today = timezone.localdate()
    challenge_start(person=world.partner_b, today=today - timezone.timedelta(days=2))
    day_mark(person=world.partner_a, day=today, choice="slipped", note="Ana's private note")
    day_mark(person=world.partner_b, day=today, choice="kept", note="Ben's private note")
    repair_create(author=world.partner_a, apology="Ana is sorry", appreciations=["Ben's calm"])
    [challenge] = person_export(person=world.partner_a)["no_put_downs"]
    assert challenge["started_by_you"] is False
    assert challenge["your_marks"] == [
        {"day": today.isoformat(), "mark": "I slipped", "private_note": "Ana's private note"}
    ]
    assert challenge["your_repairs"][0]["appreciations"] == ["Ben's calm"]
    assert "Ben's private note" not in json.dumps(person_export(person=world.partner_a))
    bens = json.dumps(person_export(person=world.partner_b))
    assert "Ana's private note" not in bens
    assert "Ana is sorry" not in bens


def test_the_export_describes_profile_couple_and_therapist(world):
    data = person_export(person=world.partner_a)
    assert data["profile"]["email"] == "ana@example.com"
    assert data["profile"]["name"] == "Ana"
    assert data["professional_profile"] is None
    [couple] = data["couples"]
    assert couple["partner"] == "Ben"
    assert couple["couple_ended"] is None
    [connection] = data["therapist_connections"]
    assert connection["therapist"] == "Tess"
    dumped = json.dumps(data)
    # The partner is named, nothing more; no password hash anywhere.
    assert "ben@example.com" not in dumped
    assert world.partner_a.password not in dumped
    assert "argon2" not in dumped and "md5$" not in dumped


def test_the_export_lists_invitations_without_their_secrets(world):
    person = make_person("nora@example.com", "Nora")
    Invitation.objects.create(
        kind=Invitation.Kind.PARTNER,
        created_by=person,
        token_digest="t" * 64,
        code_digest="c" * 64,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    data = person_export(person=person)
    [invitation] = data["invitations_you_created"]
    assert invitation["state"] == "open"
    assert "t" * 64 not in json.dumps(data)
    assert "c" * 64 not in json.dumps(data)


def test_the_export_shows_who_viewed_the_persons_data(world):
    audit_record(
        actor=world.therapist, subject=world.partner_a, action="view", what="journal entry 1"
    )
    audit_record(
        actor=world.therapist, subject=world.partner_b, action="view", what="journal entry 2"
    )
    data = person_export(person=world.partner_a)
    [event] = data["views_of_your_data"]
    assert event["who"] == "tess@example.com"
    assert event["what"] == "journal entry 1"


def test_the_export_includes_a_professionals_profile(world):
    data = person_export(person=world.therapist)
    assert data["professional_profile"]["certification_level"] == (
        "Certified Imago relationship therapist"
    )
    assert data["professional_profile"]["verified"]


def test_the_export_downloads_as_an_indented_json_file(client_for, world):
    write(world.partner_a, "Ana's private thought")
    response = client_for("partner_a").get(reverse("account_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert re.fullmatch(
        r'attachment; filename="imago-export-\d{4}-\d{2}-\d{2}\.json"',
        response["Content-Disposition"],
    )
    body = response.content.decode()
    assert '\n  "profile": {' in body
    assert json.loads(body)["journal_entries"][0]["text"] == "Ana's private thought"


def test_the_export_rejects_post(client_for, world):
    assert client_for("partner_a").post(reverse("account_export")).status_code == 405


# Deleting the account --------------------------------------------------------------------------


def test_the_delete_page_explains_what_happens_first(client_for, world):
    response = client_for("partner_a").get(reverse("account_delete"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your couple ends. Your partner keeps their own entries" in html
    assert "Any connection to a therapist ends" in html
    assert "without your e-mail address" in html


def test_deleting_needs_the_password(client_for, world):
    response = client_for("partner_a").post(
        reverse("account_delete"), {"password": "not it", "confirm": "on"}
    )
    assert response.status_code == 200
    assert "not your current password" in response.context["form"].errors["password"][0]
    assert User.objects.filter(pk=world.partner_a.pk).exists()


def test_deleting_needs_the_confirmation(client_for, world):
    response = client_for("partner_a").post(reverse("account_delete"), {"password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors["confirm"]
    assert User.objects.filter(pk=world.partner_a.pk).exists()


def test_deleting_ends_the_couple_and_keeps_the_partners_entries(client_for, world):
    write(world.partner_a, "Ana's private thought")
    write(world.partner_a, "Ana shares this", Visibility.PARTNER, world.couple)
    bens = write(world.partner_b, "Ben shares this", Visibility.PARTNER, world.couple)
    client = client_for("partner_a")
    response = client.post(
        reverse("account_delete"), {"password": PASSWORD, "confirm": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Your account and your entries are deleted" in response.content
    assert not User.objects.filter(pk=world.partner_a.pk).exists()
    assert not JournalEntry.objects.filter(author_id=world.partner_a.pk).exists()
    assert JournalEntry.objects.get(pk=bens.pk).text == "Ben shares this"
    couple = Couple.objects.get(pk=world.couple.pk)
    assert couple.ended_at is not None
    assert not Membership.objects.filter(person=world.partner_b, left_at__isnull=True).exists()
    assert not TherapistConnection.objects.filter(couple=couple, ended_at__isnull=True).exists()
    assert User.objects.filter(pk=world.partner_b.pk).exists()
    # Logged out.
    assert client.get(reverse("account")).status_code == 302


def test_deleting_keeps_audit_records_without_the_email(world):
    audit_record(actor=world.therapist, subject=world.partner_a, action="view", what="entry")
    audit_record(actor=world.partner_a, subject=world.partner_b, action="view", what="entry")
    account_delete(person=world.partner_a)
    labels = set(AuditEvent.objects.values_list("actor_label", "subject_label"))
    assert labels == {
        ("tess@example.com", "deleted person"),
        ("deleted person", "ben@example.com"),
    }
    assert not AuditEvent.objects.filter(subject_label__contains="ana@").exists()


@pytest.mark.django_db
def test_a_person_without_a_couple_can_delete_their_account(client):
    person = make_person("nora@example.com", "Nora")
    login(client, person)
    response = client.post(reverse("account_delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
