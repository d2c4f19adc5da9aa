"""Asking for a dialogue, answering, and every turn in it.

Check-then-do: the protocol engine (imago.dialogue) says whether an event may happen and why
not; these functions add what only the database knows (who sits where, whether the request
expired, whether the sender's screen was up to date) and store the event before anyone is told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from imago.couples.selectors import couple_of, couples_for_therapist
from imago.dialogue import (
    FACILITATOR,
    Action,
    Event,
    NotAllowed,
    Step,
    Variant,
    do_event,
    start,
    state_from_data,
    state_to_data,
)
from imago.dialogues import turn_sql
from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.turn_sql import TURN_FIELDS

# "Is now a good time?" waits this long for an answer, and a named time this long after it
# comes; then the request lapses and either partner can ask again.
ANSWER_WITHIN = timedelta(hours=24)
READY_AT_MOST = timedelta(hours=48)
GRACE_AFTER_READY_AT = timedelta(hours=2)


class DialogueError(Exception):
    """A refusal in words for the person; `stale` means their screen should reload the state."""

    def __init__(self, message: str, *, field: str | None = None, stale: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.stale = stale


@dataclass(frozen=True)
class Submitted:
    dialogue: Dialogue
    event: DialogueEvent
    duplicate: bool  # the same client_id was stored before; nothing changed now


def dialogue_expires_at(dialogue: Dialogue) -> datetime | None:
    if dialogue.step != Step.APPOINTMENT:
        return None
    if dialogue.ready_at is not None:
        return dialogue.ready_at + GRACE_AFTER_READY_AT
    return dialogue.created_at + ANSWER_WITHIN


def dialogue_is_lapsed(dialogue: Dialogue, *, now: datetime | None = None) -> bool:
    expires = dialogue_expires_at(dialogue)
    return expires is not None and (now or timezone.now()) > expires


def dialogue_request(
    *, person, variant: str = Variant.STANDARD, shared_device: bool = False
) -> Dialogue:
    """One partner asks "Is now a good time?"; the other answers in the room (or, sitting
    together at one screen, right there)."""
    couple = couple_of(person)
    if couple is None:
        raise DialogueError("A dialogue is for two linked partners. Invite your partner first.")
    if variant not in {v.value for v in Variant}:
        raise DialogueError("Please choose what kind of dialogue this is.", field="variant")
    partner = couple.partner_of(person)
    with transaction.atomic():
        for open_dialogue in Dialogue.objects.for_couple(couple).open().select_for_update():
            if not dialogue_is_lapsed(open_dialogue):
                raise DialogueError(
                    "You already have a dialogue open. Finish or cancel it before starting another."
                )
        state = start(sender="a", variant=Variant(variant))
        return Dialogue.objects.create(
            couple=couple,
            seat_a=person,
            seat_b=partner,
            variant=variant,
            step=state.step,
            state=state_to_data(state),
            shared_device=shared_device,
        )


def appointment_ready_at(*, person, dialogue: Dialogue, ready_at: datetime) -> Dialogue:
    """The receiver is not ready now and names a time soon ("I can be ready at ...")."""
    now = timezone.now()
    with transaction.atomic():
        dialogue = _locked(dialogue.pk)
        return _appointment_ready_at(person=person, dialogue=dialogue, ready_at=ready_at, now=now)


def _locked(pk: int) -> Dialogue:
    """The dialogue as it is now in the database, locked until the transaction ends: the
    instance a view holds may be older than the partner's last action. The couple comes in the
    same query (whether it ended decides what may still change); only the dialogue's row is
    locked. A turn locks through turn_sql.dialogue_locked instead."""
    return Dialogue.objects.select_related("couple").select_for_update(of=("self",)).get(pk=pk)


def _appointment_ready_at(*, person, dialogue: Dialogue, ready_at: datetime, now) -> Dialogue:
    if dialogue.seat_of(person) != "b":
        raise DialogueError("Only your partner answers your request.")
    if dialogue.step != Step.APPOINTMENT or dialogue.cancelled_at or dialogue_is_lapsed(dialogue):
        raise DialogueError("This request is no longer waiting for an answer.")
    if ready_at <= now:
        raise DialogueError("Please choose a time that is still to come.", field="ready_at")
    if ready_at > now + READY_AT_MOST:
        raise DialogueError(
            "Please choose a time within the next two days, while it is still fresh.",
            field="ready_at",
        )
    dialogue.ready_at = ready_at
    dialogue.save(update_fields=["ready_at"])
    return dialogue


def dialogue_cancel(*, person, dialogue: Dialogue) -> Dialogue:
    """Either partner withdraws a request that has not started yet."""
    with transaction.atomic():
        dialogue = _locked(dialogue.pk)
        if dialogue.seat_of(person) is None:
            raise DialogueError("This is not your dialogue.")
        if dialogue.step != Step.APPOINTMENT or dialogue.cancelled_at:
            raise DialogueError("Only a request that has not started yet can be cancelled.")
        dialogue.cancelled_at = timezone.now()
        dialogue.save(update_fields=["cancelled_at"])
    return dialogue


def dialogue_set_shared_device(*, person, dialogue: Dialogue, shared: bool) -> Dialogue:
    """Either partner moves a dialogue to one screen for both of them, or back to two."""
    with transaction.atomic():
        dialogue = _locked(dialogue.pk)
        if dialogue.seat_of(person) is None:
            raise DialogueError("This is not your dialogue.")
        if dialogue.step == Step.CLOSED or dialogue.cancelled_at or dialogue_is_lapsed(dialogue):
            raise DialogueError("This dialogue is no longer open.")
        if dialogue.couple.ended_at is not None:
            raise DialogueError("You are no longer linked, so this dialogue cannot go on.")
        dialogue.shared_device = shared
        dialogue.save(update_fields=["shared_device"])
    return dialogue


def transcript_consent_set(*, person, dialogue: Dialogue, shared: bool) -> Dialogue:
    """One partner agrees (or no longer agrees) that their therapist may read this dialogue's
    transcript. It takes both: until the other partner agrees too, nothing is shared."""
    with transaction.atomic():
        dialogue = _locked(dialogue.pk)
        seat = dialogue.seat_of(person)
        if seat is None:
            raise DialogueError("This is not your dialogue.")
        field = f"transcript_shared_by_{seat}_at"
        setattr(dialogue, field, timezone.now() if shared else None)
        dialogue.save(update_fields=[field])
    return dialogue


def new_client_id() -> str:
    return uuid.uuid4().hex


def event_submit(
    *,
    dialogue_id: int,
    user,
    action: str,
    text: str = "",
    client_id: str,
    expected_seq: int | None = None,
    on_behalf_of_seat: str | None = None,
    as_facilitator: bool = False,
) -> Submitted:
    """Store one event of the dialogue, or refuse it with a reason; never half of either.

    The dialogue row is locked while the event is checked and written, so two partners (or
    two tabs) acting at once are put in order. A client_id seen before returns the stored
    event unchanged (a double tap or a replayed message). expected_seq is the number of events
    the sender's screen knew of; if the dialogue has moved on since, the event is refused and
    the screen is told to reload.

    on_behalf_of_seat is for the shared screen only: partners sitting together at one device,
    where the logged-in partner taps for whoever's turn it is. The event's author stays the
    logged-in user (who pressed the button) and its actor is the seat named, so the record
    says both who spoke and on whose screen. It is refused unless the user is a partner of
    this dialogue and the dialogue is in shared-device mode; the engine still decides whether
    that seat may act now.

    as_facilitator is the couple's therapist in the room: the actor is "facilitator", which
    the engine allows to pause and resume only. Refused unless the user is the couple's
    active, verified therapist and not a partner of this dialogue.

    Its reads and writes go through turn_sql (plain SQL): this runs for every turn of every
    live dialogue, and the ORM's query compiling was half of a turn's CPU (BENCHMARKS.md).
    """
    client_id_check(client_id)
    with transaction.atomic():
        dialogue = turn_sql.dialogue_locked(dialogue_id)
        is_therapist = (
            as_facilitator
            and dialogue.seat_of(user) is None
            and couples_for_therapist(user).filter(pk=dialogue.couple_id).exists()
        )
        stored_pk = turn_sql.event_stored_pk(dialogue.pk, client_id)
        stored = turn_do(
            dialogue,
            user=user,
            action=action,
            text=text,
            client_id=client_id,
            expected_seq=expected_seq,
            on_behalf_of_seat=on_behalf_of_seat,
            is_therapist=is_therapist,
            stored_pk=stored_pk,
        )
        if stored is None:
            return Submitted(dialogue, DialogueEvent.objects.get(pk=stored_pk), duplicate=True)
        turn_sql.insert(stored)
        turn_sql.update(dialogue, TURN_FIELDS)
    return Submitted(dialogue, stored, duplicate=False)


def client_id_check(client_id) -> None:
    if not isinstance(client_id, str) or not client_id or len(client_id) > 64:
        raise DialogueError("This message could not be matched to your screen. Please reload.")


def _seat(dialogue: Dialogue, user, on_behalf_of_seat: str | None, *, is_therapist: bool) -> str:
    """The seat this user acts from (see event_submit), or a refusal."""
    seat = dialogue.seat_of(user)
    if seat is None and is_therapist:
        seat = FACILITATOR
    if seat is None:
        raise DialogueError("This is not your dialogue.")
    if on_behalf_of_seat is not None:
        if not dialogue.shared_device:
            raise DialogueError(
                "This dialogue is on two screens now. Each of you takes your own turns.",
                stale=True,
            )
        if on_behalf_of_seat not in ("a", "b"):
            raise DialogueError("This message could not be matched to your screen.")
        seat = on_behalf_of_seat
    return seat


def turn_do(
    dialogue: Dialogue,
    *,
    user,
    action: str,
    text: str,
    client_id: str,
    expected_seq: int | None,
    on_behalf_of_seat: str | None,
    is_therapist: bool,
    stored_pk: int | None,
) -> DialogueEvent | None:
    """Check one turn against what the locked dialogue row says, then make it: the new event,
    not stored yet, with the dialogue's TURN_FIELDS moved on; or None when the event under this
    client_id is stored already (stored_pk: a double tap, a replay). Reads nothing from the
    database, so the same check serves event_submit and the live room's turn_live."""
    seat = _seat(dialogue, user, on_behalf_of_seat, is_therapist=is_therapist)
    if stored_pk is not None:
        return None
    if expected_seq is not None and expected_seq != dialogue.seq:
        raise DialogueError(
            "The dialogue moved on while this screen was behind. It now shows where you both are.",
            stale=True,
        )
    if dialogue.couple_ended_at is not None:
        raise DialogueError(
            "You are no longer linked, so this dialogue cannot go on. Its transcript "
            "stays with both of you."
        )
    if dialogue.cancelled_at is not None:
        raise DialogueError("This request was cancelled.")
    if dialogue_is_lapsed(dialogue):
        raise DialogueError("This request lapsed without an answer. Either of you can ask again.")
    if action not in {a.value for a in Action}:
        raise DialogueError("That is not something a dialogue can do.")
    event = Event(Action(action), seat, text)  # type: ignore[arg-type]
    before = state_from_data(dialogue.state)
    try:
        state = do_event(before, event)
    except NotAllowed as refusal:
        raise DialogueError(refusal.message) from None
    now = timezone.now()
    dialogue.seq += 1
    stored = DialogueEvent(
        dialogue=dialogue,
        seq=dialogue.seq,
        action=action,
        actor=seat,
        author_id=user.pk,
        text=text.strip(),
        client_id=client_id,
        at=now,
    )
    dialogue.state = state_to_data(state)
    dialogue.step = state.step
    if event.action == Action.ACCEPT:
        dialogue.started_at = now
    if state.step == Step.CLOSED:
        dialogue.closed_at = now
    return stored
