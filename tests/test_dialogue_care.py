"""Care in the room: a break shows a gentle timer and a calming line, the dialogue opens with an
appreciation prompt, and a dialogue about a frustration counts its turns on the frustration
and its appreciations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from imago.dialogues.room import CALM_TEXT, OPENING_APPRECIATION, view_for
from imago.dialogues.services import dialogue_request, event_submit, new_client_id


def submit(dialogue, user, action, text=""):
    dialogue.refresh_from_db()
    event_submit(
        dialogue_id=dialogue.pk,
        user=user,
        action=action,
        text=text,
        client_id=new_client_id(),
        expected_seq=dialogue.seq,
    )
    dialogue.refresh_from_db()


@pytest.fixture
def started(world):
    dialogue = dialogue_request(person=world.partner_a, variant="frustration")
    submit(dialogue, world.partner_b, "accept")
    return dialogue


def test_the_first_send_opens_with_an_appreciation_prompt(world, started):
    ana = view_for(started, world.partner_a)
    assert ana["stems"][0] == OPENING_APPRECIATION
    submit(
        started,
        world.partner_a,
        "send",
        "Before we start: something I appreciate about you is your patience.",
    )
    submit(started, world.partner_b, "mirror", "My patience.")
    submit(started, world.partner_a, "confirm")
    submit(started, world.partner_a, "more")
    assert OPENING_APPRECIATION not in view_for(started, world.partner_a)["stems"]


def test_a_break_shows_when_it_began_and_a_calming_line(world, started, client_for):
    assert view_for(started, world.partner_a)["break"] is None
    submit(started, world.partner_b, "pause")
    for user in (world.partner_a, world.partner_b):
        pause = view_for(started, user)["break"]
        assert pause["calm"] == CALM_TEXT and pause["since"]
    page = client_for("partner_a").get(reverse("dialogue_room", args=[started.pk])).content
    assert b'role="timer"' in page and b"On a break since" in page
    submit(started, world.partner_b, "resume")
    assert view_for(started, world.partner_a)["break"] is None


def test_a_frustration_dialogue_counts_frustration_and_appreciation_turns(world, started):
    assert view_for(started, world.partner_a)["balance"]["text"] == (
        "So far: 0 turns on the frustration, 0 appreciations"
    )
    submit(
        started, world.partner_a, "send", "Before we start: something I appreciate about you is X."
    )
    submit(started, world.partner_b, "mirror", "X.")
    submit(started, world.partner_a, "confirm")
    submit(started, world.partner_a, "more")
    submit(started, world.partner_a, "send", "When the dishes wait, I feel alone.")
    balance = view_for(started, world.partner_b)["balance"]
    assert (balance["frustration"], balance["appreciation"]) == (1, 1)
    assert balance["text"] == "So far: 1 turn on the frustration, 1 appreciation"


def test_an_everyday_dialogue_shows_no_count(world):
    dialogue = dialogue_request(person=world.partner_a)
    assert view_for(dialogue, world.partner_a)["balance"] is None
