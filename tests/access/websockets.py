"""WebSocket routes: only the two partners of a dialogue open its live room; everyone else,
the couple's therapist included (facilitation comes later), is turned away alike."""

from __future__ import annotations

from tests.access import Rule, open_dialogue, same

RULES = [
    Rule(
        "ws:dialogue_room",
        same(403, partner_a=101, partner_b=101),
        kwargs=lambda w: {"dialogue_id": open_dialogue(w)},
    ),
]
