"""Balance in a dialogue: how much time and how many turns went to the frustration and how
much to appreciation, and when to suggest turning toward appreciation.

Why: the method asks that a dialogue open and close with appreciation and not dwell on pain
(imago-method section 5). No source gives a numeric split, so we only measure and, past limits
the couple's therapist may adjust, offer a kind suggestion. It is a nudge, never a rule: nothing
here stops a dialogue or says how it went.

The rules, in plain words:

- The clock starts when the receiver says "ready now" (ACCEPT). Nothing before it counts,
  since the partners had not begun.
- Time is measured between stored events. Each gap goes to the kind of the event that ends it:
  the minutes before a mirror were spent composing that mirror, so they belong to its content.
  The gap from the last event to `now` goes to what the dialogue is on now: appreciation once
  the partners chose to close, otherwise the frustration. When the dialogue has ended
  (`closed=True`) nothing after its last event counts.
- A break is neither: the time between PAUSE and the next RESUME counts to no side, and a
  break still going on at `now` stops the clock at the PAUSE. A break is for settling.
- Speaking turns are SEND, MIRROR, CORRECT, SUMMARIZE, VALIDATE, EMPATHIZE and APPRECIATE.
  A SEND marked as the opening appreciation starts an appreciation chunk: that send and the
  mirrors and corrections of it, up to the next SEND or "that's all" (NO_MORE), are
  appreciation. Every APPRECIATE is appreciation. Every other speaking turn is on the
  frustration (summary, validation and empathy are about what the sender brought).
- The other events (CONFIRM, MORE, NO_MORE, SKIP_SUMMARY, SWITCH, CLOSE, PAUSE, RESUME) are not
  turns; the gap each one ends goes to the part of the dialogue it belongs to: inside the
  opening chunk (including the NO_MORE that ends it) to appreciation, after the choice to close
  (including that CLOSE itself) to appreciation, otherwise to the frustration.
- The suggestion appears once the frustration reaches the limit in minutes or in turns, and
  only before the partners chose to close: once appreciations are under way, or the dialogue
  has ended, there is nothing to suggest.

Times should be aware datetimes. The clock never runs backwards and never past `now`: an event
stored out of order or with a later time adds nothing, so the two sides together never exceed
the time since ACCEPT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from imago.dialogue.protocol import SPEAKING, Action


@dataclass(frozen=True)
class Limits:
    minutes: int = 20  # minutes on the frustration before the nudge
    turns: int = 16  # speaking turns on the frustration before the nudge


DEFAULT_LIMITS = Limits()
# What a therapist may choose: wide enough for a long session, never so short that the nudge
# arrives before a first round could be complete.
LIMIT_RANGES: dict[str, tuple[int, int]] = {"minutes": (5, 120), "turns": (4, 100)}


@dataclass(frozen=True)
class Moment:
    """One stored event of the dialogue, in order."""

    action: Action
    at: datetime  # aware datetime
    opening: bool = False  # True for a SEND that is the opening appreciation


@dataclass(frozen=True)
class Balance:
    frustration_seconds: int
    appreciation_seconds: int
    frustration_turns: int
    appreciation_turns: int
    text: str  # "So far: 12 min on the frustration (8 turns) · 2 min on appreciations (3 turns)"
    nudge: str | None  # a kind suggestion toward appreciation, or None


# Actions after which the opening appreciation's chunk is over: the round has moved on to
# summing up, validating, empathizing or switching.
_ENDS_OPENING_CHUNK = frozenset(
    {
        Action.SUMMARIZE,
        Action.SKIP_SUMMARY,
        Action.VALIDATE,
        Action.EMPATHIZE,
        Action.SWITCH,
        Action.CLOSE,
    }
)
_SECOND = timedelta(seconds=1)


def measure_balance(
    moments: Sequence[Moment],
    *,
    now: datetime,
    closed: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Balance:
    """Time and turns on the frustration and on appreciation so far, with a nudge or None."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    frustration = appreciation = timedelta(0)
    frustration_turns = appreciation_turns = 0
    closing = False  # the partners chose to close: appreciations now
    appreciating = False  # closing, or an appreciation was already shared at the close
    start = next((i for i, m in enumerate(moments) if m.action == Action.ACCEPT), None)
    if start is not None:
        clock = min(moments[start].at, now)
        paused = False
        opening_chunk = False
        for moment in moments[start + 1 :]:
            action = moment.action
            at = max(clock, min(moment.at, now))
            if action == Action.SEND:
                opening_chunk = moment.opening
            elif action in _ENDS_OPENING_CHUNK:
                opening_chunk = False
            if action == Action.CLOSE:
                closing = True
            if action == Action.APPRECIATE:
                appreciating = True
            is_appreciation = closing or opening_chunk or action == Action.APPRECIATE
            if not paused:
                if is_appreciation:
                    appreciation += at - clock
                else:
                    frustration += at - clock
            if action in SPEAKING:
                if is_appreciation:
                    appreciation_turns += 1
                else:
                    frustration_turns += 1
            if action == Action.PAUSE:
                paused = True
            elif action == Action.RESUME:
                paused = False
            elif action == Action.NO_MORE:
                opening_chunk = False
            clock = at
        if not closed and not paused:
            if closing:
                appreciation += now - clock
            else:
                frustration += now - clock
    appreciating = appreciating or closing
    frustration_seconds = frustration // _SECOND
    appreciation_seconds = appreciation // _SECOND
    text = (
        f"So far: {_minutes(frustration_seconds)} on the frustration "
        f"({_turns(frustration_turns)}) · {_minutes(appreciation_seconds)} on appreciations "
        f"({_turns(appreciation_turns)})"
    )
    nudge = None
    if not closed and not appreciating:
        nudge = _nudge(frustration_seconds, frustration_turns, limits)
    return Balance(
        frustration_seconds=frustration_seconds,
        appreciation_seconds=appreciation_seconds,
        frustration_turns=frustration_turns,
        appreciation_turns=appreciation_turns,
        text=text,
        nudge=nudge,
    )


def _minutes(seconds: int) -> str:
    minutes = seconds // 60
    return "less than a minute" if minutes == 0 else f"{minutes} min"


def _turns(count: int) -> str:
    return f"{count} turn" if count == 1 else f"{count} turns"


def _nudge(seconds: int, turns: int, limits: Limits) -> str | None:
    """A suggestion that names what was reached (minutes, turns or both); no judgement."""
    over_minutes = seconds >= limits.minutes * 60
    over_turns = turns >= limits.turns
    if not (over_minutes or over_turns):
        return None
    minutes = seconds // 60
    spent = []
    if over_minutes:
        spent.append(f"about {minutes} minute" if minutes == 1 else f"about {minutes} minutes")
    if over_turns:
        spent.append(_turns(turns))
    return (
        f"You have spent {' and '.join(spent)} on this frustration. It can help to end on "
        "something good: when this round is complete, you could choose to close with "
        "appreciations."
    )
