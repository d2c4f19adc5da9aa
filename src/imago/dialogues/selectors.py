from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from imago.couples.selectors import couple_of, couples_for_therapist
from imago.dialogue import Action, Step, state_from_data
from imago.dialogue.protocol import SPEAKING
from imago.dialogues.models import Dialogue
from imago.dialogues.services import dialogue_is_lapsed
from imago.privacy.services import audit_record

# What the person whose turn it is does now, for "In progress: Ben is mirroring".
DOING_NOW = {
    Step.SEND: "speaking",
    Step.MIRROR: "mirroring",
    Step.CHECK: "checking the mirror",
    Step.MORE: "saying whether there is more",
    Step.SUMMARY: "summing up",
    Step.SUMMARY_CHECK: "checking the summary",
    Step.VALIDATE: "validating",
    Step.EMPATHIZE: "naming feelings",
    Step.EMPATHY_CHECK: "checking the feelings",
}


def dialogues_for_person(person):
    """Every dialogue the person took part in; a transcript stays theirs after an unlink."""
    if not person.is_authenticated:
        return Dialogue.objects.none()
    return Dialogue.objects.filter(Q(seat_a=person) | Q(seat_b=person))


def dialogues_to_facilitate(therapist):
    """The open dialogues of the couples this therapist is actively connected to (both
    partners consented to the connection; verified therapists only)."""
    if not therapist.is_authenticated or not therapist.is_verified_therapist:
        return Dialogue.objects.none()
    return Dialogue.objects.filter(
        couple__in=couples_for_therapist(therapist), couple__ended_at__isnull=True
    ).open()


def get_dialogue_for_user(user, pk: int) -> Dialogue:
    """A dialogue this user takes part in; 404 alike for missing and not theirs.

    The two partners, always; the couple's active therapist, as facilitator, while the
    dialogue is open (a closed one is a transcript: get_transcript_for_user). Callers that
    show a therapist the partners' words write an audit record first.
    """
    mine = dialogues_for_person(user).filter(pk=pk)
    if not mine.exists():
        mine = dialogues_to_facilitate(user).filter(pk=pk)
    dialogue = mine.select_related("couple", "seat_a", "seat_b").first()
    if dialogue is None:
        raise Http404("No such dialogue")
    return dialogue


def is_facilitator(user, dialogue: Dialogue) -> bool:
    return (
        dialogue.seat_of(user) is None
        and dialogues_to_facilitate(user).filter(pk=dialogue.pk).exists()
    )


def facilitator_opened(therapist, dialogue: Dialogue, *, what: str = "dialogue room") -> None:
    """The record that the therapist saw the partners' words, one per partner, written before
    anything is shown."""
    for partner in (dialogue.seat_a, dialogue.seat_b):
        audit_record(
            actor=therapist, subject=partner, action="view", what=f"{what} (dialogue {dialogue.pk})"
        )


def get_transcript_for_user(user, pk: int) -> Dialogue:
    """A transcript: the two partners', always; the couple's therapist's only when both
    partners agreed to share this one. 404 otherwise, as for any dialogue not theirs."""
    dialogue = dialogues_for_person(user).select_related("seat_a", "seat_b").filter(pk=pk).first()
    if dialogue is None and user.is_authenticated and user.is_verified_therapist:
        dialogue = (
            Dialogue.objects.filter(
                pk=pk,
                couple__in=couples_for_therapist(user),
                transcript_shared_by_a_at__isnull=False,
                transcript_shared_by_b_at__isnull=False,
            )
            .select_related("seat_a", "seat_b")
            .first()
        )
    if dialogue is None:
        raise Http404("No such dialogue")
    return dialogue


def speaking_events(dialogue: Dialogue):
    """The turns with words in them, in order: what a transcript shows."""
    # Filter on the action: the text is encrypted, so SQL cannot compare it with "".
    spoken = [action.value for action in SPEAKING]
    return dialogue.events.filter(action__in=spoken).select_related("author")


def open_dialogue_for_person(person) -> Dialogue | None:
    """The person's dialogue still under way or waiting for an answer (at most one per couple;
    a lapsed request no longer counts, since either partner may ask again)."""
    couple = couple_of(person)
    if couple is None:
        return None  # after an unlink, earlier dialogues stay readable as a record only
    mine = dialogues_for_person(person).filter(couple=couple).open()
    for dialogue in mine.select_related("seat_a", "seat_b"):
        if not dialogue_is_lapsed(dialogue):
            return dialogue
    return None


def dialogue_status(dialogue: Dialogue, viewer) -> str:
    """Where the dialogue stands, in words for one of its partners."""
    seat = dialogue.seat_of(viewer)
    partner = dialogue.seat_b if seat == "a" else dialogue.seat_a
    if dialogue.cancelled_at:
        return f"Cancelled on {_day(dialogue.cancelled_at)}"
    if dialogue.step == Step.CLOSED:
        return f"Ended on {_day(dialogue.closed_at or dialogue.created_at)}"
    if dialogue.couple.ended_at is not None:
        return f"Stopped when you unlinked, on {_day(dialogue.couple.ended_at)}"
    if dialogue.step == Step.APPOINTMENT:
        if dialogue_is_lapsed(dialogue):
            return "This request lapsed"
        if dialogue.ready_at:
            who = "You" if seat == "b" else partner.display_name
            return f"{who} can be ready at {ready_time(dialogue.ready_at)}"
        if seat == "a":
            return f"Waiting for {partner.display_name} to answer"
        return f"{partner.display_name} asks: is now a good time to talk?"
    state = state_from_data(dialogue.state)
    if state.paused_by is not None:
        return "Paused for a break"
    if state.step == Step.SWITCH:
        return "In progress: choosing to switch roles or to close"
    if state.step == Step.CLOSE:
        return "In progress: closing with appreciations"
    speaker = state.speaker
    if speaker is None or state.step not in DOING_NOW:
        return "In progress"
    who = "you are" if speaker == seat else f"{dialogue.person_at(speaker).display_name} is"
    return f"In progress: {who} {DOING_NOW[state.step]}"


def ready_time(moment) -> str:
    """ "19:30 (Tuesday)" in the site's time zone: a named time is at most two days away."""
    return date_format(timezone.localtime(moment), "H:i (l)")


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


# How each event reads in a transcript: the step's name for turns with words, a short line
# for the choices without words.
TURN_LABELS = {
    Action.SEND: "Sender",
    Action.MIRROR: "Mirror",
    Action.CORRECT: "Not quite",
    Action.SUMMARIZE: "Summary",
    Action.VALIDATE: "Validation",
    Action.EMPATHIZE: "Empathy",
    Action.APPRECIATE: "Appreciation",
}
CHOICE_WORDS = {
    Action.ACCEPT: "is ready to talk",
    Action.CONFIRM: "said: yes, you got it",
    Action.MORE: "has more to say",
    Action.NO_MORE: "said: that's all for now",
    Action.SKIP_SUMMARY: "went on without a summary",
    Action.SWITCH: "chose to switch roles",
    Action.CLOSE: "chose to close with appreciations",
    Action.PAUSE: "asked for a break",
    Action.RESUME: "went on after the break",
}


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime
    who: str
    label: str  # the step, for a turn with words; empty for a choice
    text: str  # the words of a turn, or what the choice was


def transcript_lines(dialogue: Dialogue) -> list[TranscriptLine]:
    """The whole dialogue in order, as its two partners may read it."""
    names = {"a": dialogue.seat_a.display_name, "b": dialogue.seat_b.display_name}
    lines = []
    for event in dialogue.events.order_by("seq"):
        who = "The therapist" if event.by_facilitator else names.get(event.actor, "")
        action = Action(event.action)
        if action in TURN_LABELS:
            lines.append(TranscriptLine(event.at, who, TURN_LABELS[action], event.text))
        else:
            lines.append(TranscriptLine(event.at, who, "", CHOICE_WORDS.get(action, "")))
    return lines
