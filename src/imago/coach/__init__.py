"""The language coach: offline feedback on each step of the dialogue.

review(step, text, source=None) reads a sender's message, a receiver's mirror, summary,
validation or empathy (with what the sender said as `source`), or a behaviour change request,
and answers with the problems it found (flags), a crisis signal if there is one, a mirror's
fidelity score, one kind suggestion, and the spans to highlight. It coaches the process and
never judges who is right.

Framework-free: it imports nothing from Django. It runs on this machine with the files it
ships (a quantized sentence model and the learned heads in model/); nothing is downloaded at
run time and nothing leaves the server. How it is built and measured: docs/coach.md.
"""

from imago.coach.review import CoachInputError, Feedback, Span, review

__all__ = ["CoachInputError", "Feedback", "Span", "review"]
