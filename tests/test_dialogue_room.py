"""The live dialogue room: who may open it, turns reaching the partner, acknowledgements only
after a turn is stored, refusals that change nothing, presence, and resuming after a reconnect.

Runs through the configured channel layer: the in-memory one on a fresh machine, Redis when
REDIS_URL is set (CI), so the same tests cover both.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone

from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.room import view_for
from imago.dialogues.services import (
    dialogue_cancel,
    dialogue_request,
    event_submit,
    new_client_id,
)

pytestmark = pytest.mark.django_db(transaction=True)  # the consumer reads from its own thread


@pytest.fixture
def dialogue(world):
    return dialogue_request(person=world.partner_a)


@pytest.fixture
def session_of(world, client_for):
    """Each role's session key, made up front: async tests may not touch the database."""
    keys = {}
    for role in ("partner_a", "partner_b", "other_couple", "therapist", "other_therapist"):
        keys[role] = client_for(role).cookies["sessionid"].value
    keys["anonymous"] = None
    return keys.__getitem__


def communicator(path: str, session_key: str | None) -> WebsocketCommunicator:
    from imago.asgi import application

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@asynccontextmanager
async def room(dialogue_id: int, session_key: str | None):
    """An open socket, its first view already read."""
    socket = communicator(f"/ws/dialogues/{dialogue_id}/", session_key)
    connected, _ = await socket.connect(timeout=5)
    assert connected, "the room refused a partner"
    socket.first_view = await next_of(socket, "view")
    try:
        yield socket
    finally:
        await socket.disconnect()


async def next_of(socket, kind: str, timeout: float = 5) -> dict:
    """The next message of this type; presence news and other types on the way are skipped.
    An ack that carries its turn's view is read as two messages: the ack, then the view."""
    held = socket.__dict__.setdefault("held", [])
    while True:
        if held:
            message = held.pop(0)
        else:
            message = await socket.receive_json_from(timeout=timeout)
            if message["type"] == "ack" and "view" in message:
                held.append({"type": "view", **message.pop("view")})
        if message["type"] == kind:
            return message


async def next_view(socket, *, step: str) -> dict:
    while True:
        view = await next_of(socket, "view")
        if view["step"] == step:
            return view


async def view_at(socket, *, seq: int) -> dict:
    while True:
        view = await next_of(socket, "view")
        if view["seq"] == seq:
            return view


def event(action: str, text: str = "", **extra) -> dict:
    """A turn as the room's screen sends it. These tests are about the room, not the coach
    (tests/test_dialogue_coach.py): the words go as they are, as after "send as it is"."""
    message = {"type": "event", "action": action, "text": text, "client_id": new_client_id()}
    if text:
        message["anyway"] = True
    message.update(extra)
    return message


async def act(socket, action: str, text: str = "", **extra) -> dict:
    message = event(action, text, **extra)
    await socket.send_json_to(message)
    ack = await next_of(socket, "ack")
    assert ack["client_id"] == message["client_id"]
    return ack


def stored_events(dialogue_id: int) -> list[tuple[int, str]]:
    return list(DialogueEvent.objects.filter(dialogue_id=dialogue_id).values_list("seq", "action"))


def fresh(dialogue_id: int) -> Dialogue:
    return Dialogue.objects.select_related("seat_a", "seat_b").get(pk=dialogue_id)


# Who may come in.


@pytest.mark.parametrize("role", ["other_couple", "other_therapist", "anonymous"])
async def test_anyone_but_the_two_partners_and_their_therapist_is_refused(
    role, dialogue, session_of
):
    socket = communicator(f"/ws/dialogues/{dialogue.pk}/", session_of(role))
    connected, _ = await socket.connect(timeout=5)
    assert not connected
    await socket.disconnect()


async def test_a_guessed_room_number_is_refused_like_a_foreign_one(dialogue, session_of):
    socket = communicator(f"/ws/dialogues/{dialogue.pk + 1000}/", session_of("partner_a"))
    connected, _ = await socket.connect(timeout=5)
    assert not connected
    await socket.disconnect()


# Views and turns.


async def test_both_partners_connect_and_see_their_own_side(dialogue, session_of):
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            a, b = ana.first_view, ben.first_view
    assert a["my_role"] == "sender" and b["my_role"] == "receiver"
    assert a["turn_text"] == "Waiting for Ben to say whether now is a good time"
    assert a["actions"] == [] and not a["my_turn"]
    assert b["turn_text"] == "Your turn: Ana asks if now is a good time to talk"
    assert [x["label"] for x in b["actions"]] == ["I'm ready now"]
    assert a["seq"] == b["seq"] == 0


async def test_a_turn_by_the_sender_reaches_the_receiver_as_a_fresh_view(dialogue, session_of):
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            await act(ben, "accept", expected_seq=0)
            await next_view(ana, step="send")
            await act(ana, "send", "I feel rushed in the mornings.", expected_seq=1)
            view = await next_view(ben, step="mirror")
    assert view["turn_text"] == "Your turn: mirror what Ana said"
    assert view["seq"] == 2
    last = view["transcript"][-1]
    assert (last["who"], last["label"], last["text"]) == (
        "Ana",
        "Said",
        "I feel rushed in the mornings.",
    )
    assert "If I got it, you said ..." in view["stems"]
    assert view["text_label"] == "What you heard Ana say"


async def test_the_ack_arrives_only_after_the_event_is_stored(dialogue, session_of):
    async with room(dialogue.pk, session_of("partner_b")) as ben:
        message = event("accept", expected_seq=0)
        await ben.send_json_to(message)
        ack = await next_of(ben, "ack")
        # Read at the moment the ack is in hand: the row must already be there.
        events = await sync_to_async(stored_events)(dialogue.pk)
    assert ack == {"type": "ack", "client_id": message["client_id"], "seq": 1}
    assert events == [(1, "accept")]


async def test_the_actors_own_view_comes_with_the_ack_and_a_repeat_brings_none(
    dialogue, session_of
):
    async with room(dialogue.pk, session_of("partner_b")) as ben:
        message = event("accept", expected_seq=0)
        await ben.send_json_to(message)
        ack = await ben.receive_json_from(timeout=5)
        while ack["type"] == "presence":
            ack = await ben.receive_json_from(timeout=5)
        # One message: nothing else about this turn follows on the actor's screen.
        assert await ben.receive_nothing(timeout=0.3)
        await ben.send_json_to(message)  # the same turn again: stored already
        repeat = await ben.receive_json_from(timeout=5)
    assert ack["type"] == "ack" and ack["seq"] == 1
    assert ack["view"]["seq"] == 1 and ack["view"]["step"] == "send"
    assert ack["view"]["my_seat"] == "b" and not ack["view"]["my_turn"]
    assert repeat == {"type": "ack", "client_id": message["client_id"], "seq": 1}


async def test_an_out_of_turn_event_is_refused_with_the_reason_and_changes_nothing(
    dialogue, session_of
):
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            message = event("accept", expected_seq=0)
            await ana.send_json_to(message)
            refused = await next_of(ana, "refused")
            # Ben's screen hears nothing about it.
            while not await ben.receive_nothing(timeout=0.3):
                assert (await ben.receive_json_from())["type"] == "presence"
    assert refused["client_id"] == message["client_id"] and not refused["stale"]
    assert refused["message"] == (
        "It's your partner's turn to answer whether now is a good time. Please wait for them."
    )
    assert await sync_to_async(stored_events)(dialogue.pk) == []


async def test_the_same_message_twice_is_stored_once_and_acknowledged_twice(dialogue, session_of):
    async with room(dialogue.pk, session_of("partner_b")) as ben:
        message = event("accept", expected_seq=0)
        await ben.send_json_to(message)
        first = await next_of(ben, "ack")
        await ben.send_json_to(message)
        second = await next_of(ben, "ack")
    assert first == second == {"type": "ack", "client_id": message["client_id"], "seq": 1}
    assert await sync_to_async(stored_events)(dialogue.pk) == [(1, "accept")]


async def test_a_stale_screen_is_refused_and_sent_the_view_as_it_is_now(dialogue, session_of):
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        await sync_to_async(event_submit)(
            dialogue_id=dialogue.pk,
            user=await sync_to_async(lambda: dialogue.seat_b)(),
            action="accept",
            client_id=new_client_id(),
        )
        # Nobody told this screen (the service alone does not notify): it is now behind.
        message = event("send", "Hello", expected_seq=0)
        await ana.send_json_to(message)
        refused = await next_of(ana, "refused")
        view = await next_of(ana, "view")
    assert refused["stale"] and refused["client_id"] == message["client_id"]
    assert "moved on" in refused["message"]
    assert view["seq"] == 1 and view["step"] == "send" and view["my_turn"]
    assert await sync_to_async(stored_events)(dialogue.pk) == [(1, "accept")]


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        json.dumps(["event"]),
        json.dumps({"type": "shout"}),
        json.dumps({"type": "event", "action": "accept"}),
        json.dumps({"type": "event", "client_id": "x", "action": 3}),
        json.dumps({"type": "event", "client_id": "x", "action": "accept", "expected_seq": "0"}),
    ],
)
async def test_a_message_that_cannot_be_read_is_refused_and_the_socket_stays_open(
    raw, dialogue, session_of
):
    async with room(dialogue.pk, session_of("partner_b")) as ben:
        await ben.send_to(text_data=raw)
        refused = await next_of(ben, "refused")
        await ben.send_json_to({"type": "view"})
        view = await next_of(ben, "view")
    assert refused["message"]
    assert view["seq"] == 0
    assert await sync_to_async(stored_events)(dialogue.pk) == []


async def test_a_refused_turn_on_a_closed_request_says_why(dialogue, session_of, world):
    await sync_to_async(dialogue_cancel)(person=world.partner_a, dialogue=dialogue)
    async with room(dialogue.pk, session_of("partner_b")) as ben:
        assert ben.first_view["cancelled"] and ben.first_view["actions"] == []
        await ben.send_json_to(event("accept"))
        refused = await next_of(ben, "refused")
    assert refused["message"] == "This request was cancelled."


# Presence.


async def test_presence_says_here_and_not_here_and_nothing_else(dialogue, session_of):
    async with room(dialogue.pk, session_of("partner_b")) as ben:
        assert ben.first_view["partner_here"] is False
        ana = communicator(f"/ws/dialogues/{dialogue.pk}/", session_of("partner_a"))
        assert (await ana.connect(timeout=5))[0]
        here = await next_of(ben, "presence")
        ana_side = await next_of(ana, "presence")
        await ana.disconnect()
        # Ben's own arrival notice may reach Ana only now (the layer does not order messages
        # of different senders), and her answer repeats "here": read on to the change.
        gone = await next_of(ben, "presence")
        while gone["partner_here"]:
            gone = await next_of(ben, "presence")
    # facilitator_text says whether the couple's therapist is here (empty: not now).
    assert here == {
        "type": "presence",
        "partner_here": True,
        "presence_text": "Ana is here",
        "facilitator_text": "",
    }
    assert ana_side["presence_text"] == "Ben is here"
    assert gone == {
        "type": "presence",
        "partner_here": False,
        "presence_text": "Ana is not here right now",
        "facilitator_text": "",
    }


async def test_a_second_tab_of_the_same_person_is_not_the_partner(dialogue, session_of):
    async with room(dialogue.pk, session_of("partner_a")) as first:
        async with room(dialogue.pk, session_of("partner_a")):
            assert await first.receive_nothing(timeout=0.3)
        assert first.first_view["partner_here"] is False


# Resuming.


async def test_reconnecting_shows_the_same_view_with_nothing_lost(dialogue, session_of):
    turns = [
        ("partner_b", "accept", ""),
        ("partner_a", "send", "I miss our walks."),
        ("partner_b", "mirror", "You miss our walks."),
        ("partner_a", "correct", "Our evening walks, together."),
    ]
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            sockets = {"partner_a": ana, "partner_b": ben}
            for seq, (role, action, text) in enumerate(turns):
                await act(sockets[role], action, text, expected_seq=seq)
            before = await view_at(ben, seq=4)
    async with room(dialogue.pk, session_of("partner_b")) as ben_again:
        after = ben_again.first_view
    ignore = {"partner_here", "presence_text", "type"}
    assert {k: v for k, v in after.items() if k not in ignore} == {
        k: v for k, v in before.items() if k not in ignore
    }
    assert after["seq"] == 4 and after["step"] == "mirror"
    assert [t["label"] for t in after["transcript"]] == [
        "Asked: is now a good time to talk?",
        "Ready now",
        "Said",
        "Mirrored",
        "Not quite",
    ]
    ben = await sync_to_async(lambda: fresh(dialogue.pk).seat_b)()
    from_database = await sync_to_async(lambda: view_for(fresh(dialogue.pk), ben))()
    assert {k: v for k, v in from_database.items() if k not in ignore} == {
        k: v for k, v in after.items() if k not in ignore
    }


async def test_the_room_runs_on_the_configured_channel_layer(dialogue, session_of):
    expected = (
        "imago.web.layer.PubSubChannelLayer"
        if settings.REDIS_URL
        else "channels.layers.InMemoryChannelLayer"
    )
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == expected
    async with room(dialogue.pk, session_of("partner_a")) as ana:
        async with room(dialogue.pk, session_of("partner_b")) as ben:
            await act(ben, "accept")
            view = await asyncio.wait_for(next_view(ana, step="send"), 5)
    assert view["my_turn"] and view["turn_text"] == "Your turn: say what is on your mind"


async def test_a_change_made_outside_the_socket_reaches_open_screens(dialogue, session_of, world):
    """The no-JavaScript form post stores a turn, then calls room_changed."""
    from imago.dialogues.consumers import room_changed

    async with room(dialogue.pk, session_of("partner_a")) as ana:
        await sync_to_async(event_submit)(
            dialogue_id=dialogue.pk,
            user=world.partner_b,
            action="accept",
            client_id=new_client_id(),
        )
        await sync_to_async(room_changed)(dialogue.pk)
        view = await next_view(ana, step="send")
    assert view["seq"] == 1 and view["my_turn"]


async def test_a_screen_that_missed_a_turn_reads_the_dialogue_again(dialogue, session_of, world):
    """Changes may arrive out of order across processes: a gap in seq makes the screen reload
    from the database, and a change it already holds is skipped."""
    from channels.layers import get_channel_layer

    from imago.dialogues.consumers import group_name
    from imago.dialogues.room import change_of

    async with room(dialogue.pk, session_of("partner_a")) as ana:
        accepted = await sync_to_async(submit)(dialogue, world.partner_b, "accept")
        sent = await sync_to_async(submit)(dialogue, world.partner_a, "send", "I feel rushed.")
        layer = get_channel_layer()
        # Only the second turn is announced: seq 2 after a screen at seq 0.
        await layer.group_send(
            group_name(dialogue.pk),
            {"type": "dialogue.changed", "change": change_of(sent.dialogue, sent.event)},
        )
        view = await next_of(ana, "view")
        assert view["seq"] == 2 and view["step"] == "mirror"
        assert [item["seq"] for item in view["transcript"]] == [0, 1, 2]
        # The first turn's notice, arriving late, changes nothing and sends nothing.
        await layer.group_send(
            group_name(dialogue.pk),
            {"type": "dialogue.changed", "change": change_of(accepted.dialogue, accepted.event)},
        )
        await ana.send_json_to({"type": "view"})
        assert (await next_of(ana, "view"))["seq"] == 2


def test_a_screen_copy_kept_from_changes_shows_what_the_database_shows(world, dialogue):
    """The view a live screen builds from its copy (RoomCopy + change_of) equals the view
    built from the database after every turn, for both partners and the therapist."""
    from imago.dialogues.room import RoomCopy, change_of, facilitator_view

    copy = RoomCopy.of(fresh(dialogue.pk))
    script = [
        (world.partner_b, "accept", ""),
        (world.partner_a, "send", "Before we start: something I appreciate about you is ..."),
        (world.partner_b, "mirror", "You appreciate me."),
        (world.partner_a, "correct", "That I listen."),
        (world.partner_b, "mirror", "You appreciate that I listen."),
        (world.partner_a, "confirm", ""),
        (world.partner_a, "pause", ""),
        (world.partner_a, "resume", ""),
        (world.partner_a, "no_more", ""),
        (world.partner_b, "skip_summary", ""),
    ]
    for user, action, text in script:
        submitted = submit(dialogue, user, action, text)
        assert copy.apply(change_of(submitted.dialogue, submitted.event)) is True
        stored = fresh(dialogue.pk)
        for person in (world.partner_a, world.partner_b):
            assert view_for(copy.dialogue, person, lines=copy.lines) == view_for(stored, person)
        assert facilitator_view(
            copy.dialogue, world.therapist, lines=copy.lines
        ) == facilitator_view(stored, world.therapist)
    assert copy.apply(change_of(submitted.dialogue, submitted.event)) is False  # seen already


# The view itself (what the page and the socket both show).


def submit(dialogue, user, action, text=""):
    return event_submit(
        dialogue_id=dialogue.pk, user=user, action=action, text=text, client_id=new_client_id()
    )


def test_at_the_check_the_sender_can_confirm_or_say_what_was_missed(world, dialogue):
    a, b = world.partner_a, world.partner_b
    submit(dialogue, b, "accept")
    submit(dialogue, a, "send", "I feel rushed.")
    submit(dialogue, b, "mirror", "You feel rushed.")
    sender = view_for(fresh(dialogue.pk), a)
    receiver = view_for(fresh(dialogue.pk), b)
    assert [(x["label"], x["needs_text"]) for x in sender["actions"]] == [
        ("Yes, you got it", False),
        ("Not quite", True),
    ]
    assert sender["text_label"] == "If not quite: what Ben missed"
    assert sender["stems"] == ["Not quite. What I meant was ..."]  # "yes" is its own button
    assert sender["pause"] == {"action": "pause", "label": "Pause"}
    assert receiver["actions"] == [] and receiver["stems"] == []
    assert receiver["turn_text"] == "Ana is checking your mirror"
    assert receiver["waiting_text"]


def test_the_transcript_names_each_check_in_its_own_words(world, dialogue):
    a, b = world.partner_a, world.partner_b
    for user, action, text in [
        (b, "accept", ""),
        (a, "send", "I feel rushed."),
        (b, "mirror", "You feel rushed."),
        (a, "confirm", ""),
        (a, "no_more", ""),
        (b, "summarize", "You feel rushed in the mornings."),
        (a, "confirm", ""),
        (b, "validate", "That makes sense."),
        (b, "empathize", "Maybe tired?"),
        (a, "correct", "Also lonely."),
    ]:
        submit(dialogue, user, action, text)
    view = view_for(fresh(dialogue.pk), b)
    labels = [(t["who"], t["label"]) for t in view["transcript"][1:]]
    assert labels == [
        ("You", "Ready now"),
        ("Ana", "Said"),
        ("You", "Mirrored"),
        ("Ana", "Yes, you got it"),
        ("Ana", "That's all for now"),
        ("You", "Summed up"),
        ("Ana", "Yes, that's all of it"),
        ("You", "Validated"),
        ("You", "Empathized"),
        ("Ana", "There are other feelings"),
    ]
    assert view["step"] == "empathize" and view["turn_text"].startswith("Your turn")


def test_a_pause_shows_who_asked_and_offers_go_on_to_them_only(world, dialogue):
    a, b = world.partner_a, world.partner_b
    submit(dialogue, b, "accept")
    submit(dialogue, b, "pause")
    asked, other = view_for(fresh(dialogue.pk), b), view_for(fresh(dialogue.pk), a)
    assert asked["paused"] and asked["pause"] == {"action": "resume", "label": "Go on"}
    assert other["pause"] is None and other["actions"] == []
    assert other["turn_text"].startswith("Paused: Ben asked for a break")


def test_a_lapsed_request_offers_nothing_to_do(world, dialogue):
    Dialogue.objects.filter(pk=dialogue.pk).update(created_at=timezone.now() - timedelta(days=2))
    view = view_for(fresh(dialogue.pk), world.partner_b)
    assert view["lapsed"] and view["actions"] == [] and "lapsed" in view["turn_text"]


def test_the_view_is_only_for_the_two_partners(world, dialogue):
    with pytest.raises(ValueError):
        view_for(fresh(dialogue.pk), world.other_couple)


# The page: a plain form that works without JavaScript, enhanced by room.js.


def test_the_room_page_is_a_plain_form_that_posts_a_turn(world, dialogue, client_for):
    from django.urls import reverse

    submit(dialogue, world.partner_b, "accept")
    ana = client_for("partner_a")
    page = ana.get(reverse("dialogue_room", kwargs={"pk": dialogue.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'action="{reverse("dialogue_event", kwargs={"pk": dialogue.pk})}"' in html
    for field in ('name="client_id"', 'name="expected_seq" value="1"', 'name="text"'):
        assert field in html
    assert 'name="action" value="send"' in html and 'aria-live="polite"' in html
    assert 'id="room-view" type="application/json"' in html
    assert 'data-ws-path="/ws/dialogues/' in html
    assert "style=" not in html and "onclick" not in html

    client_id = new_client_id()
    posted = ana.post(
        reverse("dialogue_event", kwargs={"pk": dialogue.pk}),
        {"action": "send", "text": "I feel rushed.", "client_id": client_id, "expected_seq": 1},
    )
    assert posted.status_code == 302
    assert fresh(dialogue.pk).step == "mirror"
    ben_page = client_for("partner_b").get(reverse("dialogue_room", kwargs={"pk": dialogue.pk}))
    assert "Your turn: mirror what Ana said" in ben_page.content.decode()
    assert "I feel rushed." in ben_page.content.decode()
