"""The console's insights pages: signed-in only, the seeded figures exactly, CSV without message text, missed
questions audited, attaching one feeds the FAQ build, and the dashboard clean in a real browser."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List

import pytest_asyncio

from bot.core.pool import CorePool, CoreSettings
from bot.faq.catalog import FAQ_DIR, load_catalog
from bot.faq.training_data import build
from bot.gateway.app import create_app
from bot.store import audit
from bot.store.db import sync_url
from bot.store.models import Role
from bot.yaml_files import read_yaml
from tests.bot.console.browsing import PASSWORD, Console
from tests.bot.insights import scenario
from tests.bot.insights.seeding import Seeder
from tests.conftest import gateway_settings, serve

PERIOD = "from=2025-03-10&to=2025-03-12"
PAGES = ["/console/insights", "/console/insights/export.csv", "/console/insights/missed", "/console/insights/missed/1"]
FORMS = ["/console/insights/missed/1/attach", "/console/insights/missed/1/new-topic"]


@pytest_asyncio.fixture
async def insights(database_url: str, sessions: Any, tmp_path: Path) -> AsyncIterator[Console]:
    """A gateway on the test database whose Rasa pool is never started: these pages never ask the model.
    Missed questions are attached into the test's own folder."""
    settings = gateway_settings(
        database_url,
        "http://127.0.0.1:9/webhook",
        tmp_path / "no-model.tar.gz",
        HANDOFF_TIMEZONE="America/New_York",
        FAQ_MISSED_DIR=str(tmp_path / "missed"),
    )
    idle = CorePool(CoreSettings(tmp_path / "no-model.tar.gz", "http://127.0.0.1:9/webhook", sync_url(database_url)))
    async with serve(create_app(settings, core=idle)) as base_url:
        helper = Console(None, base_url, sessions)
        try:
            yield helper
        finally:
            await helper.aclose()


class _Tables(HTMLParser):
    """Every table with an id: its rows as lists of cell texts (header cells too)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: Dict[str, List[List[str]]] = {}
        self._table: List[List[str]] | None = None
        self._cell: List[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table" and dict(attrs).get("id"):
            self._table = self.tables.setdefault(dict(attrs)["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> Dict[str, List[List[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


async def _audit_entries(console: Console, action: str) -> list:
    async with console.sessions() as session:
        return [e for e in await audit.recent(session) if e.action == action]


async def test_every_page_and_form_refuses_anyone_not_signed_in(insights: Console, tmp_path: Path) -> None:
    anonymous = insights.browser().http
    for page in PAGES:
        response = await anonymous.get(page)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), page
    for form in FORMS:
        response = await anonymous.post(form, data={"topic": "placebo", "text": "fake pill?"})
        assert (response.status_code, response.headers["location"]) == (303, "/console/login"), form
    signed_in = await insights.signed_in("cat@example.org", "Cat")
    for form in FORMS:
        forged = await signed_in.http.post(form, data={"topic": "placebo", "text": "fake pill?", "csrf_token": "x"})
        assert forged.status_code == 403, "a form without this session's token changes nothing"
    assert not (tmp_path / "missed").exists()
    assert await _audit_entries(insights, audit.MISSED_VIEWED) == []


async def test_the_dashboard_shows_the_seeded_figures_exactly(  # type: ignore[no-untyped-def]
    insights: Console, sessions: Any, database_url: str
) -> None:
    seeder = Seeder(sessions, database_url)
    await scenario.seed_satisfaction(seeder, await scenario.seed(seeder))
    browser = await insights.signed_in("ann@example.org", "Ann")

    page = await browser.http.get(f"/console/insights?{PERIOD}")

    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "style=" not in page.text and "<style" not in page.text and "<script>" not in page.text
    assert page.text.count('role="img"') == 8, "every figure has its chart"
    found = tables(page.text)
    assert found["table-conversations"] == [
        ["Day", "telegram", "webchat", "slack"],
        ["2025-03-10", "2", "0", "0"],
        ["2025-03-11", "0", "1", "0"],
        ["2025-03-12", "0", "1", "1"],
    ]
    titles = {t.id: t.title for t in load_catalog()}
    assert found["table-faq"] == [["Topic", "Count"]] + [[titles[k], str(n)] for k, n in scenario.FAQ_TOPICS]
    assert found["table-cancer"] == [["Cancer type", "Count"], ["breast cancer", "2"], ["hodgkin lymphoma", "1"]]
    assert found["table-region"] == [["Region", "Count"], ["OH", "1"], ["Ontario", "1"], ["TX", "1"]]
    assert found["table-handoffs"] == [
        ["Day", "Handoffs", "Answered", "Median min", "p90 min"],
        ["2025-03-10", "3", "2", "3.0", "5.0"],
        ["2025-03-11", "1", "1", "15.0", "15.0"],
        ["2025-03-12", "2", "2", "23.5", "45.0"],
        ["Whole period", "6", "5", "5.0", "45.0"],
    ]
    assert found["table-fallback"] == [
        ["Day", "Messages", "Fallbacks", "Rate"],
        ["2025-03-10", "6", "2", "33.3%"],
        ["2025-03-11", "5", "1", "20.0%"],
        ["2025-03-12", "7", "1", "14.3%"],
    ]
    assert found["table-satisfaction"] == [
        ["Day", "Thumbs up", "Thumbs down"],
        ["2025-03-10", "1", "0"],
        ["2025-03-11", "0", "0"],
        ["2025-03-12", "1", "1"],
    ]
    assert "4 of 18" in page.text

    wrong = await browser.http.get("/console/insights?from=2025-03-12&to=2025-03-01")
    assert wrong.status_code == 200 and "The start date is after the end date." in wrong.text
    for hostile in ("from=%00", "to=2025-03-01%27%3B--", "from=" + "9" * 5000):
        odd = await browser.http.get(f"/console/insights/missed?{hostile}")
        assert odd.status_code == 200 and "should look like 2025-01-31" in odd.text, hostile


async def test_the_csv_has_the_figures_and_no_message_text(insights: Console, sessions: Any, database_url: str) -> None:
    await scenario.seed(Seeder(sessions, database_url))
    browser = await insights.signed_in("jo@example.org", "Jo", Role.ADMIN)

    response = await browser.http.get(f"/console/insights/export.csv?{PERIOD}")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="trialbot-insights-2025-03-10-to-2025-03-12.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert ["conversations_per_channel", "2025-03-10", "telegram", "telegram", "conversations", "2"] in rows
    assert ["trial_searches_by_region", "", "Ontario", "Ontario", "searches", "1"] in rows
    assert ["handoffs", "", "", "", "p90_minutes_to_first_reply", "45.0"] in rows
    assert ["fallback_rate", "", "", "", "fallbacks", "4"] in rows
    written = scenario.MISSED_TEXTS | {
        "whats a placebo exactly",
        "will the trial cost me money",
        "I'm 34 with breast cancer in Columbus OH",
        "hodgkin lymphoma trials in Houston, TX",
        "Toronto",
        "Hi, I'm Ana",
    }
    assert not [text for text in written if text.lower() in response.text.lower()], "no message text"
    assert (await browser.http.get("/console/insights/export.csv?from=soon")).status_code == 400


async def test_missed_questions_are_grouped_and_reading_them_is_audited(  # type: ignore[no-untyped-def]
    insights: Console, sessions: Any, database_url: str
) -> None:
    seeded = await scenario.seed(Seeder(sessions, database_url))
    browser = await insights.signed_in("eve@example.org", "Eve")

    page = await browser.http.get(f"/console/insights/missed?{PERIOD}")

    assert page.status_code == 200
    assert re.search(r'<strong id="missed-count">5</strong> missed questions in 3 groups', page.text)
    groups = [
        set(re.findall(r'<td class="preview">(.*?)</td>', section))
        for section in page.text.split('<section class="card group"')[1:]
    ]
    unescaped = [{t.replace("&#39;", "'") for t in g} for g in groups]
    assert unescaped[0] == scenario.PARKING, "the three parking questions together, the biggest group first"
    assert {"sugar pill thing?"} in unescaped and {"can my dog come to chemo"} in unescaped
    [viewed] = await _audit_entries(insights, audit.MISSED_VIEWED)
    assert viewed.detail == "5 messages from 2025-03-10 to 2025-03-12" and viewed.coordinator_id is not None

    link = re.search(
        r'href="(/console/insights/missed/\d+)\?[^"]*">Attach or mark<span class="visually-hidden"> '
        r"message \d+</span></a></td>\s*</tr>",
        page.text,
    )
    assert link
    one = await browser.http.get(link.group(1))
    assert one.status_code == 200
    entries = await _audit_entries(insights, audit.MISSED_VIEWED)
    assert len(entries) == 2 and entries[0].conversation_id in seeded.conversations.values()
    assert entries[0].detail == f"message {link.group(1).rsplit('/', 1)[1]}"
    assert (await browser.http.get("/console/insights/missed/999999999999")).status_code == 404


async def test_attaching_a_missed_question_adds_it_to_the_faq_build_and_marking_lists_it(  # type: ignore[no-untyped-def]
    insights: Console, sessions: Any, database_url: str, tmp_path: Path
) -> None:
    await scenario.seed(Seeder(sessions, database_url))
    browser = await insights.signed_in("fay@example.org", "Fay")
    page = (await browser.http.get(f"/console/insights/missed?{PERIOD}")).text
    ids = {
        text: int(number)
        for text, number in re.findall(
            r'<td class="preview">(.*?)</td>\s*<td>[^<]*</td>\s*<td class="actions"><a href="/console/insights/'
            r"missed/(\d+)",
            page,
        )
    }
    park, dog = ids["where do i park"], ids["can my dog come to chemo"]
    form = (await browser.http.get(f"/console/insights/missed/{park}?{PERIOD}")).text
    assert 'value="where do i park"' in form and '<option value="travel_lodging_help"' in form

    attached = await browser.post(
        f"/console/insights/missed/{park}/attach",
        topic="travel_lodging_help",
        text="where do i park at the clinic",
        **{"from": "2025-03-10", "to": "2025-03-12"},
    )

    assert attached.headers["location"] == f"/console/insights/missed?{PERIOD}"
    assert "becomes a training example at the next FAQ build" in await browser.flash_after(attached)
    catalog, _ = build(FAQ_DIR, tmp_path / "missed", tmp_path / "faq.yml")
    generated = read_yaml(tmp_path / "faq.yml")
    [travel] = [e for e in generated["nlu"] if e["intent"] == "faq/travel_lodging_help"]
    assert "- where do i park at the clinic\n" in travel["examples"]
    assert catalog.get("travel_lodging_help").attached == ("where do i park at the clinic",)
    [entry] = await _audit_entries(insights, audit.FAQ_ATTACHED)
    assert entry.detail == f"message {park} to travel_lodging_help"
    after = (await browser.http.get(f"/console/insights/missed?{PERIOD}")).text
    assert "where do i park" not in after and "4</strong> missed questions" in after

    again = await browser.post(f"/console/insights/missed/{park}/new-topic", text="where do i park")
    assert "already attached" in await browser.flash_after(again)
    marked = await browser.post(f"/console/insights/missed/{dog}/new-topic", text="can my dog come", note="pets")
    assert "Marked for a new FAQ topic" in await browser.flash_after(marked)
    listed = read_yaml(tmp_path / "missed" / "new-topics.yml")
    assert [(q["text"], q["note"], q["message_id"]) for q in listed["questions"]] == [("can my dog come", "pets", dog)]
    assert len(await _audit_entries(insights, audit.FAQ_NEW_TOPIC)) == 1
    audit_page = await (await insights.signed_in("gil@example.org", "Gil", Role.ADMIN)).http.get("/console/audit")
    assert "attached a missed question to a FAQ topic" in audit_page.text


async def test_the_dashboard_in_chromium_signed_in_has_no_errors_and_passes_axe(  # type: ignore[no-untyped-def]
    insights: Console, sessions: Any, database_url: str, browser
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect

    seeder = Seeder(sessions, database_url)
    await scenario.seed_satisfaction(seeder, await scenario.seed(seeder))
    await insights.account("hal@example.org", "Hal")
    page = await (await browser.new_context()).new_page()
    errors: List[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(insights.base_url + "/console/login")
    await page.get_by_label("Email").fill("hal@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="Insights").click()
    await page.get_by_label("From", exact=True).fill("2025-03-10")
    await page.get_by_label("To", exact=True).fill("2025-03-12")
    await page.get_by_role("button", name="Show").click()

    await expect(page.get_by_role("img", name="Conversations per channel per day")).to_be_visible()
    await expect(page.get_by_role("img")).to_have_count(8)
    width = await page.evaluate("document.querySelector('.chart svg').getBoundingClientRect().width")
    assert width > 300, "the chart is laid out by the stylesheet"
    await page.get_by_text("The numbers").first.click()
    await expect(page.locator("#table-conversations")).to_be_visible()
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    await page.get_by_role("link", name="Questions the bot missed").click()
    await expect(page.get_by_role("heading", name="Questions the bot missed")).to_be_visible()
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert errors == [], "no script errors and nothing blocked by the console's strict CSP"
    await page.context.close()
