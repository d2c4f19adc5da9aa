"""`imago coach`: the coach on the command line, without Django (it starts in well under a
second and reads nothing but its own files).

    imago coach --jsonl     JSON Lines in on stdin, one JSON line out per line in
    imago coach --eval      accuracy on the project's labelled cases, then on the public sets
                            in --datasets DIR (default $IMAGO_DATASETS or ../shared/datasets)
    imago coach --train     fit the heads again on the development cases (model/heads.*)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

STEPS = ("send", "mirror", "summary", "validate", "empathize", "request")
MAX_LINE = 256_000  # characters; a longer line is answered with an error, unread


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="imago coach", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--jsonl", action="store_true", help="review JSON Lines from stdin")
    mode.add_argument("--eval", action="store_true", help="accuracy on the labelled cases")
    mode.add_argument("--train", action="store_true", help="fit the heads on the development cases")
    parser.add_argument(
        "--holdout",
        type=Path,
        default=None,
        help="with --eval: also score this folder of held-out cases",
    )
    parser.add_argument(
        "--datasets",
        type=Path,
        default=Path(os.environ.get("IMAGO_DATASETS") or "../shared/datasets"),
        help="with --eval: the public labelled sets' folder (default: $IMAGO_DATASETS, else "
        "../shared/datasets); a missing set is skipped with a line saying so",
    )
    args = parser.parse_args(argv)
    if args.jsonl:
        return jsonl(sys.stdin, sys.stdout)
    if args.train:
        from imago.coach.train import train

        train(log=lambda line: print(line, flush=True))
        return 0
    return evaluate(args.holdout, args.datasets)


def answer(line: str) -> dict[str, Any]:
    """One output object for one input line: exactly the fields the issue names (id, step, ok,
    flags, crisis, score, suggestion, ms), or id, step, error and ms for a line that cannot be
    reviewed (the stream goes on either way). Spans and missing words are in review()'s
    Feedback, for the app."""
    from imago.coach import CoachInputError, review

    started = time.perf_counter()
    out: dict[str, Any] = {"id": None}
    try:
        if len(line) > MAX_LINE:
            raise CoachInputError(f"The line is too long ({len(line):,} characters).")
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise CoachInputError(f"Not JSON: {error.msg} at column {error.colno}.") from None
        if not isinstance(item, dict):
            raise CoachInputError("Each line must be a JSON object.")
        out["id"] = item.get("id")
        step = item.get("step")
        out["step"] = step
        if step not in STEPS:
            raise CoachInputError(f'"step" must be one of {", ".join(STEPS)}.')
        if "text" not in item:
            raise CoachInputError('"text" is missing.')
        feedback = review(step, item["text"], item.get("source"))
        out |= {
            "ok": feedback.ok,
            "flags": feedback.flags,
            "crisis": feedback.crisis,
            "score": None if feedback.score is None else round(feedback.score, 3),
            "suggestion": feedback.suggestion,
        }
    except CoachInputError as error:
        out["error"] = str(error)
    out["ms"] = round((time.perf_counter() - started) * 1000, 2)
    return out


def jsonl(lines: Iterable[str], output: TextIO) -> int:
    for line in lines:
        if not line.strip():
            continue
        output.write(json.dumps(answer(line.rstrip("\n")), ensure_ascii=False) + "\n")
        output.flush()
    return 0


def evaluate(holdout: Path | None, datasets: Path | None = None) -> int:
    from imago.coach import cases as labelled
    from imago.coach import heads, public, review

    learned = heads.load()
    sets = [
        (
            "development (the heads learned from these; cross-validated figures below)",
            labelled.load(),
        )
    ]
    default_holdout = Path.cwd() / "tests" / "coach_holdout"
    folder = holdout or (default_holdout if default_holdout.is_dir() else None)
    if folder is not None:
        sets.append((f"held out ({folder}; never trained on)", labelled.load(folder)))
    for name, cases in sets:
        predicted = []
        for case in cases:
            feedback = review(case.step, case.text, case.source)
            predicted.append((feedback.flags, feedback.crisis))
        report = labelled.score(cases, predicted)
        print(f"== {name}: {len(cases)} cases")
        for step, row in report["steps"].items():
            print(
                f"{step:10s} cases={row['cases']:4d} macro_f1={row['macro_f1']:.3f} "
                f"ok_macro_f1={row['ok_macro_f1']:.3f}  "
                + " ".join(f"{k}={v:.2f}" for k, v in row["labels"].items())
            )
        c = report["crisis"]
        print(
            f"crisis     crises={c['crises']} recall={c['recall']} right_kind={c['right_kind']} "
            f"false_alarms={c['false_alarms']} (of {c['calm_cases']} without)"
        )
    print(
        "== development, cross-validated (each fold scored by heads fitted without it), on the "
        f"{learned.meta.get('set_aside', '?')} cases kept from tuning the sentence model"
    )
    for step, row in sorted(learned.meta.get("cv_steps", {}).items()):
        print(f"{step:10s} " + " ".join(f"{k}={v}" for k, v in row.items()))
    print(f"crisis     {learned.meta.get('cv_crisis', {})}")
    for name, row in sorted(learned.meta.get("cv", {}).items()):
        print(f"{name:32s} " + " ".join(f"{k}={v}" for k, v in row.items()))
    if datasets is not None:
        public.report(datasets, log=lambda line: print(line, flush=True))
    return 0
