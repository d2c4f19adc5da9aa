"""Sentence stems offered at each step, in our own words, kept as data.

A stem is a way to begin, never a script: the person may use it, change it or ignore it. Short
stems such as "Did I get that?" are common phrases of the method. Each stem is plain English
text; the web adapter passes it through gettext, so translations live in the locale catalogues
(the English text is the message id).
"""

from __future__ import annotations

from imago.dialogue.protocol import Role, State, Step, Variant

STEMS: dict[tuple[Step, Role], tuple[str, ...]] = {
    (Step.APPOINTMENT, Role.SENDER): ("Is now a good time to talk?",),
    (Step.APPOINTMENT, Role.RECEIVER): ("I'm ready now.", "I can be ready at ..."),
    (Step.SEND, Role.SENDER): (
        "I feel ... when ...",
        "Something that matters to me is ...",
        "What I'd like you to know is ...",
    ),
    (Step.MIRROR, Role.RECEIVER): (
        "If I got it, you said ...",
        "So you're saying ...",
    ),
    (Step.CHECK, Role.RECEIVER): ("Did I get that?",),
    (Step.CHECK, Role.SENDER): ("Yes, you got it.", "Not quite. What I meant was ..."),
    (Step.MORE, Role.RECEIVER): ("Is there more about that?",),
    (Step.MORE, Role.SENDER): ("Yes, there is more.", "No, that's all for now."),
    (Step.SUMMARY, Role.RECEIVER): (
        "Let me see if I got it all. You said ...",
        "Did I get it all?",
    ),
    (Step.SUMMARY_CHECK, Role.SENDER): ("Yes, that's all of it.", "You missed ..."),
    (Step.VALIDATE, Role.RECEIVER): (
        "You make sense, because ...",
        "What makes sense to me is ...",
        "It makes sense that you'd see it that way, given ...",
    ),
    (Step.EMPATHIZE, Role.RECEIVER): (
        "I imagine you might be feeling ...",
        "Is that how you feel?",
        "Are there other feelings?",
    ),
    (Step.EMPATHY_CHECK, Role.SENDER): ("Yes, that's how I feel.", "I also feel ..."),
    (Step.CLOSE, Role.SENDER): ("Something I appreciated in this dialogue is ...",),
    (Step.CLOSE, Role.RECEIVER): (
        "Something I appreciated in this dialogue is ...",
        "Something I learned about you today is ...",
    ),
}

# The deepening variant for frustrations: more stems for the sender, moving from the present
# frustration to the feeling, the fear, the old echo and the wish underneath.
FRUSTRATION_SEND_STEMS: tuple[str, ...] = (
    "When that happens, I feel ...",
    "What I'm afraid of is ...",
    "What this reminds me of from growing up is ...",
    "What I want instead is ...",
)


def stems_for(state: State, role: Role) -> tuple[str, ...]:
    """The stems to offer the person in `role` at the state's step."""
    stems = STEMS.get((state.step, role), ())
    if state.step == Step.SEND and role == Role.SENDER and state.variant == Variant.FRUSTRATION:
        stems = stems + FRUSTRATION_SEND_STEMS
    return stems
