"""The count, worked out from the marks. Plain data in, plain data out: no database here.

The rules, in words (docs/no-put-downs.md says the same to people):
- The count runs from the start day, or from the day after the latest slip.
- Today is "day N" of the count; a slip marked today means the new count begins tomorrow.
- A day can be marked today or the day after, so a day is settled once it is two days old.
- The challenge is finished when its last day has come and no slip can still be marked on any
  day of the count: every day still open for marking was marked "a day without put-downs" by
  both partners (or is no longer open).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

KEPT = "kept"
SLIPPED = "slipped"


class Mark(Protocol):
    day: date
    person_id: int
    choice: str


@dataclass(frozen=True)
class PartnerMark:
    name: str
    choice: str | None  # None: not marked


@dataclass(frozen=True)
class Day:
    number: int  # 1 for the first day of the count
    day: date
    is_today: bool
    is_ahead: bool
    marks: tuple[PartnerMark, ...]

    @property
    def kept_by_all(self) -> bool:
        return all(m.choice == KEPT for m in self.marks)


@dataclass(frozen=True)
class Progress:
    days: int
    count_start: date
    day_number: int  # today's place in the count; 0 when the count begins tomorrow
    restarted: bool  # the count began again after a slip
    finished: bool
    row: tuple[Day, ...]

    @property
    def last_day(self) -> date:
        return self.count_start + timedelta(days=self.days - 1)


def progress(
    *,
    started_on: date,
    days: int,
    marks: Iterable[Mark],
    partners: Sequence[tuple[int, str]],
    today: date,
) -> Progress:
    """Where a challenge stands on `today`. `partners` is [(person id, name)], in display order."""
    by_day: dict[date, dict[int, str]] = {}
    for mark in marks:
        by_day.setdefault(mark.day, {})[mark.person_id] = mark.choice
    slips = [d for d, choices in by_day.items() if SLIPPED in choices.values()]
    count_start = max(slips) + timedelta(days=1) if slips else started_on
    last_day = count_start + timedelta(days=days - 1)

    def kept_by_all(day: date) -> bool:
        choices = by_day.get(day, {})
        return all(choices.get(pid) == KEPT for pid, _ in partners)

    dates = [count_start + timedelta(days=i) for i in range(days)]
    # A day can still be marked today or tomorrow; only those days can still hold a slip.
    still_open = [d for d in dates if today - timedelta(days=1) <= d <= today]
    finished = last_day <= today and all(kept_by_all(d) for d in still_open)
    row = tuple(
        Day(
            number=number,
            day=d,
            is_today=d == today,
            is_ahead=d > today,
            marks=tuple(
                PartnerMark(name=name, choice=by_day.get(d, {}).get(pid)) for pid, name in partners
            ),
        )
        for number, d in enumerate(dates, start=1)
    )
    day_number = min(max((today - count_start).days + 1, 0), days)
    return Progress(
        days=days,
        count_start=count_start,
        day_number=day_number,
        restarted=bool(slips),
        finished=finished,
        row=row,
    )
