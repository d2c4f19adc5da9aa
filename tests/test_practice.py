"""The therapist's practice pages: inviting couples, the list, one couple's shared items, ending."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from imago.couples import services
from imago.couples.models import Invitation, TherapistConnection
from imago.couples.selectors import connection_of
from imago.couples.services import digest
from imago.journal.models import JournalEntry
from imago.journal.selectors import entries_readable_by
from imago.journal.services import journal_entry_create
from imago.privacy.models import AuditEvent
from tests.conftest import login, make_couple, make_person, make_therapist


def logged_in(user) -> Client:
    return login(Client(), user)


@pytest.fixture
def unverified(db):
    return make_therapist("una@example.com", "Una", verified=False)


def test_partners_are_sent_from_the_practice_to_their_dashboard(client_for):
    for name in ("practice", "practice_couple"):
        kwargs = {"couple_id": 1} if name == "practice_couple" else {}
        response = client_for("partner_a").get(reverse(name, kwargs=kwargs))
        assert response.status_code == 302
        assert response.url == reverse("dashboard")


def test_an_unverified_therapist_sees_a_calm_notice_and_no_invitation(unverified):
    client = logged_in(unverified)
    response = client.get(reverse("practice"))
    assert response.status_code == 200
    assert b"An administrator needs to verify your certification" in response.content
    assert reverse("practice_invite").encode() not in response.content

    response = client.post(reverse("practice_invite"), follow=True)
    assert b"verify your certification" in response.content
    assert not Invitation.objects.exists()


def test_a_verified_therapist_invites_a_couple_and_sees_the_link_and_code(client_for, world):
    client = client_for("therapist")
    response = client.post(reverse("practice_invite"))
    assert response.status_code == 302
    page = client.get(reverse("practice")).content.decode()
    code = re.search(r'id="practice-code" class="code">([A-Z2-9]{4}-[A-Z2-9]{4})<', page).group(1)
    link = re.search(r'id="practice-link" value="([^"]+)"', page).group(1)
    invitation = Invitation.objects.get(created_by=world.therapist)
    assert invitation.kind == Invitation.Kind.THERAPIST
    assert invitation.code_digest == digest(code.replace("-", ""))
    assert "/couple/therapist/join/" in link
    assert invitation.token_digest == digest(link.rstrip("/").rsplit("/", 1)[1])


def test_inviting_with_htmx_returns_only_the_invitation_card(client_for):
    response = client_for("therapist").post(
        reverse("practice_invite"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="practice-invite"' in content
    assert "<html" not in content
    assert 'data-copy="practice-code"' in content


def test_the_practice_lists_connected_couples_and_waiting_requests(client_for, world):
    zoe, yan = make_person("zoe@example.com", "Zoe"), make_person("yan@example.com", "Yan")
    make_couple(zoe, yan)
    services.therapist_connection_request(
        person=zoe, token=services.therapist_invitation_create(therapist=world.therapist).token
    )

    content = client_for("therapist").get(reverse("practice")).content.decode()

    assert "Ana and Ben" in content or "Ben and Ana" in content
    assert reverse("practice_couple", kwargs={"couple_id": world.couple.pk}) in content
    assert "Zoe asked to connect" in content
    # The partner who has not agreed yet is not named to the therapist.
    assert "Yan" not in content
    # Another therapist's couple is not listed.
    assert "Cora" not in content


def test_the_couple_page_shows_only_items_shared_with_the_therapist(client_for, world):
    journal_entry_create(author=world.partner_a, text="For Tess.", visibility="therapist")
    JournalEntry.objects.create(
        author=world.partner_a, couple=world.couple, visibility="private", text="Only Ana."
    )
    JournalEntry.objects.create(
        author=world.partner_b, couple=world.couple, visibility="partner", text="For Ana."
    )
    url = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})

    response = client_for("therapist").get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert "For Tess." in content
    assert "Only Ana." not in content
    assert "For Ana." not in content
    assert "Ben has not shared anything with you yet." in content


def test_viewing_a_couple_writes_one_audit_entry_per_partner_whose_items_are_shown(
    client_for, world
):
    journal_entry_create(author=world.partner_a, text="One.", visibility="therapist")
    journal_entry_create(author=world.partner_a, text="Two.", visibility="therapist")
    url = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})

    client_for("therapist").get(url)

    events = AuditEvent.objects.all()
    assert events.count() == 1
    event = events.get()
    assert event.actor == world.therapist
    assert event.subject == world.partner_a
    assert event.action == "view"
    assert event.what == "journal entries shared with therapist"

    journal_entry_create(author=world.partner_b, text="Three.", visibility="therapist")
    client_for("therapist").get(url)
    assert AuditEvent.objects.count() == 3
    assert AuditEvent.objects.filter(subject=world.partner_b).count() == 1


def test_another_therapist_gets_404_for_the_couple(client_for, world):
    url = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})
    assert client_for("other_therapist").get(url).status_code == 404
    assert (
        client_for("therapist")
        .get(reverse("practice_couple", kwargs={"couple_id": world.other_couple_obj.pk}))
        .status_code
        == 404
    )
    assert (
        client_for("therapist")
        .get(reverse("practice_couple", kwargs={"couple_id": 99999}))
        .status_code
        == 404
    )
    assert not AuditEvent.objects.exists()


def test_a_couple_still_waiting_for_consent_is_not_open_to_the_therapist(client_for, world):
    zoe, yan = make_person("zoe@example.com", "Zoe"), make_person("yan@example.com", "Yan")
    couple = make_couple(zoe, yan)
    services.therapist_connection_request(
        person=zoe, token=services.therapist_invitation_create(therapist=world.therapist).token
    )
    url = reverse("practice_couple", kwargs={"couple_id": couple.pk})
    assert client_for("therapist").get(url).status_code == 404


def test_a_therapist_who_lost_verification_no_longer_opens_the_couple(client_for, world):
    profile = world.therapist.professional_profile
    profile.verified_at = None
    profile.save()
    url = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})
    assert client_for("therapist").get(url).status_code == 404


def test_the_invite_action_rejects_get(client_for):
    assert client_for("therapist").get(reverse("practice_invite")).status_code == 405


# Ending a connection from the therapist's side ----------------------------------------------


def test_the_couple_page_links_to_ending_the_connection(client_for, world):
    url = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})
    content = client_for("therapist").get(url).content.decode()
    end_url = reverse("practice_couple_end", kwargs={"couple_id": world.couple.pk})
    assert f'href="{end_url}"' in content
    assert "End your connection with Ana and Ben" in content


def test_ending_shows_what_happens_before_confirming(client_for, world):
    url = reverse("practice_couple_end", kwargs={"couple_id": world.couple.pk})
    response = client_for("therapist").get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("<h1") == 1
    assert "End your connection with Ana and Ben" in content
    assert "will no longer share anything with you" in content
    assert "What they shared with you before is no longer visible to you" in content
    assert "connect again later" in content
    assert f'action="{url}"' in content
    # Only looking at the page changes nothing.
    assert connection_of(world.couple) is not None


def test_the_therapist_ends_the_connection_and_the_partners_see_no_therapist(client_for, world):
    shared = journal_entry_create(author=world.partner_a, text="For Tess.", visibility="therapist")
    client = client_for("therapist")
    url = reverse("practice_couple_end", kwargs={"couple_id": world.couple.pk})

    response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("practice")
    page = client.get(reverse("practice")).content.decode()
    assert "Your connection with Ana and Ben has ended." in page
    assert reverse("practice_couple", kwargs={"couple_id": world.couple.pk}) not in page
    connection = TherapistConnection.objects.get(couple=world.couple, therapist=world.therapist)
    assert connection.ended_by == world.therapist
    assert connection_of(world.couple) is None
    assert shared not in entries_readable_by(world.therapist)
    couple_url = reverse("practice_couple", kwargs={"couple_id": world.couple.pk})
    assert client.get(couple_url).status_code == 404
    assert client.post(url).status_code == 404

    partners_page = client_for("partner_a").get(reverse("couple")).content.decode()
    assert "You are not connected to a therapist." in partners_page
    assert "Tess" not in partners_page
    # The other couple's connection is untouched.
    assert connection_of(world.other_couple_obj) is not None


def test_only_the_couples_own_therapist_can_end_the_connection(client_for, world, unverified):
    url = reverse("practice_couple_end", kwargs={"couple_id": world.couple.pk})
    for method in ("get", "post"):
        assert getattr(client_for("other_therapist"), method)(url).status_code == 404
        assert getattr(logged_in(unverified), method)(url).status_code == 404
        response = getattr(client_for("partner_a"), method)(url)
        assert (response.status_code, response.url) == (302, reverse("dashboard"))
        response = getattr(client_for("anonymous"), method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    missing = reverse("practice_couple_end", kwargs={"couple_id": 99999})
    assert client_for("therapist").post(missing).status_code == 404
    assert connection_of(world.couple).therapist == world.therapist


def test_a_therapist_who_lost_verification_cannot_end_from_the_practice(client_for, world):
    profile = world.therapist.professional_profile
    profile.verified_at = None
    profile.save()
    url = reverse("practice_couple_end", kwargs={"couple_id": world.couple.pk})
    assert client_for("therapist").post(url).status_code == 404
    assert connection_of(world.couple) is not None
