"""The dialogue's state machine (imago.dialogue): a scripted dialogue, the plain-word refusals,
and property tests that drive random event sequences and check the method's invariants."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import event as note_reached
from hypothesis import given, settings
from hypothesis import strategies as st

from imago.dialogue import (
    FACILITATOR,
    MAX_TURN_CHARS,
    Action,
    Event,
    NotAllowed,
    Role,
    State,
    Step,
    Variant,
    actions_for,
    check_event,
    do_event,
    replay,
    start,
    stems_for,
)
from imago.dialogue.protocol import SPEAKING


def run(state: State, *events: tuple) -> State:
    for action, by, *text in events:
        state = do_event(state, Event(Action(action), by, text[0] if text else ""))
    return state


ONE_ROUND = [
    ("accept", "b"),
    ("send", "a", "I feel lonely when we eat in front of screens."),
    ("mirror", "b", "If I got it, you feel lonely when we eat with the TV on."),
    ("correct", "a", "Not only the TV: phones too."),
    ("mirror", "b", "So you feel lonely when screens, phones too, are at the table."),
    ("confirm", "a"),
    ("no_more", "a"),
    ("summarize", "b", "You miss talking at dinner, and screens get in the way."),
    ("confirm", "a"),
    ("validate", "b", "You make sense, because dinner is our time together."),
    ("empathize", "b", "I imagine you might feel lonely and a bit sad."),
    ("confirm", "a"),
]


def test_a_whole_dialogue_with_a_corrected_mirror_a_switch_and_a_close():
    state = run(start(sender="a"), *ONE_ROUND)
    assert state.step == Step.SWITCH and state.rounds_completed == 1
    state = run(state, ("switch", "b"))
    assert state.sender == "b" and state.step == Step.SEND and state.chunks == 0
    state = run(
        state,
        ("send", "b", "I feel tired at dinner and screens help me switch off."),
        ("mirror", "a", "You feel tired, and screens help you switch off."),
        ("confirm", "b"),
        ("no_more", "b"),
        ("skip_summary", "a"),
        ("validate", "a", "That makes sense, after long days."),
        ("empathize", "a", "I imagine you feel worn out."),
        ("confirm", "b"),
        ("close", "a"),
        ("appreciate", "b", "I appreciated that you listened to the end."),
        ("appreciate", "a", "I appreciated your honesty."),
    )
    assert state.step == Step.CLOSED and state.rounds_completed == 2


def test_the_more_loop_returns_to_send():
    state = run(
        start(sender="a"),
        ("accept", "b"),
        ("send", "a", "First part."),
        ("mirror", "b", "You said the first part."),
        ("confirm", "a"),
        ("more", "a"),
    )
    assert state.step == Step.SEND and state.chunks == 1 and not state.no_more


@pytest.mark.parametrize(
    "events, attempt, message",
    [
        ([], ("mirror", "b", "x"), "nothing to mirror yet"),
        ([("accept", "b")], ("send", "b", "x"), "your partner's turn to say what is on"),
        ([("accept", "b")], ("validate", "b", "x"), "after the sender has said there is no"),
        (ONE_ROUND[:3], ("confirm", "b"), "your partner's turn to say whether the mirror"),
        (ONE_ROUND[:2], ("mirror", "b", "   "), "write something"),
        (ONE_ROUND[:2], ("mirror", "b", "x" * (MAX_TURN_CHARS + 1)), "at most 2,000"),
        ([("accept", "b")], ("close", "a"), "at least one full round"),
        (ONE_ROUND, ("appreciate", "a", "thanks"), "switch roles or to close"),
        ([("accept", "b")], ("send", FACILITATOR, "x"), "facilitator you can pause"),
        ([("accept", "b"), ("pause", "a")], ("send", "a", "x"), "paused"),
        ([("accept", "b"), ("pause", "a")], ("resume", "b"), "asked for a break"),
    ],
)
def test_a_refused_event_says_why_in_plain_words(events, attempt, message):
    state = run(start(sender="a"), *events)
    action, by, *text = attempt
    with pytest.raises(NotAllowed, match=message):
        do_event(state, Event(Action(action), by, text[0] if text else ""))


def test_the_facilitator_and_the_partner_who_paused_can_resume():
    state = run(start(sender="a"), ("accept", "b"), ("pause", "b"))
    assert state.speaker is None
    assert run(state, ("resume", "b")).speaker == "a"
    assert run(state, ("resume", FACILITATOR)).speaker == "a"


def test_the_closed_dialogue_accepts_nothing_more():
    state = run(
        start(sender="a"),
        *ONE_ROUND,
        ("close", "b"),
        ("appreciate", "a", "t"),
        ("appreciate", "b", "t"),
    )
    for actor in ("a", "b", FACILITATOR):
        assert actions_for(state, actor) == []


def test_actions_for_shows_each_partner_only_their_controls():
    state = run(start(sender="a"), *ONE_ROUND[:3])  # at CHECK
    assert set(actions_for(state, "a")) == {Action.CONFIRM, Action.CORRECT, Action.PAUSE}
    assert actions_for(state, "b") == [Action.PAUSE]
    assert actions_for(state, FACILITATOR) == [Action.PAUSE]


def test_stems_follow_the_step_and_the_role_and_the_frustration_variant_adds_some():
    state = run(start(sender="a"), ("accept", "b"))
    standard = stems_for(state, Role.SENDER)
    deeper = stems_for(
        run(start(sender="a", variant=Variant.FRUSTRATION), ("accept", "b")), Role.SENDER
    )
    assert "I feel ... when ..." in standard
    assert set(standard) < set(deeper) and "What I'm afraid of is ..." in deeper
    assert stems_for(state, Role.RECEIVER) == ()
    mirror = run(state, ("send", "a", "x"))
    assert "Did I get that?" not in stems_for(mirror, Role.SENDER)
    assert "So you're saying ..." in stems_for(mirror, Role.RECEIVER)


def test_replay_rebuilds_the_same_state_from_stored_events():
    events = [Event(Action(a), by, t[0] if t else "") for a, by, *t in ONE_ROUND]
    assert replay(start(sender="a"), events) == run(start(sender="a"), *ONE_ROUND)


# Property tests ---------------------------------------------------------------------------


@dataclass
class Shadow:
    """What happened so far, kept independently of the engine's own counters."""

    sends_this_turn: int = 0  # sends since the last switch
    said_no_more: bool = False
    full_rounds: int = 0
    accepted: list[Event] = field(default_factory=list)


events = st.builds(
    Event,
    action=st.sampled_from(list(Action)),
    by=st.sampled_from(["a", "b", FACILITATOR, "stranger"]),
    text=st.sampled_from(["", "   ", "I feel heard.", "x" * (MAX_TURN_CHARS + 1)]),
)


TEXTS = ["I feel heard.", "", "   ", "x" * (MAX_TURN_CHARS + 1)]
WEIGHT = {Action.PAUSE: 1, Action.CORRECT: 1, Action.MORE: 1, Action.CLOSE: 2}


def next_event(data, state: State) -> Event:
    """Mostly an event someone may take now (so dialogues get deep), sometimes anything."""
    if data.draw(st.integers(0, 3)) == 0:
        return data.draw(events)
    actor = data.draw(st.sampled_from(["a", "b", "a", "b", FACILITATOR]))
    allowed = actions_for(state, actor)
    if not allowed:
        return data.draw(events)
    # Loops and breaks are drawn less often than moving on, so that many runs get through
    # whole rounds, switches and closes.
    weighted = [a for a in allowed for _ in range(WEIGHT.get(a, 4))]
    action = data.draw(st.sampled_from(weighted))
    return Event(action, actor, data.draw(st.sampled_from(TEXTS[:1] * 12 + TEXTS[1:])))


@settings(max_examples=300, deadline=None)
@given(
    first=st.sampled_from(["a", "b"]),
    variant=st.sampled_from(list(Variant)),
    length=st.integers(0, 200),
    data=st.data(),
)
def test_random_event_sequences_keep_the_method_s_invariants(first, variant, length, data):
    state = start(sender=first, variant=variant)
    shadow = Shadow()
    for _ in range(length):
        event = next_event(data, state)
        before = state
        try:
            state = do_event(state, event)
        except NotAllowed as refusal:
            assert state == before, "a refused event changes nothing"
            assert refusal.message.strip()
            continue
        shadow.accepted.append(event)
        if event.action == Action.MIRROR:
            assert shadow.sends_this_turn > 0, "no mirror before a send"
        if event.action in (Action.VALIDATE, Action.EMPATHIZE):
            assert shadow.said_no_more, "no validation before the sender said there is no more"
        if event.action == Action.SWITCH:
            assert state.sender == before.receiver and state.receiver == before.sender
            shadow.sends_this_turn, shadow.said_no_more = 0, False
        if event.action == Action.CLOSE:
            assert shadow.full_rounds >= 1, "close only after at least one full round"
        if event.action == Action.SEND:
            shadow.sends_this_turn += 1
        if event.action == Action.NO_MORE:
            shadow.said_no_more = True
        if before.step == Step.EMPATHY_CHECK and event.action == Action.CONFIRM:
            shadow.full_rounds += 1
        if event.action in SPEAKING:
            assert event.by == before.speaker, "only the person whose turn it is speaks"
        assert event.by in ("a", "b", FACILITATOR)

        speaking_seats = {
            seat for seat in ("a", "b") if any(a in SPEAKING for a in actions_for(state, seat))
        }
        assert len(speaking_seats) <= 1, "never two speakers"
    note_reached(f"rounds={min(state.rounds_completed, 2)} final={state.step}")
    assert state.rounds_completed == shadow.full_rounds
    assert replay(start(sender=first, variant=variant), shadow.accepted) == state


@settings(max_examples=200, deadline=None)
@given(sequence=st.lists(events, max_size=60))
def test_check_event_and_do_event_always_agree(sequence):
    state = start(sender="a")
    for event in sequence:
        try:
            check_event(state, event)
            allowed = True
        except NotAllowed:
            allowed = False
        try:
            state = do_event(state, event)
            assert allowed
        except NotAllowed:
            assert not allowed


def test_a_state_survives_a_round_trip_through_plain_data():
    import json

    from imago.dialogue import state_from_data, state_to_data

    state = run(start(sender="b", variant=Variant.FRUSTRATION), ("accept", "a"), ("pause", "a"))
    assert state_from_data(json.loads(json.dumps(state_to_data(state)))) == state
