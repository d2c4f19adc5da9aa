# ruff: noqa: E501  (sentences people read are kept whole, one per line)
"""The coach's suggestions: short, kind, about the process, never about who is right.

Written for this project. One suggestion per review: the first flag in the order below that
applies (the most helpful thing to change first); a crisis comes before everything.
"""

from __future__ import annotations

CRISIS = {
    "self_harm": (
        "It sounds like you may be carrying something very heavy. You deserve support right "
        "now: the help below is there for you, day and night."
    ),
    "violence": (
        "This sounds like it could frighten or hurt someone. Let's pause here; the help below "
        "can talk it through with you."
    ),
    "abuse": (
        "What you describe sounds frightening, and it is not your fault. The help below is "
        "confidential and can help you stay safe."
    ),
}

BY_FLAG = {
    # send
    "too_long": "That is a lot to take in at once. Try sending the first part, and the rest after the mirror.",
    "name_calling": "A label for your partner will be hard to hear. Try saying what happened and how it felt to you.",
    "profanity": "Strong words at your partner can make them defend instead of listen. How did it feel, in plain words?",
    "contempt": 'This may land as a put-down. Try naming your own feeling: "I feel ... when ...".',
    "sarcasm": "Your partner may hear the edge more than the message. Try saying plainly what you wish had happened.",
    "criticism": 'This describes who your partner is, not what happened. Try: "When ... happened, I felt ...".',
    "blame": 'Your feelings are yours to tell. Try: "I felt ... when ..." instead of "you made me ...".',
    "feeling_judgement": '"I feel that you ..." is a thought about your partner. What is the feeling under it? (hurt, lonely, scared ...)',
    "absolutes": '"Always" and "never" invite a debate about the exceptions. Try one recent moment instead.',
    "you_statement": 'Try starting with "I": "I felt ... when ..., and what I\'d like is ...".',
    # mirror and summary
    "distortion": "Check the details: give back exactly what your partner said, who did what, and the feeling they named.",
    "rebuttal": "Your side matters too, and it will get its turn. For now, only give back what you heard.",
    "defence": "Explaining yourself can wait for your turn. For now, give back what you heard.",
    "advice": "No need to fix anything now: listening is the help. Give back what you heard.",
    "interpretation": "Stay with your partner's own words, without guessing at reasons they didn't give.",
    "topic_change": "Stay with what your partner just said; other topics can have their own dialogue.",
    "missing_feeling": "Include the feeling your partner named.",
    "missing_situation": "Include what happened, as your partner described it.",
    "missing_need": "Include what your partner said they would like.",
    # validate
    "dismissal": 'Your partner\'s feelings are real to them. Try: "It makes sense to me that you felt ..., because ...".',
    "but_rebuttal": '"But" takes the validation back. Stop at "because ..."; your view can come later.',
    "agreement": "Validation isn't agreeing or disagreeing: it says your partner makes sense from where they stand, and why.",
    "no_reason": 'Add the reason: "You make sense, because ..." with something your partner said.',
    "reason_not_from_source": "Give a reason from what your partner actually said, not your own explanation.",
    # empathize
    "own_feelings": 'Your feelings matter too; for now, imagine your partner\'s: "I imagine you might feel ...".',
    "thought_as_feeling": '"You feel that I ..." is a thought. Name a feeling instead: lonely, hurt, scared, relieved ...',
    "no_feeling": 'Try naming a feeling: "I imagine you might feel ..." (sad, frustrated, alone ...).',
    # request
    "demand": 'A request can be declined. Try: "Would you be willing to ... [what, when, how often] for [how long]?"',
    "negative": "Ask for what you'd like instead of what should stop: what would you love to happen?",
    "not_doable": "Choose something your partner can actually do, in their control, in a set time.",
    "vague": "Make it specific: what exactly would your partner do?",
    "not_measurable": "Add how often or how much, so you'll both know when it happened.",
    "no_time_frame": 'Add a time frame, such as "for the next two weeks".',
}
ORDER = tuple(BY_FLAG)
MIRROR_OK = 'You gave it back faithfully. Ask: "Did I get that? Is there more?"'


def suggestion_for(
    step: str, flags: list[str], crisis: str | None, missing: list[str]
) -> str | None:
    if crisis is not None:
        return CRISIS[crisis]
    for flag in ORDER:
        if flag in flags:
            text = BY_FLAG[flag]
            if flag.startswith("missing_") and missing:
                text += " Left out: " + ", ".join(f'"{m}"' for m in missing[:3]) + "."
            return text
    return None
