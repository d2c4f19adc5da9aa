"""The Imago Dialogue as a protocol: steps, roles and who may act when.

Framework-free core: `protocol` is the state machine (appointment, send, mirror, check, more,
summary, validate, empathize, switch, close) with check-then-do calls that explain in plain
words why an action is not allowed now; `stems` holds the sentence stems offered at each step.
It takes and returns plain data and imports nothing from Django; the web adapter lives in the
``imago.dialogues`` app (the dialogue issue).
"""

from imago.dialogue.protocol import (
    FACILITATOR,
    MAX_TURN_CHARS,
    SEATS,
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
    state_from_data,
    state_to_data,
)
from imago.dialogue.stems import stems_for

__all__ = [
    "FACILITATOR",
    "MAX_TURN_CHARS",
    "SEATS",
    "Action",
    "Event",
    "NotAllowed",
    "Role",
    "State",
    "Step",
    "Variant",
    "actions_for",
    "check_event",
    "do_event",
    "replay",
    "start",
    "state_from_data",
    "state_to_data",
    "stems_for",
]
