"""The shapes of dashboard figures: counts per day for a few series, and ranked counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence, Tuple

TOP = 10
"""Rankings show this many entries on the dashboard (the CSV has them all)."""


@dataclass(frozen=True)
class DailySeries:
    """Counts per day for each named series (e.g. each channel); every day of the period is there, zeros too."""

    days: Tuple[date, ...]
    names: Tuple[str, ...]
    counts: Tuple[Tuple[int, ...], ...]
    """`counts[i][j]` is the count of series `names[j]` on `days[i]`."""

    @classmethod
    def of(cls, days: Sequence[date], names: Sequence[str], counts: Mapping[Tuple[date, str], int]) -> DailySeries:
        """Build from a mapping (day, name) → count; missing pairs count 0."""
        return cls(
            tuple(days), tuple(names), tuple(tuple(counts.get((day, name), 0) for name in names) for day in days)
        )

    def on(self, day: date, name: str) -> int:
        """The count of one series on one day."""
        return self.counts[self.days.index(day)][self.names.index(name)]

    def total_of(self, name: str) -> int:
        """The count of one series over the whole period."""
        index = self.names.index(name)
        return sum(row[index] for row in self.counts)

    @property
    def total(self) -> int:
        """Everything counted over the whole period."""
        return sum(sum(row) for row in self.counts)


@dataclass(frozen=True)
class Ranked:
    """One entry of a ranking: a key (e.g. a FAQ topic's id), the label people read, and its count."""

    key: str
    label: str
    count: int


def ranking(counts: Counter, labels: Mapping[str, str] | None = None) -> Tuple[Ranked, ...]:
    """Most counted first; ties in alphabetical order of the label."""
    labels = labels or {}
    entries = [Ranked(key, labels.get(key, key), count) for key, count in counts.items() if count > 0]
    return tuple(sorted(entries, key=lambda e: (-e.count, e.label.lower(), e.key)))


def top(entries: Iterable[Ranked], limit: int = TOP) -> Tuple[Ranked, ...]:
    """The first `limit` entries of a ranking."""
    return tuple(entries)[:limit]
