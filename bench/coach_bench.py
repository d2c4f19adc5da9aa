"""The language coach's benchmark (issue 4): speed, load time, memory and accuracy of
imago.coach.review, next to two off-the-shelf baselines on the same cases in the same run.

    .venv/bin/python bench/coach_bench.py [--cpu N] [--loads 5] [--warmup 100] [--json PATH]

Programs: the coach; VADER (not ok when compound < -0.05, its conventional threshold); and
alt-profanity-check (not ok when predict_prob > 0.5). The baselines only say ok or not ok, so
they are compared with the coach's ok (no flag and no crisis).

Each program runs in a fresh worker process of this script, pinned to one core with the
BLAS/OpenMP pools at one thread, so its memory is its own and its load is a cold start of
Python's imports (the files themselves are in the page cache after the first run). The worker
warms the program up on texts of its own, then reviews every development and held-out case
once, timing each call. Load time is the median of --loads fresh processes, each timed from
before the import to the first answer. The coach is also timed as a person types (a reading
every few words) and in the room's order (each reply read after the room reviewed its sender's
message as it was sent); neither is the headline. The last line: p50_ms=X p95_ms=Y load_s=Z
(the coach, every case once, a reply's source read afresh with it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imago.coach.cases import Case

ROOT = Path(__file__).resolve().parents[1]
HOLDOUT = ROOT / "tests" / "coach_holdout"
PROGRAMS = {"coach": "coach", "vader": "VADER", "profanity": "alt-profanity-check"}
VADER_THRESHOLD = -0.05  # compound below it is "not ok" (VADER's own negative cut-off)
PROFANITY_THRESHOLD = 0.5
ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# (flags, crisis), what imago.coach.cases.score reads. A baseline's "not ok" is one flag of its
# own: score() counts any flag as not ok, and the name matches none of the steps' labels.
Said = tuple[list[str], str | None]
Predict = Callable[[str, str, str | None], Said]
NOT_OK: Said = (["baseline_not_ok"], None)
OK: Said = ([], None)


def rss_mb() -> float:
    """The process' resident memory now (getrusage only knows the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_program(name: str) -> Predict:
    """Import and set up one program: this is what the load time measures."""
    if name == "coach":
        from imago.coach import review

        def coach(step: str, text: str, source: str | None) -> Said:
            feedback = review(step, text, source)
            return feedback.flags, feedback.crisis

        return coach
    if name == "vader":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()

        def vader(step: str, text: str, source: str | None) -> Said:
            return NOT_OK if analyzer.polarity_scores(text)["compound"] < VADER_THRESHOLD else OK

        return vader
    from profanity_check import predict_prob

    def profanity(step: str, text: str, source: str | None) -> Said:
        return NOT_OK if predict_prob([text])[0] > PROFANITY_THRESHOLD else OK

    return profanity


def warmup_inputs(count: int) -> list[tuple[str, str, str | None]]:
    """Texts of our own, each different: the coach keeps sentence vectors it has seen
    (model.py), so warming up on the cases themselves would time its cache, not its model."""
    sender = "I felt alone when you stayed late at work on day {i} and did not call me."
    shapes = [
        ("send", "You never call me back on day {i}, and it hurts more each time.", None),
        ("mirror", "So you felt alone when I stayed late on day {i} and did not call.", sender),
        ("summary", "Let me see if I got it all: on day {i} you felt alone.", sender),
        (
            "validate",
            "It makes sense that you felt alone on day {i}, because I went quiet.",
            sender,
        ),
        ("empathize", "I imagine you might feel lonely and hurt after day {i}.", sender),
        ("request", "Would you be willing to text me by 6 pm on the {i} late days?", None),
    ]
    inputs = []
    for i in range(count):
        step, text, source = shapes[i % len(shapes)]
        inputs.append((step, text.format(i=i), source.format(i=i) if source else None))
    return inputs


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def binary(cases: list[Case], said_ok: list[bool]) -> dict[str, float]:
    """F1 of "not ok" and the macro-F1 of ok against not ok over the given cases. score() has
    the macro-F1 per step but not the "not ok" F1 alone, nor a figure over all steps."""
    from imago.coach.cases import f1  # here, not at the top: the workers must not load it

    tp = sum(not c.ok and not s for c, s in zip(cases, said_ok, strict=True))
    fp = sum(c.ok and not s for c, s in zip(cases, said_ok, strict=True))
    fn = sum(not c.ok and s for c, s in zip(cases, said_ok, strict=True))
    tn = len(cases) - tp - fp - fn
    not_ok, ok = f1(tp, fp, fn), f1(tn, fn, fp)
    return {"not_ok_f1": round(not_ok, 3), "macro_f1": round((ok + not_ok) / 2, 3)}


def worker(name: str, cpu: int, warmup: int) -> dict[str, Any]:
    """One program in this fresh process, on the inputs the parent sends on stdin. Only the
    standard library is imported so far, and nothing but the program will be: its memory is
    the program's own (the parent loads and scores the cases)."""
    inputs: list[tuple[str, str, str | None]] = json.load(sys.stdin)
    for variable in ONE_THREAD:
        os.environ[variable] = "1"  # before numpy or onnxruntime start their thread pools
    os.sched_setaffinity(0, {cpu})
    before = rss_mb()
    started = time.perf_counter()
    predict = load_program(name)
    predict("send", "You never listen to me.", None)
    load_s = time.perf_counter() - started
    after = rss_mb()

    for step, text, source in warmup_inputs(warmup):
        predict(step, text, source)
    # Wall time per call, and its CPU time: on a shared machine the wall time also holds the
    # turns others took on our core, the CPU time is what the call itself cost.
    ms: list[float] = []
    cpu_ms: list[float] = []
    said: list[Said] = []
    begun, begun_cpu = time.perf_counter(), time.process_time()
    for step, text, source in inputs:
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        answer = predict(step, text, source)
        ms.append((time.perf_counter_ns() - t0) / 1e6)
        cpu_ms.append((time.thread_time_ns() - c0) / 1e6)
        said.append(answer)
    busy, busy_cpu = time.perf_counter() - begun, time.process_time() - begun_cpu
    return {
        "typing_ms": as_typed(predict, inputs) if name == "coach" else [],
        "room_ms": in_the_room(predict, inputs) if name == "coach" else [],
        "load_s": load_s,
        "rss_before_load_mb": round(before, 1),
        "rss_after_load_mb": round(after, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "busy_s": busy,
        "busy_cpu_s": busy_cpu,
        "ms": ms,
        "cpu_ms": cpu_ms,
        "said": said,
    }


TYPING_EVERY = 5  # words between two pauses in typing: a reading at each pause


def as_typed(predict: Predict, inputs: list[tuple[str, str, str | None]]) -> list[float]:
    """The room's case: a reading at each pause while a person types (every few words, and
    the whole text), the sender's words unchanged meanwhile. Each text is typed anew: every
    fourth case, its words cut at the pauses."""
    ms = []
    for step, text, source in inputs[::4]:
        words = text.split(" ")
        for end in [*range(TYPING_EVERY, len(words), TYPING_EVERY), len(words)]:
            t0 = time.perf_counter_ns()
            predict(step, " ".join(words[:end]), source)
            ms.append((time.perf_counter_ns() - t0) / 1e6)
    return ms


def in_the_room(predict: Predict, inputs: list[tuple[str, str, str | None]]) -> list[float]:
    """Every case again, in the order a conversation brings them: a reply's source is what
    the sender sent, and the room reviewed it then (a "send", not timed here: it is the
    sender's utterance), so a reply is read with the sender's sentences already read. The
    timed pass above reads each source afresh, charging the reply with the sender's turn.
    By now the first pass's vectors have left the coach's cache (it keeps the last 2048
    sentences; the cases hold many more), so the replies themselves are read anew."""
    ms = []
    for step, text, source in inputs:
        if source is not None:
            predict("send", source, None)
        t0 = time.perf_counter_ns()
        predict(step, text, source)
        ms.append((time.perf_counter_ns() - t0) / 1e6)
    return ms


def start_worker(name: str, cpu: int, warmup: int) -> subprocess.Popen[str]:
    """A worker that waits for its inputs on stdin."""
    command = [sys.executable, __file__, "--worker", name, "--cpu", str(cpu)]
    command += ["--warmup", str(warmup)]
    env = os.environ | dict.fromkeys(ONE_THREAD, "1")
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish_worker(
    worker: subprocess.Popen[str], inputs: list[tuple[str, str, str | None]]
) -> dict[str, Any]:
    out, err = worker.communicate(json.dumps(inputs), timeout=600)
    if worker.returncode != 0:
        sys.exit(f"a worker failed:\n{err}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def figures(name: str, run: dict[str, Any], sets: dict[str, list[Case]]) -> dict[str, Any]:
    """Speed and accuracy of one program's run, over the sets in order."""
    from imago.coach import cases as labelled

    cases = [c for chosen in sets.values() for c in chosen]
    per_step: dict[str, list[float]] = {}
    for case, ms in zip(cases, run["ms"], strict=True):
        per_step.setdefault(case.step, []).append(ms)
    result: dict[str, Any] = {
        key: run[key]
        for key in ("load_s", "rss_before_load_mb", "rss_after_load_mb", "peak_rss_mb")
    }
    result |= {
        "utterances": len(cases),
        "p50_ms": pct(run["ms"], 50),
        "p95_ms": pct(run["ms"], 95),
        "max_ms": max(run["ms"]),
        "cpu_p50_ms": pct(run["cpu_ms"], 50),
        "cpu_p95_ms": pct(run["cpu_ms"], 95),
        "per_second": len(cases) / run["busy_s"],
        # Under 1.0 when others' work took turns on our core (the machine is shared).
        "cpu_share": run["busy_cpu_s"] / run["busy_s"],
        "per_step_ms": {s: {"p50": pct(v, 50), "p95": pct(v, 95)} for s, v in per_step.items()},
        "room": (
            {"p50_ms": pct(run["room_ms"], 50), "p95_ms": pct(run["room_ms"], 95)}
            if run["room_ms"]
            else None
        ),
        "typing": (
            {
                "readings": len(run["typing_ms"]),
                "p50_ms": pct(run["typing_ms"], 50),
                "p95_ms": pct(run["typing_ms"], 95),
            }
            if run["typing_ms"]
            else None
        ),
        "accuracy": {},
    }
    said = [(list(flags), crisis) for flags, crisis in run["said"]]
    for set_name, chosen in sets.items():
        mine, said = said[: len(chosen)], said[len(chosen) :]
        report = labelled.score(chosen, mine)
        said_ok = [not flags and crisis is None for flags, crisis in mine]
        steps = {}
        for step, row in report["steps"].items():
            at = [i for i, c in enumerate(chosen) if c.step == step]
            steps[step] = binary([chosen[i] for i in at], [said_ok[i] for i in at])
            steps[step]["cases"] = row["cases"]
            # The same figure as score()'s (and `imago coach --eval`'s), up to its rounding.
            assert abs(steps[step]["macro_f1"] - row["ok_macro_f1"]) < 0.002, (step, row)
            if name == "coach":  # the baselines have no flags of their own to score
                steps[step]["flags_macro_f1"] = row["macro_f1"]
        result["accuracy"][set_name] = {
            "steps": steps,
            "all": binary(chosen, said_ok) | {"cases": len(chosen)},
            "crisis": report["crisis"] if name == "coach" else None,
        }
    return result


def print_tables(results: dict[str, dict[str, Any]]) -> None:
    names = list(results)
    heads = "".join(f"{PROGRAMS[n]:>22s}" for n in names)
    for set_name in ("held_out", "development"):
        print(f'\nAccuracy, {set_name.replace("_", " ")}: F1 of "not ok" / macro-F1 (ok vs not ok)')
        print(f"{'step':10s} {'cases':>5s}{heads}  {'coach flags macro-F1':>21s}")
        coach = results["coach"]["accuracy"][set_name]
        for step, row in [*coach["steps"].items(), ("all", coach["all"])]:
            cells = ""
            for n in names:
                r = results[n]["accuracy"][set_name]
                r = r["all"] if step == "all" else r["steps"][step]
                cells += f"{r['not_ok_f1']:.3f} / {r['macro_f1']:.3f}".rjust(22)
            flags = f"{row['flags_macro_f1']:.3f}" if "flags_macro_f1" in row else ""
            print(f"{step:10s} {row['cases']:5d}{cells}  {flags:>21s}")
        c = coach["crisis"]
        print(
            f"coach crisis: recall {c['recall']} (right kind {c['right_kind']}) of {c['crises']}, "
            f"false alarms {c['false_alarms']} of {c['calm_cases']} calm texts"
        )
    print(
        "\nSpeed and memory: one core, every case once after warm-up. p50/p95: wall time per "
        "utterance; CPU p50/p95: the calls' own CPU time; load: median of fresh processes;\n"
        "CPU share: our CPU time / wall time while timing (1.00 = the core was ours alone)"
    )
    print(
        f"{'program':22s} {'p50 ms':>7s} {'p95 ms':>7s} {'CPU p50/p95':>13s} {'load s':>7s} "
        f"{'utt/s':>7s} {'RSS before/after load MB':>25s} {'peak RSS MB':>12s} {'CPU share':>10s}"
    )
    for n in names:
        r = results[n]
        rss = f"{r['rss_before_load_mb']:.0f} / {r['rss_after_load_mb']:.0f}"
        cpu = f"{r['cpu_p50_ms']:.2f}/{r['cpu_p95_ms']:.2f}"
        print(
            f"{PROGRAMS[n]:22s} {r['p50_ms']:7.2f} {r['p95_ms']:7.2f} {cpu:>13s} "
            f"{r['load_s']:7.2f} {r['per_second']:7.0f} {rss:>25s} {r['peak_rss_mb']:12.0f} "
            f"{r['cpu_share']:10.2f}"
        )
    steps = results["coach"]["per_step_ms"]
    print(
        "coach per step, p50/p95 ms: "
        + ", ".join(f"{s} {v['p50']:.2f}/{v['p95']:.2f}" for s, v in steps.items())
    )
    room = results["coach"]["room"]
    print(
        "coach in the room's order (each reply read after its sender's words were reviewed "
        f"as sent): p50 {room['p50_ms']:.2f} ms, p95 {room['p95_ms']:.2f} ms"
    )
    typing = results["coach"]["typing"]
    print(
        f"coach as typed (a reading every {TYPING_EVERY} words and at the end, the sender's "
        f"words read once): {typing['readings']} readings, p50 {typing['p50_ms']:.2f} ms, "
        f"p95 {typing['p95_ms']:.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    parser.add_argument("--loads", type=int, default=5, help="fresh processes timed to load")
    parser.add_argument("--warmup", type=int, default=100, help="reviews before timing")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--worker", choices=PROGRAMS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.cpu, args.warmup)))
        return 0

    # Started now, while this process holds only the standard library: a child's getrusage
    # peak starts from its parent's resident memory at the fork (Linux keeps it across exec),
    # so workers forked after the cases (numpy and all) are loaded would report ours.
    waiting = {name: start_worker(name, args.cpu, args.warmup) for name in PROGRAMS}
    from imago.coach import cases as labelled

    coach_at = Path(labelled.__file__).parent  # which tree was measured (PYTHONPATH may pick)
    print(
        f"coach benchmark: {coach_at}, cpu {args.cpu}, load average {os.getloadavg()[0]:.2f}; "
        f"VADER not ok when compound < {VADER_THRESHOLD}, "
        f"alt-profanity-check not ok when prob > {PROFANITY_THRESHOLD}",
        flush=True,
    )
    sets = {"development": labelled.load(), "held_out": labelled.load(HOLDOUT)}
    inputs = [(c.step, c.text, c.source) for chosen in sets.values() for c in chosen]
    results: dict[str, dict[str, Any]] = {}
    for name in PROGRAMS:
        # One program at a time: the others wait on stdin, taking no CPU.
        results[name] = figures(name, finish_worker(waiting[name], inputs), sets)
        # The full run's own load, then more fresh processes: one load moves by tens of ms.
        loads = [results[name]["load_s"]]
        for _ in range(args.loads - 1):
            loads.append(finish_worker(start_worker(name, args.cpu, 0), [])["load_s"])
        results[name] |= {"load_s": statistics.median(loads), "loads_s": loads}
    print_tables(results)
    if args.json:
        meta = {
            "coach": str(coach_at),
            "cpu": args.cpu,
            "load_average": os.getloadavg(),
            "nproc": os.cpu_count(),
        }
        args.json.write_text(json.dumps({"meta": meta, "programs": results}, indent=2) + "\n")
    coach = results["coach"]
    print(f"p50_ms={coach['p50_ms']:.2f} p95_ms={coach['p95_ms']:.2f} load_s={coach['load_s']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
