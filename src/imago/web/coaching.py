"""The language coach on a screen: its feedback in words a person reads, and the page where
anyone can practise a message or a request with it.

Feedback is for the author only: it answers the author's own request and is never stored.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from imago.coach import CoachInputError, Feedback, review
from imago.safety import resources_for

# Each flag in a few words, for the list beside the highlighted text.
FLAG_WORDS = {
    "blame": "Blame",
    "criticism": "A verdict on who your partner is",
    "contempt": "May land as a put-down",
    "sarcasm": "May read as sarcasm",
    "name_calling": "A label for your partner",
    "profanity": "Strong words at your partner",
    "absolutes": '"Always" or "never"',
    "you_statement": "A you-accusation",
    "feeling_judgement": "A thought dressed as a feeling",
    "too_long": "A lot to take in at once",
    "missing_feeling": "The feeling is missing",
    "missing_situation": "What happened is missing",
    "missing_need": "The wish or need is missing",
    "distortion": "Changes what was said",
    "rebuttal": "Answers back",
    "defence": "Explains or defends",
    "advice": "Gives advice",
    "interpretation": "Adds a reason not given",
    "topic_change": "Moves to another topic",
    "no_reason": "No reason given",
    "reason_not_from_source": "A reason your partner did not give",
    "but_rebuttal": '"But" takes it back',
    "dismissal": "Brushes it off",
    "agreement": "Agrees or disagrees instead",
    "no_feeling": "No feeling named",
    "thought_as_feeling": "A thought named as a feeling",
    "own_feelings": "Your own feelings",
    "negative": "Asks to stop, not to do",
    "vague": "Not specific",
    "not_measurable": "Hard to tell when it happened",
    "no_time_frame": "No time frame",
    "not_doable": "Hard to do",
    "demand": "A demand, not a request",
}


def marked(text: str, spans) -> list[dict]:
    """The text in pieces, each flagged piece with its label, for a screen to mark; where two
    spans overlap, the first one marks. Cut here rather than in the browser, which counts
    characters differently (an emoji is two there)."""
    pieces, at = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < at or span.end <= span.start or span.end > len(text):
            continue
        if span.start > at:
            pieces.append({"text": text[at : span.start], "label": None})
        label = FLAG_WORDS.get(span.flag, "Words of crisis")  # the crisis kinds' spans
        pieces.append({"text": text[span.start : span.end], "label": label})
        at = span.end
    if at < len(text):
        pieces.append({"text": text[at:], "label": None})
    return pieces


def screen_feedback(feedback: Feedback, text: str) -> dict:
    """The coach's answer as the author's screen shows it."""
    return {
        "step": feedback.step,
        "ok": feedback.ok,
        "crisis": feedback.crisis,
        "suggestion": feedback.suggestion,
        "score": None if feedback.score is None else round(feedback.score, 2),
        "flags": [{"flag": f, "label": FLAG_WORDS.get(f, f)} for f in feedback.flags],
        "marked": marked(text, feedback.spans) if feedback.spans else [],
        "missing": list(feedback.missing),
        "resources": [
            {"name": r.name, "how": r.how, "href": r.href, "source": r.source}
            for r in (resources_for(feedback.crisis) if feedback.crisis else [])
        ],
    }


# The steps a person can practise on their own page; the others answer a partner's words.
PRACTICE_STEPS = [
    ("send", "A message to my partner"),
    ("request", "A request to my partner"),
]


class PracticeForm(forms.Form):
    step = forms.ChoiceField(choices=PRACTICE_STEPS, label="What are you writing?")
    text = forms.CharField(
        label="Your words",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Nothing here is saved or shown to anyone: it is only for you to practise.",
        error_messages={
            "required": "Please write something for the coach to read.",
            "max_length": "Please keep it under 2,000 characters, about what one turn holds.",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def coach_practice(request):
    """Practise a message or a request with the coach: the page works without JavaScript
    (post, and the feedback comes back with the words still in the box); with it, the feedback
    comes as the person types (coach.js asks this page with Accept: application/json)."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = PracticeForm(request.POST or None)
    feedback = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        try:
            feedback = screen_feedback(review(form.cleaned_data["step"], text), text)
        except CoachInputError as error:
            form.add_error("text", str(error))
    if wants_json:
        if feedback is None:
            errors = [e for field in form.errors.values() for e in field]
            return JsonResponse({"error": " ".join(errors) or "Please write something."})
        return JsonResponse({"feedback": feedback})
    return render(request, "web/practice.html", {"form": form, "feedback": feedback})
