"""review(step, text, source): the coach's answer for one piece of writing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imago.coach import cues as cue_rules
from imago.coach import features, heads
from imago.coach.crisis import KINDS
from imago.coach.suggestions import suggestion_for

MAX_CHARS = 20_000  # the dialogue's own limit for a turn; a longer text is refused, not read


class CoachInputError(ValueError):
    """The text cannot be reviewed (empty, too long, not text); the message says why."""


@dataclass(frozen=True)
class Span:
    start: int  # character offsets into the text as given
    end: int
    flag: str


@dataclass(frozen=True)
class Feedback:
    step: str
    ok: bool
    flags: list[str]
    crisis: str | None
    score: float | None  # a mirror's or summary's fidelity, 0..1; None for other steps
    suggestion: str | None
    spans: list[Span] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # the sender's words a mirror left out

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "ok": self.ok,
            "flags": list(self.flags),
            "crisis": self.crisis,
            "score": None if self.score is None else round(self.score, 3),
            "suggestion": self.suggestion,
            "spans": [{"start": s.start, "end": s.end, "flag": s.flag} for s in self.spans],
            "missing": list(self.missing),
        }


# Which cues mark where a flag is, for highlighting (the flag itself is the head's decision).
WHERE = {
    "blame": ("blame",),
    "criticism": ("trait_after_you_are", "character"),
    "contempt": ("contempt",),
    "sarcasm": ("sarcasm",),
    "name_calling": ("insult_near_you",),
    "profanity": ("profanity_near_you",),
    "absolutes": ("absolute_near_you",),
    "you_statement": ("starts_with_you",),
    "feeling_judgement": ("feeling_judgement",),
    "rebuttal": ("rebuttal",),
    "but_rebuttal": ("rebuttal",),
    "defence": ("defence",),
    "advice": ("advice",),
    "interpretation": ("interpretation",),
    "dismissal": ("dismissal",),
    "agreement": ("agreement",),
    "thought_as_feeling": ("thought_after_feel",),
    "own_feelings": ("own_feeling",),
    "negative": ("negative_request",),
    "vague": ("vague_word",),
    "not_measurable": ("vague_amount",),
    "not_doable": ("not_doable",),
    "demand": ("demand",),
}
CRISIS_WHERE = {kind: f"crisis_{kind}" for kind in KINDS}


def check(step: str, text: object, source: object) -> None:
    """Refuse what cannot be reviewed, with a message a person can act on."""
    if step not in features.STEPS:
        raise CoachInputError(f"Unknown step {step!r}: one of {', '.join(features.STEPS)}.")
    if not isinstance(text, str):
        raise CoachInputError("The text must be a string.")
    if not text.strip():
        raise CoachInputError("There is nothing to review yet: the text is empty.")
    if len(text) > MAX_CHARS:
        raise CoachInputError(
            f"This text is too long to review ({len(text):,} characters; at most {MAX_CHARS:,})."
        )
    if source is not None and not isinstance(source, str):
        raise CoachInputError("The source must be a string (what the sender said).")
    if source is not None and len(source) > MAX_CHARS:
        raise CoachInputError(
            f"The source is too long to review (at most {MAX_CHARS:,} characters)."
        )


def review(step: str, text: str, source: str | None = None) -> Feedback:
    check(step, text, source)
    if source is not None and not source.strip():
        source = None
    reading = features.read(step, text, source)
    learned = heads.load()
    head_step = features.HEAD_OF[step]

    flags: list[str] = []
    for flag in features.FLAGS[step]:
        if flag == "too_long":
            if "too_long" in reading.cues:
                flags.append(flag)
            continue
        if (
            step in features.PAIRED
            and reading.source is None
            and flag.startswith(("missing_", "reason_not"))
        ):
            continue  # nothing to compare with
        head = learned.get(f"{head_step}:{flag}")
        if head is not None and head.probability(reading.vector[None, :])[0] >= head.threshold:
            flags.append(flag)

    crisis = _crisis(reading, learned)
    spans = _spans(reading, flags, crisis)
    score = None
    missing: list[str] = []
    if step in ("mirror", "summary") and reading.source is not None:
        fidelity = learned.get("mirror:fidelity")
        score = (
            float(fidelity.probability(reading.vector[None, :])[0])
            if fidelity is not None
            else None
        )
        missing = cue_rules.missing_phrases(reading.text, reading.source)
    return Feedback(
        step=step,
        ok=not flags and crisis is None,
        flags=flags,
        crisis=crisis,
        score=score,
        suggestion=suggestion_for(step, flags, crisis, missing),
        spans=spans,
        missing=missing if any(f.startswith("missing_") for f in flags) else [],
    )


def _crisis(reading: features.Reading, learned: heads.Heads) -> str | None:
    """A crisis when the mean of the any-crisis head and the likeliest kind's head, each at
    its highest row (the whole text, a sentence, or a reply's source), reaches the
    threshold (train.py); the kind is the likeliest kind."""
    rows = features.crisis_rows(reading)
    found = learned.get("crisis:any")
    if found is None:
        return None
    best, best_p = None, -1.0
    for kind in KINDS:
        head = learned.get(f"crisis:{kind}")
        if head is not None and (p := float(head.probability(rows).max())) > best_p:
            best, best_p = kind, p
    alarm = (float(found.probability(rows).max()) + best_p) / 2
    return best if alarm >= found.threshold else None


def _spans(reading: features.Reading, flags: list[str], crisis: str | None) -> list[Span]:
    spans = []
    for flag in flags:
        for cue in WHERE.get(flag, ()):
            spans += [Span(s, e, flag) for s, e in reading.cues.get(cue, [])]
    if crisis is not None:
        spans += [Span(s, e, crisis) for s, e in reading.cues.get(CRISIS_WHERE[crisis], [])]
    return sorted(set(spans), key=lambda s: (s.start, s.end, s.flag))
