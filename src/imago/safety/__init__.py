"""Safety: the help people are shown when something is not safe.

Framework-free. The resources are data (resources.json, one list per locale), so a practice
outside the US can change them without touching code; each entry keeps its source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources.json"
DEFAULT_LOCALE = "en-US"


@dataclass(frozen=True)
class Resource:
    name: str
    how: str  # what to do, in one sentence
    href: str  # a tel: or sms: link, so a phone can dial it in one tap
    source: str


@cache
def _all() -> dict[str, list[dict[str, object]]]:
    data: dict[str, list[dict[str, object]]] = json.loads(RESOURCES.read_text(encoding="utf-8"))
    return data


def resources_for(kind: str, locale: str = DEFAULT_LOCALE) -> list[Resource]:
    """The resources for one kind of crisis ("self_harm", "violence", "abuse"), emergency
    first; a locale without its own list gets the default one."""
    entries = _all().get(locale) or _all()[DEFAULT_LOCALE]
    return [
        Resource(str(e["name"]), str(e["how"]), str(e["href"]), str(e["source"]))
        for e in entries
        if kind in e["kinds"]  # type: ignore[operator]
    ]
