"""Balance between the frustration and appreciation (imago.dialogue.balance): time and turns,
the nudge at every edge of its limits, breaks, the opening appreciation and the close. Pure
data, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imago.dialogue import (
    DEFAULT_LIMITS,
    LIMIT_RANGES,
    Action,
    Balance,
    Limits,
    Moment,
    measure_balance,
)
from imago.dialogue.protocol import SPEAKING

T0 = datetime(2025, 3, 1, 19, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def script(*steps: tuple) -> list[Moment]:
    """("send", 60) or ("send", 60, True) for the opening appreciation."""
    return [Moment(Action(action), at(seconds), *opening) for action, seconds, *opening in steps]


def chunks(count: int, *, start: int = 0, every: int = 10) -> list[tuple]:
    """`count` frustration chunks (send, mirror, confirm, more): two turns each."""
    steps: list[tuple] = []
    for i in range(count):
        t = start + i * 4 * every
        steps += [
            ("send", t + every),
            ("mirror", t + 2 * every),
            ("confirm", t + 3 * every),
            ("more", t + 4 * every),
        ]
    return steps


ROUND_THEN_CLOSE = [
    ("accept", 0),
    ("send", 60),
    ("mirror", 120),
    ("confirm", 130),
    ("no_more", 140),
    ("skip_summary", 150),
    ("validate", 200),
    ("empathize", 260),
    ("confirm", 300),
    ("close", 360),
    ("appreciate", 420),
]

# id, steps, now (seconds after T0), closed, limits,
# (frustration seconds, appreciation seconds, frustration turns, appreciation turns), nudge
CASES = [
    ("nothing yet", [], 500, False, DEFAULT_LIMITS, (0, 0, 0, 0), None),
    (
        "no accept yet: a break before the answer counts to nothing",
        [("pause", 0), ("resume", 60)],
        5000,
        False,
        DEFAULT_LIMITS,
        (0, 0, 0, 0),
        None,
    ),
    (
        "the clock starts at accept",
        [("pause", 0), ("resume", 10), ("accept", 100)],
        160,
        False,
        DEFAULT_LIMITS,
        (60, 0, 0, 0),
        None,
    ),
    (
        "one second below the minute limit",
        [("accept", 0)],
        20 * 60 - 1,
        False,
        DEFAULT_LIMITS,
        (1199, 0, 0, 0),
        None,
    ),
    (
        "exactly at the minute limit",
        [("accept", 0)],
        20 * 60,
        False,
        DEFAULT_LIMITS,
        (1200, 0, 0, 0),
        "You have spent about 20 minutes on this frustration.",
    ),
    (
        "one turn below the turn limit",
        [("accept", 0), *chunks(7), ("send", 290)],
        290,
        False,
        DEFAULT_LIMITS,
        (290, 0, 15, 0),
        None,
    ),
    (
        "exactly at the turn limit",
        [("accept", 0), *chunks(8)],
        320,
        False,
        DEFAULT_LIMITS,
        (320, 0, 16, 0),
        "You have spent 16 turns on this frustration.",
    ),
    (
        "both limits reached: both are named",
        [("accept", 0), *chunks(8, every=45)],
        25 * 60 + 30,
        False,
        DEFAULT_LIMITS,
        (1530, 0, 16, 0),
        "You have spent about 25 minutes and 16 turns on this frustration.",
    ),
    (
        "a break counts to neither side",
        [("accept", 0), ("send", 60), ("pause", 120), ("resume", 420), ("mirror", 480)],
        540,
        False,
        DEFAULT_LIMITS,
        (240, 0, 2, 0),
        None,
    ),
    (
        "a break still going on stops the clock at the pause",
        [("accept", 0), ("send", 60), ("pause", 120)],
        99_999,
        False,
        DEFAULT_LIMITS,
        (120, 0, 1, 0),
        None,
    ),
    (
        "a long break does not bring the nudge",
        [("accept", 0), ("send", 60), ("pause", 120), ("resume", 4000)],
        4060,
        False,
        DEFAULT_LIMITS,
        (180, 0, 1, 0),
        None,
    ),
    (
        "a go-on without a break is ordinary time",
        [("accept", 0), ("send", 60), ("resume", 120)],
        180,
        False,
        DEFAULT_LIMITS,
        (180, 0, 1, 0),
        None,
    ),
    (
        "the opening appreciation, its mirror and correction are appreciation",
        [
            ("accept", 0),
            ("send", 60, True),
            ("mirror", 120),
            ("correct", 150),
            ("mirror", 200),
            ("confirm", 210),
            ("more", 240),
            ("send", 300),
            ("mirror", 400),
        ],
        400,
        False,
        DEFAULT_LIMITS,
        (160, 240, 2, 4),
        None,
    ),
    (
        "the opening chunk ends at that's-all; the summary is on the frustration",
        [
            ("accept", 0),
            ("send", 60, True),
            ("mirror", 120),
            ("confirm", 130),
            ("no_more", 140),
            ("summarize", 200),
        ],
        230,
        False,
        DEFAULT_LIMITS,
        (90, 140, 1, 2),
        None,
    ),
    (
        "time after the choice to close is appreciation",
        ROUND_THEN_CLOSE,
        500,
        False,
        DEFAULT_LIMITS,
        (300, 200, 4, 1),
        None,
    ),
    (
        "no nudge once the partners chose to close, whatever the frustration",
        ROUND_THEN_CLOSE[:-1],
        400,
        False,
        Limits(minutes=5, turns=4),
        (300, 100, 4, 0),
        None,
    ),
    (
        "closed: nothing after the last event counts",
        [*ROUND_THEN_CLOSE, ("appreciate", 480)],
        99_999,
        True,
        DEFAULT_LIMITS,
        (300, 180, 4, 2),
        None,
    ),
    (
        "closed (cancelled) over the limit: no nudge",
        [("accept", 0), ("send", 1500)],
        99_999,
        True,
        DEFAULT_LIMITS,
        (1500, 0, 1, 0),
        None,
    ),
    (
        "a therapist's shorter limit in minutes",
        [("accept", 0)],
        5 * 60,
        False,
        Limits(minutes=5, turns=4),
        (300, 0, 0, 0),
        "You have spent about 5 minutes on this frustration.",
    ),
    (
        "a therapist's shorter limit, one second below",
        [("accept", 0)],
        5 * 60 - 1,
        False,
        Limits(minutes=5, turns=4),
        (299, 0, 0, 0),
        None,
    ),
    (
        "a therapist's shorter limit in turns",
        [("accept", 0), *chunks(2)],
        80,
        False,
        Limits(minutes=5, turns=4),
        (80, 0, 4, 0),
        "You have spent 4 turns on this frustration.",
    ),
    (
        "a therapist's longer limit: default limits passed, no nudge yet",
        [("accept", 0), *chunks(10, every=30)],
        30 * 60,
        False,
        Limits(minutes=40, turns=30),
        (1800, 0, 20, 0),
        None,
    ),
]


@pytest.mark.parametrize(
    ("steps", "now", "closed", "limits", "expected", "nudge"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_time_turns_and_nudge(steps, now, closed, limits, expected, nudge):
    balance = measure_balance(script(*steps), now=at(now), closed=closed, limits=limits)
    assert (
        balance.frustration_seconds,
        balance.appreciation_seconds,
        balance.frustration_turns,
        balance.appreciation_turns,
    ) == expected
    if nudge is None:
        assert balance.nudge is None
    else:
        assert balance.nudge is not None
        assert balance.nudge.startswith(nudge)
        assert "close with appreciations" in balance.nudge


@pytest.mark.parametrize(
    ("frustration", "appreciation", "text"),
    [
        (
            (0, 0),
            (0, 0),
            "So far: less than a minute on the frustration (0 turns) · "
            "less than a minute on appreciations (0 turns)",
        ),
        ((59, 1), (60, 1), "So far: less than a minute on the frustration (1 turn) · 1 min"),
        ((12 * 60 + 59, 8), (2 * 60, 3), "So far: 12 min on the frustration (8 turns) · 2 min"),
    ],
)
def test_the_text_uses_whole_minutes_and_counts_turns(frustration, appreciation, text):
    f_seconds, f_turns = frustration
    a_seconds, a_turns = appreciation
    steps = [("accept", 0)]
    # Frustration turns, evenly spread over its seconds; then a close and the appreciations.
    for i in range(f_turns):
        steps.append(("send" if i % 2 == 0 else "mirror", f_seconds * (i + 1) // f_turns))
    steps.append(("close", f_seconds))
    for i in range(a_turns):
        steps.append(("appreciate", f_seconds + a_seconds * (i + 1) // a_turns))
    balance = measure_balance(script(*steps), now=at(f_seconds + a_seconds), closed=True)
    assert balance.text.startswith(text)
    turns = f"({a_turns} turn)" if a_turns == 1 else f"({a_turns} turns)"
    assert balance.text.endswith(f"on appreciations {turns}")


def test_the_nudge_is_kind_and_never_a_verdict():
    nudge = measure_balance(script(("accept", 0)), now=at(3600)).nudge
    assert nudge == (
        "You have spent about 60 minutes on this frustration. It can help to end on something "
        "good: when this round is complete, you could choose to close with appreciations."
    )
    for word in ("too ", "should", "must", "wrong", "bad"):
        assert word not in nudge


def test_defaults_and_the_ranges_a_therapist_may_choose():
    assert DEFAULT_LIMITS == Limits(minutes=20, turns=16)
    assert LIMIT_RANGES == {"minutes": (5, 120), "turns": (4, 100)}
    low, high = LIMIT_RANGES["minutes"]
    assert low <= DEFAULT_LIMITS.minutes <= high
    low, high = LIMIT_RANGES["turns"]
    assert low <= DEFAULT_LIMITS.turns <= high


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        measure_balance([], now=datetime(2025, 3, 1, 19, 0))


def test_results_are_plain_frozen_data():
    balance = measure_balance(script(("accept", 0)), now=at(10))
    assert isinstance(balance, Balance)
    with pytest.raises(AttributeError):
        balance.nudge = "x"  # type: ignore[misc]


# Property: whatever arrives (any actions, out of order, after now), the two sides are never
# negative and together never exceed the time since the first ACCEPT.
moment_steps = st.lists(
    st.tuples(st.sampled_from(list(Action)), st.integers(-3600, 20_000), st.booleans()),
    max_size=40,
)


@given(
    before=moment_steps,
    after=moment_steps,
    accept_at=st.integers(0, 5000),
    extra=st.integers(0, 20_000),
    closed=st.booleans(),
    minutes=st.integers(*LIMIT_RANGES["minutes"]),
    turns=st.integers(*LIMIT_RANGES["turns"]),
)
def test_time_is_never_negative_and_never_more_than_since_accept(
    before, after, accept_at, extra, closed, minutes, turns
):
    moments = [Moment(a, at(s), o) for a, s, o in before if a != Action.ACCEPT]
    moments.append(Moment(Action.ACCEPT, at(accept_at)))
    moments += [Moment(a, at(s), o) for a, s, o in after]
    now = at(accept_at + extra)
    balance = measure_balance(moments, now=now, closed=closed, limits=Limits(minutes, turns))
    assert balance.frustration_seconds >= 0
    assert balance.appreciation_seconds >= 0
    assert balance.frustration_seconds + balance.appreciation_seconds <= extra
    speaking_after_accept = sum(1 for a, _, _ in after if a in SPEAKING)
    assert balance.frustration_turns + balance.appreciation_turns == speaking_after_accept
    if closed:
        assert balance.nudge is None
