"""The language coach (imago.coach): its answers, its bad input, its command line, its data.

No database: the coach is framework-free. The model and heads are the committed files.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imago.coach import CoachInputError, Feedback, review
from imago.coach import cases as labelled
from imago.coach.cli import answer, jsonl
from imago.coach.features import FLAGS, STEPS
from imago.coach.review import MAX_CHARS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_judgement_dressed_as_a_feeling_is_flagged_and_marked_where_it_is():
    text = "I feel that you never listen to me."
    feedback = review("send", text)
    assert not feedback.ok
    assert "feeling_judgement" in feedback.flags
    marked = [
        text[s.start : s.end].lower() for s in feedback.spans if s.flag == "feeling_judgement"
    ]
    assert any(m.startswith("i feel that you") for m in marked)
    assert feedback.suggestion


def test_an_i_statement_with_a_hard_feeling_is_fine():
    feedback = review(
        "send", "I felt lonely when dinner went by without us talking, and I'd love time together."
    )
    assert feedback.ok and feedback.flags == [] and feedback.crisis is None
    assert feedback.suggestion is None


def test_self_harm_is_a_crisis_and_a_figure_of_speech_is_not():
    assert review("send", "I want to kill myself.").crisis == "self_harm"
    calm = review("send", "This traffic is killing me.")
    assert calm.crisis is None


def test_a_crisis_comes_with_a_kind_suggestion_first():
    feedback = review("send", "I want to kill myself.")
    assert not feedback.ok
    assert "help below" in feedback.suggestion


def test_a_faithful_mirror_scores_above_a_distorted_one_and_other_steps_have_no_score():
    source = "I felt lonely when dinner went by without us talking, and I'd love time together."
    faithful = review(
        "mirror",
        "You felt lonely at dinner when we didn't talk and you'd love time together. "
        "Did I get that?",
        source,
    )
    swapped = review("mirror", "So you're saying I made you feel lonely at dinner.", source)
    assert faithful.ok
    assert faithful.score is not None and swapped.score is not None
    assert 0.0 <= swapped.score < faithful.score <= 1.0
    assert review("send", source).score is None


def test_a_request_to_stop_is_not_positive():
    feedback = review("request", "Stop being so lazy.")
    assert "negative" in feedback.flags and not feedback.ok


def test_validation_taken_back_with_but_is_flagged():
    feedback = review(
        "validate", "You make sense, but you're overreacting.", "I felt lonely at dinner."
    )
    assert "but_rebuttal" in feedback.flags


@pytest.mark.parametrize(
    ("step", "text", "source", "message"),
    [
        ("send", "", None, "nothing to review"),
        ("send", "   \n\t ", None, "nothing to review"),
        ("send", "x" * (MAX_CHARS + 1), None, "too long"),
        ("shout", "Hello", None, "Unknown step"),
        ("send", 42, None, "must be a string"),
        ("mirror", "So you felt alone.", 7, "source must be a string"),
    ],
)
def test_what_cannot_be_reviewed_gets_a_clear_error(step, text, source, message):
    with pytest.raises(CoachInputError, match=message):
        review(step, text, source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    step=st.sampled_from(STEPS),
    text=st.one_of(
        st.text(max_size=400),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
        st.sampled_from(
            [
                "<b>you</b> <script>x()</script>",
                "😡😡 you 💔",
                "你从来不听我说话",
                "\x00\x07\x1b[31m",
            ]
        ),
    ),
    source=st.one_of(st.none(), st.text(max_size=200)),
)
def test_any_text_gets_an_answer_or_a_clear_error_in_bounded_time(step, text, source):
    started = time.perf_counter()
    try:
        feedback = review(step, text, source)
    except CoachInputError as error:
        assert str(error)
    else:
        assert isinstance(feedback, Feedback)
        assert set(feedback.flags) <= set(FLAGS[step])
        for span in feedback.spans:
            assert 0 <= span.start < span.end <= len(text)
    assert time.perf_counter() - started < 2.0


def test_a_long_text_is_refused_quickly_and_a_long_message_is_too_long_to_mirror():
    started = time.perf_counter()
    with pytest.raises(CoachInputError):
        review("send", "word " * 20_000)  # 100 KB
    assert time.perf_counter() - started < 0.5
    assert "too_long" in review("send", "I felt tired. " * 30).flags


def test_the_command_line_answers_each_line_with_exactly_the_named_fields():
    lines = [
        json.dumps({"id": "a", "step": "send", "text": "You never listen."}),
        "this is not json",
        json.dumps(
            {"id": 2, "step": "mirror", "text": "So you felt alone.", "source": "I felt alone."}
        ),
        json.dumps(["a", "list"]),
        json.dumps({"id": 3, "step": "send"}),
        json.dumps({"id": 4, "step": "request", "text": ""}),
        "",
    ]
    out = io.StringIO()
    jsonl(iter(line + "\n" for line in lines), out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 6  # the blank line is skipped; every other line is answered
    assert set(rows[0]) == {"id", "step", "ok", "flags", "crisis", "score", "suggestion", "ms"}
    assert rows[0]["id"] == "a" and rows[0]["ok"] is False and "absolutes" in rows[0]["flags"]
    assert "error" in rows[1] and rows[1]["id"] is None
    assert rows[2]["id"] == 2 and isinstance(rows[2]["score"], float)
    assert "error" in rows[3]
    assert rows[4]["id"] == 3 and "text" in rows[4]["error"]
    assert rows[5]["id"] == 4 and "empty" in rows[5]["error"]
    assert all(isinstance(row["ms"], float | int) for row in rows)


def test_an_overlong_line_is_answered_with_an_error():
    row = answer(json.dumps({"id": 1, "step": "send", "text": "a" * 300_000}))
    assert "too long" in row["error"]


def test_the_coach_runs_without_django_from_the_command_line():
    script = (
        "import sys, json\n"
        "from imago.coach import review\n"
        "review('send', 'You never listen.')\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    done = subprocess.run(
        [sys.executable, "-m", "imago", "coach", "--jsonl"],
        input=json.dumps({"id": 1, "step": "send", "text": "I felt hurt."}) + "\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout)["id"] == 1


def test_the_development_cases_are_many_valid_and_cover_every_flag():
    cases = labelled.load()
    assert len(cases) >= 800
    for step in STEPS:
        seen = {flag for case in cases if case.step == step for flag in case.flags}
        assert seen == set(FLAGS[step]), step
    assert {case.crisis for case in cases} == {None, "self_harm", "violence", "abuse"}
    assert len({case.id for case in cases}) == len(cases)


def test_one_case_in_five_is_set_aside_from_tuning_and_the_heads_were_fitted_on_these_cases():
    from imago.coach import heads

    cases = labelled.load()
    aside = [case for case in cases if labelled.set_aside(case.id)]
    assert 0.15 < len(aside) / len(cases) < 0.25
    assert labelled.set_aside(aside[0].id)  # fixed by the id, not by the order
    assert {case.step for case in aside} == set(STEPS)
    # After cases are added, the heads must be fitted again (docs/coach-labels.md).
    meta = heads.load().meta
    assert (meta["cases"], meta["set_aside"]) == (len(cases), len(aside))


@pytest.mark.parametrize(
    "text", ["I feel drained.", "I'm feeling restless today.", "I felt powerless last night."]
)
def test_a_plain_one_line_feeling_is_fine(text):
    assert review("send", text).ok


def test_the_scores_count_what_they_say():
    cases = [
        labelled.Case("1", "send", "x", ("blame",), None),
        labelled.Case("2", "send", "y", (), None),
        labelled.Case("3", "send", "z", (), "self_harm"),
    ]
    report = labelled.score(cases, [(["blame"], None), (["blame"], None), ([], None)])
    send = report["steps"]["send"]
    assert send["labels"]["blame"] == pytest.approx(2 / 3, abs=1e-3)  # one right, one false
    assert send["labels"]["ok"] == 0.0  # the one fine case was flagged
    assert report["crisis"]["recall"] == 0.0 and report["crisis"]["false_alarms"] == 0.0


def test_crisis_cues_read_who_does_what_to_whom():
    from imago.coach.crisis import crisis_cues
    from imago.coach.text import Text

    def cues(text: str, reply: bool = False) -> set[str]:
        return set(crisis_cues(Text(text), reply=reply))

    assert "crisis_threat" in cues("If he calls you again I'll break his jaw.")
    assert "crisis_harm_me" in cues("She threw a plate at my head last night.")
    assert "crisis_harm_me" in cues("He takes my phone and my car keys every evening.")
    assert "crisis_own_death" in cues("I keep thinking about my funeral.")
    assert "crisis_consequence" in cues("Be home by ten or you'll find out what happens.")
    # A reply gives the sender's words back with the roles turned: read from both sides.
    assert "crisis_self_act" in cues("So you've been thinking about hurting yourself.", reply=True)
    assert "crisis_harm_me" in cues("So when I shoved you against the door you felt scared.", True)
    # Feelings are hurt too; a thing is not a person.
    assert not {"crisis_harm_me", "crisis_threat"} & cues("I was hurt when you left early.")
    assert "crisis_thing" in cues("I could strangle the printer.")


def test_harm_that_is_over_or_someone_elses_is_read_over_the_whole_text():
    from imago.coach.crisis import CUES
    from imago.coach.features import crisis_rows, read

    def cue_columns(text: str) -> list[set[str]]:
        """Which crisis cues each row holds: the whole text, then each sentence."""
        rows = crisis_rows(read("send", text))
        return [{name for name, v in zip(CUES, row[: len(CUES)], strict=True) if v} for row in rows]

    past = cue_columns("My ex took my wages and my phone. That was years ago, I feel safe now.")
    # The disclosure's own sentence knows it is over, from the sentence after it.
    assert "over" in past[1] and "harm_me" in past[1]
    told = cue_columns("He hit her in front of the kids. My sister told me about her neighbour.")
    assert "retold" in told[1]
    assert "over" not in cue_columns("He hit me again last night.")[1]


def test_reflection_measures_notice_swapped_roles_a_but_and_a_borrowed_reason():
    from imago.coach.cues import reflection_measures
    from imago.coach.text import Text

    source = Text("I forgot your birthday and I felt awful.")
    faithful = reflection_measures(
        Text("So you forgot my birthday and felt awful."), source, "mirror"
    )
    swapped = reflection_measures(
        Text("So I forgot your birthday and felt awful."), source, "mirror"
    )
    assert faithful["roles_swapped"] == 0.0 < swapped["roles_swapped"]

    said = Text("I felt lonely at dinner because you were on your phone.")
    own = reflection_measures(
        Text("It makes sense you felt lonely, because you work too hard."), said, "validate"
    )
    theirs = reflection_measures(
        Text("It makes sense you felt lonely, because I was on my phone at dinner."),
        said,
        "validate",
    )
    assert own["reason_from_source"] < theirs["reason_from_source"]

    late = Text("When you came home at 2am on Wednesday without texting, I was frightened.")
    kept = reflection_measures(
        Text("When I came home at 2am on Wednesday without texting, you were frightened."),
        late,
        "mirror",
    )
    changed = reflection_measures(
        Text("When I came home at 4am on Friday without texting, you were frightened."),
        late,
        "mirror",
    )
    assert kept["facts_changed"] == 0.0 and changed["facts_changed"] == 2.0
    taken_back = reflection_measures(
        Text("It makes sense you felt lonely, but you are overreacting."), said, "validate"
    )
    assert taken_back["contrast_after_validation"] == 1.0
    assert theirs["contrast_after_validation"] == 0.0


def test_send_cues_read_the_shape_of_an_accusation_a_label_and_sarcasm():
    from imago.coach.cues import text_cues
    from imago.coach.text import Text

    assert "you_accusation" in text_cues(Text("You ignored me all evening."))
    assert "you_accusation" not in text_cues(Text("I felt hurt when you ignored me."))
    assert "you_label" in text_cues(Text("Move, you muppet."))
    assert "you_label" not in text_cues(Text("See you tomorrow."))
    assert "praise_with_grievance" in text_cues(Text("Great, you forgot again."))
    assert "profanity" in text_cues(Text("Where the sh*te is it"))


def test_phrases_are_found_where_they_stand_whatever_word_they_begin_with():
    from imago.coach.text import Text, phrases

    text = Text("Honestly, you never ever call me back; you never text.")
    wanted = phrases("you never", "* ever call", "nev- text", "call- me", "back", "you always")
    found = text.find_phrases(wanted)
    # In the list's order, then the text's; each a span of the text as written.
    assert [(text.raw[s:e], p) for s, e, p in found] == [
        ("you never", "you never"),
        ("you never", "you never"),
        ("never ever call", "* ever call"),
        ("never text", "nev- text"),
        ("call me", "call- me"),
        ("back", "back"),
    ]
    # Read from the sender's side: the same places, other words.
    swapped = tuple("i" if w == "you" else w for w in text.lows)
    assert [p for _, _, p in text.find_phrases(phrases("i never"), swapped)] == ["i never"] * 2
