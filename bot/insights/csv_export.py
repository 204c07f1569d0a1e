"""The dashboard's figures as CSV: one row per number, never a message's text.

Columns: `figure`, `day` (YYYY-MM-DD; empty for the whole period), `key` (a channel, FAQ topic
id, cancer type, region or rating), `label` (what the dashboard shows for the key), `measure`
and `value`. Texts that a spreadsheet would read as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import Iterator, List, Optional, Sequence, Tuple, Union

from bot.insights.figures import Dashboard, FallbackDay, HandoffDay
from bot.insights.series import DailySeries, Ranked

HEADER = ("figure", "day", "key", "label", "measure", "value")
Value = Union[int, float, str, None]
Row = Tuple[str, str, str, str, str, Value]


def safe_cell(text: str) -> str:
    """A text cell no spreadsheet runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _daily(figure: str, series: DailySeries, measure: str) -> Iterator[Row]:
    for day, counts in zip(series.days, series.counts, strict=True):
        for name, count in zip(series.names, counts, strict=True):
            yield figure, day.isoformat(), name, name, measure, count


def _ranked(figure: str, entries: Sequence[Ranked], measure: str) -> Iterator[Row]:
    for entry in entries:
        yield figure, "", entry.key, entry.label, measure, entry.count


def _minutes(seconds: Optional[float]) -> Optional[float]:
    return round(seconds / 60, 2) if seconds is not None else None


def _handoffs(days: Sequence[HandoffDay]) -> Iterator[Row]:
    for entry in days:
        day = entry.day.isoformat() if entry.day else ""
        yield "handoffs", day, "", "", "handoffs", entry.handoffs
        yield "handoffs", day, "", "", "answered", entry.answered
        yield "handoffs", day, "", "", "median_minutes_to_first_reply", _minutes(entry.median_seconds)
        yield "handoffs", day, "", "", "p90_minutes_to_first_reply", _minutes(entry.p90_seconds)


def _fallbacks(days: Sequence[FallbackDay]) -> Iterator[Row]:
    for entry in days:
        day = entry.day.isoformat() if entry.day else ""
        yield "fallback_rate", day, "", "", "messages", entry.messages
        yield "fallback_rate", day, "", "", "fallbacks", entry.fallbacks
        yield "fallback_rate", day, "", "", "rate", round(entry.rate, 4) if entry.rate is not None else None


def rows(dashboard: Dashboard) -> List[Row]:
    """Every figure of the dashboard, one number a row (rankings in full, not just the top 10)."""
    result: List[Row] = []
    result += _daily("conversations_per_channel", dashboard.conversations, "conversations")
    result += _ranked("faq_topics", dashboard.faq_topics, "answers")
    result += _ranked("trial_searches_by_cancer_type", dashboard.searches_by_cancer_type, "searches")
    result += _ranked("trial_searches_by_region", dashboard.searches_by_region, "searches")
    result += _handoffs([*dashboard.handoffs, dashboard.handoffs_overall])
    result += _fallbacks([*dashboard.fallbacks, dashboard.fallbacks_overall])
    if dashboard.satisfaction is not None:
        result += _daily("satisfaction", dashboard.satisfaction, "answers")
    if dashboard.alerts is not None:
        result += _daily("trial_alerts", dashboard.alerts, "count")
    return result


def render(dashboard: Dashboard) -> str:
    """The CSV text (with a header row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows(dashboard):
        writer.writerow([safe_cell(cell) if isinstance(cell, str) else ("" if cell is None else cell) for cell in row])
    return buffer.getvalue()
