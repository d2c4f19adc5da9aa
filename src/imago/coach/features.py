"""What the heads read: a step's cues and measures, and the sentence model's vectors.

One function builds the numbers for training (train.py) and for use (review), so the two
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imago.coach import cues as cue_rules
from imago.coach.crisis import CUES as CRISIS_CUES
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
    "you_accusation",
    "praise_with_grievance",
    "scorn_emoji",
    "you_label",
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
    "roles_swapped",
    "contrast_added",
    "degree_changed",
    "need_missing",
    "sentence_recall_min",
    "has_reason",
    "reason_from_source",
    "contrast_after_validation",
    "drift",
    "novelty_max",
    "own_side_new",
    "reason_cosine",
    "facts_changed",
)


@dataclass
class Reading:
    """A text read for one step: cues with their spans, and the numbers the heads take."""

    text: Text
    cues: dict[str, list[tuple[int, int]]]
    vector: np.ndarray  # cues, measures, [pair measures, stray sentence's vector], vector
    sentence_vectors: np.ndarray  # one row per sentence (for the crisis head)
    source: Text | None = None
    # The sender's message, read for crisis as the sender's own words: a reply that gives
    # back "I want to hurt myself" belongs to a crisis the sender named.
    source_cues: dict[str, list[tuple[int, int]]] | None = None
    source_vectors: np.ndarray | None = None  # the source whole, then each of its sentences


def _mean(rows: np.ndarray) -> np.ndarray:
    """The unit vector of several sentences together (one sentence: its own vector)."""
    mean: np.ndarray = rows.mean(axis=0).astype(np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean


def read(step: str, raw: str, source: str | None = None) -> Reading:
    text = Text(raw)
    cues = cue_rules.text_cues(text) | crisis_cues(text, reply=step in PAIRED)
    # How often each cue is there (up to 3); a cue without a place (a question mark) counts 1.
    counts = [float(min(len(cues[n]), 3) or 1) if n in cues else 0.0 for n in CUE_NAMES]
    measures = cue_rules.measures(text)
    numbers = [*counts, *(measures[m] for m in MEASURES)]

    sentences = [raw[s.start : s.end] for s in text.sentences] or [raw]
    source_text = Text(source) if step in PAIRED and source is not None else None
    source_sentences: list[str] = []
    if source is not None and source_text is not None:
        source_sentences = [source[s.start : s.end] for s in source_text.sentences] or [source]
    # A validation's reason read on its own, to see whether it is what the sender said.
    reason = cue_rules.reason_clause(text) if source_text is not None else None
    # Sentences only: a whole text is the mean of its sentences. The model's time grows with
    # every word it reads, and reading the whole beside its sentences read each word twice.
    vectors = encode([*sentences, *source_sentences, *([reason] if reason else [])])
    if reason:
        reason_vector, vectors = vectors[-1], vectors[:-1]
    sentence_vectors = vectors[: len(sentences)]
    whole = _mean(sentence_vectors)

    if source_text is not None:
        source_vectors = vectors[len(sentences) :]
        source_whole = _mean(source_vectors)
        pair = cue_rules.pair_measures(text, source_text)
        # How well each of the sender's sentences is given back by some sentence of the reply.
        coverage = (source_vectors @ np.vstack([sentence_vectors, whole[None, :]]).T).max(axis=1)
        # And how far each sentence of the reply strays from everything the sender said
        # (a closing "Did I get that?" is short and set aside).
        own = [
            row
            for row, s in zip(sentence_vectors, text.sentences, strict=False)
            if len(s.words) > 4
        ]
        reach = np.vstack([source_vectors, source_whole[None, :]])
        closeness = (np.vstack(own) @ reach.T).max(axis=1) if own else np.ones(1)
        drift = float(closeness.min())
        # The sentence that strays furthest, read on its own: what a reply adds after the
        # reflection ("I was only late because ...", "but everyone loved it") is often one
        # sentence, and its meaning is lost in the vector of the whole.
        stray = own[int(closeness.argmin())] if own else np.zeros(DIMENSIONS, dtype=np.float32)
        pair |= cue_rules.reflection_measures(text, source_text, step)
        pair |= {
            "reason_cosine": float((reach @ reason_vector).max()) if reason else 0.0,
            "drift": drift,
            "cosine": float(whole @ source_whole),
            "coverage_min": float(coverage.min()),
            "coverage_mean": float(coverage.mean()),
            "is_summary": 1.0 if step == "summary" else 0.0,
        }
        numbers += [pair[m] for m in PAIR_MEASURES]
        numbers += [float(v) for v in stray]
    elif step in PAIRED:
        numbers += [0.0] * (len(PAIR_MEASURES) + DIMENSIONS)
    vector = np.concatenate([np.asarray(numbers, dtype=np.float32), whole])
    if source_text is None:
        return Reading(text, cues, vector, sentence_vectors)
    source_rows = np.vstack([source_whole[None, :], source_vectors])
    return Reading(
        text, cues, vector, sentence_vectors, source_text, crisis_cues(source_text), source_rows
    )


def embedding_columns(step: str) -> int:
    """How many of a step's columns come from the sentence model (the last ones)."""
    return 2 * DIMENSIONS if step in PAIRED else DIMENSIONS


def crisis_vector(reading: Reading) -> np.ndarray:
    """The crisis head's input for the whole text: its crisis cues and its vector."""
    return _crisis_numbers(reading.cues, reading.vector[-DIMENSIONS:])


def crisis_rows(reading: Reading) -> np.ndarray:
    """Every row the crisis head reads for one text, the whole text first: each sentence on
    its own (one sentence of crisis in a long message is read as it is), and for a reply the
    sender's message and its sentences too. The text's crisis is its highest row."""
    rows = [crisis_vector(reading)]
    rows += _per_sentence(reading.text, reading.cues, reading.sentence_vectors)
    if reading.source is not None and reading.source_vectors is not None:
        cues = reading.source_cues or {}
        rows.append(_crisis_numbers(cues, reading.source_vectors[0]))
        rows += _per_sentence(reading.source, cues, reading.source_vectors[1:])
    return np.vstack(rows)


# Cues that speak for the whole text: "That was nine years ago" or "my sister told me" in
# one sentence changes what the sentence before it discloses.
WHOLE_TEXT = ("crisis_over", "crisis_retold")


def _per_sentence(
    text: Text, cues: dict[str, list[tuple[int, int]]], vectors: np.ndarray
) -> list[np.ndarray]:
    rows = []
    for sentence, vector in zip(text.sentences, vectors, strict=False):
        spans = {
            name: (
                found
                if name in WHOLE_TEXT
                else [s for s in found if sentence.start <= s[0] < sentence.end + 1]
            )
            for name, found in cues.items()
            if name.startswith("crisis_")
        }
        rows.append(_crisis_numbers({k: v for k, v in spans.items() if v}, vector))
    return rows


def _crisis_numbers(cues: dict[str, list[tuple[int, int]]], vector: np.ndarray) -> np.ndarray:
    flags = [1.0 if f"crisis_{name}" in cues else 0.0 for name in CRISIS_CUES]
    return np.concatenate([np.asarray(flags, dtype=np.float32), vector])
