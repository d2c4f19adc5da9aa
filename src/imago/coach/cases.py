"""The labelled cases (docs/coach-labels.md): loading them, and scoring the coach on them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imago.coach.features import FLAGS, PAIRED, STEPS

DEVELOPMENT = Path(__file__).resolve().parent / "cases"
CRISES = (None, "self_harm", "violence", "abuse")
SET_ASIDE = 5  # one case in five (by its id) is kept from tuning the sentence model


def set_aside(case_id: str) -> bool:
    """Whether a development case was kept from tuning the sentence model
    (scripts/build_coach_model.py): the heads' figures on these cases are the honest ones,
    since the model never learnt from their words. Fixed by the id, so adding cases never
    moves an old one across."""
    return int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % SET_ASIDE == 0


@dataclass(frozen=True)
class Case:
    id: str
    step: str
    text: str
    flags: tuple[str, ...]
    crisis: str | None
    source: str | None = None

    @property
    def ok(self) -> bool:
        return not self.flags and self.crisis is None


def load(folder: Path = DEVELOPMENT) -> list[Case]:
    """Every case of every *.jsonl in the folder, checked against the guide's vocabulary."""
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            step = row["step"]
            where = f"{path.name}:{number}"
            if step not in STEPS:
                raise ValueError(f"{where}: unknown step {step!r}")
            flags = tuple(row.get("flags") or ())
            unknown = set(flags) - set(FLAGS[step])
            if unknown:
                raise ValueError(f"{where}: flags not of step {step}: {sorted(unknown)}")
            if row.get("crisis") not in CRISES:
                raise ValueError(f"{where}: unknown crisis {row.get('crisis')!r}")
            source = row.get("source")
            if step in PAIRED and not source:
                raise ValueError(f"{where}: a {step} case needs its source")
            found.append(Case(row["id"], step, row["text"], flags, row.get("crisis"), source))
    return found


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else (1.0 if not fp and not fn else 0.0)


def score(cases: list[Case], predicted: list[tuple[list[str], str | None]]) -> dict[str, Any]:
    """Per step: macro-F1 over the step's labels (each flag, and "ok"), each label scored
    one-against-the-rest over the step's cases; the macro-F1 of ok against not ok; and for
    crisis, recall (a crisis of any kind found) and false alarms (a crisis found in text
    without one), with recall per kind."""
    report: dict[str, Any] = {"steps": {}, "crisis": {}}
    for step in STEPS:
        rows = [(c, p) for c, p in zip(cases, predicted, strict=True) if c.step == step]
        if not rows:
            continue
        labels: dict[str, float] = {}
        for label in (*FLAGS[step], "ok"):
            tp = fp = fn = 0
            for case, (flags, crisis) in rows:
                gold = case.ok if label == "ok" else label in case.flags
                said = (not flags and crisis is None) if label == "ok" else label in flags
                tp += gold and said
                fp += said and not gold
                fn += gold and not said
            if tp + fn:  # only labels the set has
                labels[label] = round(f1(tp, fp, fn), 3)
        ok_tp = sum(c.ok and not f and cr is None for c, (f, cr) in rows)
        ok_fp = sum((not c.ok) and not f and cr is None for c, (f, cr) in rows)
        ok_fn = sum(c.ok and bool(f or cr) for c, (f, cr) in rows)
        not_tp = sum((not c.ok) and bool(f or cr) for c, (f, cr) in rows)
        binary = (f1(ok_tp, ok_fp, ok_fn) + f1(not_tp, ok_fn, ok_fp)) / 2
        report["steps"][step] = {
            "cases": len(rows),
            "macro_f1": round(sum(labels.values()) / len(labels), 3),
            "ok_macro_f1": round(binary, 3),
            "labels": labels,
        }
    crises = [(c, p) for c, p in zip(cases, predicted, strict=True) if c.crisis]
    calm = [(c, p) for c, p in zip(cases, predicted, strict=True) if not c.crisis]
    report["crisis"] = {
        "crises": len(crises),
        "recall": round(sum(p[1] is not None for _, p in crises) / len(crises), 3)
        if crises
        else None,
        "right_kind": round(sum(p[1] == c.crisis for c, p in crises) / len(crises), 3)
        if crises
        else None,
        "false_alarms": round(sum(p[1] is not None for _, p in calm) / len(calm), 3)
        if calm
        else None,
        "calm_cases": len(calm),
    }
    return report
