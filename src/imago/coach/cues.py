"""Cues: what the coach's rules notice in a text, each with where it is.

A cue is a named observation ("a character word after 'you are'", "no feeling word") with
the spans it covers. The learned heads (heads.py) weigh the cues of a step together with the
sentence model's reading; the spans become the highlights shown to the author. Every cue is
computed the same way in training and in use (features.py), so what was measured is what runs.
"""

from __future__ import annotations

import re

from imago.coach import lexicon as lx
from imago.coach.text import Text, phrases

Span = tuple[int, int]
Cues = dict[str, list[Span]]  # cue name -> spans (an empty list is a cue without a place)

LONG_WORDS = 60
LONG_SENTENCES = 4

_NUMBER = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|"
    r"forty|fifty|sixty|half|a couple|once|twice)\b"
)
_DIGIT = re.compile(r"\d")


def _hits(text: Text, group: tuple[tuple[str, ...], ...]) -> list[Span]:
    return [(start, end) for start, end, _ in text.find_phrases(group)]


def _words_in(text: Text, words: set[str]) -> list[Span]:
    return [(w.start, w.end) for w in text.words if w.low in words]


def _near_you(text: Text, words: set[str], reach: int = 3) -> list[Span]:
    """Words of the set within `reach` words of a second-person word, in the same sentence."""
    spans = []
    for sentence in text.sentences:
        lows = sentence.lows
        yous = [i for i, w in enumerate(lows) if w in lx.YOU]
        for i, w in enumerate(lows):
            if w in words and any(abs(i - j) <= reach for j in yous):
                word = sentence.words[i]
                spans.append((word.start, word.end))
    return spans


def _after_you_are(text: Text, words: set[str]) -> list[Span]:
    """A word of the set shortly after "you are" / "you're" / "ur" (a verdict on the person)."""
    spans = []
    lows = text.lows
    for i, w in enumerate(lows):
        is_you_are = w in ("you're", "youre", "ur") or (
            w in ("you", "u") and i + 1 < len(lows) and lows[i + 1] in ("are", "were", "r")
        )
        if not is_you_are:
            continue
        for k in range(i + 1, min(i + 6, len(lows))):
            if lows[k] in words:
                spans.append((text.words[k].start, text.words[k].end))
                break
    return spans


def _feeling_words(text: Text) -> list[Span]:
    return _words_in(text, lx.FEELINGS)


def _thought_after_feel(text: Text) -> list[Span]:
    """ "feel that / like / as if / you ..." : a thought where a feeling would be."""
    spans = []
    lows = text.lows
    for i, w in enumerate(lows[:-1]):
        if w in lx.FEELING_STEMS and lows[i + 1] in lx.THOUGHT_AFTER_FEEL:
            # "feel like going for a walk" is a wish; "feel like you..." is a judgement.
            if lows[i + 1] == "like" and (i + 2 >= len(lows) or lows[i + 2].endswith("ing")):
                continue
            spans.append((text.words[i].start, text.words[i + 1].end))
    return spans


def _starts_with_you(text: Text) -> list[Span]:
    spans = []
    for sentence in text.sentences:
        lows = sentence.lows
        head = lows[:3]
        if head and (
            head[0] in lx.YOU
            or (
                len(head) > 1
                and head[0] in ("and", "but", "so", "oh", "well", "honestly", "seriously")
                and head[1] in lx.YOU
            )
        ):
            spans.append((sentence.start, sentence.end))
    return spans


_NEGATIONS = {
    "not",
    "never",
    "no",
    "don't",
    "dont",
    "didn't",
    "didnt",
    "doesn't",
    "doesnt",
    "won't",
    "wont",
    "can't",
    "cant",
    "couldn't",
    "wouldn't",
    "haven't",
    "hasn't",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "shouldn't",
    "nothing",
    "nobody",
}


def text_cues(text: Text) -> Cues:
    """Cues read from one text alone."""
    words = len(text.words)
    thought_after_feel = _thought_after_feel(text)
    positive_stop = set(_hits(text, lx.POSITIVE_STOP))  # "stop by the bakery" asks for something
    cues: Cues = {
        "absolute_near_you": _near_you(text, lx.ABSOLUTES, reach=2)
        + _hits(text, lx.ABSOLUTE_PHRASES),
        "feeling_judgement": _hits(text, lx.FEELING_JUDGEMENT) + thought_after_feel,
        "blame": _hits(text, lx.BLAME),
        "trait_after_you_are": _after_you_are(text, lx.TRAITS),
        "character": _hits(text, lx.CHARACTER_PHRASES),
        "trait_word": _words_in(text, lx.TRAITS),
        "insult_near_you": _near_you(text, lx.INSULTS, reach=4) + _hits(text, lx.INSULT_PHRASES),
        "insult_word": _words_in(text, lx.INSULTS),
        "profanity_near_you": _near_you(text, lx.PROFANITY, reach=4),
        "profanity": _words_in(text, lx.PROFANITY),
        "contempt": _hits(text, lx.CONTEMPT),
        "sarcasm": _hits(text, lx.SARCASM),
        "feeling_word": _feeling_words(text),
        "starts_with_you": _starts_with_you(text),
        "negation_near_you": _near_you(text, _NEGATIONS, reach=2),
        "rebuttal": _hits(text, lx.REBUTTAL),
        "defence": _hits(text, lx.DEFENCE),
        "advice": _hits(text, lx.ADVICE),
        "interpretation": _hits(text, lx.INTERPRETATION),
        "dismissal": _hits(text, lx.DISMISSAL),
        "agreement": _hits(text, lx.AGREEMENT),
        "validation": _hits(text, lx.VALIDATION),
        "reason_word": _words_in(text, lx.REASON),
        "empathy_stem": _hits(text, lx.EMPATHY),
        "own_feeling": _hits(text, lx.OWN_FEELING),
        "thought_after_feel": thought_after_feel,
        "request_form": _hits(text, lx.REQUEST_FORM),
        "negative_request": [s for s in _hits(text, lx.NEGATIVE_REQUEST) if s not in positive_stop],
        "vague_word": _words_in(text, lx.VAGUE),
        "frequency": _hits(text, lx.FREQUENCY),
        "vague_amount": _hits(text, lx.VAGUE_AMOUNT),
        "time_frame": _hits(text, lx.TIME_FRAME),
        "not_doable": _hits(text, lx.NOT_DOABLE),
        "demand": _hits(text, lx.DEMAND),
    }
    lowered = text.lowered
    if _NUMBER.search(lowered) or _DIGIT.search(text.raw):
        cues["number"] = []
    if "?" in text.raw:
        cues["question"] = []
    if "!" in text.raw:
        cues["exclamation"] = []
    if any(len(w.text) > 2 and w.text.isupper() for w in text.words):
        cues["shouting"] = [
            (w.start, w.end) for w in text.words if len(w.text) > 2 and w.text.isupper()
        ]
    if words > LONG_WORDS or len(text.sentences) > LONG_SENTENCES:
        cues["too_long"] = [(0, len(text.raw))]
    return {
        name: spans
        for name, spans in cues.items()
        if spans or name in ("number", "question", "exclamation", "too_long")
    }


def measures(text: Text) -> dict[str, float]:
    """Numbers about a text, scaled to about 0..1."""
    words = max(1, len(text.words))
    lows = text.lows
    return {
        "words": min(len(text.words) / LONG_WORDS, 3.0),
        "sentences": min(len(text.sentences) / LONG_SENTENCES, 3.0),
        "you_share": sum(w in lx.YOU for w in lows) / words,
        "i_share": sum(w in lx.ME for w in lows) / words,
        "feeling_share": sum(w in lx.FEELINGS for w in lows) / words,
    }


# Pair cues: a reply (mirror, summary, validation, empathy) against what the sender said.

_STOP = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "so",
    "to",
    "of",
    "in",
    "on",
    "at",
    "for",
    "with",
    "is",
    "was",
    "are",
    "were",
    "be",
    "been",
    "it",
    "that",
    "this",
    "i",
    "you",
    "me",
    "my",
    "your",
    "we",
    "us",
    "our",
    "he",
    "she",
    "they",
    "them",
    "his",
    "her",
    "their",
    "just",
    "really",
    "very",
    "if",
    "when",
    "then",
    "about",
    "what",
    "which",
    "who",
    "do",
    "did",
    "does",
    "have",
    "has",
    "had",
    "not",
    "no",
    "don't",
    "didn't",
    "i'm",
    "you're",
    "it's",
    "feel",
    "felt",
    "feeling",
    "got",
    "get",
    "saying",
    "said",
    "say",
    "hear",
    "hearing",
    "there",
    "here",
    "all",
    "as",
    "up",
    "out",
    "by",
    "from",
    "like",
    "would",
    "could",
    "can",
    "will",
    "am",
    "im",
    "because",
    "also",
    "too",
    "more",
    "some",
    "any",
    "than",
}
_SUFFIXES = ("ingly", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly", "ness", "ful")
FIRST_TO_SECOND = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
}


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(text: Text) -> set[str]:
    return {stem(w) for w in text.lows if w not in _STOP and len(w) > 2}


MIRROR_STEMS = phrases(
    "if i got it",
    "if i got that",
    "if i'm getting",
    "if i am getting",
    "what i'm hearing",
    "what i hear",
    "i'm hearing",
    "i hear",
    "let me see if",
    "did i get",
    "is that right",
    "is there more",
    "so you're saying",
    "you're saying",
    "you are saying",
    "you said",
    "let me make sure",
    "i want to make sure",
    "i heard",
    "i got it",
    "if i heard",
)


def _first_person_outside_stems(text: Text) -> int:
    stems = {
        i
        for s, e, _ in text.find_phrases(MIRROR_STEMS)
        for i, w in enumerate(text.words)
        if s <= w.start < e
    }
    return sum(
        1
        for i, w in enumerate(text.lows)
        if w in ("i", "me", "my", "i'm", "i've", "myself", "mine") and i not in stems
    )


def pair_measures(text: Text, source: Text) -> dict[str, float]:
    """How much of what the sender said the reply gives back, and how."""
    said = content_stems(source)
    given = content_stems(text)
    feelings_said = {w for w in source.lows if w in lx.FEELINGS}
    feelings_given = {w for w in text.lows if w in lx.FEELINGS}
    recall = len(said & given) / len(said) if said else 1.0
    added = len(given - said) / len(given) if given else 0.0
    feeling_recall = (
        len(feelings_said & feelings_given) / len(feelings_said) if feelings_said else 1.0
    )
    feelings_new = len(feelings_given - feelings_said) / (len(feelings_given) or 1)
    words_ratio = len(text.words) / max(1, len(source.words))
    # Roles kept: the sender's "I" is the receiver's "you". A reply that says "I" where the
    # sender did (outside stems such as "if I got it") may have swapped them.
    first_person = _first_person_outside_stems(text) / max(1, len(text.words))
    return {
        "recall": recall,
        "added": added,
        "feeling_recall": feeling_recall,
        "feelings_new": feelings_new,
        "source_has_feeling": 1.0 if feelings_said else 0.0,
        "words_ratio": min(words_ratio, 3.0),
        "first_person": first_person,
    }


def missing_phrases(text: Text, source: Text, limit: int = 5) -> list[str]:
    """The sender's content words (as written) that the reply does not give back, in order."""
    given = content_stems(text)
    missing = []
    for word in source.words:
        low = word.low
        if low in _STOP or len(low) <= 2 or stem(low) in given:
            continue
        if word.text not in missing:
            missing.append(word.text)
        if len(missing) >= limit:
            break
    return missing
