"""The Imago Dialogue as a protocol: steps, roles and who may act when.

Framework-free core. It will hold the state machine of the dialogue (appointment, send, mirror,
check, more, summary, validate, empathize, switch, close), the sentence stems offered at each
step, and the check-then-do calls that explain in plain words why an action is not allowed now.
It takes and returns plain data and imports nothing from Django; the web adapter lives in the
``imago.dialogues`` app (the dialogue issue).
"""
