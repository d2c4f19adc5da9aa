"""The couple's therapist in the dialogue room as facilitator: sees both sides, pauses and goes
on (the engine's "facilitator" actor), offers a stem to one partner or gently invites the one
whose turn it is (neither stored: not turns); partners see that the therapist is here. Opening
the room writes an audit record per partner. Transcripts reach the therapist only when both
partners agreed, each for that dialogue, and either can take it back."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.room import facilitator_view, view_for
from imago.dialogues.services import (
    DialogueError,
    dialogue_request,
    event_submit,
    new_client_id,
    transcript_consent_set,
)
from imago.privacy.models import AuditEvent
from tests.test_dialogue_room import communicator, next_of, next_view
from tests.test_web import assert_headings_in_order, h1_count


def submit(dialogue, user, action, text="", **extra):
    dialogue.refresh_from_db()
    submitted = event_submit(
        dialogue_id=dialogue.pk,
        user=user,
        action=action,
        text=text,
        client_id=new_client_id(),
        expected_seq=dialogue.seq,
        **extra,
    )
    dialogue.refresh_from_db()
    return submitted


@pytest.fixture
def dialogue(world):
    dialogue = dialogue_request(person=world.partner_a)
    submit(dialogue, world.partner_b, "accept")
    return dialogue


# The service ------------------------------------------------------------------------------


def test_the_therapist_pauses_and_resumes_as_facilitator(world, dialogue):
    submit(dialogue, world.therapist, "pause", as_facilitator=True)
    event = DialogueEvent.objects.last()
    assert (event.actor, event.author) == ("facilitator", world.therapist)
    ana = view_for(dialogue, world.partner_a)
    assert ana["turn_text"] == "Paused by your therapist. The dialogue goes on when they say so."
    assert ana["pause"] is None  # only the therapist goes on after their pause
    submit(dialogue, world.therapist, "resume", as_facilitator=True)
    assert dialogue.step == "send" and dialogue.state["paused_by"] is None


def test_the_therapist_never_speaks_for_a_partner(world, dialogue):
    with pytest.raises(DialogueError) as refusal:
        submit(dialogue, world.therapist, "send", "Hello", as_facilitator=True)
    assert "partners speak for themselves" in refusal.value.message
    with pytest.raises(DialogueError):
        submit(dialogue, world.therapist, "send", "Hello", on_behalf_of_seat="a")
    assert DialogueEvent.objects.count() == 1


@pytest.mark.parametrize("role", ["other_therapist", "other_couple"])
def test_nobody_else_facilitates(world, dialogue, role):
    with pytest.raises(DialogueError):
        submit(dialogue, world.user(role), "pause", as_facilitator=True)
    assert DialogueEvent.objects.count() == 1


def test_the_facilitator_view_shows_both_sides_by_name(world, dialogue):
    submit(dialogue, world.partner_a, "send", "I miss our walks.")
    view = facilitator_view(dialogue, world.therapist, here={"a": True, "b": False})
    assert view["turn_text"] == "Ben speaks — Ana listens"
    assert view["presence_text"] == "Ana is here"
    assert [item["who"] for item in view["transcript"]] == ["Ana", "Ben", "Ana"]
    assert view["nudge"] == {"seat": "b", "name": "Ben", "label": "Invite Ben gently"}
    offer = {side["seat"]: side for side in view["offer"]}
    assert "If I got it, you said ..." in offer["b"]["stems"]
    assert view["pause"]["action"] == "pause"


def test_a_transcript_is_shared_only_while_both_agree(world, dialogue):
    transcript_consent_set(person=world.partner_a, dialogue=dialogue, shared=True)
    dialogue.refresh_from_db()
    assert not dialogue.transcript_shared_with_therapist
    transcript_consent_set(person=world.partner_b, dialogue=dialogue, shared=True)
    dialogue.refresh_from_db()
    assert dialogue.transcript_shared_with_therapist
    transcript_consent_set(person=world.partner_a, dialogue=dialogue, shared=False)
    dialogue.refresh_from_db()
    assert not dialogue.transcript_shared_with_therapist
    with pytest.raises(DialogueError):
        transcript_consent_set(person=world.therapist, dialogue=dialogue, shared=True)


# The pages --------------------------------------------------------------------------------


def test_the_therapist_opens_the_room_and_the_partners_are_told_in_the_audit(
    world, client_for, dialogue
):
    submit(dialogue, world.partner_a, "send", "I miss our walks.")
    response = client_for("therapist").get(reverse("dialogue_room", args=[dialogue.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Facilitating: Ana and Ben" in html and "I miss our walks." in html
    assert h1_count(html) == 1
    assert_headings_in_order(html)
    audited = AuditEvent.objects.filter(actor=world.therapist)
    assert {a.subject for a in audited} == {world.partner_a, world.partner_b}
    assert all(f"dialogue {dialogue.pk}" in a.what for a in audited)


def test_another_therapist_and_a_closed_dialogue_are_not_found(world, client_for, dialogue):
    url = reverse("dialogue_room", args=[dialogue.pk])
    assert client_for("other_therapist").get(url).status_code == 404
    Dialogue.objects.filter(pk=dialogue.pk).update(step="closed")
    assert client_for("therapist").get(url).status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_therapist_without_a_verified_profile_is_not_let_in(world, client_for, dialogue):
    world.therapist.professional_profile.verified_at = None
    world.therapist.professional_profile.save()
    url = reverse("dialogue_room", args=[dialogue.pk])
    assert client_for("therapist").get(url).status_code == 404


def test_the_therapist_pauses_and_goes_on_from_the_page(world, client_for, dialogue):
    client = client_for("therapist")
    url = reverse("dialogue_facilitate", args=[dialogue.pk])
    assert client.post(url, {"what": "pause"}).status_code == 302
    dialogue.refresh_from_db()
    assert dialogue.state["paused_by"] == "facilitator"
    again = client.post(url, {"what": "pause"})
    assert again.status_code == 200 and b"already paused" in again.content
    client.post(url, {"what": "resume"})
    dialogue.refresh_from_db()
    assert dialogue.state["paused_by"] is None


def test_an_offer_needs_a_partner_and_words(world, client_for, dialogue):
    url = reverse("dialogue_facilitate", args=[dialogue.pk])
    response = client_for("therapist").post(url, {"what": "stem", "seat": "b", "text": " "})
    assert b"Please choose a partner and a suggestion." in response.content
    sent = client_for("therapist").post(url, {"what": "stem", "seat": "b", "text": "I hear ..."})
    assert sent.status_code == 302
    assert DialogueEvent.objects.count() == 1  # a suggestion is not a turn


def test_the_transcript_needs_both_partners_consent_for_the_therapist(world, client_for, dialogue):
    url = reverse("dialogue_transcript", args=[dialogue.pk])
    therapist = client_for("therapist")
    assert therapist.get(url).status_code == 404
    consent = reverse("dialogue_transcript_consent", args=[dialogue.pk])
    ana = client_for("partner_a")
    assert b"I agree to share it with our therapist" in ana.get(url).content
    ana.post(consent, {"shared": "1"})
    assert b"once Ben agrees too" in ana.get(url).content
    assert therapist.get(url).status_code == 404
    client_for("partner_b").post(consent, {"shared": "1"})
    page = therapist.get(url)
    assert page.status_code == 200 and b"Both partners agreed" in page.content
    assert AuditEvent.objects.filter(what__contains="transcript").count() == 2
    assert therapist.get(reverse("dialogue_transcript_txt", args=[dialogue.pk])).status_code == 200
    assert client_for("other_therapist").get(url).status_code == 404
    ana.post(consent, {"shared": "0"})
    assert therapist.get(url).status_code == 404


# The WebSocket ----------------------------------------------------------------------------


@pytest.fixture
def session_of(world, client_for):
    keys = {}
    for role in ("partner_a", "partner_b", "therapist", "other_therapist"):
        keys[role] = client_for(role).cookies["sessionid"].value
    # The same therapist, logged in without the second factor.
    half = Client()
    half.force_login(world.therapist, backend="django.contrib.auth.backends.ModelBackend")
    keys["therapist_without_code"] = half.cookies["sessionid"].value
    return keys.__getitem__


async def connected(dialogue_id, session_key):
    socket = communicator(f"/ws/dialogues/{dialogue_id}/", session_key)
    ok, _ = await socket.connect(timeout=5)
    assert ok
    socket.first_view = await next_of(socket, "view")
    return socket


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["other_therapist", "therapist_without_code"])
async def test_only_the_couples_verified_therapist_connects(world, dialogue, session_of, role):
    socket = communicator(f"/ws/dialogues/{dialogue.pk}/", session_of(role))
    assert not (await socket.connect(timeout=5))[0]
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_partners_see_the_therapist_arrive_and_leave(world, dialogue, session_of):
    ben = await connected(dialogue.pk, session_of("partner_b"))
    tess = await connected(dialogue.pk, session_of("therapist"))
    assert tess.first_view["facilitator"] and tess.first_view["my_role_text"].startswith("You")
    here = await next_of(ben, "presence")
    assert here["facilitator_text"] == "Tess is here as your facilitator"
    tess_side = await next_of(tess, "presence")
    assert tess_side["presence_text"] == "Ben is here"
    await tess.disconnect()
    # Arrival notices of different senders may cross (the layer does not order them), so a
    # second "here" can come first: read on to the change.
    gone = await next_of(ben, "presence")
    while gone["facilitator_text"]:
        gone = await next_of(ben, "presence")
    assert gone["facilitator_text"] == ""
    await ben.disconnect()
    audited = await sync_to_async(AuditEvent.objects.filter(actor=world.therapist).count)()
    assert audited == 2


@pytest.mark.django_db(transaction=True)
async def test_the_therapist_pauses_over_the_socket_and_partners_see_it(
    world, dialogue, session_of
):
    ana = await connected(dialogue.pk, session_of("partner_a"))
    tess = await connected(dialogue.pk, session_of("therapist"))
    message = {"type": "event", "action": "pause", "client_id": new_client_id()}
    await tess.send_json_to(message)
    assert (await next_of(tess, "ack"))["client_id"] == message["client_id"]
    view = await next_view(ana, step="send")
    while not view["paused"]:
        view = await next_view(ana, step="send")
    assert view["turn_text"].startswith("Paused by your therapist")
    words = dict(message, action="send", text="Hi", client_id=new_client_id())
    await tess.send_json_to(words)
    assert "speak for themselves" in (await next_of(tess, "refused"))["message"]
    await tess.disconnect()
    await ana.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_offered_stem_reaches_that_partner_only(world, dialogue, session_of, client_for):
    ana = await connected(dialogue.pk, session_of("partner_a"))
    ben = await connected(dialogue.pk, session_of("partner_b"))
    url = reverse("dialogue_facilitate", args=[dialogue.pk])
    client = await sync_to_async(client_for)("therapist")
    response = await sync_to_async(client.post)(
        url, {"what": "stem", "seat": "b", "text": "So you're saying ..."}
    )
    assert response.status_code == 302
    offer = await next_of(ben, "offer")
    assert offer == {
        "type": "offer",
        "kind": "stem",
        "text": "So you're saying ...",
        "from": "Tess",
        "for": "Ben",
    }
    while not await ana.receive_nothing(timeout=0.3):
        assert (await ana.receive_json_from())["type"] != "offer"
    await sync_to_async(client.post)(url, {"what": "nudge"})
    nudge = await next_of(ana, "offer")  # Ana's turn now: she is the sender at "send"
    assert nudge["kind"] == "nudge" and nudge["for"] == "Ana"
    await ana.disconnect()
    await ben.disconnect()
