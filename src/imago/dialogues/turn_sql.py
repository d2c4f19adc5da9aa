"""A turn's statements (lock, look-up, insert, update) in plain SQL.

Every turn of every live dialogue runs them, and through the ORM they cost about four times the
CPU, nearly all of it compiling the queries rather than running them (BENCHMARKS.md: 0.15-0.35
ms here against 0.35-0.8 ms each). Only services.event_submit and turn_live use this; everything
else uses the ORM. The statements read and write exactly the model's own columns, and every
value passes through its field's get_db_prep_save (writing) or its converters (reading), so
encryption (EncryptedTextField), JSON and time zones stay the fields' business, on SQLite and
PostgreSQL alike.

Each statement is built by a *_sql function (text and parameters; the text is made once per
process) and run either here, on Django's connection, or by turn_live on its own connection
from the event loop.
"""

from __future__ import annotations

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

from imago.couples.models import Couple
from imago.dialogues.models import Dialogue, DialogueEvent

# The dialogue's columns a turn writes (services.turn_do moves them on); every other column is
# pinned by turn_if_unchanged_sql.
TURN_FIELDS = ["seq", "state", "step", "started_at", "closed_at"]


def dialogue_locked(pk: int) -> Dialogue:
    """The dialogue, its row locked until the transaction ends (where the database can lock a
    row: SQLite has one writer at a time anyway), with the couple's `ended_at` as
    `couple_ended_at`."""
    sql, params = dialogue_locked_sql(pk)
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Dialogue.DoesNotExist(f"No dialogue {pk}")
    return dialogue_of(row)


def dialogue_locked_sql(pk: int) -> tuple[str, list]:
    return _locked_text(), [pk]


def dialogue_of(row) -> Dialogue:
    """A Dialogue from a row of dialogue_locked_sql, each value through its field's converters,
    as the ORM reads it."""
    fields = Dialogue._meta.concrete_fields
    db = _db()
    values = [_from_db(field, value, db) for field, value in zip(fields, row, strict=False)]
    dialogue = Dialogue.from_db(db.alias, [f.attname for f in fields], values)
    dialogue.couple_ended_at = _from_db(Couple._meta.get_field("ended_at"), row[len(fields)], db)
    return dialogue


def event_stored_pk(dialogue_id: int, client_id: str) -> int | None:
    """The event already stored under this screen's client_id (a double tap or a replayed
    message), if any. Its own statement, run after the lock: a statement that waited for the
    row lock still reads other tables as they were when it began, so a look-up folded into the
    locking one missed a copy of the same turn committed during the wait."""
    sql, params = event_stored_sql(dialogue_id, client_id)
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def event_stored_sql(dialogue_id: int, client_id: str) -> tuple[str, list]:
    return _stored_text(), [dialogue_id, client_id]


def insert(instance: Model) -> None:
    """INSERT an unsaved instance (every concrete field but the primary key); sets its pk."""
    sql, params = insert_sql(instance)
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        inserted(instance, cursor.fetchone()[0])


def insert_sql(instance: Model) -> tuple[str, list]:
    fields = _insert_fields(type(instance))
    return _insert_text(type(instance)), _values(instance, fields)


def inserted(instance: Model, pk: int) -> None:
    """Mark an instance stored under pk, as save() would."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS


def update(instance: Model, names: list[str]) -> None:
    """UPDATE these fields of a stored instance, as save(update_fields=names) would."""
    sql, params = update_sql(instance, names)
    with _db().cursor() as cursor:
        cursor.execute(sql, params)


def update_sql(instance: Model, names: list[str]) -> tuple[str, list]:
    fields = _named_fields(type(instance), tuple(names))
    return _update_text(type(instance), tuple(names)), [*_values(instance, fields), instance.pk]


def turn_if_unchanged_sql(
    before: Dialogue, after: Dialogue, event: DialogueEvent
) -> tuple[str, list]:
    """One statement that stores a turn checked against a copy of the dialogue (`before`, as
    a live screen holds it) only if the row still is that copy: the same seq (every turn moves
    it on), the same value in the other columns a turn reads that can change (PINNED: a named
    time, a cancel, the shared screen), and the couple not ended. Then it updates the row to
    `after` and inserts the event; otherwise it writes nothing and returns no row. Alone in its
    transaction, it is atomic; a turn racing it waits for the row and finds seq moved on."""
    params = [
        *_values(after, _fields(TURN_FIELDS)),
        before.pk,
        *_values(before, _fields(PINNED)),
        *_values(event, _insert_fields(DialogueEvent)),
    ]
    return _turn_if_unchanged_text(), params


# Statement text, made once per process: quoting names through the connection costs more than
# running the statements.


@cache
def _locked_text() -> str:
    db = _db()
    q = db.ops.quote_name
    lock = " FOR UPDATE OF d" if db.features.has_select_for_update_of else ""
    columns = ", ".join(f"d.{q(field.column)}" for field in Dialogue._meta.concrete_fields)
    return (
        f"SELECT {columns}, c.{q('ended_at')} "
        f"FROM {q(Dialogue._meta.db_table)} d JOIN {q(Couple._meta.db_table)} c "
        f"ON c.{q('id')} = d.{q('couple_id')} WHERE d.{q('id')} = %s{lock}"
    )


@cache
def _stored_text() -> str:
    q = _db().ops.quote_name
    return (
        f"SELECT {q('id')} FROM {q(DialogueEvent._meta.db_table)} "
        f"WHERE {q('dialogue_id')} = %s AND {q('client_id')} = %s"
    )


@cache
def _insert_fields(model: type[Model]) -> list:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


@cache
def _insert_text(model: type[Model]) -> str:
    q = _db().ops.quote_name
    meta = model._meta
    fields = _insert_fields(model)
    columns = ", ".join(q(field.column) for field in fields)
    return (
        f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        f" RETURNING {q(meta.pk.column)}"
    )


@cache
def _update_text(model: type[Model], names: tuple[str, ...]) -> str:
    q = _db().ops.quote_name
    meta = model._meta
    sets = ", ".join(f"{q(meta.get_field(name).column)} = %s" for name in names)
    return f"UPDATE {q(meta.db_table)} SET {sets} WHERE {q(meta.pk.column)} = %s"


# What turn_if_unchanged_sql pins: the columns a turn reads (services.turn_do) that can change
# after the dialogue is made; seq first, the one that tells a turn in between. Every column is
# in one of these sets or in TURN_FIELDS (tests/test_turn_live.py checks it), so a new column
# is pinned or not by decision.
PINNED = ["seq", "ready_at", "cancelled_at", "shared_device"]
SET_ONCE = {"couple", "seat_a", "seat_b", "variant", "created_at"}  # never change after
NOT_READ_BY_TURNS = {"transcript_shared_by_a_at", "transcript_shared_by_b_at"}


def _fields(names: list[str]) -> list:
    return _named_fields(Dialogue, tuple(names))


@cache  # looked up once per model and list of names: the statements run for every turn
def _named_fields(model: type[Model], names: tuple[str, ...]) -> list:
    return [model._meta.get_field(name) for name in names]


@cache
def _turn_if_unchanged_text() -> str:
    q = _db().ops.quote_name
    dialogues, couples = q(Dialogue._meta.db_table), q(Couple._meta.db_table)
    sets = ", ".join(f"{q(f.column)} = %s" for f in _fields(TURN_FIELDS))
    # IS NOT DISTINCT FROM: a pinned NULL (no named time, not cancelled) must still be NULL.
    pins = " AND ".join(
        f"{dialogues}.{q(f.column)} IS NOT DISTINCT FROM %s" for f in _fields(PINNED)
    )
    fields = _insert_fields(DialogueEvent)
    columns = ", ".join(q(field.column) for field in fields)
    return (
        f"WITH d AS (UPDATE {dialogues} SET {sets} WHERE {dialogues}.{q('id')} = %s AND {pins}"
        f" AND NOT EXISTS (SELECT 1 FROM {couples} c WHERE c.{q('id')} = "
        f"{dialogues}.{q('couple_id')} AND c.{q('ended_at')} IS NOT NULL)"
        f" RETURNING {dialogues}.{q('id')}) "
        f"INSERT INTO {q(DialogueEvent._meta.db_table)} ({columns}) "
        f"SELECT {', '.join(['%s'] * len(fields))} FROM d RETURNING {q('id')}"
    )


def _db():
    # The connection object itself, looked up once per call: every attribute read through
    # django.db.connection (a proxy) is a look-up in asgiref's Local, which showed in profiles.
    return connections[DEFAULT_DB_ALIAS]


def _from_db(field, value, db):
    # What the ORM does when it reads a column: the backend's converters (SQLite's text
    # dates, say), then the field's own (JSON, decryption).
    for convert in _converters(field):
        value = convert(value, field.cached_col, db)
    return value


@cache
def _converters(field) -> list:
    db = _db()
    return db.ops.get_db_converters(field.cached_col) + field.get_db_converters(db)


def _values(instance: Model, fields) -> list:
    db = _db()
    return [f.get_db_prep_save(getattr(instance, f.attname), db) for f in fields]
