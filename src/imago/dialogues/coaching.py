"""The language coach in the dialogue room: which step a turn is, what it answers, and what the
author is shown.

The coach (imago.coach) reads a turn as its step: a message sent, a mirror with the sender's
last words as its source, a summary, validation or empathy with everything the sender said in
this round. The source comes from the screen's own lines (room.RoomCopy, or the lines a page
replays), so the coach costs the live room no database work.

Feedback goes to the author only: it travels on the author's own socket or page, is never
stored, and never reaches the partner. A crisis pauses the room for both; the partner sees an
ordinary break.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from imago.coach import CoachInputError, review
from imago.dialogue import Action, Event, NotAllowed, State, check_event
from imago.dialogues.room import Line
from imago.dialogues.services import DialogueError, Submitted, event_submit, new_client_id
from imago.web.coaching import screen_feedback

logger = logging.getLogger(__name__)

# Each speaking action, read as the coach's step. A correction ("not quite, ...") and an
# appreciation are the speaker's own words, so they are read as a message sent.
COACH_STEP = {
    Action.SEND: "send",
    Action.CORRECT: "send",
    Action.APPRECIATE: "send",
    Action.MIRROR: "mirror",
    Action.SUMMARIZE: "summary",
    Action.VALIDATE: "validate",
    Action.EMPATHIZE: "empathize",
}
_SENDERS_WORDS = (Action.SEND, Action.CORRECT)
# Where a round begins: the receiver's "ready now", or the switch of roles.
_ROUND_STARTS = (Action.ACCEPT, Action.SWITCH)


def source_for(lines: Sequence[Line], state: State, action: Action) -> str | None:
    """What the turn answers: for a mirror, the sender's last words; for a summary,
    validation or empathy, all the sender said in this round; nothing for the sender's own."""
    step = COACH_STEP.get(action)
    if step is None or step == "send":
        return None
    said: list[str] = []
    for line in reversed(lines):
        if line.action in _ROUND_STARTS:
            break
        if line.actor == state.sender and line.action in _SENDERS_WORDS and line.text:
            said.append(line.text)
            if step == "mirror":
                break
    return "\n\n".join(reversed(said)) or None


def turn_feedback(
    lines: Sequence[Line], state: State, seat: str, action: str, text: str
) -> dict | None:
    """The coach's reading of a turn `seat` is about to take, as the author's screen shows it;
    None when there is nothing to read: not a speaking turn, or one the dialogue or the coach
    would refuse."""
    try:
        speaking = Action(action)
    except ValueError:
        return None
    step = COACH_STEP.get(speaking)
    if step is None:
        return None
    try:
        # Only a turn the dialogue would take: a refusal (not this seat's turn, an empty box,
        # too long) is the dialogue's to give, in its own words.
        check_event(state, Event(speaking, seat, text))  # type: ignore[arg-type]
    except NotAllowed:
        return None
    try:
        feedback = review(step, text, source=source_for(lines, state, speaking))
    except CoachInputError:
        return None
    except Exception:
        # The coach is a help, not a gate: if it breaks, the turn goes on without it.
        logger.exception("the coach could not read a turn")
        return None
    return screen_feedback(feedback, text)


def crisis_pause(*, dialogue_id: int, user, on_behalf_of_seat: str | None) -> Submitted | None:
    """A turn read as a crisis is not sent: the room pauses instead, as an ordinary break by
    the author, so the partner sees only "asked for a break". None if it could not pause (it
    was paused already, or the dialogue ended meanwhile)."""
    try:
        return event_submit(
            dialogue_id=dialogue_id,
            user=user,
            action=Action.PAUSE.value,
            client_id=new_client_id(),
            on_behalf_of_seat=on_behalf_of_seat,
        )
    except DialogueError:
        return None
