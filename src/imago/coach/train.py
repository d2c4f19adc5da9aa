"""Train the heads on the development cases; `imago coach --train` runs it.

For each flag of each step, and for crisis: choose the L2 strength, the weight of the
sentence model's columns and the threshold by 5-fold cross-validation on the development
cases, then fit on all of them. The figures it reports (per flag, per step over each step's
labels, and crisis recall and false alarms) are each case as the fold that did not learn
from it judged it. The held-out cases (tests/coach_holdout) are never read here.

The sentence model was tuned on four development cases in five (cases.set_aside keeps the
fifth back), so on those four its vectors are easier than on new text. The choices and the
figures that count are therefore made on the cases set aside; the figures over all cases
are reported beside them, marked as flattered.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from imago.coach import cases as labelled
from imago.coach import features, heads
from imago.coach.crisis import KINDS
from imago.coach.model import DIMENSIONS

FOLDS = 5
L2 = (0.003, 0.01, 0.03, 0.1, 0.3)
EMBEDDING_WEIGHTS = (0.1, 0.25, 0.5, 1.0)  # of the sentence model's columns against the cues'


def _weights(columns: int, embedding: float, vectors: int = DIMENSIONS) -> np.ndarray:
    weight = np.ones(columns)
    weight[-vectors:] = embedding
    return weight


# Calm texts (of those set aside) that may raise a crisis across folds, at most. The target
# is 5 % on unseen text. With 2 % here, public calm sets (HateCheck's hard negatives, XSTest's
# safe prompts) raised 0.8-2.5 %, at most 1.3 times the cross-validated share, once the
# development set held as many hard calm cases as crises; 3 % leaves that margin under 5 %.
CRISIS_ALARMS = 0.03
CRISIS_L2 = (0.01, 0.03, 0.1)
CRISIS_EMBEDDING = (0.5, 1.0, 2.0)
SEED = 20261201


def _folds(n: int) -> list[np.ndarray]:
    order = list(range(n))
    random.Random(SEED).shuffle(order)
    return [np.array(order[k::FOLDS]) for k in range(FOLDS)]


def _cross_validated(x: np.ndarray, y: np.ndarray, l2: float, weight: np.ndarray) -> np.ndarray:
    """Each case's probability from a head fitted without its fold."""
    out = np.zeros(len(y))
    for fold in _folds(len(y)):
        train = np.setdiff1d(np.arange(len(y)), fold)
        if y[train].sum() == 0:
            continue
        head = heads.fit(x[train], y[train], l2=l2, weight=weight)
        out[fold] = head.probability(x[fold])
    return out


def _crisis_fit(
    rows: np.ndarray, owner: np.ndarray, first: np.ndarray, y: np.ndarray, l2: float, e: float
) -> heads.Head:
    """A crisis head fitted on each text's whole row with its label, and on every row of the
    calm texts as calm: a calm text has no crisis sentence, so its sentences (and a reply's
    source) teach the head what ordinary sentences look like when it scores the highest row."""
    calm_rows = np.isin(owner, np.flatnonzero(y == 0))
    extra = calm_rows & ~np.isin(np.arange(len(rows)), first)
    x = np.vstack([rows[first], rows[extra]])
    target = np.concatenate([y, np.zeros(int(extra.sum()))])
    return heads.fit(x, target, l2=l2, weight=_weights(x.shape[1], e))


def _crisis_cross_validated(
    rows: np.ndarray, owner: np.ndarray, first: np.ndarray, y: np.ndarray, l2: float, e: float
) -> np.ndarray:
    """Each text's crisis probability (its highest row) from a head fitted without its fold."""
    out = np.zeros(len(y))
    for fold in _folds(len(y)):
        train = np.setdiff1d(np.arange(len(y)), fold)
        keep = np.isin(owner, train)
        # Renumber the training texts' rows so _crisis_fit sees a set of its own.
        index = np.full(len(y), -1)
        index[train] = np.arange(len(train))
        sub_owner = index[owner[keep]]
        sub_first = np.searchsorted(np.flatnonzero(keep), first[train])
        head = _crisis_fit(rows[keep], sub_owner, sub_first, y[train], l2, e)
        probability = head.probability(rows[np.isin(owner, fold)])
        np.maximum.at(out, owner[np.isin(owner, fold)], probability)
    return out


def _alarm_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The lowest threshold whose false alarms across folds stay within CRISIS_ALARMS of
    calm texts (a threshold chosen for recall alone fell to where a third of calm texts
    raised an alarm)."""
    calm = np.sort(p[y == 0])[::-1]
    allowed = int(np.floor(CRISIS_ALARMS * len(calm)))
    return float(min(max(calm[allowed] + 1e-6, 0.05), 0.95)) if len(calm) > allowed else 0.5


def _f1_at(p: np.ndarray, y: np.ndarray, t: float) -> float:
    said = p >= t
    tp = int((said & (y > 0)).sum())
    fp = int((said & (y == 0)).sum())
    fn = int((~said & (y > 0)).sum())
    return labelled.f1(tp, fp, fn)


def _best_threshold_on(
    p: np.ndarray, y: np.ndarray, fresh: np.ndarray
) -> tuple[float, float, float]:
    """The threshold with the best mean F1 over all cases and over the cases set aside; its
    F1 on the cases set aside; and that mean."""
    best = (0.5, -1.0, -1.0)
    for t in np.linspace(0.1, 0.9, 33):
        honest = _f1_at(p[fresh], y[fresh], float(t))
        both = (honest + _f1_at(p, y, float(t))) / 2
        if both > best[2] + 1e-9:
            best = (float(t), honest, both)
    return best


def train(log: Callable[[str], object] = print, save: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    cases = labelled.load()
    aside = np.array([labelled.set_aside(c.id) for c in cases])
    readings = [features.read(c.step, c.text, c.source) for c in cases]
    log(f"read {len(cases)} cases in {time.perf_counter() - started:.1f} s")
    fitted: dict[str, heads.Head] = {}
    meta: dict[str, Any] = {"cases": len(cases), "set_aside": int(aside.sum()), "cv": {}}
    # Each case's flags and crisis as the fold that did not learn from it said them: the
    # per-step figures below are on unseen cases (hyperparameters chosen on the same folds).
    said: list[list[str]] = [
        ["too_long"] if "too_long" in r.cues and c.step == "send" else []
        for c, r in zip(cases, readings, strict=True)
    ]

    for head_step in sorted(set(features.HEAD_OF.values())):
        chosen = [i for i, c in enumerate(cases) if features.HEAD_OF[c.step] == head_step]
        fresh = aside[chosen]  # the cases the sentence model never learnt from
        x = np.vstack([readings[i].vector for i in chosen])
        vectors = features.embedding_columns(head_step)
        targets = {
            flag: np.array([flag in cases[i].flags for i in chosen], dtype=float)
            for flag in features.FLAGS[head_step]
            if flag != "too_long"  # a rule: more than 60 words or 4 sentences
        }
        if head_step == "mirror":
            faithful = ("missing_feeling", "missing_situation", "missing_need", "distortion")
            targets["fidelity"] = np.array(
                [not set(faithful) & set(cases[i].flags) for i in chosen], dtype=float
            )
        for flag, y in targets.items():
            if y.sum() < 3 or y[fresh].sum() < 1:
                log(f"{head_step}:{flag}: too few cases ({int(y.sum())}), no head")
                continue
            scored: list[tuple[float, float, float, float, float]] = []
            unseen: dict[tuple[float, float], np.ndarray] = {}
            for l2 in L2:
                for e in EMBEDDING_WEIGHTS:
                    p = _cross_validated(x, y, l2, _weights(x.shape[1], e, vectors))
                    unseen[(l2, e)] = p
                    # Chosen on both views: the cases set aside are honest but few (a
                    # flag has 10-30 of them), all cases are many but flattered.
                    threshold, f, both = _best_threshold_on(p, y, fresh)
                    scored.append((both, f, l2, e, threshold))
            _, f, l2, e, threshold = max(scored)
            if flag != "fidelity":
                for i, p_i in zip(chosen, unseen[(l2, e)], strict=True):
                    if p_i >= threshold:
                        said[i].append(flag)
            head = heads.fit(x, y, l2=l2, weight=_weights(x.shape[1], e, vectors))
            head.threshold = 0.5 if flag == "fidelity" else threshold
            fitted[f"{head_step}:{flag}"] = head
            meta["cv"][f"{head_step}:{flag}"] = {
                "f1": round(f, 3),  # on the cases set aside
                "l2": l2,
                "embedding": e,
                "positives": int(y.sum()),
            }
            log(
                f"{head_step}:{flag}: cross-validated F1 {f:.3f} set aside "
                f"(l2 {l2}, e {e}, threshold {threshold:.2f}, {int(y.sum())} cases)"
            )

    # Crisis: one head for any crisis and one per kind, each reading every row of a text
    # (crisis_rows: the whole, each sentence, a reply's source); a text's probability is its
    # highest row's. The alarm is the mean of the any-head and the likeliest kind (two views
    # agreeing found more crises at the same false alarms, across folds), against one
    # threshold for one false-alarm budget; the kind is the likeliest kind.
    per_case = [features.crisis_rows(r) for r in readings]
    rows = np.vstack(per_case)
    owner = np.concatenate([np.full(len(p), i) for i, p in enumerate(per_case)])
    first = np.concatenate([[0], np.cumsum([len(p) for p in per_case])[:-1]])
    any_crisis = np.array([c.crisis is not None for c in cases], dtype=float)
    # L2 and the sentence model's weight chosen by the recall of the alarm itself, on the
    # cases set aside.
    crises, calm = (any_crisis > 0) & aside, (any_crisis == 0) & aside
    crisis_scored: list[tuple[float, float, float]] = []
    crisis_unseen: dict[tuple[float, float], tuple[np.ndarray, np.ndarray, float]] = {}
    for l2, e in [(l2, e) for l2 in CRISIS_L2 for e in CRISIS_EMBEDDING]:
        p_any = _crisis_cross_validated(rows, owner, first, any_crisis, l2, e)
        kinds = np.vstack(
            [
                _crisis_cross_validated(
                    rows, owner, first, np.array([c.crisis == k for c in cases], dtype=float), l2, e
                )
                for k in KINDS
            ]
        )
        alarm = (p_any + kinds.max(axis=0)) / 2
        threshold = _alarm_threshold(alarm[aside], any_crisis[aside])
        recall = float(((alarm >= threshold) & crises).sum() / crises.sum())
        crisis_scored.append((recall, l2, e))
        crisis_unseen[(l2, e)] = (alarm, kinds, threshold)
    _, l2, e = max(crisis_scored)
    alarm, kinds, threshold = crisis_unseen[(l2, e)]
    fitted["crisis:any"] = _crisis_fit(rows, owner, first, any_crisis, l2, e)
    for kind in KINDS:
        y = np.array([c.crisis == kind for c in cases], dtype=float)
        fitted[f"crisis:{kind}"] = _crisis_fit(rows, owner, first, y, l2, e)
    fitted["crisis:any"].threshold = threshold
    raised = alarm >= threshold
    recall = float((raised & crises).sum() / crises.sum())
    alarms = float((raised & calm).sum() / calm.sum())
    meta["cv"]["crisis:any"] = {
        "recall": round(recall, 3),
        "false_alarms": round(alarms, 3),
        "l2": l2,
        "embedding": e,
        "positives": int(any_crisis.sum()),
    }
    log(
        f"crisis:any: cross-validated recall {recall:.3f}, false alarms {alarms:.3f} "
        f"(l2 {l2}, e {e}, threshold {threshold:.2f})"
    )
    kind_of = np.argmax(kinds, axis=0)
    found = [KINDS[k] if r else None for r, k in zip(raised, kind_of, strict=True)]
    predicted = list(zip(said, found, strict=True))
    for key, keep in (("", aside), ("_flattered", np.ones(len(cases), dtype=bool))):
        report = labelled.score(
            [c for c, k in zip(cases, keep, strict=True) if k],
            [p for p, k in zip(predicted, keep, strict=True) if k],
        )
        meta[f"cv_steps{key}"] = {
            step: {"macro_f1": row["macro_f1"], "ok_macro_f1": row["ok_macro_f1"]}
            for step, row in report["steps"].items()
        }
        meta[f"cv_crisis{key}"] = report["crisis"]
        which = "set aside" if key == "" else "all cases (flattered)"
        for step, row in report["steps"].items():
            log(
                f"{step}: cross-validated macro-F1 {row['macro_f1']:.3f}, ok/not ok "
                f"{row['ok_macro_f1']:.3f}, {which}  "
                + " ".join(f"{k}={v:.2f}" for k, v in row["labels"].items())
            )
        log(f"crisis: cross-validated, {which}: {report['crisis']}")
    if save:
        heads.save(fitted, meta)
    log(f"trained {len(fitted)} heads in {time.perf_counter() - started:.1f} s")
    return meta
