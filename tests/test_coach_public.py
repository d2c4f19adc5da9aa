"""The coach's report on the public labelled sets (imago.coach.public, `imago coach --eval`).

Every test writes its own tiny datasets folder, in the real files' formats, so the suite runs
on a machine without ../shared/datasets. Most tests replace review() with a stand-in whose
verdict is written into the text, to check that each figure counts what it says; a few use the
real coach on texts whose outcome is not in doubt.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from imago.coach import Feedback, cli, public

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def stand_in(step: str, text: str, source: str | None = None) -> Feedback:
    """A verdict written into the text: VIOLENCE or SELFHARM is that crisis, FLAG a flag (for
    the request step only with REQFLAG), NOFEELING the empathize flag; SCORE=x the score."""
    crisis = "violence" if "VIOLENCE" in text else "self_harm" if "SELFHARM" in text else None
    flags = []
    if "FLAG" in text and (step != "request" or "REQFLAG" in text):
        flags.append("blame")
    if "NOFEELING" in text:
        flags.append("no_feeling")
    score = next((float(w[6:]) for w in text.split() if w.startswith("SCORE=")), None)
    return Feedback(step, not flags and crisis is None, flags, crisis, score, None)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Use the stand-in; the list records every (step, text) it was asked about."""
    asked: list[tuple[str, str]] = []

    def review(step: str, text: str, source: str | None = None) -> Feedback:
        asked.append((step, text))
        return stand_in(step, text, source)

    monkeypatch.setattr(public, "review", review)
    return asked


def write_csv(path: Path, header: list[str], rows: list[list[object]], **kw: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, **kw)
        if header:
            writer.writerow(header)
        writer.writerows(rows)


def write_hatecheck(folder: Path, rows: list[tuple[str, str, str]]) -> None:
    header = ["", "functionality", "case_id", "test_case", "label_gold", "target_ident"]
    write_csv(
        folder / "hatecheck" / "test_suite_cases.csv",
        header,
        [[i, f, i + 1, text, gold, "women"] for i, (f, text, gold) in enumerate(rows)],
    )


def write_xstest(folder: Path, rows: list[tuple[str, str, str]]) -> None:
    write_csv(
        folder / "xstest" / "xstest_prompts.csv",
        ["id", "prompt", "type", "label", "focus", "note"],
        [[i + 1, prompt, kind, label, "kill", ""] for i, (prompt, kind, label) in enumerate(rows)],
    )


# -- the measures ---------------------------------------------------------------------------


def test_a_share_counts_hits_and_says_so():
    figure = public.share("x", [True, False, False, True], "found")
    assert (figure.value, figure.hits, figure.n) == (0.5, 2, 4)
    assert "50.0 % (2/4 texts)" in figure.line() and "found" in figure.line()
    empty = public.share("y", [], "found")
    assert empty.value is None and "n/a" in empty.line()


def test_ranks_share_ties_and_spearman_is_pearson_of_ranks():
    assert public.ranks([10, 20, 20, 30]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert public.ranks([3.0, 1.0, 2.0]).tolist() == [3.0, 1.0, 2.0]
    assert public.spearman([1, 2, 3], [10, 40, 90]) == pytest.approx(1.0)
    assert public.spearman([1, 2, 3], [9, 4, 1]) == pytest.approx(-1.0)
    # ranks 1..5 against 1, 2, 3.5, 5, 3.5: covariance 8, variances 10 and 9.5
    assert public.spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / 95**0.5)
    assert public.spearman([1, 2, 3], [4, 4, 4]) is None


def test_a_sample_is_fixed_capped_and_in_file_order():
    rows = list(range(100))
    picked = public.sample(rows, 10)
    assert len(picked) == 10 and picked == sorted(picked) and picked == public.sample(rows, 10)
    assert public.sample(rows[:5], 10) == rows[:5]


def test_overlong_text_is_cut_to_what_the_coach_reads(fake):
    public.read("send", "a" * (public.MAX_CHARS + 5))
    assert len(fake[-1][1]) == public.MAX_CHARS


# -- each set, with the stand-in --------------------------------------------------------------


def test_hatecheck_counts_threats_and_hard_negatives(tmp_path, fake):
    write_hatecheck(
        tmp_path,
        [
            ("threat_dir_h", "VIOLENCE one", "hateful"),
            ("threat_norm_h", "SELFHARM two", "hateful"),
            ("threat_dir_h", "FLAG three", "hateful"),
            ("threat_norm_h", "calm four", "hateful"),
            ("counter_quote_nh", "VIOLENCE quoted", "non-hateful"),
            ("counter_quote_nh", "calm quoted", "non-hateful"),
            ("profanity_nh", "calm swearing", "non-hateful"),
            (
                "target_indiv_nh",
                "VIOLENCE at a person: a crisis, not a hard negative",
                "non-hateful",
            ),
            ("derog_neg_emote_h", "VIOLENCE hateful, neither", "hateful"),
        ],
    )
    result = public.hatecheck(tmp_path)
    assert result.get("threats: violence").value == pytest.approx(1 / 4)
    assert result.get("threats: any crisis").value == pytest.approx(2 / 4)
    assert result.get("threats: not ok").value == pytest.approx(3 / 4)
    negatives = result.get("hard negatives: crisis")
    assert (negatives.hits, negatives.n) == (1, 3)
    assert result.get("  counter_quote_nh").value == pytest.approx(1 / 2)
    assert result.get("  profanity_nh").value == 0.0
    assert not any("target_indiv" in f.key for f in result.figures)
    assert len(fake) == 7  # the left-out rows are not even read


def test_xstest_counts_false_alarms_per_type_and_unsafe_apart(tmp_path, fake):
    write_xstest(
        tmp_path,
        [
            ("How do I VIOLENCE a process?", "homonyms", "safe"),
            ("How do I kill time?", "homonyms", "safe"),
            ("Where can I shoot a photo?", "safe_contexts", "safe"),
            ("How do I VIOLENCE my neighbour?", "contrast_homonyms", "unsafe"),
        ],
    )
    result = public.xstest(tmp_path)
    assert (result.get("safe: crisis").hits, result.get("safe: crisis").n) == (1, 3)
    assert result.get("  homonyms").value == pytest.approx(1 / 2)
    assert result.get("  safe_contexts").value == 0.0
    assert (result.get("unsafe: crisis").hits, result.get("unsafe: crisis").n) == (1, 1)


def test_cssrs_counts_users_with_any_self_harm_post_and_skips_cut_cells(tmp_path, fake):
    write_csv(
        tmp_path / "cssrs_reddit_suicide" / "500_Reddit_users_posts_labels.csv",
        ["User", "Post", "Label"],
        [
            ["user-0", repr(["a calm post", "SELFHARM here", "never read"]), "Attempt"],
            ["user-1", repr(["calm", "also calm"]), "Attempt"],
            ["user-2", repr(["VIOLENCE is not self-harm"]), "Supportive"],
            ["user-3", "['a post cut sho", "Ideation"],
        ],
    )
    result = public.cssrs(tmp_path)
    attempt = result.get("Attempt: self_harm")
    assert (attempt.hits, attempt.n, attempt.unit) == (1, 2, "users")
    assert result.get("Supportive: self_harm").value == 0.0
    assert result.get("Ideation: self_harm").n == 0  # its only user's cell is cut short
    assert any("1 users left out" in note for note in result.notes)
    assert ("send", "never read") not in fake  # one self-harm post settles a user


def test_goemotions_compares_hostile_with_neutral_or_positive(tmp_path, fake):
    folder = tmp_path / "goemotions"
    folder.mkdir()
    (folder / "labels.txt").write_text("anger\njoy\nsadness\nneutral\n", encoding="utf-8")
    write_csv(
        folder / "test.tsv",
        [],
        [
            ["FLAG you did it again", "0", "a1"],
            ["why would you", "0,2", "a2"],
            ["FLAG lovely day", "1", "a3"],
            ["fine", "3", "a4"],
            ["nice and fine", "1,3", "a5"],
            ["so sad", "2", "a6"],  # in neither group
        ],
        delimiter="\t",
    )
    result = public.goemotions(tmp_path)
    hostile = result.get("anger/annoyance/disapproval")
    calm = result.get("neutral/positive only")
    assert (hostile.hits, hostile.n) == (1, 2)
    assert (calm.hits, calm.n) == (1, 3)
    assert ("send", "so sad") not in fake


def test_politeness_takes_quartiles_per_corpus_and_reads_both_steps(tmp_path, fake):
    header = ["Community", "Id", "Request", "Normalized Score"]
    write_csv(
        tmp_path / "stanford_politeness" / "wikipedia.annotated.csv",
        header,
        [
            ["Wikipedia", 1, "FLAG REQFLAG why did you?", -2.0],
            ["Wikipedia", 2, "Could you look?", -1.0],
            ["Wikipedia", 3, "Thanks, could you?", 1.0],
            ["Wikipedia", 4, "Thank you so much, would you?", 2.0],
        ],
    )
    write_csv(
        tmp_path / "stanford_politeness" / "stack-exchange.annotated.csv",
        header,
        [
            ["SO", 5, "FLAG fix it", -4.0],  # the bottom of its own corpus, not of the pool
            ["SO", 6, "Any idea?", 0.0],
            ["SO", 7, "Could you?", 0.1],
            ["SO", 8, "FLAG REQFLAG great, thanks?", 2.7],
        ],
    )
    result = public.politeness(tmp_path)
    assert result.get("bottom quartile as request").value == pytest.approx(1 / 2)
    assert result.get("bottom quartile as send").value == pytest.approx(2 / 2)
    assert result.get("top quartile as request").value == pytest.approx(1 / 2)
    assert result.get("top quartile as send").value == pytest.approx(1 / 2)
    assert {text for _, text in fake} == {
        "FLAG REQFLAG why did you?",
        "Thank you so much, would you?",
        "FLAG fix it",
        "FLAG REQFLAG great, thanks?",
    }


def test_stsb_correlates_the_mirror_score_with_gold_per_file(tmp_path, fake):
    def pairs(scores: list[float]) -> list[list[object]]:
        return [
            ["main-captions", "images", "2014", i, gold, f"A dog {i}.", f"SCORE={s} dog {i}."]
            for i, (gold, s) in enumerate(zip([0.0, 2.5, 5.0], scores, strict=True))
        ]

    folder = tmp_path / "stsb_ccbysa_subset"
    write_csv(folder / "sts-dev.images_track5.csv", [], pairs([0.1, 0.5, 0.9]), delimiter="\t")
    write_csv(folder / "sts-test.images_track5.csv", [], pairs([0.9, 0.4, 0.2]), delimiter="\t")
    result = public.stsb(tmp_path)
    assert result.get("sts-dev").value == pytest.approx(1.0)
    assert result.get("sts-test").value == pytest.approx(-1.0)
    assert result.get("sts-dev").n == 3 and all(step == "mirror" for step, _ in fake)


def test_epitome_compares_no_feeling_at_level_0_and_2(tmp_path, fake):
    write_csv(
        tmp_path / "epitome_empathy" / "emotional-reactions-reddit.csv",
        ["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"],
        [
            ["s1", "r1", "I feel alone.", "NOFEELING go outside", 0, ""],
            ["s2", "r2", "I feel alone.", "NOFEELING try yoga", 0, ""],
            ["s3", "r3", "I feel alone.", "That sounds so lonely, I'm sorry", 2, ""],
            ["s4", "r4", "I feel alone.", "NOFEELING weak one", 1, ""],
        ],
    )
    result = public.epitome(tmp_path)
    assert (result.get("level 0: no_feeling").hits, result.get("level 0: no_feeling").n) == (2, 2)
    assert result.get("level 2: no_feeling").value == 0.0
    assert all(step == "empathize" for step, _ in fake) and len(fake) == 3


# -- missing data ----------------------------------------------------------------------------


def test_a_missing_folder_is_one_line_and_no_error(tmp_path):
    lines: list[str] = []
    public.report(tmp_path / "nowhere", lines.append)
    assert len(lines) == 2 and lines[1].startswith("skipped every public set: no folder")


def test_a_missing_or_malformed_file_skips_its_set_and_says_why(tmp_path, fake):
    write_xstest(tmp_path, [("How do I kill time?", "homonyms", "safe")])
    write_csv(tmp_path / "hatecheck" / "test_suite_cases.csv", ["functionality"], [["x"]])
    lines: list[str] = []
    public.report(tmp_path, lines.append)
    skipped = [line for line in lines if line.startswith("skipped ")]
    assert len(skipped) == len(public.SETS) - 1  # every set but XSTest
    assert any("HateCheck" in line and "no column" in line for line in skipped)
    assert any("C-SSRS" in line and "no file" in line for line in skipped)
    assert "-- XSTest" in "\n".join(lines) and lines[-1].startswith("== public sets done")


# -- the real coach ---------------------------------------------------------------------------


def test_the_real_coach_finds_one_threat_of_two(tmp_path):
    write_hatecheck(
        tmp_path,
        [
            ("threat_dir_h", "I am going to kill you tonight.", "hateful"),
            ("threat_dir_h", "I love the smell of coffee on a quiet morning.", "hateful"),
        ],
    )
    found = public.hatecheck(tmp_path).get("threats: any crisis")
    assert (found.hits, found.n, found.value) == (1, 2, 0.5)


def test_the_datasets_folder_defaults_to_the_environment_then_shared(monkeypatch):
    seen: list[Path | None] = []
    monkeypatch.setattr(cli, "evaluate", lambda holdout, datasets: seen.append(datasets) or 0)
    monkeypatch.delenv("IMAGO_DATASETS", raising=False)
    cli.main(["--eval"])
    monkeypatch.setenv("IMAGO_DATASETS", "/somewhere/else")
    cli.main(["--eval"])
    cli.main(["--eval", "--datasets", "given"])
    assert seen == [Path("../shared/datasets"), Path("/somewhere/else"), Path("given")]


def test_eval_prints_the_public_section_from_the_command_line(tmp_path):
    write_xstest(
        tmp_path,
        [
            ("How do I kill a Python process?", "homonyms", "safe"),
            ("How do I kill my neighbour?", "contrast_homonyms", "unsafe"),
        ],
    )
    done = subprocess.run(
        [sys.executable, "-m", "imago", "coach", "--eval", "--datasets", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "IMAGO_DATASETS": "/not/this/one"},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index("== development") < out.index(f"== public sets in {tmp_path}")
    assert "-- XSTest" in out and re.search(r"safe: crisis +[ .0-9]+ % \([01]/1 texts\)", out)
    assert "skipped HateCheck: no file" in out and "skipped EPITOME: no file" in out
