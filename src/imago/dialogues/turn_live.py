"""A partner's turn stored from the live room's event loop, on PostgreSQL.

services.event_submit runs on a worker thread, through Django's connection: six round trips to
the database (BEGIN, lock, look-up, insert, update, COMMIT) and two hops between the event loop
and the thread. Under load each of them waits for the process's GIL or for the busy loop
(BENCHMARKS.md). Here the same statements (turn_sql) and the same checks (services.turn_do)
run on the event loop itself, on a psycopg async connection, in two round trips:
BEGIN with the lock and the client_id look-up, then the insert and update with COMMIT. Each
round trip is one query string of several statements, which PostgreSQL runs in order; a
client-side binding cursor is what allows several statements with parameters in one string.

Most turns need one round trip and no lock (Zulip's check-then-do): the screen holds a copy of
the dialogue (room.RoomCopy), the turn is checked against that, and a single statement stores
it only if the row still is that copy (turn_sql.turn_if_unchanged_sql). When the copy is behind
or was changed meanwhile, the statement writes nothing and the locked path above decides.

It stores only the turns it was made for: a partner on their own screen or the shared screen
(the coach has read the turn before it comes here: dialogues.coaching). Anything else (a
client_id seen before, the therapist's pause, a broken connection) is answered with None, and
the caller takes event_submit. SQLite has no such connection; there the room always uses
event_submit.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from contextlib import suppress
from functools import cache

import psycopg
from django.db import connection

from imago.dialogues import turn_sql
from imago.dialogues.models import Dialogue
from imago.dialogues.services import (
    DialogueError,
    Submitted,
    client_id_check,
    turn_do,
)
from imago.dialogues.turn_sql import TURN_FIELDS

# Connections per process (event loop), opened as screens arrive and kept. A burst of turns
# waits for one of these rather than making PostgreSQL start a backend for each.
CONNECTIONS = 8


class _Pool:
    def __init__(self):
        self.free = asyncio.Semaphore(CONNECTIONS)  # one per turn under way
        self.idle: list[psycopg.AsyncConnection] = []
        self.opened = 0  # open or opening: idle, in use, or warming

    async def open(self) -> psycopg.AsyncConnection:
        self.opened += 1
        try:
            params = connection.get_connection_params()
            # Client-side binding: several statements, with parameters, in one query string.
            params["cursor_factory"] = psycopg.AsyncClientCursor
            # Django turns prepared statements off (for poolers in transaction mode); the
            # one-statement turn needs them (_if_unchanged).
            params["prepare_threshold"] = 5
            # Autocommit: this code says where each transaction begins and ends.
            return await psycopg.AsyncConnection.connect(autocommit=True, **params)
        except BaseException:
            self.opened -= 1
            raise

    async def warm(self) -> None:
        with suppress(psycopg.Error, OSError):
            self.idle.append(await self.open())

    def close(self, conn: psycopg.AsyncConnection) -> None:
        self.opened -= 1
        if not conn.closed:
            asyncio.ensure_future(conn.close())


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool] = weakref.WeakKeyDictionary()


def warm() -> None:
    """A screen opened: make sure a connection waits for its first turn (up to CONNECTIONS per
    process), so that turn does not wait for PostgreSQL to start a backend."""
    pool = _pool()
    if pool.opened < CONNECTIONS:
        asyncio.ensure_future(pool.warm())


@cache  # asked at every turn; the database of a process does not change
def serves() -> bool:
    """Whether this database can take turns here (PostgreSQL through psycopg 3)."""
    return connection.vendor == "postgresql" and connection.Database is psycopg


async def event_submit_live(
    *,
    dialogue_id: int,
    user,
    action: str,
    text: str = "",
    client_id: str,
    expected_seq: int | None = None,
    on_behalf_of_seat: str | None = None,
    seen: Dialogue | None = None,
) -> Submitted | None:
    """As services.event_submit for a partner's turn (same checks, same refusals, same rows),
    or None when the turn needs event_submit.

    `seen` is the dialogue as the screen's copy holds it (room.RoomCopy). The turn is checked
    against it and stored in one round trip if the row is still the same (_if_unchanged);
    otherwise, or when the check refuses (the copy may be behind), it is checked again under
    the row's lock."""
    client_id_check(client_id)
    try:
        conn = await _take()
    except psycopg.OperationalError:
        return None  # PostgreSQL full or away: event_submit tries, and answers for it
    reusable = False  # only a connection whose transaction ended as planned
    turn = {
        "user": user,
        "action": action,
        "text": text,
        "client_id": client_id,
        "expected_seq": expected_seq,
        "on_behalf_of_seat": on_behalf_of_seat,
        "is_therapist": False,
    }
    try:
        if seen is not None:
            submitted = await _if_unchanged(conn, seen, turn)
            if submitted is not None:
                reusable = True
                return submitted
        cursor = conn.cursor()
        locked, locked_params = turn_sql.dialogue_locked_sql(dialogue_id)
        look_up, look_up_params = turn_sql.event_stored_sql(dialogue_id, client_id)
        await cursor.execute(f"BEGIN; {locked}; {look_up}", [*locked_params, *look_up_params])
        cursor.nextset()  # past BEGIN's empty result, to the row
        row = await cursor.fetchone()
        cursor.nextset()  # the look-up, run after the lock (turn_sql.event_stored_pk says why)
        stored_row = await cursor.fetchone()
        try:
            if row is None:
                raise Dialogue.DoesNotExist(f"No dialogue {dialogue_id}")
            dialogue = turn_sql.dialogue_of(row)
            stored = turn_do(dialogue, **turn, stored_pk=stored_row[0] if stored_row else None)
            if stored is None:
                raise _Duplicate
        except (DialogueError, Dialogue.DoesNotExist, _Duplicate):
            await cursor.execute("ROLLBACK")  # nothing was written; the row lock goes
            raise
        insert, insert_params = turn_sql.insert_sql(stored)
        update, update_params = turn_sql.update_sql(dialogue, TURN_FIELDS)
        await cursor.execute(f"{insert}; {update}; COMMIT", [*insert_params, *update_params])
        # The first result is the insert's: the new event's pk. The turn is stored now.
        turn_sql.inserted(stored, (await cursor.fetchone())[0])
        reusable = True
        return Submitted(dialogue, stored, duplicate=False)
    except _Duplicate:
        reusable = True
        return None  # a double tap: event_submit hands back the stored event
    except (DialogueError, Dialogue.DoesNotExist):
        reusable = True  # refused before anything was written, and rolled back
        raise
    except psycopg.OperationalError:
        # The connection broke (PostgreSQL restarted, a network cut): this one is closed, and
        # event_submit, on Django's own connection, takes the turn. Had the COMMIT gone
        # through before the break, event_submit finds the client_id and stores nothing twice.
        return None
    finally:
        _give_back(conn, reusable)


class _Duplicate(Exception):
    pass


async def _if_unchanged(
    conn: psycopg.AsyncConnection, seen: Dialogue, turn: dict
) -> Submitted | None:
    """Check-then-do on the screen's copy, without a lock: turn_do on a copy of `seen`, then
    one statement that writes only if the row still is `seen` (turn_sql.turn_if_unchanged_sql).
    None when the check refuses, the row moved on, or the client_id is stored already: the
    locked path then gives the answer (a refusal, a stale screen, the stored event)."""
    dialogue = copy.copy(seen)  # turn_do moves it on; the screen's copy moves on the change
    dialogue.couple_ended_at = seen.couple.ended_at  # as dialogue_locked reads it
    try:
        stored = turn_do(dialogue, **turn, stored_pk=None)
    except DialogueError:
        return None
    if stored is None:
        return None
    sql, params = turn_sql.turn_if_unchanged_sql(seen, dialogue, stored)
    # Server-side binding, prepared: PostgreSQL plans the statement once per connection.
    # Planning it afresh took 1.1 ms, five times as long as running it (BENCHMARKS.md).
    cursor = psycopg.AsyncCursor(conn)
    try:
        await cursor.execute(sql, params, prepare=True)
    except psycopg.errors.UniqueViolation:
        return None  # a copy of this turn is stored: one statement, so nothing was written
    row = await cursor.fetchone()
    if row is None:
        return None
    turn_sql.inserted(stored, row[0])
    return Submitted(dialogue, stored, duplicate=False)


def _pool() -> _Pool:
    return _pools.setdefault(asyncio.get_running_loop(), _Pool())


async def _take() -> psycopg.AsyncConnection:
    pool = _pool()
    await pool.free.acquire()
    try:
        while pool.idle:
            conn = pool.idle.pop()
            if not conn.closed:
                return conn
            pool.opened -= 1
        return await pool.open()
    except BaseException:
        pool.free.release()
        raise


def _give_back(conn: psycopg.AsyncConnection, reusable: bool) -> None:
    """Keep the connection for the next turn, or close it: one in an unknown state (a lost
    connection, a cancelled turn) is never reused."""
    pool = _pool()
    if reusable and not conn.closed:
        pool.idle.append(conn)
    else:
        pool.close(conn)
    pool.free.release()
