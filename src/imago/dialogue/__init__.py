"""The Imago Dialogue as a protocol: steps, roles and who may act when.

Framework-free core: `protocol` is the state machine (appointment, send, mirror, check, more,
summary, validate, empathize, switch, close) with check-then-do calls that explain in plain
words why an action is not allowed now; `stems` holds the sentence stems offered at each step;
`balance` measures time and turns on the frustration and on appreciation, with a gentle nudge.
It takes and returns plain data and imports nothing from Django; the web adapter lives in the
``imago.dialogues`` app (the dialogue issue).
"""

from imago.dialogue.balance import (
    DEFAULT_LIMITS,
    LIMIT_RANGES,
    Balance,
    Limits,
    Moment,
    measure_balance,
)
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
    "DEFAULT_LIMITS",
    "FACILITATOR",
    "LIMIT_RANGES",
    "MAX_TURN_CHARS",
    "SEATS",
    "Action",
    "Balance",
    "Event",
    "Limits",
    "Moment",
    "NotAllowed",
    "Role",
    "State",
    "Step",
    "Variant",
    "actions_for",
    "check_event",
    "do_event",
    "measure_balance",
    "replay",
    "start",
    "state_from_data",
    "state_to_data",
    "stems_for",
]
