"""The journal: the privacy model's three visibilities, encryption at rest, and its forms."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from imago.accounts.models import User
from imago.couples.models import TherapistConnection
from imago.couples.services import couple_unlink
from imago.journal import services
from imago.journal.models import JournalEntry
from imago.journal.services import (
    MAX_TEXT_LENGTH,
    JournalError,
    journal_entry_create,
    journal_entry_update,
)
from imago.privacy.models import AuditEvent
from tests.conftest import PASSWORD, login, make_couple, make_person

SECRET = "I felt unseen at dinner and did not say so"


def write(author, visibility="private", text=SECRET):
    return journal_entry_create(author=author, text=text, visibility=visibility)


def entry_url(entry):
    return reverse("journal_entry", kwargs={"pk": entry.pk})


# Who reads what ---------------------------------------------------------------------------


def test_the_partner_reads_an_entry_shared_with_them(world, client_for):
    entry = write(world.partner_a, "partner")
    response = client_for("partner_b").get(entry_url(entry))
    assert response.status_code == 200
    assert SECRET in response.text
    assert "Shared by Ana" in response.text


def test_the_partner_never_reads_a_private_entry(world, client_for):
    entry = write(world.partner_a, "private")
    client = client_for("partner_b")
    assert client.get(entry_url(entry)).status_code == 404
    assert SECRET not in client.get(reverse("journal")).text


def test_the_partner_does_not_read_an_entry_shared_only_with_the_therapist(world, client_for):
    entry = write(world.partner_a, "therapist")
    assert client_for("partner_b").get(entry_url(entry)).status_code == 404


@pytest.mark.parametrize("role", ["other_couple", "other_therapist"])
@pytest.mark.parametrize("visibility", ["private", "partner", "therapist"])
def test_another_couple_and_their_therapist_get_404_for_every_entry(
    world, client_for, role, visibility
):
    entry = write(world.partner_a, visibility)
    response = client_for(role).get(entry_url(entry))
    assert response.status_code == 404
    assert SECRET not in response.text


def test_a_missing_entry_and_a_hidden_one_answer_the_same(world, client_for):
    entry = write(world.partner_a, "private")
    client = client_for("other_couple")
    hidden = client.get(entry_url(entry))
    missing = client.get(reverse("journal_entry", kwargs={"pk": entry.pk + 1000}))
    assert hidden.status_code == missing.status_code == 404
    assert without_token(hidden.text) == without_token(missing.text)


def without_token(html: str) -> str:
    # Every page carries a fresh CSRF token (64 letters and digits); the rest must match.
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def checked(html: str, value: str) -> bool:
    return re.search(rf'value="{value}"[^>]*\bchecked\b', html) is not None


def disabled(html: str, value: str) -> bool:
    return re.search(rf'value="{value}"[^>]*\bdisabled\b', html) is not None


def test_the_therapist_reads_an_entry_shared_with_them(world, client_for):
    entry = write(world.partner_a, "therapist")
    response = client_for("therapist").get(entry_url(entry))
    assert response.status_code == 200
    assert SECRET in response.text


@pytest.mark.parametrize("visibility", ["private", "partner"])
def test_the_therapist_never_reads_entries_not_shared_with_them(world, client_for, visibility):
    entry = write(world.partner_a, visibility)
    assert client_for("therapist").get(entry_url(entry)).status_code == 404


def test_a_pending_connection_shows_the_therapist_nothing(world, client_for):
    entry = write(world.partner_a, "therapist")
    TherapistConnection.objects.filter(couple=world.couple).update(active_since=None)
    assert client_for("therapist").get(entry_url(entry)).status_code == 404


def test_an_ended_connection_shows_the_therapist_nothing(world, client_for):
    entry = write(world.partner_a, "therapist")
    from django.utils import timezone

    TherapistConnection.objects.filter(couple=world.couple).update(ended_at=timezone.now())
    assert client_for("therapist").get(entry_url(entry)).status_code == 404


def test_a_therapist_read_is_audited(world, client_for):
    entry = write(world.partner_a, "therapist")
    client_for("therapist").get(entry_url(entry))
    event = AuditEvent.objects.get()
    assert event.actor == world.therapist
    assert event.subject == world.partner_a
    assert event.action == "view"
    assert event.what == f"journal entry {entry.pk}"


def test_reading_as_the_author_or_the_partner_is_not_audited(world, client_for):
    entry = write(world.partner_a, "partner")
    client_for("partner_a").get(entry_url(entry))
    client_for("partner_b").get(entry_url(entry))
    assert not AuditEvent.objects.exists()


def test_a_refused_therapist_read_is_not_audited(world, client_for):
    entry = write(world.partner_a, "private")
    client_for("therapist").get(entry_url(entry))
    assert not AuditEvent.objects.exists()


# The journal page -------------------------------------------------------------------------


def test_the_journal_lists_own_entries_and_those_the_partner_shared(world, client_for):
    write(world.partner_a, "private", "Ana's own note")
    write(world.partner_b, "partner", "Ben shares this")
    write(world.partner_b, "private", "Ben keeps this")
    write(world.partner_b, "therapist", "Ben tells the therapist")
    response = client_for("partner_a").get(reverse("journal"))
    assert response.status_code == 200
    assert "Ana&#x27;s own note" in response.text
    assert "Ben shares this" in response.text
    assert "Shared by Ben" in response.text
    assert "Ben keeps this" not in response.text
    assert "Ben tells the therapist" not in response.text
    assert response.text.count("<h1") == 1


@pytest.mark.parametrize("role", ["therapist", "other_therapist"])
def test_professionals_are_sent_to_their_dashboard(world, client_for, role):
    response = client_for(role).get(reverse("journal"))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_anonymous_visitors_are_sent_to_log_in(world):
    response = Client().get(reverse("journal"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_a_person_writes_an_entry(world, client_for):
    response = client_for("partner_a").post(
        reverse("journal"), {"text": "  A calm evening.  ", "visibility": "partner"}
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert entry.author == world.partner_a
    assert entry.text == "A calm evening."
    assert entry.visibility == "partner"
    assert entry.couple == world.couple


def test_a_private_entry_remembers_the_couple_it_was_written_in(world):
    assert write(world.partner_a, "private").couple == world.couple


def test_the_text_is_encrypted_in_the_database(world):
    entry = write(world.partner_a, "private")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM journal_journalentry WHERE id = %s", [entry.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("fernet:")
    assert SECRET not in raw
    assert JournalEntry.objects.get(pk=entry.pk).text == SECRET


def assert_refused(response, typed: str, message: str):
    assert response.status_code == 200
    assert message in response.text.replace("&#x27;", "'")
    assert typed in response.text
    assert 'aria-invalid="true"' in response.text


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_it_refuses_an_empty_entry(world, client_for, text):
    response = client_for("partner_a").post(
        reverse("journal"), {"text": text, "visibility": "partner"}
    )
    assert_refused(response, text, services.EMPTY_TEXT)
    assert checked(response.text, "partner")
    assert not JournalEntry.objects.exists()


def test_it_refuses_a_too_long_entry_and_keeps_what_was_typed(world, client_for):
    text = "word " * (MAX_TEXT_LENGTH // 5) + "end"
    response = client_for("partner_a").post(
        reverse("journal"), {"text": text, "visibility": "private"}
    )
    assert_refused(response, text.strip(), "the most one entry can hold is 20,000")
    assert not JournalEntry.objects.exists()


def test_it_refuses_partner_visibility_without_a_couple(db):
    single = make_person("solo@example.com", "Sol")
    client = login(Client(), single)
    response = client.post(reverse("journal"), {"text": "Just me", "visibility": "partner"})
    assert_refused(response, "Just me", services.NO_PARTNER)
    assert not JournalEntry.objects.exists()


def test_it_refuses_therapist_visibility_without_a_therapist(db):
    a, b = make_person("a@example.com", "A"), make_person("b@example.com", "B")
    make_couple(a, b)
    response = login(Client(), a).post(
        reverse("journal"), {"text": "For the therapist", "visibility": "therapist"}
    )
    assert_refused(response, "For the therapist", services.NO_THERAPIST)


def test_it_refuses_therapist_visibility_while_the_connection_is_pending(world, client_for):
    TherapistConnection.objects.filter(couple=world.couple).update(active_since=None)
    response = client_for("partner_a").post(
        reverse("journal"), {"text": "For Tess", "visibility": "therapist"}
    )
    assert_refused(response, "For Tess", services.THERAPIST_PENDING)


def test_it_refuses_an_unknown_visibility(world, client_for):
    response = client_for("partner_a").post(
        reverse("journal"), {"text": "Hello", "visibility": "everyone"}
    )
    assert_refused(response, "Hello", services.UNKNOWN_VISIBILITY)


def test_choices_not_possible_now_are_disabled_with_a_reason(db):
    single = make_person("solo@example.com", "Sol")
    response = login(Client(), single).get(reverse("journal"))
    html = response.text.replace("&#x27;", "'")
    assert disabled(html, "partner") and disabled(html, "therapist")
    assert checked(html, "private") and not disabled(html, "private")
    assert services.NO_PARTNER in html


def test_the_form_has_labels_and_no_inline_styles(world, client_for):
    html = client_for("partner_a").get(reverse("journal")).text
    assert '<label for="id_text"' in html
    assert "<legend" in html
    assert "style=" not in html
    assert "onclick" not in html


def test_a_professional_cannot_write_an_entry_through_the_service(world):
    with pytest.raises(JournalError) as error:
        write(world.therapist)
    assert error.value.message == services.NOT_A_PERSON


# Changing and deleting --------------------------------------------------------------------


def test_the_author_changes_text_and_visibility(world, client_for):
    entry = write(world.partner_a, "private")
    response = client_for("partner_a").post(
        entry_url(entry), {"text": "Changed my mind", "visibility": "partner"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.text, entry.visibility) == ("Changed my mind", "partner")


def test_a_refused_change_keeps_what_was_typed(world, client_for):
    entry = write(world.partner_a, "private")
    response = client_for("partner_a").post(
        entry_url(entry), {"text": " ", "visibility": "partner"}
    )
    assert_refused(response, "", services.EMPTY_TEXT)
    assert checked(response.text, "partner")
    entry.refresh_from_db()
    assert entry.text == SECRET


@pytest.mark.parametrize("role", ["partner_b", "other_couple", "therapist"])
def test_editing_someone_elses_entry_answers_404(world, client_for, role):
    entry = write(world.partner_a, "partner")
    response = client_for(role).post(entry_url(entry), {"text": "hijack", "visibility": "private"})
    assert response.status_code == 404
    entry.refresh_from_db()
    assert (entry.text, entry.visibility) == (SECRET, "partner")


def test_the_partner_sees_no_edit_form(world, client_for):
    entry = write(world.partner_a, "partner")
    html = client_for("partner_b").get(entry_url(entry)).text
    assert "<textarea" not in html
    assert reverse("journal_delete", kwargs={"pk": entry.pk}) not in html


def test_the_author_deletes_an_entry(world, client_for):
    entry = write(world.partner_a, "private")
    response = client_for("partner_a").post(reverse("journal_delete", kwargs={"pk": entry.pk}))
    assert response.status_code == 302
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("role", ["partner_b", "other_couple", "therapist"])
def test_deleting_someone_elses_entry_answers_404(world, client_for, role):
    entry = write(world.partner_a, "partner")
    url = reverse("journal_delete", kwargs={"pk": entry.pk})
    assert client_for(role).post(url).status_code == 404
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_delete_rejects_get(world, client_for):
    entry = write(world.partner_a, "private")
    url = reverse("journal_delete", kwargs={"pk": entry.pk})
    assert client_for("partner_a").get(url).status_code == 405
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


# After an unlink ----------------------------------------------------------------------------


def test_a_shared_entry_stays_a_record_of_its_couple_after_an_unlink(world, client_for):
    entry = write(world.partner_a, "partner")
    couple_unlink(person=world.partner_a)
    assert client_for("partner_b").get(entry_url(entry)).status_code == 200
    newcomer = make_person("new@example.com", "Nia")
    make_couple(world.partner_a, newcomer)
    assert login(Client(), newcomer).get(entry_url(entry)).status_code == 404


def test_an_old_entry_cannot_be_shared_again_after_an_unlink(world, client_for):
    entry = write(world.partner_a, "private")
    couple_unlink(person=world.partner_a)
    make_couple(world.partner_a, make_person("new@example.com", "Nia"))
    response = client_for("partner_a").post(
        entry_url(entry), {"text": "Old words", "visibility": "partner"}
    )
    assert_refused(response, "Old words", services.COUPLE_ENDED)
    entry.refresh_from_db()
    assert entry.couple == world.couple
    assert entry.visibility == "private"


def test_an_old_entry_can_still_be_made_private_after_an_unlink(world):
    entry = write(world.partner_a, "partner")
    couple_unlink(person=world.partner_a)
    journal_entry_update(author=world.partner_a, entry=entry, text="Mine now", visibility="private")
    entry.refresh_from_db()
    assert (entry.visibility, entry.couple) == ("private", world.couple)


def test_an_entry_written_alone_joins_the_couple_when_first_shared(db):
    a, b = make_person("a@example.com", "A"), make_person("b@example.com", "B")
    entry = write(a, "private")
    assert entry.couple is None
    couple = make_couple(a, b)
    journal_entry_update(author=a, entry=entry, text="Now for you", visibility="partner")
    entry.refresh_from_db()
    assert entry.couple == couple


# CSRF and the admin -------------------------------------------------------------------------


def test_writing_without_a_csrf_token_is_refused(world):
    client = login(Client(enforce_csrf_checks=True), world.partner_a)
    response = client.post(reverse("journal"), {"text": "No token", "visibility": "private"})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert not JournalEntry.objects.exists()


def test_writing_with_a_csrf_token_works(world):
    client = login(Client(enforce_csrf_checks=True), world.partner_a)
    client.get(reverse("journal"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("journal"),
        {"text": "With token", "visibility": "private", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert JournalEntry.objects.get().text == "With token"


def test_the_admin_shows_metadata_but_never_the_text(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = User.objects.create_superuser(
        email="root@example.com", password=PASSWORD, display_name="Root"
    )
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = login(Client(), admin)
    entry = write(world.partner_a, "private")
    change = client.get(reverse("admin:journal_journalentry_change", args=[entry.pk]))
    listing = client.get(reverse("admin:journal_journalentry_changelist"))
    assert change.status_code == 200
    assert listing.status_code == 200
    assert "ana@example.com" in change.text or "Ana" in change.text
    assert SECRET not in change.text
    assert SECRET not in listing.text
    assert "fernet:" not in change.text
