"""Dialogues in the database: asking, answering, and turns stored before anyone is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from imago.couples.services import couple_unlink
from imago.dialogue import Event as ProtocolEvent
from imago.dialogue import Step, replay, start, state_from_data
from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.selectors import dialogues_for_person, speaking_events
from imago.dialogues.services import (
    DialogueError,
    appointment_ready_at,
    dialogue_cancel,
    dialogue_request,
    event_submit,
    new_client_id,
)
from tests.conftest import make_person


def submit(dialogue, user, action, text="", **kwargs):
    kwargs.setdefault("client_id", new_client_id())
    return event_submit(dialogue_id=dialogue.pk, user=user, action=action, text=text, **kwargs)


@pytest.fixture
def dialogue(world):
    return dialogue_request(person=world.partner_a)


def test_a_partner_asks_and_the_seats_follow(world, dialogue):
    assert dialogue.seat_a == world.partner_a and dialogue.seat_b == world.partner_b
    assert dialogue.step == Step.APPOINTMENT and dialogue.seq == 0


def test_a_person_without_a_partner_cannot_ask(db):
    alone = make_person("solo@example.com", "Solo")
    with pytest.raises(DialogueError, match="Invite your partner first"):
        dialogue_request(person=alone)


def test_only_one_dialogue_is_open_per_couple(world, dialogue):
    with pytest.raises(DialogueError, match="already have a dialogue open"):
        dialogue_request(person=world.partner_b)


def test_a_lapsed_request_does_not_block_a_new_one(world, dialogue):
    Dialogue.objects.filter(pk=dialogue.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert dialogue_request(person=world.partner_b).seat_a == world.partner_b


def test_a_whole_round_is_stored_turn_by_turn(world, dialogue):
    a, b = world.partner_a, world.partner_b
    steps = [
        (b, "accept", ""),
        (a, "send", "I feel rushed in the mornings."),
        (b, "mirror", "You feel rushed in the mornings."),
        (a, "confirm", ""),
        (a, "no_more", ""),
        (b, "skip_summary", ""),
        (b, "validate", "That makes sense: mornings are tight."),
        (b, "empathize", "I imagine you feel stressed."),
        (a, "confirm", ""),
        (a, "close", ""),
        (a, "appreciate", "Thank you for listening."),
        (b, "appreciate", "Thank you for telling me."),
    ]
    for user, action, text in steps:
        result = submit(dialogue, user, action, text)
        assert not result.duplicate
    dialogue.refresh_from_db()
    assert dialogue.step == Step.CLOSED and dialogue.seq == len(steps)
    assert dialogue.started_at and dialogue.closed_at
    events = [ProtocolEvent(e.action, e.actor, e.text) for e in dialogue.events.order_by("seq")]
    assert replay(start(sender="a"), events) == state_from_data(dialogue.state)
    assert [e.text for e in speaking_events(dialogue)][0] == "I feel rushed in the mornings."


def test_an_out_of_turn_event_is_refused_and_changes_nothing(world, dialogue):
    with pytest.raises(DialogueError, match="your partner's turn"):
        submit(dialogue, world.partner_a, "accept")
    dialogue.refresh_from_db()
    assert dialogue.seq == 0 and not dialogue.events.exists()


def test_the_same_message_sent_twice_is_stored_once(world, dialogue):
    first = submit(dialogue, world.partner_b, "accept", client_id="tab-1-msg-1")
    again = submit(dialogue, world.partner_b, "accept", client_id="tab-1-msg-1")
    assert again.duplicate and again.event.pk == first.event.pk
    assert DialogueEvent.objects.count() == 1


def test_a_stale_screen_is_told_to_reload(world, dialogue):
    submit(dialogue, world.partner_b, "accept", expected_seq=0)
    with pytest.raises(DialogueError) as refusal:
        submit(dialogue, world.partner_a, "send", "Hello", expected_seq=0)
    assert refusal.value.stale


def test_someone_outside_the_dialogue_cannot_act(world, dialogue):
    for outsider in (world.other_couple, world.therapist):
        with pytest.raises(DialogueError, match="not your dialogue"):
            submit(dialogue, outsider, "accept")


@pytest.mark.parametrize(
    "text, message", [("", "write something"), ("x" * 20_000, "at most 2,000")]
)
def test_empty_and_overlong_turns_are_refused(world, dialogue, text, message):
    submit(dialogue, world.partner_b, "accept")
    with pytest.raises(DialogueError, match=message):
        submit(dialogue, world.partner_a, "send", text)


def test_an_unknown_action_is_refused(world, dialogue):
    with pytest.raises(DialogueError, match="not something a dialogue can do"):
        submit(dialogue, world.partner_b, "shout")


def test_turn_text_is_encrypted_in_the_database(world, dialogue):
    submit(dialogue, world.partner_b, "accept")
    event = submit(dialogue, world.partner_a, "send", "I miss our walks together.").event
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {DialogueEvent._meta.db_table} WHERE id = %s", [event.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("fernet:") and "I miss our walks" not in raw


def test_the_receiver_names_a_time_within_two_days(world, dialogue):
    soon = timezone.now() + timedelta(hours=3)
    assert appointment_ready_at(person=world.partner_b, dialogue=dialogue, ready_at=soon).ready_at
    with pytest.raises(DialogueError, match="within the next two days"):
        appointment_ready_at(
            person=world.partner_b, dialogue=dialogue, ready_at=timezone.now() + timedelta(days=5)
        )
    with pytest.raises(DialogueError, match="still to come"):
        appointment_ready_at(
            person=world.partner_b, dialogue=dialogue, ready_at=timezone.now() - timedelta(hours=1)
        )
    with pytest.raises(DialogueError, match="Only your partner answers"):
        appointment_ready_at(person=world.partner_a, dialogue=dialogue, ready_at=soon)


def test_a_request_lapses_after_the_named_time_has_long_passed(world, dialogue):
    appointment_ready_at(
        person=world.partner_b, dialogue=dialogue, ready_at=timezone.now() + timedelta(hours=1)
    )
    Dialogue.objects.filter(pk=dialogue.pk).update(ready_at=timezone.now() - timedelta(hours=3))
    with pytest.raises(DialogueError, match="lapsed"):
        submit(dialogue, world.partner_b, "accept")


def test_a_request_can_be_cancelled_before_it_starts_only(world, dialogue):
    dialogue_cancel(person=world.partner_b, dialogue=dialogue)
    with pytest.raises(DialogueError, match="cancelled"):
        submit(dialogue, world.partner_b, "accept")
    other = dialogue_request(person=world.partner_a)
    submit(other, world.partner_b, "accept")
    with pytest.raises(DialogueError, match="not started yet"):
        dialogue_cancel(person=world.partner_a, dialogue=other)


def test_after_an_unlink_both_still_find_the_dialogue_as_a_record(world, dialogue):
    couple_unlink(person=world.partner_a)
    assert dialogue in dialogues_for_person(world.partner_a)
    assert dialogue in dialogues_for_person(world.partner_b)
    assert dialogue not in dialogues_for_person(world.other_couple)


def test_after_an_unlink_the_dialogue_cannot_go_on(world, dialogue):
    submit(dialogue, world.partner_b, "accept")
    couple_unlink(person=world.partner_a)
    with pytest.raises(DialogueError, match="no longer linked"):
        submit(dialogue, world.partner_a, "send", "Hello?")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="row locks: SQLite has a single writer instead",
)
def test_a_turn_waits_for_the_dialogue_row_and_then_sees_what_changed(world):
    """Two screens acting at once are put in order by the dialogue's row lock (plain SQL in
    turn_sql): the second waits for the first to commit, then finds itself out of step."""
    import threading
    import time

    from django.db import transaction

    from imago.dialogues import turn_sql

    dialogue = dialogue_request(person=world.partner_a)
    holding, released = threading.Event(), threading.Event()

    def first_screen():
        with transaction.atomic():
            turn_sql.dialogue_locked(dialogue.pk)
            holding.set()
            time.sleep(0.5)
            submit(dialogue, world.partner_b, "accept", expected_seq=0)
        released.set()
        connection.close()

    thread = threading.Thread(target=first_screen)
    thread.start()
    assert holding.wait(5)
    with pytest.raises(DialogueError) as refused:
        submit(dialogue, world.partner_b, "accept", expected_seq=0)
    assert released.is_set()  # it waited for the first screen's commit
    thread.join(5)
    assert refused.value.stale
    assert list(DialogueEvent.objects.filter(dialogue=dialogue).values_list("seq", "action")) == [
        (1, "accept")
    ]


def test_a_turn_stored_in_plain_sql_reads_back_through_the_orm(world, dialogue):
    submit(dialogue, world.partner_b, "accept")
    stored = submit(dialogue, world.partner_a, "send", "  I feel rushed.  ").event
    again = DialogueEvent.objects.get(pk=stored.pk)
    assert (again.seq, again.action, again.actor, again.author_id, again.text) == (
        2,
        "send",
        "a",
        world.partner_a.pk,
        "I feel rushed.",
    )
    assert again.at == stored.at
    fresh = Dialogue.objects.get(pk=dialogue.pk)
    assert (fresh.seq, fresh.step, fresh.state["chunks"]) == (2, "mirror", 1)
    assert fresh.started_at is not None
