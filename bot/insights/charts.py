"""The dashboard's charts as inline SVG, drawn on the server with matplotlib (no script, no CDN).

matplotlib's SVG backend writes its look as `style` attributes and a `<style>` element, which the
console's Content-Security-Policy (`style-src 'self'`) would block inline. Each chart is
therefore rewritten once drawn: styles become the equivalent SVG presentation attributes, ids
get the chart's prefix (several charts share a page), text stays as drawn paths (the same on
every machine), and the chart gets `role="img"` with a `<title>` and `<desc>` naming what it
shows. The page shows the same numbers in a table next to each chart.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from bot.insights.figures import Dashboard, FallbackDay, HandoffDay
from bot.insights.series import DailySeries, Ranked, top

if TYPE_CHECKING:  # for the annotations only: matplotlib itself is imported where a chart is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
"""Okabe and Ito's colours, told apart with every common colour-vision deficiency."""
RATING_COLOURS = {"up": "#009E73", "down": "#D55E00"}
ALERT_COLOURS = {"subscribed": "#0072B2", "alerts sent": "#E69F00", "stopped": "#D55E00", "tell me more": "#009E73"}
INK, MUTED, GRID = "#1d2430", "#5b6675", "#d9dee5"
PRESENTATION = frozenset(
    {
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-miterlimit",
        "stroke-opacity",
        "opacity",
        "clip-rule",
    }
)
MAX_LABEL_CHARS = 38
WIDE = 10.0
"""Inches of the charts that span the page (the others are 6.4)."""
_URL = re.compile(r"url\(#([^)]+)\)")


@dataclass(frozen=True)
class Chart:
    """One chart, ready to place in a page."""

    key: str
    title: str
    svg: str


def label(text: str) -> str:
    """A label matplotlib draws as written (no math mode) and short enough for an axis."""
    short = text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"
    return short.replace("$", r"\$")


def inline(raw: str, key: str, title: str, desc: str) -> str:
    """matplotlib's SVG made fit to inline under a strict CSP (see the module's docstring)."""
    root = ET.fromstring(raw)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG}}}style", f"{{{SVG}}}metadata"):
                parent.remove(child)
    for element in root.iter():
        for declaration in (element.attrib.pop("style", "") or "").split(";"):
            name, _, value = declaration.partition(":")
            if name.strip() in PRESENTATION and value.strip():
                element.set(name.strip(), value.strip())
        if "id" in element.attrib:
            element.set("id", f"{key}-{element.get('id')}")
        for name in ("clip-path", "mask"):
            if name in element.attrib:
                element.set(name, _URL.sub(lambda m: f"url(#{key}-{m.group(1)})", element.get(name, "")))
        href = element.get(f"{{{XLINK}}}href")
        if href and href.startswith("#"):
            element.set(f"{{{XLINK}}}href", f"#{key}-{href[1:]}")
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    root.set("role", "img")
    root.set("aria-labelledby", f"{key}-title {key}-desc")
    root.set("focusable", "false")
    heading = ET.Element(f"{{{SVG}}}title", {"id": f"{key}-title"})
    heading.text = title
    description = ET.Element(f"{{{SVG}}}desc", {"id": f"{key}-desc"})
    description.text = desc
    root.insert(0, description)
    root.insert(0, heading)
    return ET.tostring(root, encoding="unicode")


def _figure(height: float = 2.9, width: float = 6.4) -> Tuple[Figure, Axes]:
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "trialbot"  # the same ids for the same chart
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=72)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(MUTED)
    axes.tick_params(colors=MUTED, labelcolor=INK, labelsize=9)
    axes.set_axisbelow(True)
    return figure, axes


def _svg(figure: Figure) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return buffer.getvalue()


def _day_axis(axes: Axes, days: Sequence[date]) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if days:
        axes.set_xlim(mdates.date2num(days[0]) - 0.7, mdates.date2num(days[-1]) + 0.7)


def _count_axis(axes: Axes, most: float) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.set_ylim(0, max(most, 1) * 1.1)
    axes.grid(axis="y", color=GRID, linewidth=0.8)


def stacked_days(series: DailySeries, colours: Optional[Dict[str, str]] = None, width: float = 6.4) -> str:
    """Bars per day, one colour per series, stacked."""
    figure, axes = _figure(width=width)
    bottoms = [0] * len(series.days)
    for index, name in enumerate(series.names):
        values = [row[index] for row in series.counts]
        colour = (colours or {}).get(name, PALETTE[index % len(PALETTE)])
        axes.bar(series.days, values, bottom=bottoms, width=0.8, color=colour, label=label(name))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    _day_axis(axes, series.days)
    _count_axis(axes, max(bottoms, default=0))
    if series.names:
        axes.legend(
            frameon=False, fontsize=9, ncol=min(4, len(series.names)), loc="upper left", bbox_to_anchor=(0, 1.18)
        )
    return _svg(figure)


def ranked_bars(entries: Sequence[Ranked], colour: str = PALETTE[0]) -> str:
    """Horizontal bars, the biggest on top, each labelled with its count."""
    shown = list(top(entries))
    figure, axes = _figure(height=max(1.6, 0.34 * len(shown) + 0.7))
    positions = list(range(len(shown)))[::-1]
    bars = axes.barh(positions, [e.count for e in shown], color=colour, height=0.65)
    axes.set_yticks(positions)
    axes.set_yticklabels([label(e.label) for e in shown], fontsize=10)
    axes.bar_label(bars, padding=3, fontsize=10, color=INK)
    axes.set_xlim(0, max([e.count for e in shown], default=1) * 1.15)
    axes.xaxis.set_visible(False)
    axes.spines["bottom"].set_visible(False)
    axes.tick_params(axis="y", length=0)
    return _svg(figure)


def handoffs_per_day(days: Sequence[HandoffDay], dates: Sequence[date]) -> str:
    """Handoffs per day (bars)."""
    figure, axes = _figure()
    counts = [d.handoffs for d in days]
    axes.bar(dates, counts, width=0.8, color=PALETTE[0], label="handoffs")
    _day_axis(axes, dates)
    _count_axis(axes, max(counts, default=0))
    return _svg(figure)


def reply_times(days: Sequence[HandoffDay], dates: Sequence[date]) -> str:
    """Median and p90 minutes to the first human reply, per day (days without answered handoffs left blank)."""
    figure, axes = _figure()
    for name, pick, colour, marker in (
        ("median", lambda d: d.median_seconds, PALETTE[0], "o"),
        ("90th percentile", lambda d: d.p90_seconds, PALETTE[5], "s"),
    ):
        points = [(day, pick(d) / 60) for day, d in zip(dates, days, strict=True) if pick(d) is not None]
        axes.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker=marker,
            markersize=4,
            linewidth=1.5,
            color=colour,
            label=name,
        )
    _day_axis(axes, dates)
    most = max((d.p90_seconds or 0) / 60 for d in days) if days else 0
    axes.set_ylim(0, max(most, 1) * 1.15)
    axes.grid(axis="y", color=GRID, linewidth=0.8)
    axes.set_ylabel("minutes", color=MUTED, fontsize=9)
    axes.legend(frameon=False, fontsize=9, ncol=2, loc="upper left", bbox_to_anchor=(0, 1.18))
    return _svg(figure)


def fallback_rate(days: Sequence[FallbackDay], dates: Sequence[date]) -> str:
    """The share of messages answered with the fallback, per day, in percent (days without messages left blank)."""
    from matplotlib.ticker import PercentFormatter

    figure, axes = _figure(width=WIDE)
    points = [(day, d.rate * 100) for day, d in zip(dates, days, strict=True) if d.rate is not None]
    axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=4, linewidth=1.5, color=PALETTE[5])
    _day_axis(axes, dates)
    axes.set_ylim(0, max([p[1] for p in points] + [10]) * 1.15)
    axes.yaxis.set_major_formatter(PercentFormatter(decimals=None))
    axes.grid(axis="y", color=GRID, linewidth=0.8)
    return _svg(figure)


def _span(dashboard: Dashboard) -> str:
    first, last = dashboard.period.first, dashboard.period.last
    return f"from {first:%d %b %Y} to {last:%d %b %Y}"


def draw(dashboard: Dashboard) -> Dict[str, Chart]:
    """Every chart of the dashboard that has something to show, by key (CPU-bound: call it in a thread)."""
    span, dates = _span(dashboard), list(dashboard.period.days)
    charts: List[Tuple[str, str, str, str]] = []
    conversations = dashboard.conversations
    if conversations.total:
        per_channel = ", ".join(f"{n} {conversations.total_of(n)}" for n in conversations.names)
        charts.append(
            (
                "conversations",
                "Conversations per channel per day",
                f"Stacked bars, {span}: {conversations.total} conversations ({per_channel}).",
                stacked_days(conversations, width=WIDE),
            )
        )
    for key, title, entries, colour in (
        ("faq", "Top FAQ topics", dashboard.faq_topics, PALETTE[0]),
        ("cancer", "Trial searches by cancer type", dashboard.searches_by_cancer_type, PALETTE[2]),
        ("region", "Trial searches by region", dashboard.searches_by_region, PALETTE[4]),
    ):
        if entries:
            listed = "; ".join(f"{e.label} {e.count}" for e in top(entries))
            charts.append((key, title, f"Bars, {span}, biggest first: {listed}.", ranked_bars(entries, colour)))
    overall = dashboard.handoffs_overall
    if overall.handoffs:
        charts.append(
            (
                "handoffs",
                "Handoffs per day",
                f"Bars, {span}: {overall.handoffs} handoffs to people.",
                handoffs_per_day(dashboard.handoffs, dates),
            )
        )
    if overall.answered:
        charts.append(
            (
                "replies",
                "Time to the first human reply",
                f"Lines per day, {span}: median and 90th percentile in minutes; over the period "
                f"{(overall.median_seconds or 0) / 60:.1f} and {(overall.p90_seconds or 0) / 60:.1f} min.",
                reply_times(dashboard.handoffs, dates),
            )
        )
    fallbacks = dashboard.fallbacks_overall
    if fallbacks.messages:
        charts.append(
            (
                "fallback",
                "Fallback rate",
                f"Line per day, {span}: {fallbacks.fallbacks} of {fallbacks.messages} messages "
                f"({(fallbacks.rate or 0) * 100:.1f}%) got the fallback answer.",
                fallback_rate(dashboard.fallbacks, dates),
            )
        )
    answers = dashboard.satisfaction
    if answers is not None and answers.total:
        charts.append(
            (
                "satisfaction",
                "Satisfaction answers",
                f"Stacked bars per day, {span}: {answers.total_of('up')} thumbs up, "
                f"{answers.total_of('down')} thumbs down.",
                stacked_days(answers, RATING_COLOURS),
            )
        )
    alerts = dashboard.alerts
    if alerts is not None and alerts.total:
        charts.append(
            (
                "alerts",
                "Trial alerts",
                f"Bars per day, {span}: {alerts.total_of('subscribed')} subscribed, "
                f"{alerts.total_of('alerts sent')} alerts sent, {alerts.total_of('stopped')} stopped, "
                f"{alerts.total_of('tell me more')} “tell me more” taps.",
                stacked_days(alerts, ALERT_COLOURS),
            )
        )
    return {key: Chart(key, title, inline(svg, f"chart-{key}", title, desc)) for key, title, desc, svg in charts}
