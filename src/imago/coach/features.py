"""What the heads read: a step's cues and measures, and the sentence model's vectors.

One function builds the numbers for training (train.py) and for use (review), so the two
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imago.coach import cues as cue_rules
from imago.coach.crisis import crisis_cues
from imago.coach.model import DIMENSIONS, encode
from imago.coach.text import Text

STEPS = ("send", "mirror", "summary", "validate", "empathize", "request")
PAIRED = ("mirror", "summary", "validate", "empathize")  # read against what the sender said

FLAGS = {
    "send": (
        "blame",
        "criticism",
        "contempt",
        "sarcasm",
        "name_calling",
        "profanity",
        "absolutes",
        "you_statement",
        "feeling_judgement",
        "too_long",
    ),
    "mirror": (
        "missing_feeling",
        "missing_situation",
        "missing_need",
        "distortion",
        "rebuttal",
        "defence",
        "advice",
        "interpretation",
        "topic_change",
    ),
    "validate": ("no_reason", "reason_not_from_source", "but_rebuttal", "dismissal", "agreement"),
    "empathize": ("no_feeling", "thought_as_feeling", "own_feelings", "advice"),
    "request": ("negative", "vague", "not_measurable", "no_time_frame", "not_doable", "demand"),
}
FLAGS["summary"] = FLAGS["mirror"]
# The head a step is read by: a summary is a long mirror, and they learn together.
HEAD_OF = {step: ("mirror" if step == "summary" else step) for step in STEPS}

CUE_NAMES = (
    "absolute_near_you",
    "feeling_judgement",
    "blame",
    "trait_after_you_are",
    "character",
    "trait_word",
    "insult_near_you",
    "insult_word",
    "profanity_near_you",
    "profanity",
    "contempt",
    "sarcasm",
    "feeling_word",
    "starts_with_you",
    "negation_near_you",
    "rebuttal",
    "defence",
    "advice",
    "interpretation",
    "dismissal",
    "agreement",
    "validation",
    "reason_word",
    "empathy_stem",
    "own_feeling",
    "thought_after_feel",
    "request_form",
    "negative_request",
    "vague_word",
    "frequency",
    "vague_amount",
    "time_frame",
    "not_doable",
    "demand",
    "number",
    "question",
    "exclamation",
    "shouting",
    "too_long",
    "crisis_self_harm",
    "crisis_violence",
    "crisis_abuse",
    "crisis_figurative",
)
MEASURES = ("words", "sentences", "you_share", "i_share", "feeling_share")
PAIR_MEASURES = (
    "recall",
    "added",
    "feeling_recall",
    "feelings_new",
    "source_has_feeling",
    "words_ratio",
    "first_person",
    "cosine",
    "coverage_min",
    "coverage_mean",
    "is_summary",
)


@dataclass
class Reading:
    """A text read for one step: cues with their spans, and the numbers the heads take."""

    text: Text
    cues: dict[str, list[tuple[int, int]]]
    vector: np.ndarray  # cues, measures, [pair measures], sentence-model vector
    sentence_vectors: np.ndarray  # one row per sentence (for the crisis head)
    source: Text | None = None


def read(step: str, raw: str, source: str | None = None) -> Reading:
    text = Text(raw)
    cues = cue_rules.text_cues(text) | crisis_cues(text)
    # How often each cue is there (up to 3); a cue without a place (a question mark) counts 1.
    counts = [float(min(len(cues[n]), 3) or 1) if n in cues else 0.0 for n in CUE_NAMES]
    measures = cue_rules.measures(text)
    numbers = [*counts, *(measures[m] for m in MEASURES)]

    sentences = [raw[s.start : s.end] for s in text.sentences] or [raw]
    source_text = Text(source) if step in PAIRED and source is not None else None
    source_sentences: list[str] = []
    if source is not None and source_text is not None:
        source_sentences = [source[s.start : s.end] for s in source_text.sentences] or [source]
    extra = [source] if source is not None and source_text is not None else []
    vectors = encode([raw, *sentences, *source_sentences, *extra])
    whole = vectors[0]
    sentence_vectors = vectors[1 : 1 + len(sentences)]

    if source_text is not None:
        source_vectors = vectors[1 + len(sentences) : 1 + len(sentences) + len(source_sentences)]
        source_whole = vectors[-1]
        pair = cue_rules.pair_measures(text, source_text)
        # How well each of the sender's sentences is given back by some sentence of the reply.
        coverage = (source_vectors @ np.vstack([sentence_vectors, whole[None, :]]).T).max(axis=1)
        pair |= {
            "cosine": float(whole @ source_whole),
            "coverage_min": float(coverage.min()),
            "coverage_mean": float(coverage.mean()),
            "is_summary": 1.0 if step == "summary" else 0.0,
        }
        numbers += [pair[m] for m in PAIR_MEASURES]
    elif step in PAIRED:
        numbers += [0.0] * len(PAIR_MEASURES)
    vector = np.concatenate([np.asarray(numbers, dtype=np.float32), whole])
    return Reading(text, cues, vector, sentence_vectors, source_text)


def crisis_vector(reading: Reading) -> np.ndarray:
    """The crisis head's input for the whole text: its crisis cues and its vector."""
    return _crisis_numbers(reading.cues, reading.vector[-DIMENSIONS:])


def crisis_sentence_vectors(reading: Reading) -> np.ndarray:
    """The crisis head's input per sentence: the sentence's own cues and vector, so one
    sentence of crisis in a long message is read as it is."""
    rows = []
    for sentence, vector in zip(reading.text.sentences, reading.sentence_vectors, strict=False):
        spans = {
            name: [s for s in found if sentence.start <= s[0] < sentence.end + 1]
            for name, found in reading.cues.items()
            if name.startswith("crisis_")
        }
        rows.append(_crisis_numbers({k: v for k, v in spans.items() if v}, vector))
    return np.vstack(rows) if rows else np.zeros((0, 4 + DIMENSIONS), dtype=np.float32)


def _crisis_numbers(cues: dict[str, list[tuple[int, int]]], vector: np.ndarray) -> np.ndarray:
    flags = [
        1.0 if f"crisis_{name}" in cues else 0.0
        for name in ("self_harm", "violence", "abuse", "figurative")
    ]
    return np.concatenate([np.asarray(flags, dtype=np.float32), vector])
