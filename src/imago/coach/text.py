"""Reading a text: words and sentences with their character positions, in the original text.

The coach marks what it found as spans of the text the person wrote, so every position here
is an offset into that text, never into a cleaned copy. Words are compared lowercased and
with curly apostrophes read as straight ones, so "don’t" and "don't" are one word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

# Letters of any script, digits, and apostrophes inside a word ("don't", "partner's"). Stars
# inside a word keep "f***ing" one word, as people write it.
_WORD = re.compile(r"[^\W_]+(?:['’*][^\W_]+|\*+)*|\*+[^\W_]+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’)]*\s+|\n\s*\n|[.!?…]+[\"”’)]*$|\n")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


@dataclass(frozen=True)
class Word:
    text: str  # as written
    start: int
    end: int

    @cached_property
    def low(self) -> str:
        return self.text.lower().translate(_APOSTROPHES)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    words: tuple[Word, ...]

    @cached_property
    def lows(self) -> tuple[str, ...]:
        return tuple(w.low for w in self.words)


class Text:
    """A text read once: its words, its sentences, and look-ups the checks share."""

    def __init__(self, raw: str):
        self.raw = raw
        self.words: tuple[Word, ...] = tuple(
            Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(raw)
        )
        self.sentences = _sentences(raw, self.words)

    @cached_property
    def lows(self) -> tuple[str, ...]:
        return tuple(w.low for w in self.words)

    @cached_property
    def _places(self) -> _Places:
        return _Places(self.lows)

    @cached_property
    def lowered(self) -> str:
        """The text lowercased with straight apostrophes and single spaces, for phrase
        searches; positions in it are not positions in the text (use find_phrases)."""
        return " ".join(self.lows)

    def find_phrases(
        self, phrases: Iterable[tuple[str, ...]], lows: tuple[str, ...] | None = None
    ) -> list[tuple[int, int, str]]:
        """Every occurrence of each phrase (a tuple of lowercased words, "*" matching any one
        word, a trailing "-" on a word matching any word it begins), as spans of the text.
        `lows`: the words to read instead of the text's own (one for one, as a reply read
        from the sender's side)."""
        lows = self.lows if lows is None else lows
        index = _index(phrases)
        # Only the places where a phrase can stand: each phrase is looked up by its first
        # word that is not "*" (its anchor), so a review that runs some fifty lists over the
        # same words tries each word only against the phrases anchored on it.
        places = self._places if lows is self.lows else _Places(lows)
        found = []  # (which phrase, where): the order a plain loop over phrases would give
        for entries, at in places.meet(index):
            for number, phrase, plain, offset in entries:
                found += [
                    (number, i - offset, phrase)
                    for i in at
                    if i >= offset and _fits(phrase, plain, lows, i - offset)
                ]
        for number, phrase, plain, _ in index.unanchored:
            everywhere = range(len(lows))
            found += [(number, i, phrase) for i in everywhere if _fits(phrase, plain, lows, i)]
        found.sort(key=lambda hit: (hit[0], hit[1]))
        return [
            (self.words[i].start, self.words[i + len(p) - 1].end, " ".join(p)) for _, i, p in found
        ]


# (number in the list, phrase, whether every word is plain (no "*", no prefix "..-"), where
# its anchor stands in it)
_Entry = tuple[int, tuple[str, ...], bool, int]


@dataclass(frozen=True)
class _Index:
    by_word: dict[str, tuple[_Entry, ...]]  # phrases by their anchor, a plain word
    by_prefix: dict[int, dict[str, tuple[_Entry, ...]]]  # anchor "..-", by the prefix's length
    unanchored: tuple[_Entry, ...]  # every word "*"


_indexes: dict[int, tuple[object, _Index]] = {}


def _index(phrases: Iterable[tuple[str, ...]]) -> _Index:
    """The phrases by their anchor, so each word of a text is tried only against the
    phrases that can stand on it (the lists are long and a review reads them all). Kept per
    list: the lists are module constants."""
    kept = _indexes.get(id(phrases))
    if kept is not None and kept[0] is phrases:
        return kept[1]
    by_word: dict[str, list[_Entry]] = {}
    by_prefix: dict[int, dict[str, list[_Entry]]] = {}
    unanchored = []
    for number, words in enumerate(phrases):
        phrase = tuple(words)  # compared with a slice of the text's words (a tuple)
        plain = not any(_open(w) for w in phrase)
        offset = next((k for k, w in enumerate(phrase) if w != "*"), None)
        if offset is None:
            unanchored.append((number, phrase, plain, 0))
            continue
        anchor, entry = phrase[offset], (number, phrase, plain, offset)
        if anchor.endswith("-"):
            by_length = by_prefix.setdefault(len(anchor) - 1, {})
            by_length.setdefault(anchor[:-1], []).append(entry)
        else:
            by_word.setdefault(anchor, []).append(entry)
    index = _Index(
        {w: tuple(e) for w, e in by_word.items()},
        {n: {w: tuple(e) for w, e in found.items()} for n, found in by_prefix.items()},
        tuple(unanchored),
    )
    if isinstance(phrases, tuple):
        if len(_indexes) > 512:  # a list made for one text (a sender's words) is not kept long
            _indexes.clear()
        _indexes[id(phrases)] = (phrases, index)
    return index


def _open(pattern: str) -> bool:
    """Whether a phrase's word matches more than itself: "*" (any word) or "..-" (a prefix)."""
    return pattern == "*" or pattern.endswith("-")


class _Places:
    """Where each word stands (lowercased), and each word's first letters, for phrase
    searches."""

    def __init__(self, lows: tuple[str, ...]):
        self.words: dict[str, list[int]] = {}
        for i, low in enumerate(lows):
            self.words.setdefault(low, []).append(i)
        self._prefixes: dict[int, dict[str, list[int]]] = {}

    def prefixes(self, length: int) -> dict[str, list[int]]:
        """Where each word of at least `length` letters stands, by its first letters."""
        found = self._prefixes.get(length)
        if found is None:
            found = {}
            for word, at in self.words.items():
                if len(word) >= length:
                    found.setdefault(word[:length], []).extend(at)
            self._prefixes[length] = found
        return found

    def meet(self, index: _Index) -> Iterator[tuple[tuple[_Entry, ...], list[int]]]:
        """Each anchor of the index found in the text, with its phrases and places. Looked
        up from whichever side is shorter: a list of three phrases over a long text, or a
        short text against a list of two hundred."""
        yield from _meet(index.by_word, self.words)
        for length, prefixes in index.by_prefix.items():
            yield from _meet(prefixes, self.prefixes(length))


def _meet(
    anchors: dict[str, tuple[_Entry, ...]], places: dict[str, list[int]]
) -> Iterator[tuple[tuple[_Entry, ...], list[int]]]:
    if len(anchors) <= len(places):
        return ((entries, places[w]) for w, entries in anchors.items() if w in places)
    return ((anchors[w], at) for w, at in places.items() if w in anchors)


def _fits(phrase: tuple[str, ...], plain: bool, lows: tuple[str, ...], i: int) -> bool:
    """Whether the phrase stands in the words from position i."""
    if plain:  # most phrases: one comparison of two tuples
        return lows[i : i + len(phrase)] == phrase
    return i + len(phrase) <= len(lows) and all(
        _matches(p, lows[i + k]) for k, p in enumerate(phrase)
    )


def _matches(pattern: str, word: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("-"):
        return word.startswith(pattern[:-1])
    return pattern == word


def phrases(*texts: str) -> tuple[tuple[str, ...], ...]:
    """Phrases written as plain strings ("every time", "you make- me"), split into words."""
    return tuple(tuple(t.lower().split()) for t in texts)


def _sentences(raw: str, words: tuple[Word, ...]) -> tuple[Sentence, ...]:
    sentences = []
    start = 0
    bounds = [m.end() for m in _SENTENCE_END.finditer(raw)] + [len(raw)]
    i = 0
    for end in bounds:
        if end <= start:
            continue
        chunk = []
        while i < len(words) and words[i].start < end:
            chunk.append(words[i])
            i += 1
        if chunk:
            sentences.append(Sentence(chunk[0].start, chunk[-1].end, tuple(chunk)))
        start = end
    return tuple(sentences)
