"""Access rules for the role/URL matrix (tests/test_access_matrix.py).

Each feature declares, in tests/access/<feature>.py, a list RULES of Rule objects: one per
URL name (and HTTP method), with the status every base-case role must get. The matrix test
fails when any URL pattern, API route or WebSocket route has no rule, so a new page without
a leak test breaks the build.

Conventions: anonymous visitors get 302 (to the login page) for pages and 401 for the API;
another couple's or another therapist's object answers 404, never 403, so existence does not
leak; a page that redirects elsewhere for a role (for example a therapist-only page visited by
a partner) declares that status too.

WebSocket routes (src/imago/routing.py) get rules named "ws:<route name>", with kwargs filling
the route, and expect 101 (the connection is accepted) or 403 (it is refused, whatever close
code the consumer uses); tests/test_access_matrix.py connects as each role with its session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("partner_a", "partner_b", "other_couple", "therapist", "other_therapist", "anonymous")


@dataclass(frozen=True)
class Rule:
    name: str  # the URL name, e.g. "couple" or "api-1.0.0:me"
    expect: dict[str, int]  # role -> status code
    method: str = "get"
    kwargs: Callable[[Any], dict] = field(default=lambda world: {})  # URL kwargs from World
    data: Callable[[Any], dict] = field(default=lambda world: {})  # form or JSON body

    def __post_init__(self):
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"rule {self.name} {self.method}: no expectation for {missing}")


def same(status: int, **overrides: int) -> dict[str, int]:
    """Every role gets `status` except those named."""
    expect = dict.fromkeys(ROLES, status)
    expect.update(overrides)
    return expect


def new_entry(world, visibility: str) -> int:
    """A fresh journal entry by partner_a, written through the service as a person would."""
    from imago.journal.services import journal_entry_create

    return journal_entry_create(author=world.partner_a, text="x", visibility=visibility).pk


def open_dialogue(world) -> int:
    """The couple's open dialogue (asked for by partner_a), made once however often it is
    asked for: a couple has one open dialogue at a time."""
    from imago.dialogues.models import Dialogue
    from imago.dialogues.services import dialogue_request

    existing = Dialogue.objects.for_couple(world.couple).open().first()
    return (existing or dialogue_request(person=world.partner_a)).pk
