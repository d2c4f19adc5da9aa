"""A turn's four statements (lock, look-up, insert, update) in plain SQL.

Every turn of every live dialogue runs them, and through the ORM they cost about four times the
CPU, nearly all of it compiling the queries rather than running them (BENCHMARKS.md: 0.15-0.35
ms here against 0.35-0.8 ms each). Only services.event_submit uses this; everything else uses
the ORM. The statements read and write exactly the model's own columns, and every value passes
through its field's get_db_prep_save, so encryption (EncryptedTextField), JSON and time zones
stay the fields' business, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

from imago.couples.models import Couple
from imago.dialogues.models import Dialogue, DialogueEvent


def dialogue_locked(pk: int) -> Dialogue:
    """The dialogue, its row locked until the transaction ends (where the database can lock a
    row: SQLite has one writer at a time anyway), with the couple's `ended_at` as
    `couple_ended_at`."""
    lock = " FOR UPDATE OF d" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT d.*, c.{_q('ended_at')} AS couple_ended_at "
        f"FROM {_q(Dialogue._meta.db_table)} d JOIN {_q(Couple._meta.db_table)} c "
        f"ON c.{_q('id')} = d.{_q('couple_id')} WHERE d.{_q('id')} = %s{lock}"
    )
    for dialogue in Dialogue.objects.raw(sql, [pk]):
        return dialogue
    raise Dialogue.DoesNotExist(f"No dialogue {pk}")


def event_stored_pk(dialogue_id: int, client_id: str) -> int | None:
    """The event already stored under this screen's client_id, if any."""
    sql = (
        f"SELECT {_q('id')} FROM {_q(DialogueEvent._meta.db_table)} "
        f"WHERE {_q('dialogue_id')} = %s AND {_q('client_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [dialogue_id, client_id])
        row = cursor.fetchone()
    return row[0] if row else None


def insert(instance: Model) -> None:
    """INSERT an unsaved instance (every concrete field but the primary key); sets its pk."""
    meta = instance._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(_q(field.column) for field in fields)
    values = _values(instance, fields)
    sql = (
        f"INSERT INTO {_q(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        f" RETURNING {_q(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


def update(instance: Model, names: list[str]) -> None:
    """UPDATE these fields of a stored instance, as save(update_fields=names) would."""
    meta = instance._meta
    fields = [meta.get_field(name) for name in names]
    sets = ", ".join(f"{_q(field.column)} = %s" for field in fields)
    values = _values(instance, fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_q(meta.db_table)} SET {sets} WHERE {_q(meta.pk.column)} = %s",
            [*values, instance.pk],
        )


def _values(instance: Model, fields) -> list:
    return [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)
