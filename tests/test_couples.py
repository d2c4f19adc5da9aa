"""Partners: inviting by link or code, accepting, cancelling, unlinking, and slowing guessers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from imago.couples import services
from imago.couples.models import Couple, Invitation, InvitationAttempt, TherapistConnection
from imago.couples.selectors import couple_of
from imago.couples.services import CODE_ALPHABET, CoupleError, digest
from imago.journal.models import JournalEntry
from imago.journal.selectors import entries_readable_by
from tests.conftest import login, make_person, make_therapist


@pytest.fixture
def zoe(db):
    return make_person("zoe@example.com", "Zoe")


@pytest.fixture
def yan(db):
    return make_person("yan@example.com", "Yan")


def logged_in(user) -> Client:
    return login(Client(), user)


# Creating an invitation --------------------------------------------------------------------


def test_it_creates_an_invitation_with_a_link_and_a_readable_code(zoe):
    issued = services.partner_invitation_create(inviter=zoe)

    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", issued.code)
    assert all(ch in CODE_ALPHABET for ch in issued.code.replace("-", ""))
    assert not set("01OIL") & set(issued.code)
    assert issued.token in issued.path
    invitation = issued.invitation
    assert invitation.kind == Invitation.Kind.PARTNER
    # Only digests are stored.
    assert invitation.token_digest == digest(issued.token)
    assert invitation.code_digest == digest(issued.code.replace("-", ""))
    assert issued.token not in invitation.token_digest


def test_the_invitation_expires_after_the_configured_days(zoe, settings):
    settings.INVITATION_DAYS = 3
    issued = services.partner_invitation_create(inviter=zoe)
    remaining = issued.invitation.expires_at - timezone.now()
    assert timedelta(days=2, hours=23) < remaining <= timedelta(days=3)


def test_a_new_invitation_cancels_the_earlier_unused_one(zoe, yan):
    first = services.partner_invitation_create(inviter=zoe)
    services.partner_invitation_create(inviter=zoe)

    first.invitation.refresh_from_db()
    assert first.invitation.cancelled_at is not None
    with pytest.raises(CoupleError, match="cancelled"):
        services.invitation_accept(person=yan, token=first.token)


def test_it_refuses_to_invite_when_already_in_a_couple(world):
    with pytest.raises(CoupleError, match="already linked"):
        services.partner_invitation_create(inviter=world.partner_a)


def test_a_therapist_cannot_invite_a_partner(db):
    therapist = make_therapist("tia@example.com", "Tia")
    with pytest.raises(CoupleError, match="Only partner accounts"):
        services.partner_invitation_create(inviter=therapist)


def test_the_invitation_email_is_neutral(zoe):
    issued = services.partner_invitation_create(
        inviter=zoe, email="friend@example.com", base_url="https://imago.example/"
    )

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["friend@example.com"]
    assert message.subject == "An invitation from Zoe"
    assert f"https://imago.example/join/{issued.token}/" in message.body
    assert issued.code in message.body
    for word in ("therapy", "therapist", "couple", "conflict"):
        assert word not in message.subject.lower()
        assert word not in message.body.lower()
    assert "zoe@example.com" not in message.body


def test_no_email_is_sent_without_an_address(zoe):
    services.partner_invitation_create(inviter=zoe)
    assert mail.outbox == []


# Accepting ---------------------------------------------------------------------------------


def test_a_partner_accepts_by_link_and_both_are_linked(zoe, yan):
    issued = services.partner_invitation_create(inviter=zoe)

    couple = services.invitation_accept(person=yan, token=issued.token)

    assert couple_of(zoe) == couple == couple_of(yan)
    assert {p.pk for p in couple.partners()} == {zoe.pk, yan.pk}
    issued.invitation.refresh_from_db()
    assert issued.invitation.used_by == yan
    assert issued.invitation.used_at is not None


@pytest.mark.parametrize("typed", ["lower", "nodash", "spaces"])
def test_it_accepts_the_code_in_lowercase_without_the_dash_or_with_spaces(zoe, yan, typed):
    code = services.partner_invitation_create(inviter=zoe).code
    variants = {
        "lower": code.lower(),
        "nodash": code.replace("-", ""),
        "spaces": " " + code.lower().replace("-", " ") + " ",
    }
    couple = services.invitation_accept(person=yan, code=variants[typed])
    assert couple_of(yan) == couple


def test_it_rejects_an_unknown_code(yan):
    with pytest.raises(CoupleError, match="couldn't find"):
        services.invitation_accept(person=yan, code="ABCD-EFGH")


def test_it_rejects_an_expired_invitation(zoe, yan):
    issued = services.partner_invitation_create(inviter=zoe)
    Invitation.objects.filter(pk=issued.invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(CoupleError, match="expired"):
        services.invitation_accept(person=yan, token=issued.token)
    assert couple_of(yan) is None


def test_it_rejects_a_reused_invitation(zoe, yan, db):
    issued = services.partner_invitation_create(inviter=zoe)
    services.invitation_accept(person=yan, token=issued.token)
    xia = make_person("xia@example.com", "Xia")

    with pytest.raises(CoupleError, match="already been used"):
        services.invitation_accept(person=xia, token=issued.token)
    with pytest.raises(CoupleError, match="already been used"):
        services.invitation_accept(person=xia, code=issued.code)


def test_it_rejects_a_cancelled_invitation(zoe, yan):
    issued = services.partner_invitation_create(inviter=zoe)
    services.invitation_cancel(person=zoe)
    with pytest.raises(CoupleError, match="cancelled"):
        services.invitation_accept(person=yan, token=issued.token)


def test_cancelling_without_an_open_invitation_says_so(zoe):
    with pytest.raises(CoupleError, match="no open invitation"):
        services.invitation_cancel(person=zoe)


def test_you_cannot_accept_your_own_invitation(zoe):
    issued = services.partner_invitation_create(inviter=zoe)
    with pytest.raises(CoupleError, match="You can't accept your own invitation"):
        services.invitation_accept(person=zoe, token=issued.token)
    assert couple_of(zoe) is None


def test_it_rejects_accepting_while_already_in_a_couple(world, zoe):
    issued = services.partner_invitation_create(inviter=zoe)
    with pytest.raises(CoupleError, match="already linked"):
        services.invitation_accept(person=world.partner_a, token=issued.token)
    assert couple_of(world.partner_a) == world.couple


def test_it_rejects_when_the_inviter_is_now_in_a_couple(zoe, yan):
    issued = services.partner_invitation_create(inviter=zoe)
    # Meanwhile Zoe accepts someone else's invitation.
    xia = make_person("xia@example.com", "Xia")
    services.invitation_accept(
        person=zoe, token=services.partner_invitation_create(inviter=xia).token
    )

    with pytest.raises(CoupleError, match="now linked"):
        services.invitation_accept(person=yan, token=issued.token)
    assert couple_of(yan) is None


def test_an_invitation_made_before_linking_does_not_work_after_unlinking(zoe, yan):
    yans_own = services.partner_invitation_create(inviter=yan)
    services.invitation_accept(
        person=yan, token=services.partner_invitation_create(inviter=zoe).token
    )
    services.couple_unlink(person=zoe)
    xia = make_person("xia@example.com", "Xia")
    with pytest.raises(CoupleError, match="cancelled"):
        services.invitation_accept(person=xia, token=yans_own.token)


def test_a_therapist_invitation_is_not_a_partner_invitation(world, zoe):
    issued = services.therapist_invitation_create(therapist=world.therapist)
    with pytest.raises(CoupleError, match="comes from a therapist"):
        services.invitation_accept(person=zoe, token=issued.token)


def test_a_therapist_cannot_accept_a_partner_invitation(zoe, db):
    therapist = make_therapist("tia@example.com", "Tia")
    issued = services.partner_invitation_create(inviter=zoe)
    with pytest.raises(CoupleError, match="Only partner accounts"):
        services.invitation_accept(person=therapist, token=issued.token)


# Unlinking ---------------------------------------------------------------------------------


def test_unlinking_ends_the_couple_the_memberships_and_the_therapist_connection(world):
    couple = services.couple_unlink(person=world.partner_b)

    couple.refresh_from_db()
    assert couple.ended_at is not None
    assert couple.ended_by == world.partner_b
    assert not couple.memberships.filter(left_at__isnull=True).exists()
    assert couple_of(world.partner_a) is None
    assert not TherapistConnection.objects.current().filter(couple=couple).exists()


def test_unlinking_twice_gives_a_clear_message(world):
    services.couple_unlink(person=world.partner_a)
    with pytest.raises(CoupleError, match="You are not linked to a partner right now."):
        services.couple_unlink(person=world.partner_a)
    with pytest.raises(CoupleError, match="You are not linked to a partner right now."):
        services.couple_unlink(person=world.partner_b)


def test_after_unlink_shared_entries_stay_readable_by_both_and_private_ones_by_the_author(world):
    a, b = world.partner_a, world.partner_b
    shared = JournalEntry.objects.create(
        author=a, couple=world.couple, visibility="partner", text="Thank you for the walk."
    )
    private = JournalEntry.objects.create(
        author=a, couple=world.couple, visibility="private", text="Only mine."
    )

    services.couple_unlink(person=b)

    assert shared in entries_readable_by(a)
    assert shared in entries_readable_by(b)
    assert private in entries_readable_by(a)
    assert private not in entries_readable_by(b)


def test_partners_can_link_again_after_unlinking(world):
    services.couple_unlink(person=world.partner_a)
    issued = services.partner_invitation_create(inviter=world.partner_a)
    couple = services.invitation_accept(person=world.partner_b, token=issued.token)
    assert couple != world.couple
    assert Couple.objects.active().filter(pk=couple.pk).exists()


# Pages -------------------------------------------------------------------------------------


def test_the_couple_page_shows_the_partner_and_the_therapist(client_for, world):
    response = client_for("partner_a").get(reverse("couple"))
    assert response.status_code == 200
    assert b"Ben" in response.content
    assert b"Tess" in response.content
    assert reverse("couple_unlink").encode() in response.content


def test_therapists_are_sent_from_the_couple_page_to_their_dashboard(client_for):
    response = client_for("therapist").get(reverse("couple"))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_an_unlinked_person_sees_how_to_invite_and_how_to_join(zoe):
    response = logged_in(zoe).get(reverse("couple"))
    assert response.status_code == 200
    assert b"Invite your partner" in response.content
    assert b"Have a code?" in response.content
    assert reverse("couple_join").encode() in response.content


def test_inviting_without_javascript_redirects_and_shows_the_link_and_the_code(zoe):
    client = logged_in(zoe)
    response = client.post(reverse("partner_invite"), {"email": ""})
    assert response.status_code == 302
    assert response.url == reverse("couple")

    page = client.get(reverse("couple")).content.decode()
    code = re.search(r'id="invite-code" class="code">([A-Z2-9]{4}-[A-Z2-9]{4})<', page).group(1)
    link = re.search(r'id="invite-link" value="([^"]+)"', page).group(1)
    invitation = Invitation.objects.get(created_by=zoe)
    assert invitation.code_digest == digest(code.replace("-", ""))
    assert invitation.token_digest == digest(link.rstrip("/").rsplit("/", 1)[1])
    assert 'data-copy="invite-link"' in page and 'id="invite-link-status"' in page
    assert 'data-copy="invite-code"' in page and 'id="invite-code-status"' in page
    assert "Cancel this invitation" in page


def test_inviting_with_htmx_returns_only_the_invitation_card(zoe):
    response = logged_in(zoe).post(reverse("partner_invite"), {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="invite-card"' in content
    assert "<html" not in content
    assert re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", content)


def test_inviting_by_email_sends_the_neutral_message_with_an_absolute_link(zoe):
    logged_in(zoe).post(reverse("partner_invite"), {"email": "friend@example.com"})
    assert len(mail.outbox) == 1
    assert "http://testserver/join/" in mail.outbox[0].body


def test_an_invalid_email_is_shown_next_to_the_field_and_kept(zoe):
    response = logged_in(zoe).post(reverse("partner_invite"), {"email": "not-an-address"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="not-an-address"' in content
    assert 'aria-invalid="true"' in content
    assert not Invitation.objects.filter(created_by=zoe).exists()


def test_inviting_while_linked_gives_a_message(client_for, world):
    client = client_for("partner_a")
    response = client.post(reverse("partner_invite"), {}, follow=True)
    assert b"already linked" in response.content
    assert not Invitation.objects.filter(created_by=world.partner_a).exists()


def test_the_invite_action_rejects_get(zoe):
    assert logged_in(zoe).get(reverse("partner_invite")).status_code == 405


def test_the_invite_action_needs_a_csrf_token(zoe):
    client = login(Client(enforce_csrf_checks=True), zoe)
    assert client.post(reverse("partner_invite"), {}).status_code == 403
    assert not Invitation.objects.filter(created_by=zoe).exists()


def test_cancelling_from_the_page(zoe):
    client = logged_in(zoe)
    client.post(reverse("partner_invite"), {})
    response = client.post(reverse("invitation_cancel"), follow=True)
    assert b"cancelled" in response.content
    assert not Invitation.objects.usable().filter(created_by=zoe).exists()
    assert b'id="invite-code"' not in response.content


def test_joining_with_a_code_links_the_partners(zoe, yan):
    code = services.partner_invitation_create(inviter=zoe).code
    response = logged_in(yan).post(reverse("couple_join"), {"code": code.lower()}, follow=True)
    assert couple_of(yan) is not None
    assert b"You are now linked with Zoe" in response.content


def test_a_wrong_code_is_explained_next_to_the_field_and_kept(yan):
    response = logged_in(yan).post(reverse("couple_join"), {"code": "abcd-efgh"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "couldn&#x27;t find" in content
    assert 'value="abcd-efgh"' in content
    assert 'aria-invalid="true"' in content


def test_a_malformed_code_is_explained(yan):
    response = logged_in(yan).post(reverse("couple_join"), {"code": "hello"})
    assert b"like ABCD-EFGH" in response.content


def test_an_anonymous_visitor_sees_who_invited_them_and_how_to_sign_up(zoe):
    issued = services.partner_invitation_create(inviter=zoe)
    url = reverse("invitation_accept", kwargs={"token": issued.token})
    response = Client().get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Zoe invited you" in content
    assert "zoe@example.com" not in content
    assert f"{reverse('signup')}?next={url}" in content
    assert f"{reverse('login')}?next={url}" in content


def test_an_anonymous_post_to_accept_goes_to_the_login_page(zoe):
    issued = services.partner_invitation_create(inviter=zoe)
    response = Client().post(reverse("invitation_accept", kwargs={"token": issued.token}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not issued.invitation.__class__.objects.filter(used_at__isnull=False).exists()


def test_the_email_link_forwards_to_the_invitation_page(zoe):
    issued = services.partner_invitation_create(inviter=zoe)
    response = Client().get(reverse("invitation_link", kwargs={"token": issued.token}))
    assert response.status_code == 302
    assert response.url == reverse("invitation_accept", kwargs={"token": issued.token})


def test_accepting_by_link_after_confirming(zoe, yan):
    issued = services.partner_invitation_create(inviter=zoe)
    client = logged_in(yan)
    url = reverse("invitation_accept", kwargs={"token": issued.token})
    page = client.get(url)
    assert b"Accept and link with Zoe" in page.content
    response = client.post(url)
    assert response.status_code == 302
    assert couple_of(yan) == couple_of(zoe) is not None


def test_an_unknown_or_expired_link_gives_a_kind_404_page(zoe, yan):
    client = logged_in(yan)
    response = client.get(reverse("invitation_accept", kwargs={"token": "nope"}))
    assert response.status_code == 404
    assert b"couldn&#x27;t find" in response.content

    issued = services.partner_invitation_create(inviter=zoe)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    response = client.get(reverse("invitation_accept", kwargs={"token": issued.token}))
    assert response.status_code == 404
    assert b"expired" in response.content


def test_your_own_link_shows_a_message_instead_of_the_button(zoe):
    issued = services.partner_invitation_create(inviter=zoe)
    response = logged_in(zoe).get(reverse("invitation_accept", kwargs={"token": issued.token}))
    assert response.status_code == 200
    assert b"You can&#x27;t accept your own invitation" in response.content
    assert b"Accept and link" not in response.content


def test_a_partner_of_another_couple_posting_to_accept_a_used_invitation_gets_a_message(
    client_for, world, zoe, yan
):
    issued = services.partner_invitation_create(inviter=zoe)
    services.invitation_accept(person=yan, token=issued.token)

    response = client_for("other_couple").post(
        reverse("invitation_accept", kwargs={"token": issued.token})
    )
    assert response.status_code == 404
    assert b"already been used" in response.content
    assert couple_of(world.other_couple) == world.other_couple_obj


def test_a_linked_person_posting_to_accept_a_fresh_invitation_gets_a_message(
    client_for, world, zoe
):
    issued = services.partner_invitation_create(inviter=zoe)
    response = client_for("partner_a").post(
        reverse("invitation_accept", kwargs={"token": issued.token})
    )
    assert response.status_code == 200
    assert b"already linked" in response.content
    assert couple_of(zoe) is None


def test_the_unlink_page_says_what_happens_before_confirming(client_for):
    response = client_for("partner_a").get(reverse("couple_unlink"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "private items stay with you" in content
    assert "stay readable by both of you" in content
    assert "connection with Tess ends" in content
    assert "link again later" in content


def test_unlinking_twice_from_the_page_gives_a_clear_message_not_an_error(client_for, world):
    client = client_for("partner_a")
    first = client.post(reverse("couple_unlink"))
    assert first.status_code == 302
    assert couple_of(world.partner_a) is None

    second = client.post(reverse("couple_unlink"), follow=True)
    assert second.status_code == 200
    assert b"You are not linked to a partner right now." in second.content


def test_the_admin_shows_couples_and_invitations_without_their_digests(world, zoe):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from imago.accounts.models import User

    admin = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = logged_in(admin)
    issued = services.partner_invitation_create(inviter=zoe)
    pages = [
        reverse("admin:couples_couple_changelist"),
        reverse("admin:couples_couple_change", args=[world.couple.pk]),
        reverse("admin:couples_invitation_changelist"),
        reverse("admin:couples_invitation_change", args=[issued.invitation.pk]),
        reverse("admin:couples_therapistconnection_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert issued.invitation.token_digest.encode() not in response.content
        assert issued.invitation.code_digest.encode() not in response.content
    assert b"Ana" in client.get(pages[1]).content


# Guessing codes and links ------------------------------------------------------------------

TOO_MANY = "Too many codes that did not work. Please wait 15 minutes"


def fail_codes(person, times: int) -> None:
    for _ in range(times):
        with pytest.raises(services.InvitationUnusable):
            services.invitation_accept(person=person, code="ABCD-EFGH")


def test_the_eleventh_code_is_refused_with_a_kind_message_even_if_it_is_right(zoe, yan):
    client = logged_in(yan)
    for _ in range(10):
        response = client.post(reverse("couple_join"), {"code": "ABCD-EFGH"})
        assert "couldn&#x27;t find" in response.content.decode()
    code = services.partner_invitation_create(inviter=zoe).code

    response = client.post(reverse("couple_join"), {"code": code.lower()})

    assert response.status_code == 200
    content = response.content.decode()
    assert TOO_MANY in content
    assert "ask your partner to send the link again" in content
    assert f'value="{code.lower()}"' in content
    assert 'aria-invalid="true"' in content
    assert couple_of(yan) is None
    assert Invitation.objects.get(created_by=zoe).used_at is None
    # A refused try is not looked up, so it is not counted either.
    assert InvitationAttempt.objects.filter(person=yan).count() == 10


def test_a_right_code_before_the_limit_still_works(zoe, yan):
    fail_codes(yan, 9)
    code = services.partner_invitation_create(inviter=zoe).code
    response = logged_in(yan).post(reverse("couple_join"), {"code": code})
    assert response.status_code == 302
    assert couple_of(yan) == couple_of(zoe) is not None


def test_wrong_codes_older_than_15_minutes_do_not_count_and_are_cleared_away(zoe, yan):
    fail_codes(yan, 10)
    issued = services.partner_invitation_create(inviter=zoe)
    with pytest.raises(services.TooManyAttempts):
        services.invitation_accept(person=yan, code=issued.code)

    InvitationAttempt.objects.update(at=timezone.now() - timedelta(minutes=15, seconds=1))
    xia = make_person("xia@example.com", "Xia")
    fail_codes(xia, 1)
    # Recording Xia's try removed the rows nobody counts any more.
    assert list(InvitationAttempt.objects.values_list("person", flat=True)) == [xia.pk]

    assert services.invitation_accept(person=yan, code=issued.code) == couple_of(zoe)


def test_the_limit_is_per_person(zoe, yan):
    xia = make_person("xia@example.com", "Xia")
    fail_codes(xia, 10)
    with pytest.raises(services.TooManyAttempts):
        services.invitation_accept(person=xia, code="ABCD-EFGH")

    code = services.partner_invitation_create(inviter=zoe).code
    assert couple_of(yan) is None
    assert services.invitation_accept(person=yan, code=code) == couple_of(zoe)


def test_only_codes_that_do_not_work_are_counted(world, zoe):
    # A real invitation refused for another reason (Ana is already linked) is not a guess.
    for _ in range(11):
        issued = services.partner_invitation_create(inviter=zoe)
        with pytest.raises(CoupleError, match="already linked"):
            services.invitation_accept(person=world.partner_a, code=issued.code)
    assert not InvitationAttempt.objects.exists()


def test_wrong_links_count_like_wrong_codes(zoe, yan):
    client = logged_in(yan)
    for n in range(10):
        url = reverse("invitation_accept", kwargs={"token": f"guess-{n}"})
        assert client.get(url).status_code == 404
    issued = services.partner_invitation_create(inviter=zoe)

    response = client.get(reverse("invitation_accept", kwargs={"token": issued.token}))

    assert response.status_code == 429
    content = response.content.decode()
    assert "Please wait a little" in content
    assert TOO_MANY in content
    assert "Accept and link" not in content
    assert client.post(issued.path).status_code == 429
    assert couple_of(yan) is None
    # Logged-in people are counted by account; their address is not kept.
    assert not InvitationAttempt.objects.exclude(ip=None).exists()


def test_anonymous_visitors_are_counted_by_address(zoe):
    for n in range(30):
        url = reverse("invitation_accept", kwargs={"token": f"guess-{n}"})
        assert Client(REMOTE_ADDR="203.0.113.7").get(url).status_code == 404
    issued = services.partner_invitation_create(inviter=zoe)

    refused = Client(REMOTE_ADDR="203.0.113.7").get(issued.path)
    elsewhere = Client(REMOTE_ADDR="198.51.100.2").get(issued.path)

    assert refused.status_code == 429
    assert TOO_MANY in refused.content.decode()
    assert elsewhere.status_code == 200
    assert b"Zoe invited you" in elsewhere.content
    assert set(InvitationAttempt.objects.values_list("person", "ip")) == {(None, "203.0.113.7")}
