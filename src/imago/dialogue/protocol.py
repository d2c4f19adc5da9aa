"""The Imago Dialogue as an explicit state machine.

One person speaks at a time. The sender speaks in small chunks; the receiver mirrors each chunk
and the sender says whether the mirror was right (a correction sends the receiver back to
mirror). When the sender has no more, the receiver sums up (or skips that in a short dialogue),
validates and empathizes, each checked by the sender. Then the partners switch roles or close,
each closing with an appreciation.

The module is pure: a State is an immutable value, `check_event` says in plain words why an
event is not allowed now (raising NotAllowed), and `do_event` returns the next State. The web
adapter stores events and states; nothing here knows about Django, clocks or storage.

Seats are "a" and "b" (the two partners); the facilitator (the couple's therapist) has no seat
and may only pause and resume.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

Seat = Literal["a", "b"]
Actor = Literal["a", "b", "facilitator"]
SEATS: tuple[Seat, Seat] = ("a", "b")
FACILITATOR: Actor = "facilitator"

# A chunk should be short enough to mirror; the limit keeps a turn to a few sentences.
MAX_TURN_CHARS = 2000


class Step(StrEnum):
    APPOINTMENT = "appointment"  # the sender asked "is now a good time?"; the receiver answers
    SEND = "send"  # the sender speaks a chunk
    MIRROR = "mirror"  # the receiver reflects it back
    CHECK = "check"  # the sender: "yes, you got it" or "not quite"
    MORE = "more"  # the sender: there is more, or there is no more
    SUMMARY = "summary"  # the receiver sums up everything (or skips)
    SUMMARY_CHECK = "summary_check"  # the sender: complete, or something is missing
    VALIDATE = "validate"  # the receiver: "you make sense, because ..."
    EMPATHIZE = "empathize"  # the receiver names the feelings they imagine
    EMPATHY_CHECK = "empathy_check"  # the sender: "yes", or names other feelings
    SWITCH = "switch"  # a round is complete: switch roles, or close
    CLOSE = "close"  # each partner gives an appreciation, the sender first
    CLOSED = "closed"


class Role(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"


class Variant(StrEnum):
    STANDARD = "standard"
    FRUSTRATION = "frustration"  # the deepening variant: extra sender stems


class Action(StrEnum):
    ACCEPT = "accept"  # the receiver is ready now
    SEND = "send"
    MIRROR = "mirror"
    CONFIRM = "confirm"  # the sender: the mirror / summary / empathy was right
    CORRECT = "correct"  # the sender: not quite, with what was missed
    MORE = "more"
    NO_MORE = "no_more"
    SUMMARIZE = "summarize"
    SKIP_SUMMARY = "skip_summary"
    VALIDATE = "validate"
    EMPATHIZE = "empathize"
    SWITCH = "switch"
    CLOSE = "close"
    APPRECIATE = "appreciate"
    PAUSE = "pause"
    RESUME = "resume"


# Actions that carry the words of a turn; each needs text.
SPEAKING = frozenset(
    {
        Action.SEND,
        Action.MIRROR,
        Action.CORRECT,
        Action.SUMMARIZE,
        Action.VALIDATE,
        Action.EMPATHIZE,
        Action.APPRECIATE,
    }
)

# step -> {action: (who acts, next step)}. Who acts is a Role, or None for "either partner".
# CONFIRM and CORRECT mean different things at the three checks, hence the separate rows.
TRANSITIONS: dict[Step, dict[Action, tuple[Role | None, Step]]] = {
    Step.APPOINTMENT: {Action.ACCEPT: (Role.RECEIVER, Step.SEND)},
    Step.SEND: {Action.SEND: (Role.SENDER, Step.MIRROR)},
    Step.MIRROR: {Action.MIRROR: (Role.RECEIVER, Step.CHECK)},
    Step.CHECK: {
        Action.CONFIRM: (Role.SENDER, Step.MORE),
        Action.CORRECT: (Role.SENDER, Step.MIRROR),
    },
    Step.MORE: {
        Action.MORE: (Role.SENDER, Step.SEND),
        Action.NO_MORE: (Role.SENDER, Step.SUMMARY),
    },
    Step.SUMMARY: {
        Action.SUMMARIZE: (Role.RECEIVER, Step.SUMMARY_CHECK),
        Action.SKIP_SUMMARY: (Role.RECEIVER, Step.VALIDATE),
    },
    Step.SUMMARY_CHECK: {
        Action.CONFIRM: (Role.SENDER, Step.VALIDATE),
        Action.CORRECT: (Role.SENDER, Step.SUMMARY),
    },
    Step.VALIDATE: {Action.VALIDATE: (Role.RECEIVER, Step.EMPATHIZE)},
    Step.EMPATHIZE: {Action.EMPATHIZE: (Role.RECEIVER, Step.EMPATHY_CHECK)},
    Step.EMPATHY_CHECK: {
        Action.CONFIRM: (Role.SENDER, Step.SWITCH),
        Action.CORRECT: (Role.SENDER, Step.EMPATHIZE),
    },
    Step.SWITCH: {
        Action.SWITCH: (None, Step.SEND),
        Action.CLOSE: (None, Step.CLOSE),
    },
    Step.CLOSE: {},  # appreciations: handled apart, since both partners speak in turn
    Step.CLOSED: {},
}

# What the person whose turn it is does at each step, for "it's your partner's turn to ...".
DOING = {
    Step.APPOINTMENT: "answer whether now is a good time",
    Step.SEND: "say what is on their mind",
    Step.MIRROR: "mirror what was said",
    Step.CHECK: "say whether the mirror was right",
    Step.MORE: "say whether there is more",
    Step.SUMMARY: "sum up what they heard",
    Step.SUMMARY_CHECK: "say whether the summary was complete",
    Step.VALIDATE: "say what makes sense to them",
    Step.EMPATHIZE: "name the feelings they imagine",
    Step.EMPATHY_CHECK: "say whether those are the feelings",
    Step.SWITCH: "choose to switch roles or to close",
    Step.CLOSE: "share an appreciation",
    Step.CLOSED: "nothing: the dialogue has ended",
}


class NotAllowed(Exception):
    """Why an event cannot happen now, in words for the person who tried it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def other(seat: Seat) -> Seat:
    return "b" if seat == "a" else "a"


@dataclass(frozen=True)
class Event:
    action: Action
    by: Actor
    text: str = ""


@dataclass(frozen=True)
class State:
    step: Step
    sender: Seat
    variant: Variant = Variant.STANDARD
    rounds_completed: int = 0  # rounds that reached the sender's "yes" to the empathy
    chunks: int = 0  # chunks the sender sent in this round
    no_more: bool = False  # the sender said there is no more, in this round
    paused_by: Actor | None = None
    appreciated: frozenset[Seat] = field(default_factory=frozenset)

    @property
    def receiver(self) -> Seat:
        return other(self.sender)

    def role_of(self, seat: Seat) -> Role:
        return Role.SENDER if seat == self.sender else Role.RECEIVER

    def seat_of(self, role: Role) -> Seat:
        return self.sender if role == Role.SENDER else self.receiver

    @property
    def speaker(self) -> Seat | None:
        """Whose turn it is; None while paused, at the choice to switch or close, and after."""
        if self.paused_by is not None or self.step in (Step.SWITCH, Step.CLOSED):
            return None
        if self.step == Step.CLOSE:
            # The sender appreciates first, then the receiver: still one speaker at a time.
            return self.sender if self.sender not in self.appreciated else self.receiver
        role, _ = next(iter(TRANSITIONS[self.step].values()))
        assert role is not None
        return self.seat_of(role)


def start(*, sender: Seat, variant: Variant = Variant.STANDARD) -> State:
    """A dialogue begins when one partner asks for time: "Is now a good time?"."""
    return State(step=Step.APPOINTMENT, sender=sender, variant=variant)


def _turn_message(state: State, by: Actor) -> str:
    speaker = state.speaker
    if speaker == by:
        return "That is not the step you are on now."
    return f"It's your partner's turn to {DOING[state.step]}. Please wait for them."


def check_event(state: State, event: Event) -> None:
    """Raise NotAllowed, with a message for the person who tried, unless `event` may happen."""
    if event.by not in (*SEATS, FACILITATOR):
        raise NotAllowed("Only the two partners and their therapist take part in a dialogue.")
    if state.step == Step.CLOSED:
        raise NotAllowed("This dialogue has ended. You can start a new one at any time.")
    if event.action == Action.PAUSE:
        if state.paused_by is not None:
            raise NotAllowed("The dialogue is already paused.")
        return
    if event.action == Action.RESUME:
        if state.paused_by is None:
            raise NotAllowed("The dialogue is not paused.")
        if event.by not in (state.paused_by, FACILITATOR):
            raise NotAllowed(
                "Your partner asked for a break. The dialogue goes on when they are ready."
            )
        return
    if event.by == FACILITATOR:
        raise NotAllowed(
            "As the facilitator you can pause and resume; the partners speak for themselves."
        )
    if state.paused_by is not None:
        raise NotAllowed("The dialogue is paused. It goes on after the break.")
    if event.action in SPEAKING:
        _check_text(event.text)
    if state.step == Step.CLOSE:
        if event.action != Action.APPRECIATE:
            raise NotAllowed("To close, each of you shares an appreciation.")
        if event.by != state.speaker:
            raise NotAllowed(_turn_message(state, event.by))
        return
    options = TRANSITIONS[state.step]
    if event.action not in options:
        raise NotAllowed(_step_message(state, event))
    role, _ = options[event.action]
    if role is not None and state.seat_of(role) != event.by:
        raise NotAllowed(_turn_message(state, event.by))
    if event.action == Action.CLOSE and state.rounds_completed < 1:
        raise NotAllowed("A dialogue closes after at least one full round.")


def _check_text(text: str) -> None:
    if not text.strip():
        raise NotAllowed("Please write something before sending.")
    if len(text) > MAX_TURN_CHARS:
        raise NotAllowed(
            f"This is {len(text):,} characters; a turn holds at most {MAX_TURN_CHARS:,}. "
            "Shorter chunks are easier for your partner to mirror: try sending part of it."
        )


def _step_message(state: State, event: Event) -> str:
    """Why this action does not fit the step, from the point of view of the one who tried."""
    if event.action == Action.MIRROR and state.step in (Step.APPOINTMENT, Step.SEND):
        return "There is nothing to mirror yet: the sender has not said anything in this turn."
    if event.action in (Action.VALIDATE, Action.EMPATHIZE) and not state.no_more:
        return (
            "Validation and empathy come after the sender has said there is no more. "
            "For now, keep mirroring."
        )
    if event.action == Action.CLOSE:
        return "A dialogue closes after at least one full round."
    if state.speaker is not None and state.speaker != event.by:
        return _turn_message(state, event.by)
    return f"Now is the time to {DOING[state.step]}."


def do_event(state: State, event: Event) -> State:
    """The State after `event`; raises NotAllowed (and changes nothing) if it may not happen."""
    check_event(state, event)
    if event.action == Action.PAUSE:
        return replace(state, paused_by=event.by)
    if event.action == Action.RESUME:
        return replace(state, paused_by=None)
    if state.step == Step.CLOSE:
        by: Seat = "a" if event.by == "a" else "b"  # check_event turned the facilitator away
        appreciated = state.appreciated | {by}
        step = Step.CLOSED if appreciated == set(SEATS) else Step.CLOSE
        return replace(state, appreciated=frozenset(appreciated), step=step)
    _, step = TRANSITIONS[state.step][event.action]
    if event.action == Action.SEND:
        return replace(state, step=step, chunks=state.chunks + 1)
    if event.action == Action.NO_MORE:
        return replace(state, step=step, no_more=True)
    if state.step == Step.EMPATHY_CHECK and event.action == Action.CONFIRM:
        return replace(state, step=step, rounds_completed=state.rounds_completed + 1)
    if event.action == Action.SWITCH:
        # The former receiver may now send, on the same topic or a new one.
        return replace(state, step=step, sender=state.receiver, chunks=0, no_more=False)
    return replace(state, step=step)


def actions_for(state: State, actor: Actor) -> list[Action]:
    """Every action `actor` may take now (the controls their screen shows)."""
    candidates = list(TRANSITIONS[state.step]) + [Action.APPRECIATE, Action.PAUSE, Action.RESUME]
    allowed = []
    for action in candidates:
        try:
            check_event(state, Event(action, actor, text="x"))
        except NotAllowed:
            continue
        allowed.append(action)
    return allowed


def replay(first: State, events: list[Event]) -> State:
    """The state after applying stored events in order (for resuming after a restart)."""
    state = first
    for event in events:
        state = do_event(state, event)
    return state


def state_to_data(state: State) -> dict[str, object]:
    """Plain JSON-ready data, for storing the current state beside the events."""
    return {
        "step": state.step.value,
        "sender": state.sender,
        "variant": state.variant.value,
        "rounds_completed": state.rounds_completed,
        "chunks": state.chunks,
        "no_more": state.no_more,
        "paused_by": state.paused_by,
        "appreciated": sorted(state.appreciated),
    }


def state_from_data(data: dict[str, Any]) -> State:
    return State(
        step=Step(data["step"]),
        sender="a" if data["sender"] == "a" else "b",
        variant=Variant(data["variant"]),
        rounds_completed=int(data["rounds_completed"]),
        chunks=int(data["chunks"]),
        no_more=bool(data["no_more"]),
        paused_by=data["paused_by"],
        appreciated=frozenset("a" if s == "a" else "b" for s in data["appreciated"]),
    )
