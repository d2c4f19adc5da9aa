from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from imago.dialogue.protocol import SPEAKING
from imago.dialogues.models import Dialogue


def dialogues_for_person(person):
    """Every dialogue the person took part in; a transcript stays theirs after an unlink."""
    if not person.is_authenticated:
        return Dialogue.objects.none()
    return Dialogue.objects.filter(Q(seat_a=person) | Q(seat_b=person))


def get_dialogue_for_user(user, pk: int) -> Dialogue:
    """A dialogue this user takes part in; 404 alike for missing and not theirs.

    The couple's therapist joins as facilitator with the dialogue issue's facilitation part;
    until then only the two partners open a dialogue.
    """
    dialogue = dialogues_for_person(user).select_related("seat_a", "seat_b").filter(pk=pk).first()
    if dialogue is None:
        raise Http404("No such dialogue")
    return dialogue


def speaking_events(dialogue: Dialogue):
    """The turns with words in them, in order: what a transcript shows."""
    # Filter on the action: the text is encrypted, so SQL cannot compare it with "".
    spoken = [action.value for action in SPEAKING]
    return dialogue.events.filter(action__in=spoken).select_related("author")
