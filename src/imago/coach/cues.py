"""Cues: what the coach's rules notice in a text, each with where it is.

A cue is a named observation ("a character word after 'you are'", "no feeling word") with
the spans it covers. The learned heads (heads.py) weigh the cues of a step together with the
sentence model's reading; the spans become the highlights shown to the author. Every cue is
computed the same way in training and in use (features.py), so what was measured is what runs.
"""

from __future__ import annotations

import re

from imago.coach import lexicon as lx
from imago.coach.crisis import SWAP
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


# Sarcasm says praise and means a complaint: the praise and the grievance in one sentence
# ("Great job remembering my birthday, really impressive" after it was forgotten).
_PRAISE = {
    "thanks",
    "thank",
    "great",
    "lovely",
    "brilliant",
    "wonderful",
    "amazing",
    "perfect",
    "fantastic",
    "impressive",
    "impressed",
    "nice",
    "genius",
    "hero",
    "marvellous",
    "marvelous",
    "sweet",
    "thoughtful",
    "classy",
}
_GRIEVANCE = {
    "finally",
    "again",
    "forgot",
    "forgetting",
    "late",
    "never",
    "only",
    "ignoring",
    "ignored",
    "noticing",
    "bothering",
    "remembering",
    "another",
    "nothing",
    "mess",
    "hours",
    "exist",
    "once",
    "even",
    "ruining",
    "ruined",
    "leaving",
    "left",
}
_SCORN = ("🙄", "😒", "🤦", "🙃", "👏")


def _praise_with_grievance(text: Text) -> list[Span]:
    return [
        (sentence.start, sentence.end)
        for sentence in text.sentences
        if any(w in _PRAISE for w in sentence.lows) and any(w in _GRIEVANCE for w in sentence.lows)
    ]


# A label pinned on the partner: "you're such a ...", "what a ...", or "you" with one word
# and a pause ("you idiot.", "you muppet,"), the shape of name-calling whatever the word.
_NOT_LABELS = {
    "know",
    "too",
    "see",
    "guys",
    "two",
    "again",
    "all",
    "both",
    "ok",
    "okay",
    "said",
    "do",
    "did",
    "are",
    "were",
    "can",
    "will",
    "would",
    "could",
    "think",
    "mean",
    "want",
    "need",
    "feel",
    "felt",
    "there",
    "here",
    "back",
    "home",
    "out",
    "up",
    "now",
    "then",
    "today",
    "tonight",
    "tomorrow",
    "yesterday",
    "first",
    "later",
    "right",
    "so",
    "much",
    "more",
    "anyway",
}


def _labels(text: Text) -> list[Span]:
    spans = []
    raw = text.raw
    for sentence in text.sentences:
        lows, words = sentence.lows, sentence.words
        for i, w in enumerate(lows):
            after = lows[i + 1 : i + 3]
            if (w in ("you're", "youre", "ur") or (w == "you" and after[:1] == ("are",))) and (
                "such" in lows[i + 1 : i + 4]
                or (after and after[-1] in ("a", "an") and w != "you")
                or after[:2] == ("are", "a")
                or after[:2] == ("are", "an")
            ):
                spans.append((words[i].start, words[min(i + 3, len(words) - 1)].end))
            elif w in ("you", "u") and i + 1 < len(lows) and lows[i + 1] not in _NOT_LABELS:
                nxt = words[i + 1]
                tail = raw[nxt.end : nxt.end + 2]
                if (i + 2 == len(lows) or tail[:1] in (",", "!", ".", "?")) and len(nxt.low) > 2:
                    spans.append((words[i].start, nxt.end))
            elif w == "what" and after[:1] == ("a",) and i + 2 < len(lows):
                spans.append((words[i].start, words[i + 2].end))
    return spans


def text_cues(text: Text) -> Cues:
    """Cues read from one text alone."""
    words = len(text.words)
    thought_after_feel = _thought_after_feel(text)
    # A word masked with stars ("f***ing", "sh*t") is a swear word whichever it is.
    swears = lx.PROFANITY | {w for w in text.lows if "*" in w.strip("*")}
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
        "profanity_near_you": _near_you(text, swears, reach=4),
        "profanity": _words_in(text, swears),
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
        "you_accusation": you_accusations(text),
        "praise_with_grievance": _praise_with_grievance(text),
        "you_label": _labels(text),
    }
    if any(mark in text.raw for mark in _SCORN):
        cues["scorn_emoji"] = []
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
        if spans or name in ("number", "question", "exclamation", "too_long", "scorn_emoji")
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
# The sender's "I" as the receiver gives it back ("you"): the first-person half of the swap
# the crisis cues read replies with.
FIRST_TO_SECOND = {first: second for first, second in SWAP.items() if second.startswith("you")}


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


# Reflection cues: how a reply treats what the sender said, beyond which words it shares.

SUBJECTS = {
    "i": "first",
    "i'm": "first",
    "im": "first",
    "i've": "first",
    "i'd": "first",
    "i'll": "first",
    "me": "first",
    "my": "first",
    "you": "second",
    "u": "second",
    "you're": "second",
    "youre": "second",
    "you've": "second",
    "you'd": "second",
    "you'll": "second",
    "your": "second",
    "ur": "second",
}
# Turning from what the sender said to the receiver's own side.
CONTRAST = {"but", "however", "though", "although", "yet", "still", "nonetheless", "anyway"}
CONTRAST_PHRASES = phrases(
    "to be fair", "that said", "even so", "in fairness", "at the same time", "on the other hand"
)
# Softening or sharpening a feeling: "a bit annoyed" for "furious" changes what was said.
DEGREE = {
    "bit",
    "little",
    "slightly",
    "somewhat",
    "kinda",
    "mildly",
    "rather",
    "quite",
    "extremely",
    "totally",
    "completely",
    "absolutely",
    "furious",
    "devastated",
    "livid",
    # how often or how surely: "sometimes" given back as "every time", "maybe" as "must"
    "sometimes",
    "occasionally",
    "often",
    "always",
    "maybe",
    "must",
}
NEED_SAID = phrases(
    "i'd like",
    "i would like",
    "i want",
    "i need",
    "i wish",
    "i'd love",
    "i would love",
    "i hope",
    "could we",
    "can we",
    "could you",
    "would you",
    "can you",
    "i'd rather",
    "i'm asking",
    "please",
    "i'd really like",
    "i'd appreciate",
)
NEED_GIVEN = phrases(
    "you'd like",
    "you would like",
    "you want",
    "you need",
    "you wish",
    "you'd love",
    "you would love",
    "you hope",
    "you'd rather",
    "you're asking",
    "you are asking",
    "you'd really like",
    "you'd appreciate",
    "you asked",
    "you'd prefer",
    "you're hoping",
    "to ask",
    "your wish",
    "you wanted",
    "you needed",
)


def _persons(lows: tuple[str, ...]) -> dict[str, set[str]]:
    """Each content word's stem with the person of the pronoun just before it (within three
    words): who does or feels what."""
    found: dict[str, set[str]] = {}
    for i, w in enumerate(lows):
        if w in _STOP or len(w) <= 2:
            continue
        for k in range(i - 1, max(-1, i - 4), -1):
            if lows[k] in SUBJECTS:
                found.setdefault(stem(w), set()).add(SUBJECTS[lows[k]])
                break
    return found


def _reason_at(text: Text) -> int | None:
    """Where a reply's reason begins: the first "because"/"since"/"given"... after its
    validation ("it makes sense") if it has one."""
    validation = text.find_phrases(lx.VALIDATION)
    after = validation[0][1] if validation else 0
    return next(
        (i for i, w in enumerate(text.words) if w.start >= after and w.low in lx.REASON), None
    )


def reason_clause(text: Text) -> str | None:
    """The reason a reply gives, from its reason word to the end of that sentence."""
    at = _reason_at(text)
    if at is None or at + 1 >= len(text.words):
        return None
    start = text.words[at + 1].start
    end = next((s.end for s in text.sentences if s.start <= start < s.end + 1), len(text.raw))
    return text.raw[start:end] or None


def _facts(lows: tuple[str, ...]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for w in lows:
        kind = "number" if any(c.isdigit() for c in w) else lx.FACT_OF.get(w)
        if kind is not None:
            found.setdefault(kind, set()).add(w)
    return found


def _facts_changed(lows: tuple[str, ...], said: tuple[str, ...]) -> int:
    """How many facts the reply gives of a kind the sender named (a number, a day, a
    month, a person) that are not the sender's own: "Friday" for "Wednesday"."""
    given, named = _facts(lows), _facts(said)
    return sum(len(given[kind] - named[kind]) for kind in given.keys() & named.keys())


def reflection_measures(text: Text, source: Text, step: str) -> dict[str, float]:
    lows, said = text.lows, source.lows
    # Roles swapped: a word the sender said of themselves ("I forgot") comes back said of the
    # receiver ("I forgot") instead of the sender ("you forgot").
    mine, theirs = _persons(lows), _persons(said)
    stem_spans = [(s, e) for s, e, _ in text.find_phrases(MIRROR_STEMS)]
    shared = [s for s in mine if s in theirs]
    expected = {"first": "second", "second": "first"}
    swapped = sum(1 for s in shared if not {expected[p] for p in theirs[s]} & mine[s] and mine[s])
    contrast_given = sum(w in CONTRAST for w in lows) + len(text.find_phrases(CONTRAST_PHRASES))
    contrast_said = sum(w in CONTRAST for w in said) + len(source.find_phrases(CONTRAST_PHRASES))
    degree_new = len({w for w in lows if w in DEGREE} - {w for w in said if w in DEGREE})
    degree_lost = len({w for w in said if w in DEGREE} - {w for w in lows if w in DEGREE})
    facts_changed = _facts_changed(lows, said)
    need_said = bool(source.find_phrases(NEED_SAID))
    need_given = bool(text.find_phrases(NEED_GIVEN))
    # Each of the sender's sentences: how much of its content comes back.
    given = content_stems(text)
    recalls = []
    for sentence in source.sentences:
        stems = {stem(w) for w in sentence.lows if w not in _STOP and len(w) > 2}
        if stems:
            recalls.append(len(stems & given) / len(stems))
    # A validation's reason: the words after "because"/"since"/"given", and whether they are
    # the sender's. A reason of the receiver's own is not drawn from what the sender said.
    validation = text.find_phrases(lx.VALIDATION)
    after = validation[0][1] if validation else 0
    reason_at = _reason_at(text)
    reason_share, contrast_after_validation = 1.0, 0.0
    if reason_at is not None:
        stems = {stem(w) for w in lows[reason_at + 1 :] if w not in _STOP and len(w) > 2}
        reason_share = len(stems & content_stems(source)) / len(stems) if stems else 0.0
    if validation:
        contrast_after_validation = float(
            any(w.low in CONTRAST for w in text.words if w.start >= after)
            or any(s >= after for s, _, _ in text.find_phrases(CONTRAST_PHRASES))
        )
    # The receiver's own side: sentences in the receiver's voice ("I was only ...", "I had
    # to ...") or of new matter, whose content the sender never said.
    said_stems = content_stems(source)
    novelty, own_side = 0.0, 0.0
    for sentence in text.sentences:
        stems = {stem(w) for w in sentence.lows if w not in _STOP and len(w) > 2}
        if len(stems) < 2:
            continue
        new = len(stems - said_stems) / len(stems)
        novelty = max(novelty, new)
        speaks = [
            i
            for i, w in enumerate(sentence.lows)
            if w in ("i", "i'm", "im", "i've", "i'd", "i'll", "i was")
            and not any(
                sentence.words[i].start >= s and sentence.words[i].end <= e for s, e in stem_spans
            )
        ]
        if speaks:
            own_side = max(own_side, new)
    return {
        "novelty_max": novelty,
        "own_side_new": own_side,
        "roles_swapped": swapped / max(1, len(shared)),
        "contrast_added": float(max(0, contrast_given - contrast_said)),
        "degree_changed": float(degree_new + degree_lost),
        "facts_changed": float(min(facts_changed, 3)),
        "need_missing": float(need_said and not need_given),
        "sentence_recall_min": min(recalls) if recalls else 1.0,
        "has_reason": 0.0 if reason_at is None else 1.0,
        "reason_from_source": reason_share,
        "contrast_after_validation": contrast_after_validation,
    }


# "you" as the subject of a complaint about what the partner did, not inside "when you ..."
# (the situation of an I-statement: "I felt hurt when you didn't call" is fine).
_SUBORDINATE = {"when", "if", "while", "after", "before", "because", "that", "since", "as", "how"}
_PAST_IRREGULAR = {
    "forgot",
    "left",
    "said",
    "told",
    "took",
    "made",
    "went",
    "came",
    "spent",
    "let",
    "broke",
    "lost",
    "threw",
    "put",
    "got",
    "ate",
    "sat",
    "sent",
    "kept",
    "didn't",
    "didnt",
    "never",
    "don't",
    "dont",
    "can't",
    "won't",
    "couldn't",
    "wouldn't",
    "just",
    "even",
    "only",
}


def you_accusations(text: Text) -> list[Span]:
    spans = []
    for sentence in text.sentences:
        lows = sentence.lows
        for i, w in enumerate(lows[:-1]):
            if w not in ("you", "u") or any(x in _SUBORDINATE for x in lows[max(0, i - 2) : i]):
                continue
            nxt = lows[i + 1]
            if nxt in _PAST_IRREGULAR or (nxt.endswith("ed") and len(nxt) > 4):
                spans.append((sentence.words[i].start, sentence.words[i + 1].end))
    return spans
