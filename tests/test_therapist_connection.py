"""A couple and their therapist: invitation, both partners' consent, declining and ending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imago.couples import services
from imago.couples.models import Invitation, TherapistConnection
from imago.couples.selectors import connection_of, couples_for_therapist
from imago.couples.services import CoupleError
from imago.journal.selectors import entries_readable_by
from imago.journal.services import JournalError, journal_entry_create, journal_entry_update
from tests.conftest import login, make_couple, make_person, make_therapist


@pytest.fixture
def pair(db):
    """A linked couple with no therapist yet."""
    zoe = make_person("zoe@example.com", "Zoe")
    yan = make_person("yan@example.com", "Yan")
    return zoe, yan, make_couple(zoe, yan)


@pytest.fixture
def tia(db):
    return make_therapist("tia@example.com", "Tia")


def logged_in(user) -> Client:
    return login(Client(), user)


def test_an_unverified_therapist_cannot_invite(db):
    therapist = make_therapist("una@example.com", "Una", verified=False)
    with pytest.raises(CoupleError, match="verify your certification"):
        services.therapist_invitation_create(therapist=therapist)
    assert not Invitation.objects.exists()


def test_a_person_cannot_make_a_therapist_invitation(pair):
    with pytest.raises(CoupleError, match="verify"):
        services.therapist_invitation_create(therapist=pair[0])


def test_the_first_partner_asks_and_the_connection_waits_for_the_other(pair, tia):
    zoe, yan, couple = pair
    issued = services.therapist_invitation_create(therapist=tia)

    connection = services.therapist_connection_request(person=zoe, token=issued.token)

    assert connection.therapist == tia
    assert connection.active_since is None
    assert list(connection.consented_by.all()) == [zoe]
    issued.invitation.refresh_from_db()
    assert issued.invitation.used_by == zoe


def test_consent_needs_both_partners_and_the_therapist_sees_nothing_before(pair, tia):
    zoe, yan, couple = pair
    code = services.therapist_invitation_create(therapist=tia).code
    services.therapist_connection_request(person=zoe, code=code.lower().replace("-", ""))

    assert not couples_for_therapist(tia).exists()
    with pytest.raises(JournalError, match="waiting for both of you"):
        journal_entry_create(author=zoe, text="For our sessions.", visibility="therapist")

    connection = services.therapist_connection_consent(person=yan)

    assert connection.active_since is not None
    assert couple in couples_for_therapist(tia)
    shared = journal_entry_create(author=zoe, text="For our sessions.", visibility="therapist")
    assert shared in entries_readable_by(tia)


def test_a_new_therapist_does_not_see_what_was_shared_with_the_previous_one(world):
    shared = journal_entry_create(
        author=world.partner_a, text="For Tess only.", visibility="therapist"
    )
    services.therapist_connection_end(person=world.partner_a)
    newcomer = make_therapist("nia@example.com", "Nia")
    issued = services.therapist_invitation_create(therapist=newcomer)
    services.therapist_connection_request(person=world.partner_a, token=issued.token)
    services.therapist_connection_consent(person=world.partner_b)

    assert shared not in entries_readable_by(newcomer)
    assert shared not in entries_readable_by(world.therapist)


def test_reconnecting_with_the_same_therapist_does_not_reopen_old_items(world):
    shared = journal_entry_create(author=world.partner_a, text="Before.", visibility="therapist")
    services.therapist_connection_end(person=world.partner_b)
    issued = services.therapist_invitation_create(therapist=world.therapist)
    services.therapist_connection_request(person=world.partner_a, token=issued.token)
    services.therapist_connection_consent(person=world.partner_b)

    assert shared not in entries_readable_by(world.therapist)
    # Sharing it again, under the new connection, is the author's explicit choice.
    journal_entry_update(
        author=world.partner_a, entry=shared, text="Before.", visibility="therapist"
    )
    assert shared in entries_readable_by(world.therapist)


def test_the_partner_who_asked_cannot_consent_again(pair, tia):
    zoe, yan, couple = pair
    services.therapist_connection_request(
        person=zoe, token=services.therapist_invitation_create(therapist=tia).token
    )
    with pytest.raises(CoupleError, match="already agreed"):
        services.therapist_connection_consent(person=zoe)
    assert connection_of(couple).active_since is None


def test_consenting_without_a_request_says_so(pair):
    with pytest.raises(CoupleError, match="no therapist request"):
        services.therapist_connection_consent(person=pair[1])


def test_either_partner_can_decline_a_waiting_request(pair, tia):
    zoe, yan, couple = pair
    services.therapist_connection_request(
        person=zoe, token=services.therapist_invitation_create(therapist=tia).token
    )
    connection = services.therapist_connection_decline(person=yan)
    assert connection.ended_by == yan
    assert connection_of(couple) is None
    with pytest.raises(CoupleError, match="no therapist request"):
        services.therapist_connection_decline(person=yan)


def test_a_person_without_a_partner_cannot_connect(tia, db):
    alone = make_person("alo@example.com", "Alo")
    issued = services.therapist_invitation_create(therapist=tia)
    with pytest.raises(CoupleError, match="linked to your partner"):
        services.therapist_connection_request(person=alone, token=issued.token)
    issued.invitation.refresh_from_db()
    assert issued.invitation.used_at is None


def test_a_couple_with_a_therapist_cannot_ask_another(world):
    issued = services.therapist_invitation_create(therapist=world.other_therapist)
    with pytest.raises(CoupleError, match="already have a therapist"):
        services.therapist_connection_request(person=world.partner_a, token=issued.token)


def test_a_couple_with_a_waiting_request_cannot_ask_another(pair, tia):
    zoe, yan, _ = pair
    services.therapist_connection_request(
        person=zoe, token=services.therapist_invitation_create(therapist=tia).token
    )
    with pytest.raises(CoupleError, match="request waiting"):
        services.therapist_connection_request(
            person=yan, token=services.therapist_invitation_create(therapist=tia).token
        )


def test_a_therapist_no_longer_verified_cannot_be_connected(pair, tia):
    zoe, yan, _ = pair
    issued = services.therapist_invitation_create(therapist=tia)
    tia.professional_profile.verified_at = None
    tia.professional_profile.save()
    with pytest.raises(CoupleError, match="not verified"):
        services.therapist_connection_request(person=zoe, token=issued.token)


def test_consent_is_refused_when_the_therapist_lost_verification_meanwhile(pair, tia):
    zoe, yan, couple = pair
    services.therapist_connection_request(
        person=zoe, token=services.therapist_invitation_create(therapist=tia).token
    )
    tia.professional_profile.verified_at = None
    tia.professional_profile.save()
    with pytest.raises(CoupleError, match="not verified"):
        services.therapist_connection_consent(person=yan)
    assert connection_of(couple).active_since is None


def test_a_therapist_invitation_works_once_and_expires(pair, tia, db):
    zoe, yan, _ = pair
    issued = services.therapist_invitation_create(therapist=tia)
    services.therapist_connection_request(person=zoe, token=issued.token)
    cleo, dan = make_person("cleo@example.com", "Cleo"), make_person("dan@example.com", "Dan")
    make_couple(cleo, dan)
    with pytest.raises(CoupleError, match="already been used"):
        services.therapist_connection_request(person=cleo, token=issued.token)

    late = services.therapist_invitation_create(therapist=tia)
    Invitation.objects.filter(pk=late.invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(CoupleError, match="expired"):
        services.therapist_connection_request(person=cleo, code=late.code)


def test_a_partner_invitation_is_not_a_therapist_invitation(pair, db):
    inviter = make_person("xia@example.com", "Xia")
    issued = services.partner_invitation_create(inviter=inviter)
    with pytest.raises(CoupleError, match="comes from a partner"):
        services.therapist_connection_request(person=pair[0], token=issued.token)


def test_either_partner_ends_the_connection_and_the_therapist_sees_nothing_after(world):
    shared = journal_entry_create(author=world.partner_a, text="For Tess.", visibility="therapist")
    assert shared in entries_readable_by(world.therapist)

    connection = services.therapist_connection_end(person=world.partner_b)

    assert connection.ended_by == world.partner_b
    assert shared not in entries_readable_by(world.therapist)
    with pytest.raises(CoupleError, match="not connected"):
        services.therapist_connection_end(person=world.partner_a)


def test_the_therapist_may_end_their_own_connection_but_not_another(world):
    with pytest.raises(CoupleError, match="not connected"):
        services.therapist_connection_end(person=world.other_therapist, couple=world.couple)
    services.therapist_connection_end(person=world.therapist, couple=world.couple)
    assert connection_of(world.couple) is None


def test_unlinking_ends_the_therapist_connection(world):
    services.couple_unlink(person=world.partner_a)
    assert not couples_for_therapist(world.therapist).exists()
    assert not TherapistConnection.objects.current().filter(couple=world.couple).exists()


# Pages -------------------------------------------------------------------------------------


def test_the_link_page_shows_the_therapist_and_what_they_will_and_will_not_see(pair, tia):
    issued = services.therapist_invitation_create(therapist=tia)
    response = logged_in(pair[0]).get(issued.path)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Connect with Tia" in content
    assert "verified by an administrator" in content
    assert "Certified Imago relationship therapist" in content
    assert "Your private items, ever." in content
    assert "tia@example.com" not in content


def test_asking_by_link_and_consenting_on_the_couple_page(pair, tia):
    zoe, yan, couple = pair
    issued = services.therapist_invitation_create(therapist=tia)
    response = logged_in(zoe).post(issued.path, follow=True)
    assert b"request to connect with Tia is sent" in response.content
    assert b"waiting for Yan to agree" in response.content

    yans = logged_in(yan)
    page = yans.get(reverse("couple"))
    assert b"Agree to connect with Tia" in page.content
    response = yans.post(reverse("therapist_consent"), follow=True)
    assert b"connected with Tia" in response.content
    assert connection_of(couple).is_active


def test_asking_by_code_with_a_wrong_code_keeps_it_and_explains(pair):
    response = logged_in(pair[0]).post(reverse("therapist_join"), {"code": "zzzz-zzzz"})
    assert response.status_code == 200
    assert b"couldn&#x27;t find" in response.content
    assert b'value="zzzz-zzzz"' in response.content


def test_asking_by_code(pair, tia):
    code = services.therapist_invitation_create(therapist=tia).code
    response = logged_in(pair[1]).post(reverse("therapist_join"), {"code": code.lower()})
    assert response.status_code == 302
    assert connection_of(pair[2]) is not None


def test_the_link_page_explains_when_the_couple_already_has_a_therapist(client_for, world):
    issued = services.therapist_invitation_create(therapist=world.other_therapist)
    response = client_for("partner_a").get(issued.path)
    assert response.status_code == 200
    assert b"already have a therapist" in response.content
    assert b"Ask to connect" not in response.content


def test_a_bad_therapist_link_gives_a_kind_404_page(client_for):
    response = client_for("partner_a").get(reverse("therapist_join_link", kwargs={"token": "nope"}))
    assert response.status_code == 404
    assert b"can't be used" in response.content
    assert b"couldn&#x27;t find" in response.content


def test_declining_from_the_couple_page(pair, tia):
    zoe, yan, couple = pair
    services.therapist_connection_request(
        person=zoe, token=services.therapist_invitation_create(therapist=tia).token
    )
    response = logged_in(yan).post(reverse("therapist_decline"), follow=True)
    assert b"declined" in response.content
    assert connection_of(couple) is None


def test_ending_asks_first_then_ends(client_for, world):
    client = client_for("partner_b")
    page = client.get(reverse("therapist_end"))
    assert page.status_code == 200
    assert b"End the connection with Tess" in page.content
    response = client.post(reverse("therapist_end"), follow=True)
    assert b"has ended" in response.content
    assert connection_of(world.couple) is None
    again = client.post(reverse("therapist_end"), follow=True)
    assert b"not connected to a therapist" in again.content


def test_consent_decline_and_end_reject_get(client_for):
    client = client_for("partner_a")
    assert client.get(reverse("therapist_consent")).status_code == 405
    assert client.get(reverse("therapist_decline")).status_code == 405


# Guessing codes and links ------------------------------------------------------------------


def test_wrong_codes_count_across_partner_and_therapist_invitations(pair, tia):
    zoe = pair[0]
    client = logged_in(zoe)
    for _ in range(5):
        with pytest.raises(services.InvitationUnusable):
            services.invitation_accept(person=zoe, code="ABCD-EFGH")
        client.post(reverse("therapist_join"), {"code": "ZZZZ-ZZZZ"})
    code = services.therapist_invitation_create(therapist=tia).code

    response = client.post(reverse("therapist_join"), {"code": code})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Too many codes that did not work. Please wait 15 minutes" in content
    assert "ask your therapist to send the link again" in content
    assert f'value="{code}"' in content
    assert connection_of(pair[2]) is None


def test_a_right_therapist_code_before_the_limit_still_works(pair, tia):
    zoe = pair[0]
    for _ in range(9):
        with pytest.raises(services.InvitationUnusable):
            services.therapist_connection_request(person=zoe, code="ABCD-EFGH")
    code = services.therapist_invitation_create(therapist=tia).code
    assert services.therapist_connection_request(person=zoe, code=code).therapist == tia


def test_wrong_therapist_links_count_and_then_even_a_right_link_waits(pair, tia):
    client = logged_in(pair[1])
    for n in range(10):
        url = reverse("therapist_join_link", kwargs={"token": f"guess-{n}"})
        assert client.get(url).status_code == 404
    issued = services.therapist_invitation_create(therapist=tia)

    response = client.get(issued.path)

    assert response.status_code == 429
    assert b"Please wait a little" in response.content
    assert b"ask your therapist to send the link again" in response.content
    assert client.post(issued.path).status_code == 429
    assert connection_of(pair[2]) is None
    # Zoe is counted on her own.
    assert logged_in(pair[0]).get(issued.path).status_code == 200
