"""What one partner's screen shows in the dialogue room, as plain JSON-ready data.

The page renders this "view" on first load and the WebSocket consumer sends it again after
every change, so a reloaded page, a reconnected socket and a live update all show the same
thing. It is built from the stored events and state: read from the database for a page, or
from a live screen's copy of them (RoomCopy, kept current from the change each turn carries and
reloaded on any doubt), so after a dropped connection or a server restart the room resumes
exactly.

Each seat gets its own view: the controls, stems and the words of "whose turn" differ per
person. Presence (is my partner's screen open now?) is the one thing the database does not
know; the consumer passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from imago.couples.selectors import balance_limits_for
from imago.dialogue import (
    FACILITATOR,
    SEATS,
    Action,
    Event,
    NotAllowed,
    Role,
    State,
    Step,
    Variant,
    actions_for,
    do_event,
    start,
    state_from_data,
    stems_for,
)
from imago.dialogue.balance import Limits, Moment, measure_balance
from imago.dialogue.protocol import SPEAKING
from imago.dialogues.models import Dialogue, DialogueEvent
from imago.dialogues.services import dialogue_is_lapsed

# "Your turn: ..." for the person whose turn it is; {p} is the partner's name.
MY_TURN = {
    Step.APPOINTMENT: "Your turn: {p} asks if now is a good time to talk",
    Step.SEND: "Your turn: say what is on your mind",
    Step.MIRROR: "Your turn: mirror what {p} said",
    Step.CHECK: "Your turn: did {p} get it?",
    Step.MORE: "Your turn: is there more?",
    Step.SUMMARY: "Your turn: sum up what {p} said",
    Step.SUMMARY_CHECK: "Your turn: was {p}'s summary complete?",
    Step.VALIDATE: "Your turn: tell {p} what makes sense to you",
    Step.EMPATHIZE: "Your turn: name the feelings you imagine {p} has",
    Step.EMPATHY_CHECK: "Your turn: are those your feelings?",
    Step.CLOSE: "Your turn: share an appreciation",
}

# What the other partner sees meanwhile.
PARTNER_TURN = {
    Step.APPOINTMENT: "Waiting for {p} to say whether now is a good time",
    Step.SEND: "{p} is speaking",
    Step.MIRROR: "{p} is mirroring what you said",
    Step.CHECK: "{p} is checking your mirror",
    Step.MORE: "{p} is deciding whether there is more",
    Step.SUMMARY: "{p} is summing up",
    Step.SUMMARY_CHECK: "{p} is checking your summary",
    Step.VALIDATE: "{p} is finding what makes sense",
    Step.EMPATHIZE: "{p} is imagining how you feel",
    Step.EMPATHY_CHECK: "{p} is checking the feelings you named",
    Step.CLOSE: "{p} is sharing an appreciation",
}

WAITING = {
    Step.APPOINTMENT: "{p} will see your request when they open the app.",
    Step.SEND: "Take a breath and listen. You will mirror what {p} says.",
    Step.MIRROR: "Take your time. You will hear whether it was right.",
}
WAITING_DEFAULT = "Take your time. This screen changes when it is your turn."

# The label of the text box for the step's speaking action, and a hint under it.
TEXT_LABEL = {
    Step.SEND: ("What you want to say", "A few sentences at a time is easiest to mirror."),
    Step.MIRROR: ("What you heard {p} say", "Say it back in your own words, without adding."),
    Step.CHECK: ("If not quite: what {p} missed", "Leave this empty if {p} got it."),
    Step.SUMMARY: ("Your summary of what {p} said", ""),
    Step.SUMMARY_CHECK: ("If something is missing: what it is", "Leave this empty if it was all."),
    Step.VALIDATE: ("What makes sense to you", "You can understand without agreeing."),
    Step.EMPATHIZE: ("The feelings you imagine", ""),
    Step.EMPATHY_CHECK: ("If there are other feelings: name them", "Leave this empty if so."),
    Step.CLOSE: ("Your appreciation", ""),
}

# Button labels for the actions; the three checks share CONFIRM and CORRECT.
BUTTON = {
    Action.ACCEPT: "I'm ready now",
    Action.SEND: "Send",
    Action.MIRROR: "Send my mirror",
    Action.MORE: "There is more",
    Action.NO_MORE: "That's all for now",
    Action.SUMMARIZE: "Send my summary",
    Action.SKIP_SUMMARY: "Skip the summary",
    Action.VALIDATE: "Send",
    Action.EMPATHIZE: "Send",
    Action.SWITCH: "Switch roles",
    Action.CLOSE: "Close with appreciations",
    Action.APPRECIATE: "Share my appreciation",
    Action.PAUSE: "Pause",
    Action.RESUME: "Go on",
}
CHECK_BUTTONS = {
    Step.CHECK: ("Yes, you got it", "Not quite"),
    Step.SUMMARY_CHECK: ("Yes, that's all of it", "Something is missing"),
    Step.EMPATHY_CHECK: ("Yes, that's how I feel", "There are other feelings"),
}

# How a stored event reads in the transcript, by the step it was taken at.
TRANSCRIPT = {
    Action.ACCEPT: "Ready now",
    Action.SEND: "Said",
    Action.MIRROR: "Mirrored",
    Action.MORE: "There is more",
    Action.NO_MORE: "That's all for now",
    Action.SUMMARIZE: "Summed up",
    Action.SKIP_SUMMARY: "Skipped the summary",
    Action.VALIDATE: "Validated",
    Action.EMPATHIZE: "Empathized",
    Action.SWITCH: "Switched roles",
    Action.CLOSE: "Chose to close",
    Action.APPRECIATE: "Appreciated",
    Action.PAUSE: "Asked for a break",
    Action.RESUME: "Went on",
}

# Care in the room. Our own words: a break is for settling, not for winning the argument.
CALM_TEXT = (
    "Take a few slow breaths, letting each breath out a little longer than the one in. Notice "
    "your feet on the floor. When you come back, you pick up exactly where you left off."
)
# The dialogue opens with an appreciation: offered as the first stem of the very first send.
OPENING_APPRECIATION = "Before we start: something I appreciate about you is ..."
_OPENING_WORDS = OPENING_APPRECIATION.removesuffix(" ...").lower()


def _is_opening_appreciation(text: str) -> bool:
    return text.strip().lower().startswith(_OPENING_WORDS)


def balance(dialogue: Dialogue, lines: list[Line], limits: Limits | None) -> dict | None:
    """For a dialogue about a frustration: time and turns on the frustration and on
    appreciations so far, and a gentle nudge toward appreciation past the limits the couple's
    therapist chose (imago.dialogue.balance). A plain count; it says nothing about how it went.
    A standard dialogue is not measured: what it is about is the partners' own business."""
    if dialogue.variant != Variant.FRUSTRATION:
        return None
    if limits is None:
        limits = balance_limits_for(dialogue.couple)
    moments = [
        Moment(
            action=line.action,
            at=line.at,
            opening=line.action == Action.SEND and _is_opening_appreciation(line.text),
        )
        for line in lines
    ]
    measured = measure_balance(
        moments,
        now=timezone.now(),
        closed=dialogue.step == Step.CLOSED or dialogue.cancelled_at is not None,
        limits=limits,
    )
    return {
        "frustration": measured.frustration_turns,
        "appreciation": measured.appreciation_turns,
        "text": measured.text,
        "nudge": measured.nudge,
    }


def _break(state: State, status: str, transcript: list[dict]) -> dict | None:
    """While paused: when the break began (a screen counts up from it) and a calming line."""
    if status != "paused":
        return None
    pauses = [item for item in transcript if item["action"] == Action.PAUSE.value]
    since = pauses[-1] if pauses else None
    return {
        "since": since["at"] if since else "",
        "since_label": since["at_label"] if since else "",
        "calm": CALM_TEXT,
    }


ROLE_WORDS = {Role.SENDER: "You are the sender", Role.RECEIVER: "You are the receiver"}


def name_of(person) -> str:
    return (person.display_name or "your partner") if person is not None else "your partner"


def _button_label(step: Step, action: Action) -> str:
    if action in (Action.CONFIRM, Action.CORRECT):
        yes, no = CHECK_BUTTONS[step]
        return yes if action == Action.CONFIRM else no
    return BUTTON[action]


def live_marks(dialogue: Dialogue, user) -> tuple[int, str, str]:
    """seq, status and ready_at_label of `user`'s view, in the view's own words, without
    building the view: the appointment page compares them with each view its socket sends."""
    seat = dialogue.seat_of(user)
    status = _status(dialogue, state_from_data(dialogue.state))
    partner = name_of(dialogue.person_at("b" if seat == "a" else "a"))
    return dialogue.seq, status, _ready_at_label(dialogue, seat, status, partner)


def _ready_at_label(dialogue: Dialogue, seat: str | None, status: str, partner: str) -> str:
    if not dialogue.ready_at or status != "request":
        return ""
    return f"{partner if seat == 'a' else 'You'} can be ready at {_clock(dialogue.ready_at)}."


def _status(dialogue: Dialogue, state: State) -> str:
    if dialogue.cancelled_at is not None:
        return "cancelled"
    if state.step == Step.CLOSED:
        return "closed"
    if dialogue_is_lapsed(dialogue):
        return "lapsed"
    if state.paused_by is not None:
        return "paused"
    if state.step == Step.APPOINTMENT:
        return "request"
    return "open"


@dataclass(frozen=True)
class Line:
    """One stored event as every screen labels it; who said it ("You", a name) is added per
    screen. Computed once per event: a live screen keeps its lines (RoomCopy)."""

    seq: int
    actor: str
    action: Action
    label: str
    text: str  # the words, for a speaking turn; empty otherwise
    at: datetime
    at_label: str
    at_iso: str


def _line(event: DialogueEvent, step: Step) -> Line:
    """`step` is the step the dialogue was at when the event came (CONFIRM reads differently
    at each check)."""
    return _line_of(event.seq, event.actor, event.action, event.text, event.at, step)


def _line_of(seq: int, actor: str, action_name: str, text: str, at: datetime, step: Step) -> Line:
    action = Action(action_name)
    if action in (Action.CONFIRM, Action.CORRECT):
        label = _button_label(step, action)
    elif actor == FACILITATOR:
        label = "Paused the dialogue" if action == Action.PAUSE else "Went on"
    else:
        label = TRANSCRIPT[action]
    text = text if action in SPEAKING else ""
    return Line(seq, actor, action, label, text, at, _clock(at), at.isoformat())


def lines_of(dialogue: Dialogue, events: list[DialogueEvent]) -> list[Line]:
    """Every stored event in order, labelled by replaying them."""
    state = start(sender="a", variant=Variant(dialogue.variant))
    lines = []
    for event in events:
        lines.append(_line(event, state.step))
        try:
            state = do_event(state, Event(Action(event.action), event.actor, event.text or "x"))  # type: ignore[arg-type]
        except NotAllowed:  # a stored event always fitted when stored; never hide the record
            pass
    return lines


def _transcript(
    dialogue: Dialogue,
    me,
    partner_name: str,
    *,
    lines: list[Line],
    together: bool = False,
) -> list[dict]:
    """Every stored event in order, for one screen; only the speaking turns carry text.

    "mine" follows the seat that acted, not the account that pressed the button: on a shared
    screen one partner taps for both. On the shared screen every line carries a name."""
    names = {"a": name_of(dialogue.seat_a), "b": name_of(dialogue.seat_b)}
    my_seat = None if together else dialogue.seat_of(me)

    def who(actor: str) -> str:
        if actor == FACILITATOR:
            return "Your therapist"
        if actor == my_seat:
            return "You"
        return names.get(actor, partner_name)

    items = [
        {
            "seq": 0,
            "who": who("a"),
            "mine": my_seat == "a",
            "action": "request",
            "label": "Asked: is now a good time to talk?",
            "text": "",
            **_asked_at(dialogue),
        }
    ]
    for line in lines:
        items.append(
            {
                "seq": line.seq,
                "who": who(line.actor),
                "mine": line.actor == my_seat,
                "action": line.action.value,
                "label": line.label,
                "text": line.text,
                "at": line.at_iso,
                "at_label": line.at_label,
            }
        )
    return items


def _asked_at(dialogue: Dialogue) -> dict:
    # Kept on the instance: a live screen builds a view of the same dialogue at every turn,
    # and reading the current time zone from the event loop is slow (asgiref's Local).
    cached = dialogue.__dict__.get("_asked_at")
    if cached is None or cached[0] != dialogue.created_at:
        at = dialogue.created_at
        cached = (at, {"at": at.isoformat(), "at_label": _clock(at)})
        dialogue.__dict__["_asked_at"] = cached
    return cached[1]


def _lines(dialogue: Dialogue, lines: list[Line] | None) -> list[Line]:
    """The lines a view is built from: those given (a live screen's copy, see RoomCopy), or
    the stored events'."""
    if lines is not None:
        return lines
    return lines_of(dialogue, list(dialogue.events.order_by("seq")))


def _clock(moment) -> str:
    # Every time on the site is shown in settings.TIME_ZONE (dialogues/forms.py). Named here,
    # the zone is not looked up in asgiref's Local, which is slow on the live room's loop.
    return timezone.localtime(moment, timezone.get_default_timezone()).strftime("%H:%M")


def _stems(state: State, role: Role) -> list[str]:
    stems = stems_for(state, role)
    if (
        state.step == Step.SEND
        and role == Role.SENDER
        and state.chunks == 0
        and state.rounds_completed == 0
        and state.sender == "a"
    ):
        stems = (OPENING_APPRECIATION, *stems)
    if state.step in CHECK_BUTTONS:
        # At a check the "yes" is a button of its own; the stems help say what was missed.
        stems = tuple(stem for stem in stems if not stem.startswith("Yes"))
    return list(stems)


def presence_text(partner_name: str, partner_here: bool | None) -> str:
    if partner_here is None:
        return ""
    return f"{partner_name} is here" if partner_here else f"{partner_name} is not here right now"


def acting_seat(state: State) -> str | None:
    """On the shared screen: the seat whose controls it shows now. The speaker; at the choice
    to switch or close (either may choose) the sender of the round; during a break, the
    partner who asked for it (they say when to go on); nobody after the end or while the
    therapist holds the pause."""
    if state.step == Step.CLOSED:
        return None
    if state.paused_by is not None:
        return state.paused_by if state.paused_by in SEATS else None
    if state.step == Step.SWITCH:
        return state.sender
    return state.speaker


def facilitator_text(name: str | None) -> str:
    return f"{name} is here as your facilitator" if name else ""


def view_for(
    dialogue: Dialogue,
    user,
    *,
    partner_here: bool | None = None,
    together: bool = False,
    facilitator: str | None = None,
    lines: list[Line] | None = None,
    limits: Limits | None = None,
) -> dict:
    """The room as `user` (a partner of the dialogue) sees it now.

    partner_here is None when nobody has asked yet (the plain page, before the socket opens).
    together=True is the shared screen: both partners at one device, seen from the seat whose
    turn it is (acting_seat), with every name spelled out instead of "you".
    """
    seat = dialogue.seat_of(user)
    if seat is None:
        raise ValueError("view_for is only for the two partners of the dialogue")
    state = state_from_data(dialogue.state)
    acting = acting_seat(state) if together else seat
    if together:
        seat = acting or state.sender
    partner = dialogue.person_at("b" if seat == "a" else "a")
    p = name_of(partner)
    status = _status(dialogue, state)
    role = state.role_of(seat)

    actions: list[Action] = []
    if status in ("request", "open", "paused") and acting is not None:
        actions = [
            a
            for a in actions_for(state, seat)
            # A break belongs to a dialogue under way, not to "is now a good time?".
            if not (a == Action.PAUSE and state.step == Step.APPOINTMENT)
        ]
    turn_actions = [a for a in actions if a not in (Action.PAUSE, Action.RESUME)]
    needs_text = any(a in SPEAKING for a in turn_actions)
    my_turn = bool(turn_actions)

    if status == "cancelled":
        turn = "This request was cancelled."
    elif status == "lapsed":
        turn = "This request lapsed without an answer. Either of you can ask again."
    elif status == "closed":
        turn = "The dialogue has ended. Thank you both."
    elif status == "paused" and state.paused_by == FACILITATOR:
        turn = "Paused by your therapist. The dialogue goes on when they say so."
    elif status == "paused":
        turn = (
            "Paused: you asked for a break. Go on when you are ready."
            if state.paused_by == seat
            else f"Paused: {p} asked for a break. The dialogue goes on when they are ready."
        )
    elif state.step == Step.SWITCH:
        turn = "A full round. Switch roles, or close with appreciations: either of you can choose."
    elif my_turn:
        turn = MY_TURN[state.step].format(p=p)
    else:
        turn = PARTNER_TURN[state.step].format(p=p)

    waiting = ""
    if status in ("request", "open") and not my_turn:
        waiting = WAITING.get(state.step, WAITING_DEFAULT).format(p=p)

    label, hint = TEXT_LABEL.get(state.step, ("", ""))
    lines = _lines(dialogue, lines)
    transcript = _transcript(dialogue, user, p, together=together, lines=lines)
    spoken = [item for item in transcript if item["text"]]
    if state.step == Step.SWITCH:
        heading = "What next"
    elif turn_actions:
        heading = "Your turn"
    elif status == "paused":
        heading = "When you are ready"
    else:
        heading = "If you need a break"
    view = {
        "dialogue_id": dialogue.pk,
        "seq": dialogue.seq,
        "step": state.step.value,
        "status": status,
        "closed": status == "closed",
        "cancelled": status == "cancelled",
        "lapsed": status == "lapsed",
        "paused": status == "paused",
        "partner_name": p,
        "my_seat": seat,
        "my_role": role.value,
        "my_role_text": ROLE_WORDS[role],
        "my_turn": my_turn,
        "turn_text": turn,
        "waiting_text": waiting,
        "ready_at_label": _ready_at_label(dialogue, seat, status, p),
        "actions": [
            {
                "action": a.value,
                "label": _button_label(state.step, a),
                "needs_text": a in SPEAKING,
            }
            for a in turn_actions
        ],
        "pause": (
            {"action": Action.PAUSE.value, "label": BUTTON[Action.PAUSE]}
            if Action.PAUSE in actions
            else (
                {"action": Action.RESUME.value, "label": BUTTON[Action.RESUME]}
                if Action.RESUME in actions
                else None
            )
        ),
        "needs_text": needs_text,
        "text_label": label.format(p=p) if needs_text else "",
        "text_hint": hint.format(p=p) if needs_text else "",
        "stems": _stems(state, role) if needs_text else [],
        "controls_heading": heading,
        # The words just spoken, shown beside the controls: what there is to mirror or check.
        "latest": spoken[-1] if spoken and status in ("open", "paused") else None,
        "transcript": transcript,
        "partner_here": partner_here,
        "presence_text": presence_text(p, partner_here),
        "together": False,
        "facilitator": False,
        "facilitator_text": facilitator_text(facilitator),
        "break": _break(state, status, transcript),
        "balance": balance(dialogue, lines, limits),
    }
    if together:
        view.update(_together(dialogue, state, status, acting, view))
    return view


# Colours tell the two seats apart on the shared screen; the names always say it in words too.
SEAT_CLASSES = {"a": "seat-a", "b": "seat-b"}


def _together(dialogue: Dialogue, state: State, status: str, acting, view: dict) -> dict:
    """What differs on the shared screen: names instead of "you", and who speaks, big."""
    names = {"a": name_of(dialogue.seat_a), "b": name_of(dialogue.seat_b)}
    sender, receiver = names[state.sender], names[state.receiver]
    roles = f"{sender} is the sender · {receiver} is the receiver"
    speaker_seat = state.speaker if status in ("request", "open") else None
    if speaker_seat is not None:
        listener = names["b" if speaker_seat == "a" else "a"]
        together_text = f"{names[speaker_seat]} speaks — {listener} listens"
    elif status == "open" and state.step == Step.SWITCH:
        together_text = "Choose together: switch roles, or close"
    else:
        together_text = ""
    turn = view["turn_text"]
    if acting is not None and turn.startswith("Your turn: "):
        turn = f"{names[acting]}, your turn: " + turn.removeprefix("Your turn: ")
    elif status == "paused" and state.paused_by in SEATS:
        turn = f"Paused: {names[state.paused_by]} asked for a break. Go on when you are ready."
    latest = view["latest"]
    if latest is not None:
        latest = {**latest, "mine": False}
    return {
        "together": True,
        "acting_seat": acting,
        "acting_name": names[acting] if acting else "",
        "speaker_seat": speaker_seat or "",
        "seat_class": SEAT_CLASSES.get(speaker_seat or acting or "", ""),
        "together_text": together_text,
        "turn_text": turn,
        "my_turn": acting is not None and bool(view["actions"]),
        "my_role_text": roles,
        "waiting_text": "",
        "controls_heading": (
            f"{names[acting]}'s turn"
            if acting and view["actions"] and state.step != Step.SWITCH
            else view["controls_heading"]
        ),
        "latest": latest,
        "partner_here": None,
        "presence_text": "",
    }


def facilitator_view(
    dialogue: Dialogue,
    therapist,
    *,
    here: dict | None = None,
    lines: list[Line] | None = None,
    limits: Limits | None = None,
) -> dict:
    """The room as the couple's therapist sees it: both sides and the whole transcript, with
    pause and resume (the engine's "facilitator" actor), a stem to offer either partner, and a
    gentle nudge for the partner whose turn it is. `here` maps seats to presence."""
    state = state_from_data(dialogue.state)
    names = {"a": name_of(dialogue.seat_a), "b": name_of(dialogue.seat_b)}
    status = _status(dialogue, state)
    speaker = state.speaker if status == "open" else None
    if status == "paused":
        turn = (
            "Paused by you. Go on when you both are ready."
            if state.paused_by == FACILITATOR
            else f"Paused: {names[state.paused_by]} asked for a break."
        )
    elif status == "request":
        turn = f"Waiting for {names['b']} to say whether now is a good time"
    elif status == "open" and state.step == Step.SWITCH:
        turn = "A full round. The partners choose to switch roles or to close."
    elif speaker is not None:
        listener = names["b" if speaker == "a" else "a"]
        turn = f"{names[speaker]} speaks — {listener} listens"
    else:
        turn = "This dialogue is not open."
    actions = actions_for(state, FACILITATOR) if status in ("open", "paused") else []
    pause = None
    if Action.PAUSE in actions:
        pause = {"action": Action.PAUSE.value, "label": "Pause for both"}
    elif Action.RESUME in actions:
        pause = {"action": Action.RESUME.value, "label": "Go on"}
    lines = _lines(dialogue, lines)
    transcript = _transcript(dialogue, therapist, "", together=True, lines=lines)
    for item in transcript:
        if item["who"] == "Your therapist":
            item["who"] = "You"
    spoken = [item for item in transcript if item["text"]]
    offer = []
    if status in ("open", "paused"):
        for seat in SEATS:
            role = state.role_of(seat)
            offer.append(
                {
                    "seat": seat,
                    "name": names[seat],
                    "role_text": f"{names[seat]} is the {role.value}",
                    "stems": list(stems_for(state, role)),
                }
            )
    here = here or {}
    present = [names[seat] for seat in SEATS if here.get(seat)]
    return {
        "dialogue_id": dialogue.pk,
        "seq": dialogue.seq,
        "step": state.step.value,
        "status": status,
        "closed": status == "closed",
        "cancelled": status == "cancelled",
        "lapsed": status == "lapsed",
        "paused": status == "paused",
        "facilitator": True,
        "together": False,
        "partner_name": f"{names['a']} and {names['b']}",
        "my_role_text": "You are here as the facilitator",
        "my_turn": False,
        "turn_text": turn,
        "waiting_text": "",
        "actions": [],
        "pause": pause,
        "needs_text": False,
        "text_label": "",
        "text_hint": "",
        "stems": [],
        "controls_heading": "Facilitate",
        "latest": spoken[-1] if spoken and status in ("open", "paused") else None,
        "transcript": transcript,
        "offer": offer,
        "nudge": (
            {"seat": speaker, "name": names[speaker], "label": f"Invite {names[speaker]} gently"}
            if speaker is not None
            else None
        ),
        "partner_here": None,
        "presence_text": (
            f"{' and '.join(present)} {'is' if len(present) == 1 else 'are'} here"
            if present
            else ""
        ),
        "facilitator_text": "",
        "break": _break(state, status, transcript),
        "balance": balance(dialogue, lines, limits),
    }


@dataclass
class RoomCopy:
    """An open screen's copy of its dialogue: the row and its transcript lines, kept current
    from the change each turn carries (change_of), so a turn reaches the partner's screen
    without a database read on the partner's server, and each event is labelled once rather
    than at every view (BENCHMARKS.md). The database stays the truth: a gap in seq, or a change
    made elsewhere (a named time, a cancel, the shared screen, new limits), reloads it.
    """

    dialogue: Dialogue
    lines: list[Line]
    limits: Limits  # the balance nudge's, as the couple's therapist set them

    @classmethod
    def of(cls, dialogue: Dialogue) -> RoomCopy:
        lines = lines_of(dialogue, list(dialogue.events.order_by("seq")))
        return cls(dialogue, lines, balance_limits_for(dialogue.couple))

    def apply(self, change: dict) -> bool | None:
        """Take one turn's change: True when applied, False when this copy already has it,
        None when turns are missing in between (the caller reloads from the database)."""
        dialogue = self.dialogue
        if change["seq"] <= dialogue.seq:
            return False
        if change["seq"] != dialogue.seq + 1:
            return None
        data = change["event"]
        # Labelled at the step the dialogue was at before this turn, as lines_of does.
        step = state_from_data(dialogue.state).step
        at = _moment(data["at"])
        self.lines.append(
            _line_of(change["seq"], data["actor"], data["action"], data["text"], at, step)
        )
        dialogue.seq = change["seq"]
        dialogue.state = change["state"]
        dialogue.step = change["step"]
        dialogue.started_at = _moment(change["started_at"])
        dialogue.closed_at = _moment(change["closed_at"])
        return True


def change_of(dialogue: Dialogue, event: DialogueEvent) -> dict:
    """What one stored turn changed, as plain data for the channel layer (RoomCopy.apply)."""
    return {
        "seq": dialogue.seq,
        "state": dialogue.state,
        "step": dialogue.step,
        "started_at": _iso(dialogue.started_at),
        "closed_at": _iso(dialogue.closed_at),
        "event": {  # its seq is the dialogue's new seq
            "action": event.action,
            "actor": event.actor,
            "author_id": event.author_id,
            "text": event.text,
            "at": _iso(event.at),
        },
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
