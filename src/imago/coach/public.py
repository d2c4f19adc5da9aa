"""The coach on public labelled sets: the second half of `imago coach --eval`.

The sets live outside the repository, in a datasets folder (../shared/datasets from a checkout;
every folder's README.md gives its source, licence and columns). They are read from disk and
nothing is downloaded. None of them was written for couples, so each figure is a proxy and its
one line of output says what it measures.

Evaluation only: nothing here is trained or tuned on. EPITOME in particular must never be
trained on (its licence was changed after publication; see epitome_empathy/README.md).

Each set is one function, folder -> Result, that reads the set's file, runs review() on it and
returns its figures. Large sets are sampled with a fixed seed, so a run is repeatable and the
whole report stays near a minute on one core (about 8 ms per short text).
"""

from __future__ import annotations

import ast
import csv
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypeVar

import numpy as np
import numpy.typing as npt

from imago.coach import Feedback, review
from imago.coach.review import MAX_CHARS

SEED = 4  # issue 4: one seed for every sample, so every run reads the same rows
T = TypeVar("T")

# HateCheck: the two threat functionalities, and the non-hateful ones that must not raise a
# crisis. target_indiv_nh and target_group_nh are left out: they are "non-hateful" only because
# no protected group is targeted, and they hold threats ("I am going to shoot you"), which are
# crises by our guide.
THREATS = ("threat_dir_h", "threat_norm_h")
HARD_NEGATIVES = (
    "counter_quote_nh",
    "counter_ref_nh",
    "negate_neg_nh",
    "profanity_nh",
    "target_obj_nh",
    "ident_pos_nh",
    "ident_neutral_nh",
    "slur_homonym_nh",
    "slur_reclaimed_nh",
)
CSSRS_LABELS = ("Supportive", "Indicator", "Ideation", "Behavior", "Attempt")  # rising risk
CSSRS_USERS_PER_LABEL = 15  # a user has about 70 sentences; all 500 would take minutes
# GoEmotions: the anger group of its ekman_mapping.json, against neutral and the joy group
# (its positive emotions).
HOSTILE = frozenset({"anger", "annoyance", "disapproval"})
CALM = frozenset(
    {
        "neutral",
        "admiration",
        "amusement",
        "approval",
        "caring",
        "desire",
        "excitement",
        "gratitude",
        "joy",
        "love",
        "optimism",
        "pride",
        "relief",
    }
)
GOEMOTIONS_PER_GROUP = 400
POLITENESS_PER_QUARTILE = 300
EPITOME_PER_LEVEL = 100  # a pair is a Reddit post and a reply, about 7 sentences together


class Unreadable(Exception):
    """A set's file is missing or not in the form its README describes: the set is skipped."""


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None  # a share (0..1) or a correlation; None when there was nothing to count
    n: int  # how many texts, users or pairs it is over
    meaning: str  # one line: what was counted, on what
    hits: int | None = None  # for a share: how many of the n
    unit: str = "texts"

    def line(self) -> str:
        if self.value is None:
            shown = f"n/a ({self.n} {self.unit})"
        elif self.hits is None:
            shown = f"rho {self.value:+.3f} ({self.n} {self.unit})"
        else:
            shown = f"{100 * self.value:5.1f} % ({self.hits}/{self.n} {self.unit})"
        return f"  {self.key:32s} {shown:26s} {self.meaning}"


@dataclass
class Result:
    notes: list[str] = field(default_factory=list)  # sample sizes, rows left out and why
    figures: list[Figure] = field(default_factory=list)

    def get(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


# -- the measures --------------------------------------------------------------------------


def share(key: str, hits: Sequence[bool], meaning: str, unit: str = "texts") -> Figure:
    """The share of the cases where something happened."""
    found = sum(hits)
    return Figure(key, found / len(hits) if hits else None, len(hits), meaning, found, unit)


def ranks(values: Sequence[float]) -> npt.NDArray[np.float64]:
    """Ranks from 1, tied values sharing the mean of their ranks (as Spearman's rho needs)."""
    x = np.asarray(values, dtype=np.float64)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts  # how many values are smaller than each distinct one
    mean_rank: npt.NDArray[np.float64] = (below + (counts + 1) / 2)[inverse]
    return mean_rank


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's correlation of the ranks; None if either side is constant."""
    ra, rb = ranks(a), ranks(b)
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def sample(rows: Sequence[T], at_most: int) -> list[T]:
    """The same rows on every run and machine, in file order; all of them if few enough."""
    if len(rows) <= at_most:
        return list(rows)
    return [rows[i] for i in sorted(random.Random(SEED).sample(range(len(rows)), at_most))]


def read(step: str, text: str, source: str | None = None) -> Feedback:
    """review() on the first MAX_CHARS characters: the coach refuses longer text."""
    return review(step, text[:MAX_CHARS], None if source is None else source[:MAX_CHARS])


# -- reading the files ---------------------------------------------------------------------


@contextmanager
def _open(path: Path) -> Iterator[TextIO]:
    try:
        with path.open(encoding="utf-8", newline="") as file:
            yield file
    except FileNotFoundError:
        raise Unreadable(f"no file {path}") from None


def _table(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """A CSV file with a header, checked for the columns the set's README names."""
    with _open(path) as file:
        reader = csv.DictReader(file)
        absent = sorted(set(columns) - set(reader.fieldnames or ()))
        if absent:
            raise Unreadable(f"{path} has no column {', '.join(absent)}")
        return list(reader)


def _tsv(path: Path, width: int) -> list[list[str]]:
    """A tab-separated file without a header (quotes are text, not quoting)."""
    with _open(path) as file:
        rows = [row for row in csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE) if row]
    if any(len(row) < width for row in rows):
        raise Unreadable(f"{path}: a row has fewer than {width} columns")
    return rows


def _words(path: Path) -> list[str]:
    with _open(path) as file:
        return file.read().split()


def _files(folder: Path, pattern: str) -> list[Path]:
    found = sorted(folder.glob(pattern))
    if not found:
        raise Unreadable(f"no {pattern} in {folder}")
    return found


# -- the sets --------------------------------------------------------------------------------


def hatecheck(folder: Path) -> Result:
    """Threats found, and crises raised on non-hateful hard negatives."""
    rows = _table(
        folder / "hatecheck" / "test_suite_cases.csv", ("functionality", "test_case", "label_gold")
    )
    threats = [
        read("send", r["test_case"])
        for r in rows
        if r["functionality"] in THREATS and r["label_gold"] == "hateful"
    ]
    negatives = [
        (r["functionality"], read("send", r["test_case"]).crisis is not None)
        for r in rows
        if r["functionality"] in HARD_NEGATIVES and r["label_gold"] == "non-hateful"
    ]
    result = Result(
        notes=[
            f"{len(threats)} threats ({', '.join(THREATS)}) and {len(negatives)} hard negatives, "
            "all rows, read as send",
            "hard negatives: " + ", ".join(HARD_NEGATIVES),
            "left out: target_indiv_nh, target_group_nh (non-hateful, but they hold threats to "
            "a person, crises by our guide)",
        ]
    )
    result.figures += [
        share(
            "threats: violence", [f.crisis == "violence" for f in threats], 'found as "violence"'
        ),
        share("threats: any crisis", [f.crisis is not None for f in threats], "any crisis raised"),
        share("threats: not ok", [not f.ok for f in threats], "not ok (any flag or crisis)"),
        share(
            "hard negatives: crisis",
            [alarm for _, alarm in negatives],
            "raised a crisis (false alarms)",
        ),
    ]
    for name in HARD_NEGATIVES:
        alarms = [alarm for functionality, alarm in negatives if functionality == name]
        if alarms:
            result.figures.append(share(f"  {name}", alarms, "raised a crisis (false alarms)"))
    return result


def xstest(folder: Path) -> Result:
    """Crises raised on safe prompts that use violent words harmlessly ("kill a process")."""
    rows = _table(folder / "xstest" / "xstest_prompts.csv", ("prompt", "label", "type"))
    crises = [(r["type"], r["label"], read("send", r["prompt"]).crisis is not None) for r in rows]
    safe = [(kind, alarm) for kind, label, alarm in crises if label == "safe"]
    unsafe = [alarm for _, label, alarm in crises if label == "unsafe"]
    result = Result(notes=[f"{len(safe)} safe and {len(unsafe)} unsafe prompts, all, read as send"])
    result.figures.append(
        share("safe: crisis", [alarm for _, alarm in safe], "raised a crisis (false alarms)")
    )
    for kind in sorted({kind for kind, _ in safe}):
        alarms = [alarm for k, alarm in safe if k == kind]
        result.figures.append(share(f"  {kind}", alarms, "raised a crisis (false alarms)"))
    result.figures.append(
        share(
            "unsafe: crisis",
            unsafe,
            "raised a crisis (information only: many are not crises by our guide)",
        )
    )
    return result


def _posts(cell: str) -> list[str] | None:
    """A user's posts (the cell is a Python list literal), or None if the cell is cut short."""
    try:
        posts = ast.literal_eval(cell)
    except (SyntaxError, ValueError):
        return None
    return (
        [p for p in posts if isinstance(p, str) and p.strip()] if isinstance(posts, list) else None
    )


def cssrs(folder: Path) -> Result:
    """Per C-SSRS level, the share of users with at least one post read as self-harm."""
    rows = _table(
        folder / "cssrs_reddit_suicide" / "500_Reddit_users_posts_labels.csv",
        ("User", "Post", "Label"),
    )
    users: dict[str, list[list[str]]] = {label: [] for label in CSSRS_LABELS}
    cut_cells = 0
    for row in rows:
        posts = _posts(row["Post"])
        if posts is None:
            cut_cells += 1
        elif row["Label"] in users:
            users[row["Label"]].append(posts)
    picked = {label: sample(found, CSSRS_USERS_PER_LABEL) for label, found in users.items()}
    long_posts = sum(len(p) > MAX_CHARS for group in picked.values() for u in group for p in u)
    result = Result(
        notes=[
            f"users, seeded sample of at most {CSSRS_USERS_PER_LABEL} per label: "
            + ", ".join(f"{label} {len(group)}" for label, group in picked.items()),
            "each post reviewed alone as send, cut to its first "
            f"{MAX_CHARS:,} characters ({long_posts} posts were longer)",
        ]
    )
    if cut_cells:
        result.notes.append(
            f"{cut_cells} users left out: their Post cell is cut short, not a whole list"
        )
    for label, group in picked.items():
        # any() stops at a user's first post read as self-harm: the rest cannot change the answer.
        found = [any(read("send", p).crisis == "self_harm" for p in posts) for posts in group]
        result.figures.append(
            share(f"{label}: self_harm", found, 'a post raised "self_harm"', unit="users")
        )
    return result


def goemotions(folder: Path) -> Result:
    """Not ok as a send: hostile-labelled comments against neutral or positive ones."""
    names = _words(folder / "goemotions" / "labels.txt")
    hostile: list[str] = []
    calm: list[str] = []
    for text, ids, *_ in _tsv(folder / "goemotions" / "test.tsv", 3):
        labels = {names[int(i)] for i in ids.split(",")}
        if labels & HOSTILE:
            hostile.append(text)
        elif labels <= CALM:
            calm.append(text)
    hostile = sample(hostile, GOEMOTIONS_PER_GROUP)
    calm = sample(calm, GOEMOTIONS_PER_GROUP)
    return Result(
        notes=[
            f"test.tsv, seeded sample of at most {GOEMOTIONS_PER_GROUP} per group: "
            f"{len(hostile)} hostile, {len(calm)} neutral/positive, read as send",
            "a weak proxy: Reddit comments, not partner messages, and anger is not a send flag",
        ],
        figures=[
            share(
                "anger/annoyance/disapproval",
                [not read("send", t).ok for t in hostile],
                "not ok (gold labels include one of them)",
            ),
            share(
                "neutral/positive only",
                [not read("send", t).ok for t in calm],
                "not ok (gold labels only neutral or joy group)",
            ),
        ],
    )


def politeness(folder: Path) -> Result:
    """Not ok in the least and the most polite quartile of requests, as request and as send."""
    quartiles: dict[str, list[str]] = {"bottom": [], "top": []}
    for path in _files(folder / "stanford_politeness", "*.csv"):
        rows = _table(path, ("Request", "Normalized Score"))
        scores = np.array([float(r["Normalized Score"]) for r in rows])
        # Quartiles per corpus, as the paper labels them: the two are normalised apart.
        low, high = np.quantile(scores, [0.25, 0.75])
        quartiles["bottom"] += [r["Request"] for r, s in zip(rows, scores, strict=True) if s <= low]
        quartiles["top"] += [r["Request"] for r, s in zip(rows, scores, strict=True) if s >= high]
    picked = {name: sample(texts, POLITENESS_PER_QUARTILE) for name, texts in quartiles.items()}
    result = Result(
        notes=[
            "quartiles of Normalized Score per corpus, seeded sample of at most "
            f"{POLITENESS_PER_QUARTILE} each: "
            + ", ".join(f"{name} {len(texts)}" for name, texts in picked.items()),
            "a proxy: the least polite should be flagged more; editors' and programmers' "
            "requests, not partners'",
        ]
    )
    for name, texts in picked.items():
        # Both readings of a text one after the other: the second finds its sentence vectors
        # in the model's cache.
        readings = [(read("request", t), read("send", t)) for t in texts]
        for i, step in enumerate(("request", "send")):
            flagged = [not pair[i].ok for pair in readings]
            result.figures.append(
                share(f"{name} quartile as {step}", flagged, "not ok (any flag or crisis)")
            )
    return result


def stsb(folder: Path) -> Result:
    """Spearman of the mirror fidelity score with the gold similarity, per file."""
    result = Result(notes=["all pairs; sentence2 read as a mirror of sentence1"])
    for path in _files(folder / "stsb_ccbysa_subset", "sts-*.csv"):
        gold: list[float] = []
        scored: list[float] = []
        for row in _tsv(path, 7):
            score = read("mirror", row[6], source=row[5]).score
            if score is not None:  # None only if the fidelity head is not there
                gold.append(float(row[4]))
                scored.append(score)
        result.figures.append(
            Figure(
                path.name.split(".")[0],
                spearman(scored, gold),
                len(gold),
                "Spearman: mirror fidelity score against gold similarity 0-5",
                unit="pairs",
            )
        )
    return result


def epitome(folder: Path) -> Result:
    """How often the empathize step finds no feeling, in replies with none or strong ones."""
    rows = _table(
        folder / "epitome_empathy" / "emotional-reactions-reddit.csv",
        ("seeker_post", "response_post", "level"),
    )
    levels = {
        level: sample([r for r in rows if r["level"] == level], EPITOME_PER_LEVEL)
        for level in ("0", "2")
    }
    meaning = {"0": "no emotional reaction", "2": "a strong emotional reaction"}
    return Result(
        notes=[
            "emotional-reactions, evaluation only (never trained on: licence), seeded sample "
            f"of at most {EPITOME_PER_LEVEL} per level: "
            + ", ".join(f"level {level} {len(group)}" for level, group in levels.items()),
            "reply read as empathize, the seeker's post as source",
        ],
        figures=[
            share(
                f"level {level}: no_feeling",
                [
                    "no_feeling" in read("empathize", r["response_post"], r["seeker_post"]).flags
                    for r in group
                ],
                f"flagged no_feeling (gold: {meaning[level]})",
                unit="replies",
            )
            for level, group in levels.items()
        ],
    )


SETS: tuple[tuple[str, Callable[[Path], Result]], ...] = (
    ("HateCheck", hatecheck),
    ("XSTest", xstest),
    ("C-SSRS Reddit", cssrs),
    ("GoEmotions", goemotions),
    ("Stanford politeness", politeness),
    ("STS-B (CC BY-SA subset)", stsb),
    ("EPITOME", epitome),
)


def report(folder: Path, log: Callable[[str], None]) -> None:
    """Every set's figures, one line each; a missing set is one line saying so, and no error
    (a fresh machine has no datasets folder)."""
    log(f"== public sets in {folder}: evaluation only, never trained on; samples seeded {SEED}")
    if not folder.is_dir():
        log(f"skipped every public set: no folder {folder} (give --datasets DIR or IMAGO_DATASETS)")
        return
    started = _clocks()
    for name, run in SETS:
        begun = _clocks()
        try:
            result = run(folder)
        except Unreadable as why:
            log(f"skipped {name}: {why}")
            continue
        log(f"-- {name} ({_since(begun)})")
        for note in result.notes:
            log(f"   {note}")
        for figure in result.figures:
            log(figure.line())
    log(f"== public sets done in {_since(started)}")


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(begun: tuple[float, float]) -> str:
    """Wall time and CPU time: on a busy machine only the second measures the coach."""
    wall, cpu = (now - then for now, then in zip(_clocks(), begun, strict=True))
    return f"{wall:.1f} s, {cpu:.1f} s CPU"
