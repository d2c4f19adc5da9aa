"""turn_live: a partner's turn stored from the event loop, on its own psycopg connection.

It must be indistinguishable from services.event_submit (same rows, same refusals), and its
connections, kept from turn to turn, must never carry a transaction, a row lock or a dead
socket into the next turn. Real PostgreSQL only: SQLite has no such connection (there the room
always takes event_submit). turn_live sees committed data only, hence transactional tests.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import OperationalError, connection, transaction
from psycopg.pq import TransactionStatus

from imago.dialogues import turn_live
from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.services import (
    DialogueError,
    Submitted,
    dialogue_cancel,
    dialogue_request,
    dialogue_set_shared_device,
    event_submit,
    new_client_id,
)

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="turn_live runs on PostgreSQL only",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def dialogue(world):
    return dialogue_request(person=world.partner_a)


@pytest.fixture
async def pool():
    """This test's connections (turn_live keeps a pool per event loop, and each test has a loop
    of its own), closed afterwards so that no backend outlives the test."""
    pool = turn_live._pool()
    yield pool
    while pool.idle:
        await pool.idle.pop().close()
    await asyncio.sleep(0.05)  # let closings that _give_back scheduled finish on this loop


async def live(dialogue, user, action, text="", **kwargs):
    kwargs.setdefault("client_id", new_client_id())
    return await turn_live.event_submit_live(
        dialogue_id=dialogue.pk, user=user, action=action, text=text, **kwargs
    )


@sync_to_async
def orm(dialogue, user, action, text="", **kwargs):
    """The same turn through services.event_submit, on Django's connection."""
    kwargs.setdefault("client_id", new_client_id())
    return event_submit(dialogue_id=dialogue.pk, user=user, action=action, text=text, **kwargs)


@sync_to_async
def stored(dialogue):
    """The dialogue's seq and its events, as the ORM reads them from the database."""
    seq = Dialogue.objects.get(pk=dialogue.pk).seq
    events = DialogueEvent.objects.filter(dialogue_id=dialogue.pk).order_by("seq")
    return seq, list(events.values_list("seq", "action", "actor"))


@sync_to_async
def row_is_free(dialogue) -> bool:
    """Whether another connection can lock the dialogue's row right now (NOWAIT: no waiting)."""
    try:
        with transaction.atomic():
            Dialogue.objects.select_for_update(nowait=True).get(pk=dialogue.pk)
    except OperationalError:
        return False
    return True


def pids(pool) -> list[int]:
    return [conn.info.backend_pid for conn in pool.idle]


def all_idle(pool) -> bool:
    """No pooled connection is left inside a transaction (which would hold the row lock)."""
    return all(conn.info.transaction_status == TransactionStatus.IDLE for conn in pool.idle)


@asynccontextmanager
async def row_held(dialogue):
    """Another screen's transaction holds the dialogue's row lock until the block ends."""
    params = connection.get_connection_params()
    params["cursor_factory"] = psycopg.AsyncCursor
    async with await psycopg.AsyncConnection.connect(**params) as holder:
        async with holder.transaction():
            await holder.execute(
                f"SELECT 1 FROM {Dialogue._meta.db_table} WHERE id = %s FOR UPDATE", [dialogue.pk]
            )
            yield


async def at_once(dialogue, *turns):
    """Start the turns while the row is held, check they all queue for it, release it, and
    return what each came to (a Submitted or the exception), in the order given."""
    async with row_held(dialogue):
        tasks = [asyncio.ensure_future(turn) for turn in turns]
        await asyncio.sleep(0.3)
        assert not any(task.done() for task in tasks), "a turn did not wait for the row lock"
    return await asyncio.gather(*tasks, return_exceptions=True)


# The same rows as event_submit.


async def test_a_live_turn_reads_back_like_one_stored_by_event_submit(world, pool):
    """The room stores turns through turn_live and everything else (pages, transcript, replay)
    reads them through the ORM: the same two turns taken by each path must read back alike,
    words decrypted and stripped, times exact, the dialogue row moved on the same way."""
    ours = await sync_to_async(dialogue_request)(person=world.partner_a)
    theirs = await sync_to_async(dialogue_request)(person=world.other_couple)
    await live(ours, world.partner_b, "accept")
    await orm(theirs, world.other_partner, "accept")
    sent = await live(ours, world.partner_a, "send", "  I feel rushed.  ")
    await orm(theirs, world.other_couple, "send", "  I feel rushed.  ")
    assert isinstance(sent, Submitted) and not sent.duplicate

    @sync_to_async
    def read(dialogue):
        row = Dialogue.objects.get(pk=dialogue.pk)
        events = list(DialogueEvent.objects.filter(dialogue=row).order_by("seq"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT text FROM {DialogueEvent._meta.db_table} WHERE id = %s", [events[-1].pk]
            )
            raw = cursor.fetchone()[0]
        return row, events, raw

    row, events, raw = await read(ours)
    their_row, their_events, _ = await read(theirs)
    seats = {row.seat_a_id: "a", row.seat_b_id: "b"}
    their_seats = {their_row.seat_a_id: "a", their_row.seat_b_id: "b"}
    assert [(e.seq, e.action, e.actor, seats[e.author_id], e.text) for e in events] == [
        (e.seq, e.action, e.actor, their_seats[e.author_id], e.text) for e in their_events
    ]
    assert events[-1].text == "I feel rushed." and events[-1].author_id == world.partner_a.pk
    assert raw.startswith("fernet:") and "rushed" not in raw  # encrypted at rest
    assert events[-1].pk == sent.event.pk and events[-1].at == sent.event.at
    assert (row.seq, row.step, row.state) == (their_row.seq, their_row.step, their_row.state)
    assert (row.seq, row.step) == (sent.dialogue.seq, sent.dialogue.step) == (2, "mirror")
    assert row.started_at == events[0].at  # set by the accept, at the accept's time
    assert row.closed_at is None


# The same refusals, and nothing left behind.

REFUSALS = {
    # role, action, text, other arguments, what the refusal says
    "out of turn": ("partner_b", "send", "Hello", {}, "your partner's turn"),
    "unknown action": ("partner_a", "shout", "", {}, "not something a dialogue can do"),
    "stale screen": ("partner_a", "send", "Hello", {"expected_seq": 0}, "moved on"),
    "not a partner": ("other_couple", "send", "Hello", {}, "This is not your dialogue."),
    "empty client_id": ("partner_a", "send", "Hello", {"client_id": ""}, "could not be matched"),
    "long client_id": ("partner_a", "send", "Hi", {"client_id": "x" * 65}, "could not be matched"),
}


@pytest.mark.parametrize("role, action, text, extra, words", REFUSALS.values(), ids=REFUSALS)
async def test_a_refusal_says_what_event_submit_says_and_leaves_nothing_behind(
    world, dialogue, pool, role, action, text, extra, words
):
    """The screen shows the refusal as it comes, whichever path took the turn. A refused turn
    rolls back: nothing written, the row lock gone, and the same connection takes the next
    turn (it is kept, so a transaction left open would block the dialogue for good)."""
    await live(dialogue, world.partner_b, "accept")
    [pid] = pids(pool)
    user = world.user(role)
    with pytest.raises(DialogueError) as by_orm:
        await orm(dialogue, user, action, text, **extra)
    with pytest.raises(DialogueError, match=words) as by_live:
        await live(dialogue, user, action, text, **extra)
    assert (by_live.value.message, by_live.value.stale) == (
        by_orm.value.message,
        by_orm.value.stale,
    )
    assert by_live.value.stale == ("expected_seq" in extra)
    assert await stored(dialogue) == (1, [(1, "accept", "b")])
    assert all_idle(pool) and await row_is_free(dialogue)
    assert (await live(dialogue, world.partner_a, "send", "Hello", expected_seq=1)).event.seq == 2
    assert pids(pool) == [pid]


async def test_a_cancelled_request_is_refused_in_the_same_words(world, dialogue, pool):
    """A request withdrawn while the other screen still offered "ready now": refused as
    event_submit refuses it, rolled back, and the connection serves the couple's next request."""
    await sync_to_async(dialogue_cancel)(person=world.partner_a, dialogue=dialogue)
    with pytest.raises(DialogueError) as by_orm:
        await orm(dialogue, world.partner_b, "accept")
    with pytest.raises(DialogueError, match="This request was cancelled.") as by_live:
        await live(dialogue, world.partner_b, "accept")
    assert by_live.value.message == by_orm.value.message and not by_live.value.stale
    assert await stored(dialogue) == (0, [])
    [pid] = pids(pool)
    assert all_idle(pool) and await row_is_free(dialogue)
    again = await sync_to_async(dialogue_request)(person=world.partner_a)
    assert (await live(again, world.partner_b, "accept")).event.seq == 1
    assert pids(pool) == [pid]


async def test_a_dialogue_that_does_not_exist_is_not_found(world, dialogue, pool):
    """A room for a dialogue deleted meanwhile: the same DoesNotExist as event_submit (the
    consumer answers it), and the connection is rolled back and kept."""
    with pytest.raises(Dialogue.DoesNotExist):
        await turn_live.event_submit_live(
            dialogue_id=dialogue.pk + 1000, user=world.partner_b, action="accept", client_id="c1"
        )
    assert all_idle(pool) and len(pool.idle) == 1
    assert (await live(dialogue, world.partner_b, "accept")).event.seq == 1


# Turns it leaves to event_submit.


async def test_a_client_id_seen_before_is_left_to_event_submit(world, dialogue, pool):
    """A double tap or a message replayed after a reconnect (with the screen's old
    expected_seq): turn_live stores nothing and answers None, and event_submit then hands back
    the stored event, so the screen gets its acknowledgement and not a "stale" refusal."""
    first = await live(dialogue, world.partner_b, "accept", client_id="tab-1-msg-1")
    replay = await live(
        dialogue, world.partner_b, "accept", client_id="tab-1-msg-1", expected_seq=0
    )
    assert replay is None
    assert all_idle(pool) and await row_is_free(dialogue)  # else event_submit would wait forever
    again = await orm(dialogue, world.partner_b, "accept", client_id="tab-1-msg-1", expected_seq=0)
    assert again.duplicate and again.event.pk == first.event.pk
    assert await stored(dialogue) == (1, [(1, "accept", "b")])


# Connections that go wrong.


@sync_to_async
def terminate(pid: int) -> bool:
    """Kill a backend from outside (an administrator, a failover, an idle timeout), waiting up
    to five seconds for it to be gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        return cursor.fetchone()[0]


async def test_a_connection_killed_while_idle_hands_its_turn_to_event_submit(world, dialogue, pool):
    """A kept connection can die between turns (a failover, an administrator, an idle timeout).
    The turn that finds it dead stores nothing and answers None, so the room takes
    event_submit on Django's connection and the person notices nothing. The dead connection is
    dropped, never taken again, and the next turn runs on a new one."""
    await live(dialogue, world.partner_b, "accept")
    [dead] = pool.idle
    killed = dead.info.backend_pid
    assert await terminate(killed)
    turn = {"client_id": "msg-2", "expected_seq": 1}
    assert await live(dialogue, world.partner_a, "send", "Hello", **turn) is None
    assert dead.closed and dead not in pool.idle and pool.opened == 0
    assert await stored(dialogue) == (1, [(1, "accept", "b")])  # nothing half-stored
    # What the room does with None: the same turn through event_submit.
    assert not (await orm(dialogue, world.partner_a, "send", "Hello", **turn)).duplicate
    mirror = await live(dialogue, world.partner_b, "mirror", "You said hello.", expected_seq=2)
    assert mirror.event.seq == 3
    assert len(pool.idle) == 1 and pids(pool) != [killed]


async def test_after_a_restart_each_dead_connection_is_handed_back_at_most_once(world, pool):
    """PostgreSQL restarted: every kept connection is dead. Each may hand back (None) at most
    the one turn that finds it dead, and is dropped; then turns are stored here again. A dead
    connection put back in the pool would hand back every turn from then on."""
    ours = await sync_to_async(dialogue_request)(person=world.partner_a)
    theirs = await sync_to_async(dialogue_request)(person=world.other_couple)
    # Two turns at once: two connections.
    await asyncio.gather(
        live(ours, world.partner_b, "accept"), live(theirs, world.other_partner, "accept")
    )
    killed = pids(pool)
    assert len(killed) == 2
    for pid in killed:
        assert await terminate(pid)
    handed_back = 0
    while (turn := await live(ours, world.partner_a, "send", "Hello", expected_seq=1)) is None:
        handed_back += 1
        assert handed_back <= len(killed), "a dead connection was taken twice"
    assert turn.event.seq == 2
    assert await stored(ours) == (2, [(1, "accept", "b"), (2, "send", "a")])
    assert not set(pids(pool)) & set(killed)


async def test_a_turn_cancelled_while_waiting_for_the_row_stores_nothing(world, dialogue, pool):
    """A socket closing mid-turn cancels it. Its connection is in an unknown state (a query
    under way), so it is closed, not kept; the turn is not stored; the next turn runs on a
    new connection."""
    await live(dialogue, world.partner_b, "accept")
    [first] = pids(pool)
    async with row_held(dialogue):
        turn = asyncio.ensure_future(
            live(dialogue, world.partner_a, "send", "Hello", expected_seq=1)
        )
        await asyncio.sleep(0.3)
        assert not turn.done()
        turn.cancel()
        with pytest.raises(asyncio.CancelledError):
            await turn
        assert pool.idle == [] and pool.opened == 0
    assert await stored(dialogue) == (1, [(1, "accept", "b")])
    assert (await live(dialogue, world.partner_a, "send", "Hello", expected_seq=1)).event.seq == 2
    assert pids(pool) != [first]


# Turns at the same instant.


async def test_two_taps_at_once_store_one_turn_and_refuse_the_other_as_stale(world, dialogue, pool):
    """Two tabs of one partner, both showing seq 0, each send "ready now" (different
    client_ids). The row lock puts them in order: the second finds the dialogue moved on and
    its screen is told to reload. Without the lock both would insert seq 1 and one would fail
    on the unique constraint instead of being refused in words."""
    results = await at_once(
        dialogue,
        live(dialogue, world.partner_b, "accept", expected_seq=0),
        live(dialogue, world.partner_b, "accept", expected_seq=0),
    )
    assert sorted(type(result).__name__ for result in results) == ["DialogueError", "Submitted"]
    [refused] = [result for result in results if isinstance(result, DialogueError)]
    assert refused.stale
    assert await stored(dialogue) == (1, [(1, "accept", "b")])
    assert all_idle(pool) and await row_is_free(dialogue)


async def test_the_same_turn_sent_twice_at_once_is_stored_once_and_acknowledged_twice(
    world, dialogue, pool
):
    """A reconnecting screen sends its unacknowledged turn again (same client_id, same
    expected_seq) while the first copy still waits for the row. The second copy must find the
    first one stored, not be refused as stale: the look-up runs after the lock, in its own
    statement (a look-up inside the locking statement read the events from before the wait).
    turn_live hands a duplicate to event_submit, which returns the stored event."""
    results = await at_once(
        dialogue,
        live(dialogue, world.partner_b, "accept", client_id="same", expected_seq=0),
        live(dialogue, world.partner_b, "accept", client_id="same", expected_seq=0),
    )
    assert sorted(repr(type(r).__name__) for r in results) == ["'NoneType'", "'Submitted'"]
    again = await orm(dialogue, world.partner_b, "accept", client_id="same", expected_seq=0)
    assert again.duplicate and again.event.seq == 1
    assert await stored(dialogue) == (1, [(1, "accept", "b")])


async def test_event_submit_recognises_a_copy_committed_while_it_waited(world, dialogue):
    """The same, on Django's connection (the path SQLite and the therapist take), each copy on
    a thread of its own as the room's worker threads run them."""
    apart = sync_to_async(event_submit, thread_sensitive=False)
    turn = {"dialogue_id": dialogue.pk, "user": world.partner_b, "action": "accept"}
    results = await at_once(
        dialogue,
        apart(**turn, client_id="same", expected_seq=0),
        apart(**turn, client_id="same", expected_seq=0),
    )
    assert sorted(r.duplicate for r in results) == [False, True], results
    assert await stored(dialogue) == (1, [(1, "accept", "b")])


async def test_both_partners_acting_at_once_are_put_in_order(world, dialogue, pool):
    """Both partners ask for a break at the same instant, without expected_seq: the second
    reads the state the first stored (after the lock) and is refused by the engine."""
    await live(dialogue, world.partner_b, "accept")
    results = await at_once(
        dialogue,
        live(dialogue, world.partner_a, "pause"),
        live(dialogue, world.partner_b, "pause"),
    )
    stored_ones = [result for result in results if isinstance(result, Submitted)]
    refused = [result for result in results if isinstance(result, DialogueError)]
    assert len(stored_ones) == 1 and len(refused) == 1, results
    assert refused[0].message == "The dialogue is already paused."
    seq, events = await stored(dialogue)
    assert seq == 2 and events == [(1, "accept", "b"), (2, "pause", stored_ones[0].event.actor)]


# The shared screen.


async def test_on_a_shared_screen_the_logged_in_partner_acts_for_the_other_seat(
    world, dialogue, pool
):
    """Partners at one device: the logged-in partner taps for whoever's turn it is. The record
    says who spoke (the seat) and who pressed the button (the author)."""
    await sync_to_async(dialogue_set_shared_device)(
        person=world.partner_a, dialogue=dialogue, shared=True
    )
    turn = await live(dialogue, world.partner_a, "accept", on_behalf_of_seat="b")
    event = await sync_to_async(DialogueEvent.objects.get)(pk=turn.event.pk)
    assert (event.actor, event.author_id) == ("b", world.partner_a.pk)


async def test_on_two_screens_acting_for_the_other_seat_is_refused_as_stale(world, dialogue, pool):
    """A shared screen left open after the couple went back to two screens: refused as
    event_submit refuses it, stale (the screen reloads into two-screen mode), nothing stored."""
    with pytest.raises(DialogueError) as by_orm:
        await orm(dialogue, world.partner_a, "accept", on_behalf_of_seat="b")
    with pytest.raises(DialogueError, match="on two screens now") as by_live:
        await live(dialogue, world.partner_a, "accept", on_behalf_of_seat="b")
    assert by_live.value.stale and by_live.value.message == by_orm.value.message
    assert await stored(dialogue) == (0, [])
    assert all_idle(pool) and await row_is_free(dialogue)


# Checked against the screen's copy (`seen`): one statement when the row is still that copy.


@sync_to_async
def copy_of(dialogue) -> Dialogue:
    """The dialogue as a live screen holds it (the consumer's copy is loaded like this)."""
    return Dialogue.objects.select_related("couple", "seat_a", "seat_b").get(pk=dialogue.pk)


async def unchanged(seen, user, action, text="", **kwargs):
    """turn_live's one-statement path alone: a Submitted, or None when it wrote nothing."""
    turn = {
        "user": user,
        "action": action,
        "text": text,
        "client_id": kwargs.pop("client_id", new_client_id()),
        "expected_seq": kwargs.pop("expected_seq", None),
        "on_behalf_of_seat": kwargs.pop("on_behalf_of_seat", None),
        "is_therapist": False,
    }
    conn = await turn_live._take()
    try:
        return await turn_live._if_unchanged(conn, seen, turn)
    finally:
        turn_live._give_back(conn, True)


async def test_a_turn_checked_against_a_current_copy_reads_back_like_event_submit(world, pool):
    """The path every live turn takes: the same rows as event_submit's, and the copy the
    screen holds is left as it was (the screen moves it on when the change comes)."""
    ours = await sync_to_async(dialogue_request)(person=world.partner_a)
    theirs = await sync_to_async(dialogue_request)(person=world.other_couple)
    seen = await copy_of(ours)
    accepted = await unchanged(seen, world.partner_b, "accept", expected_seq=0)
    await orm(theirs, world.other_partner, "accept")
    assert isinstance(accepted, Submitted) and accepted.event.seq == 1
    assert seen.seq == 0 and seen.step == "appointment"  # untouched
    seen = await copy_of(ours)
    sent = await unchanged(seen, world.partner_a, "send", "  I feel rushed.  ", expected_seq=1)
    await orm(theirs, world.other_couple, "send", "  I feel rushed.  ")

    @sync_to_async
    def read(dialogue):
        row = Dialogue.objects.get(pk=dialogue.pk)
        return row, list(DialogueEvent.objects.filter(dialogue=row).order_by("seq"))

    (row, events), (their_row, their_events) = await read(ours), await read(theirs)
    assert [(e.seq, e.action, e.actor, e.text) for e in events] == [
        (e.seq, e.action, e.actor, e.text) for e in their_events
    ]
    assert events[-1].text == "I feel rushed." and events[-1].author_id == world.partner_a.pk
    assert events[-1].pk == sent.event.pk and events[-1].at == sent.event.at
    assert (row.seq, row.step, row.state) == (their_row.seq, their_row.step, their_row.state)
    assert (row.seq, row.step) == (sent.dialogue.seq, sent.dialogue.step) == (2, "mirror")
    assert row.started_at == events[0].at and row.closed_at is None
    assert all_idle(pool) and await row_is_free(dialogue=ours)


async def test_a_copy_behind_the_row_writes_nothing_and_the_locked_path_answers(
    world, dialogue, pool
):
    """The screen's copy missed a turn (its change is still on the way). Checked against the
    copy, the next turn is refused or would be written at the wrong seq: nothing is written,
    and the locked path, reading the row, gives the true answer."""
    seen = await copy_of(dialogue)  # seq 0: "is now a good time?"
    await live(dialogue, world.partner_b, "accept")
    # The copy would accept "ready now" again: the row has moved on, so nothing is written.
    assert await unchanged(seen, world.partner_b, "accept") is None
    assert await stored(dialogue) == (1, [(1, "accept", "b")])
    with pytest.raises(DialogueError, match="your partner's turn"):
        await live(dialogue, world.partner_b, "accept", seen=seen)
    # The copy refuses Ana's send (it still waits for Ben): the row allows it, and it is stored.
    assert await unchanged(seen, world.partner_a, "send", "Hello") is None
    sent = await live(dialogue, world.partner_a, "send", "Hello", seen=seen)
    assert sent.event.seq == 2
    assert await stored(dialogue) == (2, [(1, "accept", "b"), (2, "send", "a")])
    assert all_idle(pool) and await row_is_free(dialogue)


def _cancel(world, dialogue):
    dialogue_cancel(person=world.partner_a, dialogue=dialogue)


def _name_a_time(world, dialogue):
    from datetime import timedelta

    from django.utils import timezone

    from imago.dialogues.services import appointment_ready_at

    later = timezone.now() + timedelta(hours=1)
    appointment_ready_at(person=world.partner_b, dialogue=dialogue, ready_at=later)


def _share_the_screen(world, dialogue):
    dialogue_set_shared_device(person=world.partner_a, dialogue=dialogue, shared=True)


def _unlink(world, dialogue):
    from imago.couples.services import couple_unlink

    couple_unlink(person=world.partner_a)


CHANGED_OUTSIDE_A_TURN = {
    "cancelled": _cancel,
    "a time named": _name_a_time,
    "shared screen": _share_the_screen,
    "couple unlinked": _unlink,
}


@pytest.mark.parametrize("change", CHANGED_OUTSIDE_A_TURN.values(), ids=CHANGED_OUTSIDE_A_TURN)
async def test_a_change_made_outside_a_turn_sends_the_turn_the_locked_way(
    world, dialogue, pool, change
):
    """A copy from before a cancel, a named time, a switch to the shared screen or the couple
    unlinking: seq has not moved, but the row is not the copy any more. Nothing is written on
    the copy's word, and the answer is the locked path's, the same as event_submit's."""
    seen = await copy_of(dialogue)
    await sync_to_async(lambda: change(world, Dialogue.objects.get(pk=dialogue.pk)))()
    assert await unchanged(seen, world.partner_b, "accept") is None
    assert await stored(dialogue) == (0, [])
    try:
        by_orm = await orm(dialogue, world.partner_b, "accept", client_id="orm")
    except DialogueError as error:
        with pytest.raises(DialogueError) as by_live:
            await live(dialogue, world.partner_b, "accept", seen=seen)
        assert by_live.value.message == error.message
        assert await stored(dialogue) == (0, [])
    else:  # a named time still lets Ben say "ready now": event_submit stored it
        assert by_orm.event.seq == 1
    assert all_idle(pool) and await row_is_free(dialogue)


async def test_the_transcript_consent_is_not_pinned(world, dialogue, pool):
    """Sharing the transcript with the therapist is not something a turn reads, and it does
    not tell the open screens: a copy from before it must still take the one-statement path,
    or every later turn of that screen would take the long way."""
    from imago.dialogues.services import transcript_consent_set

    seen = await copy_of(dialogue)
    await sync_to_async(transcript_consent_set)(
        person=world.partner_a, dialogue=dialogue, shared=True
    )
    assert (await unchanged(seen, world.partner_b, "accept")).event.seq == 1


async def test_a_client_id_stored_already_writes_nothing_on_the_copy(world, dialogue, pool):
    """A replayed message whose words the current copy would accept: the insert meets the
    unique client_id, and the statement, alone in its transaction, leaves the row as it was
    (no seq moved on without its event). The connection is idle and kept."""
    await live(dialogue, world.partner_b, "accept", client_id="msg-1")
    seen = await copy_of(dialogue)
    [pid] = pids(pool)
    assert await unchanged(seen, world.partner_a, "send", "Hello", client_id="msg-1") is None
    assert await stored(dialogue) == (1, [(1, "accept", "b")])
    assert all_idle(pool) and pids(pool) == [pid] and await row_is_free(dialogue)


async def test_two_taps_on_the_same_copy_store_one_turn_and_refuse_the_other(world, dialogue, pool):
    """Two tabs with the same copy send "ready now" at the same instant: both statements wait
    for the row; the first writes, the second finds seq moved on, writes nothing, and the
    locked path refuses it as stale."""
    seen = await copy_of(dialogue)
    results = await at_once(
        dialogue,
        live(dialogue, world.partner_b, "accept", expected_seq=0, seen=seen),
        live(dialogue, world.partner_b, "accept", expected_seq=0, seen=seen),
    )
    assert sorted(type(result).__name__ for result in results) == ["DialogueError", "Submitted"]
    assert [r for r in results if isinstance(r, DialogueError)][0].stale
    assert await stored(dialogue) == (1, [(1, "accept", "b")])
    assert all_idle(pool) and await row_is_free(dialogue)


def test_every_column_of_the_dialogue_is_pinned_or_not_by_decision():
    """A turn checked against the screen's copy is stored only if the columns it reads are
    unchanged (turn_sql.PINNED). A new column must be put in one of the sets, or a change to
    it outside a turn could let a turn through that the locked path would refuse."""
    from imago.dialogues import turn_sql

    columns = {f.name for f in Dialogue._meta.concrete_fields if not f.primary_key}
    sets = [
        set(turn_sql.TURN_FIELDS) - {"seq"},
        set(turn_sql.PINNED),
        turn_sql.SET_ONCE,
        turn_sql.NOT_READ_BY_TURNS,
    ]
    assert set().union(*sets) == columns
    assert sum(len(s) for s in sets) == len(columns)  # each in one set only
