"""Charts are inline SVG fit for the console's strict CSP and name what they show; the CSV has every number."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

from bot.insights import charts, csv_export
from bot.insights.figures import Dashboard, FallbackDay, HandoffDay
from bot.insights.period import Period
from bot.insights.series import DailySeries, ranking

PERIOD = Period(date(2025, 3, 10), date(2025, 3, 11), ZoneInfo("UTC"))
D10, D11 = PERIOD.days


def dashboard(satisfaction: bool = True) -> Dashboard:
    return Dashboard(
        period=PERIOD,
        conversations=DailySeries.of(PERIOD.days, ("telegram", "slack"), {(D10, "telegram"): 2, (D11, "slack"): 1}),
        faq_topics=ranking(Counter({"placebo": 3, "costs": 1}), {"placebo": "What is a placebo?"}),
        searches_by_cancer_type=ranking(Counter({"=cmd|' /C calc'!A0": 1, "breast cancer $5$": 2})),
        searches_by_region=(),
        handoffs=(HandoffDay(D10, 2, 1, 300.0, 300.0), HandoffDay(D11, 0, 0, None, None)),
        handoffs_overall=HandoffDay(None, 2, 1, 300.0, 300.0),
        fallbacks=(FallbackDay(D10, 4, 1), FallbackDay(D11, 0, 0)),
        fallbacks_overall=FallbackDay(None, 4, 1),
        satisfaction=DailySeries.of(PERIOD.days, ("up", "down"), {(D11, "down"): 1}) if satisfaction else None,
    )


SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def test_charts_are_inline_svg_without_styles_with_their_own_ids_and_a_title_and_description() -> None:
    drawn = charts.draw(dashboard())

    assert set(drawn) == {
        "conversations",
        "faq",
        "cancer",
        "handoffs",
        "replies",
        "fallback",
        "satisfaction",
    }, "no chart for an empty ranking (no searches by region here)"
    every_id: list = []
    for key, chart in drawn.items():
        root = ET.fromstring(chart.svg)
        assert "style" not in chart.svg, "styles would be blocked by style-src 'self'"
        assert root.get("role") == "img" and root.get("aria-labelledby") == f"chart-{key}-title chart-{key}-desc"
        assert root.find(f"{SVG}title").text == chart.title
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert all(i.startswith(f"chart-{key}-") for i in ids)
        every_id += ids
        references = re.findall(r"url\(#([^)]+)\)", chart.svg) + [
            e.get(XLINK_HREF)[1:] for e in root.iter() if e.get(XLINK_HREF)
        ]
        assert references and set(references) <= set(ids), "every clip path and glyph points inside its own chart"
    assert len(every_id) == len(set(every_id)), "ids are unique on the page"
    desc = ET.fromstring(drawn["cancer"].svg).find(f"{SVG}desc").text
    assert "breast cancer $5$ 2" in desc and "calc" in desc, "the description carries the same numbers"
    assert "3 conversations (telegram 2, slack 1)" in ET.fromstring(drawn["conversations"].svg).find(f"{SVG}desc").text


def test_without_satisfaction_answers_there_is_no_satisfaction_chart() -> None:
    assert "satisfaction" not in charts.draw(dashboard(satisfaction=False))


def test_the_csv_has_every_number_of_the_dashboard_and_no_formulas() -> None:
    text = csv_export.render(dashboard())
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0] == list(csv_export.HEADER)
    assert ["conversations_per_channel", "2025-03-10", "telegram", "telegram", "conversations", "2"] in rows
    assert ["conversations_per_channel", "2025-03-11", "telegram", "telegram", "conversations", "0"] in rows
    assert ["faq_topics", "", "placebo", "What is a placebo?", "answers", "3"] in rows
    assert ["trial_searches_by_cancer_type", "", "'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "searches", "1"] in rows
    assert ["handoffs", "2025-03-10", "", "", "median_minutes_to_first_reply", "5.0"] in rows
    assert ["handoffs", "2025-03-11", "", "", "median_minutes_to_first_reply", ""] in rows
    assert ["handoffs", "", "", "", "handoffs", "2"] in rows
    assert ["fallback_rate", "2025-03-10", "", "", "rate", "0.25"] in rows
    assert ["satisfaction", "2025-03-11", "down", "down", "answers", "1"] in rows
    assert len(rows) == 1 + 4 + 2 + 2 + 3 * 4 + 3 * 3 + 4
