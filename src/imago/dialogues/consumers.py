"""The live dialogue room: one WebSocket per open screen, one channel-layer group per dialogue.

Thin by design (paperless-ngx's consumers): the consumer checks who is connecting, hands each
turn to services.event_submit (which stores it before returning) and tells the group what the
turn changed. Every screen keeps a copy of its dialogue (room.RoomCopy), loaded from the
database when it connects, applies each change to it and builds its own seat's view from it,
so the partner's server does no database work for a turn. A gap in the changes, or a change
made outside a turn (a named time, a cancel), reloads the copy: the database stays the truth,
and a dropped connection or a restarted server loses nothing, since the next connection loads
the copy again.

Presence is the exception: whether the partner has a screen open now is known only to the
open sockets. Consumers tell each other through the group ("presence.ask" on arrival, answered
by "presence.here"; "presence.gone" on leaving), which works across processes through Redis
and writes nothing to the database. A screen learns only "here" or "not here".
"""

from __future__ import annotations

import time

import orjson
from asgiref.sync import async_to_sync, sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import connection
from django.http import Http404
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from imago.dialogue import FACILITATOR, MAX_TURN_CHARS, state_from_data
from imago.dialogues import turn_live
from imago.dialogues.coaching import crisis_pause, turn_feedback
from imago.dialogues.models import Dialogue
from imago.dialogues.room import (
    RoomCopy,
    acting_seat,
    change_of,
    facilitator_text,
    facilitator_view,
    name_of,
    presence_text,
    view_for,
)
from imago.dialogues.selectors import facilitator_opened, get_dialogue_for_user
from imago.dialogues.services import DialogueError, event_submit

COACH_INTERVAL = 0.25  # seconds: the least time between two readings asked while typing


def group_name(dialogue_id: int) -> str:
    return f"dialogue-{dialogue_id}"


def db(fn):
    """Run database work off the event loop. PostgreSQL serves many connections at once, so
    there each call may take any worker thread (with its own connection) instead of queueing
    behind every other screen of the process on Channels' one thread; the dialogue's row lock
    in event_submit still puts turns in order. SQLite has a single writer: there the calls
    stay on one thread, as Channels does by default."""
    return database_sync_to_async(fn, thread_sensitive=connection.vendor == "sqlite")


class DialogueConsumer(AsyncJsonWebsocketConsumer):
    # The shared screen (route "dialogue_together"): both partners at one device. It takes
    # turns for the seat whose turn it is and stays out of presence: nobody is "away".
    together = False

    def __init__(self, *args, together: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.together = together

    async def connect(self):
        self.user = self.scope["user"]
        self.dialogue_id = int(self.scope["url_route"]["kwargs"]["dialogue_id"])
        self.group = group_name(self.dialogue_id)
        self.seat = None
        self.last_read = None  # the coach's last reading on this screen, and of what
        self.last_coach_at = -COACH_INTERVAL
        self.partner_channels: set[str] = set()
        # The therapist's open screens (for partners), and each partner's (for the therapist).
        self.facilitator_channels: set[str] = set()
        self.facilitator_name = ""
        self.seat_channels: dict[str, set[str]] = {"a": set(), "b": set()}
        if not self.user.is_authenticated:
            await self.close()
            return
        # Join before loading, so no change falls between the copy and the first notice (a
        # change the copy already holds is recognised by its seq and skipped).
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.seat, self.partner_name, self.my_name, self.copy = await db(self._load)()
        if self.seat is None:
            # Not theirs, or no such dialogue: the same refusal, so existence does not leak.
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close()
            return
        await self.accept()
        if self.seat != FACILITATOR and turn_live.serves():
            turn_live.warm()
        await self.send_view()
        if not self.together:
            await self._tell_group("presence.ask")

    async def disconnect(self, code):
        if self.seat is None:
            return
        try:
            if not self.together:
                await self._tell_group("presence.gone")
        finally:
            # Even when telling the partner failed (a burst of closing sockets can exhaust the
            # Redis pool), leave the group, or every later change is sent to a dead channel.
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dispatch(self, message):
        """As Channels' own, without its close_old_connections before every message: that runs
        on Channels' one sync thread, so each live message (a partner's turn, presence) would
        wait there behind other screens' database work. Every database call here goes through
        db(), which already closes stale connections before and after the call."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @classmethod
    async def encode_json(cls, content) -> str:
        # Every turn sends a whole view to each open screen: orjson makes it in a tenth of
        # json's time (BENCHMARKS.md).
        return orjson.dumps(content).decode()

    # Messages from the screen.

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Parsed here rather than by the base class, so bad JSON is answered, not fatal.
        try:
            content = orjson.loads(text_data or "")
        except ValueError:  # orjson.JSONDecodeError is one
            await self.refuse("This message could not be read. Please reload the page.")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.refuse("This message could not be read. Please reload the page.")
            return
        kind = content.get("type")
        if kind == "view":
            # The screen asks for the truth (it suspects it missed something): from the database.
            await self.send_fresh_view()
        elif kind == "event":
            await self.receive_event(content)
        elif kind == "coach":
            await self.receive_coach(content)
        else:
            await self.refuse("This message could not be read. Please reload the page.")

    async def receive_event(self, content):
        client_id = content.get("client_id")
        action = content.get("action")
        text = content.get("text", "")
        expected_seq = content.get("expected_seq")
        if not isinstance(client_id, str) or not client_id:
            await self.refuse("This message could not be matched to your screen. Please reload.")
            return
        if not isinstance(action, str) or not isinstance(text, str):
            await self.refuse("Please choose what to do, then send again.", client_id=client_id)
            return
        if expected_seq is not None and (
            isinstance(expected_seq, bool) or not isinstance(expected_seq, int)
        ):
            await self.refuse("This screen is out of step. Please reload.", client_id=client_id)
            return
        on_behalf_of_seat = None
        if self.seat == FACILITATOR and action not in ("pause", "resume"):
            # Offers and nudges are not turns: they go through the page (dialogue_facilitate).
            await self.refuse(
                "As the facilitator you can pause and resume; the partners speak for themselves.",
                client_id=client_id,
            )
            return
        if self.together:
            on_behalf_of_seat = content.get("as_seat")
            if on_behalf_of_seat not in ("a", "b"):
                await self.refuse(
                    "This screen is out of step. Please reload.", client_id=client_id, stale=True
                )
                await self.send_fresh_view()
                return
        if not content.get("anyway"):
            # The coach reads a speaking turn first; the person may still send it as it is.
            feedback = await self._coach(action, text, on_behalf_of_seat or self.seat)
            if feedback is not None and feedback["crisis"]:
                await self.pause_for_crisis(feedback, client_id, on_behalf_of_seat)
                return
            if feedback is not None and not feedback["ok"]:
                await self.send_json({"type": "coached", "client_id": client_id, **feedback})
                return
        turn = {
            "dialogue_id": self.dialogue_id,
            "user": self.user,
            "action": action,
            "text": text,
            "client_id": client_id,
            "expected_seq": expected_seq,
            "on_behalf_of_seat": on_behalf_of_seat,
        }
        try:
            submitted = None
            if self.seat != FACILITATOR and turn_live.serves():
                submitted = await turn_live.event_submit_live(**turn, seen=self.copy.dialogue)
            if submitted is None:
                submitted = await db(event_submit)(**turn, as_facilitator=self.seat == FACILITATOR)
        except (DialogueError, Dialogue.DoesNotExist) as error:
            stale = getattr(error, "stale", False)
            message = getattr(error, "message", "This dialogue is no longer here.")
            await self.refuse(message, client_id=client_id, stale=stale)
            if stale:
                await self.send_fresh_view()
            return
        # The turn is committed: stored before anyone hears of it.
        change = None if submitted.duplicate else await self._tell_change(submitted)
        ack = {"type": "ack", "client_id": client_id, "seq": submitted.event.seq}
        if change is not None and self.copy.apply(change):
            # This screen's own view rides on the ack: one message rather than two, and now
            # rather than after the change's trip through the channel layer (which then finds
            # the copy has it).
            ack["view"] = self._view()
        await self.send_json(ack)

    async def receive_coach(self, content):
        """The words typed so far, read by the coach for this screen only (never stored). A
        screen that asks out of turn, or with something that is not text, gets no answer."""
        action, text = content.get("action"), content.get("text")
        if not isinstance(action, str) or not isinstance(text, str) or len(text) > MAX_TURN_CHARS:
            return
        # A screen asks after a pause in typing (coach.js); one asking far faster is not a
        # person typing, and each reading costs the server milliseconds of CPU.
        now = time.monotonic()
        if now - self.last_coach_at < COACH_INTERVAL:
            return
        self.last_coach_at = now
        seat = self.seat
        if self.together:
            seat = acting_seat(state_from_data(self.copy.dialogue.state))
        feedback = await self._coach(action, text, seat)
        await self.send_json({"type": "coach", "n": content.get("n"), "feedback": feedback})

    async def _coach(self, action: str, text: str, seat: str | None) -> dict | None:
        if self.seat == FACILITATOR or seat is None:
            return None
        # The words were usually read as they were typed: sending them reads nothing again.
        key = (action, text, seat, self.copy.dialogue.seq)
        if self.last_read is not None and self.last_read[0] == key:
            return self.last_read[1]
        state = state_from_data(self.copy.dialogue.state)
        # The sentence model takes a few milliseconds: off the event loop, where other screens'
        # turns wait; it reads only this screen's copy, so any thread will do.
        feedback = await sync_to_async(turn_feedback, thread_sensitive=False)(
            list(self.copy.lines), state, seat, action, text
        )
        self.last_read = (key, feedback)
        return feedback

    async def pause_for_crisis(self, feedback: dict, client_id: str, on_behalf_of_seat):
        """Words of crisis are not sent: the room pauses as an ordinary break, so the partner
        sees only that a break was asked for, and the help is shown on the author's screen. On
        the shared screen both partners read it, so there it says only that it is a break."""
        submitted = await db(crisis_pause)(
            dialogue_id=self.dialogue_id, user=self.user, on_behalf_of_seat=on_behalf_of_seat
        )
        reply = {"type": "crisis", "client_id": client_id}
        if not self.together:
            reply.update(feedback)
        await self.send_json(reply)
        if submitted is not None and self.copy.apply(await self._tell_change(submitted)):
            await self.send_view()

    async def _tell_change(self, submitted) -> dict:
        """Tell every screen of the dialogue what a stored turn changed; the change itself."""
        change = change_of(submitted.dialogue, submitted.event)
        await self.channel_layer.group_send(
            self.group, {"type": "dialogue.changed", "change": change}
        )
        return change

    async def refuse(self, message: str, *, client_id: str | None = None, stale: bool = False):
        reply = {"type": "refused", "message": message, "stale": stale}
        if client_id is not None:
            reply["client_id"] = client_id
        await self.send_json(reply)

    # Messages from the group.

    async def dialogue_changed(self, message):
        change = message.get("change")
        applied = self.copy.apply(change) if change is not None else None
        if applied is False:
            return  # this screen already shows it
        if applied is None:
            # A change made outside a turn, or turns missing in between: read it all again.
            await self.send_fresh_view()
        else:
            # Each screen builds its own view: the controls differ per seat.
            await self.send_view()

    async def presence_ask(self, message):
        if not self._note(message, here=True):
            return
        await self.channel_layer.send(
            message["channel"],
            {
                "type": "presence.here",
                "seat": self.seat,
                "channel": self.channel_name,
                "name": self.my_name,
            },
        )
        await self.send_presence()

    async def presence_here(self, message):
        if self._note(message, here=True):
            await self.send_presence()

    async def presence_gone(self, message):
        if self._note(message, here=False):
            await self.send_presence()

    def _note(self, message, *, here: bool) -> bool:
        """Count (or forget) the screen that spoke; False when it is not news for this one."""
        if self.together:
            return False
        seat, channel = message.get("seat"), message.get("channel")
        if self.seat == FACILITATOR:
            if seat not in self.seat_channels:
                return False
            channels = self.seat_channels[seat]
        elif seat == FACILITATOR:
            channels = self.facilitator_channels
            self.facilitator_name = message.get("name") or "Your therapist"
        elif self._from_partner(message):
            channels = self.partner_channels
        else:
            return False
        if here:
            channels.add(channel)
        else:
            channels.discard(channel)
        return True

    async def facilitator_offer(self, message):
        """A suggestion from the therapist, for one partner's screen only (and the shared
        screen, which both partners read). Never stored: it is not a turn."""
        if self.seat == FACILITATOR or not (self.together or message["seat"] == self.seat):
            return
        await self.send_json(
            {
                "type": "offer",
                "kind": message["kind"],
                "text": message["text"],
                "from": message["name"],
                "for": message["for"],
            }
        )

    # Helpers.

    @property
    def partner_here(self) -> bool:
        return bool(self.partner_channels)

    def _from_partner(self, message) -> bool:
        # The same person's other tabs do not count as the partner being here, and the shared
        # screen takes no part in presence.
        if self.together:
            return False
        return message.get("seat") not in (None, self.seat)

    async def _tell_group(self, kind: str):
        await self.channel_layer.group_send(
            self.group,
            {"type": kind, "seat": self.seat, "channel": self.channel_name, "name": self.my_name},
        )

    async def send_view(self):
        await self.send_json({"type": "view", **self._view()})

    async def send_fresh_view(self):
        self.copy = await db(self._reload)()
        await self.send_view()

    async def send_presence(self):
        if self.seat == FACILITATOR:
            view = self._view()  # who is here reads from the view's own wording
            await self.send_json(
                {"type": "presence", "partner_here": None, "presence_text": view["presence_text"]}
            )
            return
        await self.send_json(
            {
                "type": "presence",
                "partner_here": self.partner_here,
                "presence_text": presence_text(self.partner_name, self.partner_here),
                "facilitator_text": facilitator_text(self._facilitator()),
            }
        )

    def _facilitator(self) -> str | None:
        return (self.facilitator_name or "Your therapist") if self.facilitator_channels else None

    def _load(self):
        """Who this screen is for (seat, partner's name, own name) and its copy of the room."""
        refused = None, "", "", None
        try:
            dialogue = get_dialogue_for_user(self.user, self.dialogue_id)
        except Http404:
            return refused
        seat = dialogue.seat_of(self.user)
        if seat is None:
            if self.together or not self._second_factor_checked():
                return refused
            # The couple's therapist, as facilitator: they will see the partners' words.
            facilitator_opened(self.user, dialogue)
            return FACILITATOR, "", name_of(self.user), RoomCopy.of(dialogue)
        if self.together and not dialogue.shared_device:
            return refused  # the page offers to switch first
        partner = name_of(dialogue.person_at("b" if seat == "a" else "a"))
        return seat, partner, name_of(self.user), RoomCopy.of(dialogue)

    def _reload(self) -> RoomCopy:
        dialogue = Dialogue.objects.select_related("couple", "seat_a", "seat_b").get(
            pk=self.dialogue_id
        )
        return RoomCopy.of(dialogue)

    def _second_factor_checked(self) -> bool:
        """A therapist's session counts only after the second factor, as on every page
        (RequireTwoFactorMiddleware): the socket checks the device the session verified."""
        persistent_id = self.scope.get("session", {}).get(DEVICE_ID_SESSION_KEY)
        if not persistent_id:
            return False
        device = Device.from_persistent_id(persistent_id)
        return device is not None and device.user_id == self.user.pk and device.confirmed

    def _view(self) -> dict:
        """This screen's view, built from its copy of the room: no database work here."""
        copy = {"lines": self.copy.lines, "limits": self.copy.limits}
        dialogue = self.copy.dialogue
        if self.together:
            return view_for(dialogue, self.user, together=True, **copy)
        if self.seat == FACILITATOR:
            here = {seat: bool(channels) for seat, channels in self.seat_channels.items()}
            return facilitator_view(dialogue, self.user, here=here, **copy)
        return view_for(
            dialogue,
            self.user,
            partner_here=self.partner_here,
            facilitator=self._facilitator(),
            **copy,
        )


def room_changed(dialogue_id: int) -> None:
    """Tell the open screens of a dialogue that it changed, from synchronous code (the
    no-JavaScript form post): each screen then fetches its own fresh view."""
    async_to_sync(get_channel_layer().group_send)(
        group_name(dialogue_id), {"type": "dialogue.changed"}
    )


def facilitator_offer(dialogue: Dialogue, *, therapist, seat: str, kind: str, text: str) -> None:
    """Send the therapist's suggestion (kind "stem") or gentle nudge (kind "nudge") to one
    partner's open screens, from synchronous code (the facilitator's form post)."""
    async_to_sync(get_channel_layer().group_send)(
        group_name(dialogue.pk),
        {
            "type": "facilitator.offer",
            "seat": seat,
            "kind": kind,
            "text": text,
            "name": name_of(therapist),
            "for": name_of(dialogue.person_at(seat)),
        },
    )
