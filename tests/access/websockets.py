"""WebSocket routes: the two partners of a dialogue open its live room, and the couple's
therapist as facilitator; everyone else is turned away alike. The shared screen is for the
partners only."""

from __future__ import annotations

from tests.access import Rule, open_dialogue, same

RULES = [
    Rule(
        "ws:dialogue_room",
        same(403, partner_a=101, partner_b=101, therapist=101),
        kwargs=lambda w: {"dialogue_id": open_dialogue(w)},
    ),
    # The shared screen opens only once the dialogue is on one screen.
    Rule(
        "ws:dialogue_together",
        same(403),
        kwargs=lambda w: {"dialogue_id": open_dialogue(w)},
    ),
    Rule(
        "ws:dialogue_together",
        same(403, partner_a=101, partner_b=101),
        kwargs=lambda w: {"dialogue_id": shared_dialogue(w)},
    ),
]


def shared_dialogue(world) -> int:
    from imago.dialogues.models import Dialogue

    pk = open_dialogue(world)
    Dialogue.objects.filter(pk=pk).update(shared_device=True)
    return pk
