"""Screenshot of the insights dashboard for the README, taken the way the browser tests run Chromium.

    .venv/bin/python -m tests.bot.insights.screenshot docs/insights-dashboard.png

Seeds a month of made-up conversations (fixed random seed, March 2025) into a temporary SQLite
database, serves the console with an idle Rasa pool (the dashboard never asks the model), signs
in through the login form with Playwright on Debian's Chromium (`tests.browser`) and saves a
full-page PNG of the dashboard.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, List
from zoneinfo import ZoneInfo

from bot.core.pool import CorePool, CoreSettings
from bot.faq.catalog import load_catalog
from bot.gateway.app import create_app
from bot.store.db import create_engine, create_session_factory, migrate, sync_url
from bot.store.models import Author
from tests.bot.console.browsing import PASSWORD, Console
from tests.bot.insights.seeding import Seeder, fallback, faq, intent
from tests.browser import chromium
from tests.conftest import gateway_settings, serve

ZONE = ZoneInfo("America/New_York")
FIRST, DAYS = date(2025, 3, 1), 30
CHANNELS = {"webchat": 40, "telegram": 35, "slack": 15, "rest": 10}
TOPICS = {
    "what_is_a_trial": 30,
    "placebo": 22,
    "routine_vs_research_costs": 20,
    "risks_side_effects": 16,
    "insurance_coverage": 12,
    "find_a_trial": 11,
    "fertility": 8,
    "leaving_a_trial": 7,
    "who_can_join": 6,
    "trial_phases": 5,
    "school_and_work": 4,
    "travel_lodging_help": 4,
}
CANCERS = {
    "breast cancer": 30,
    "lung cancer": 18,
    "hodgkin lymphoma": 12,
    "leukemia": 10,
    "melanoma": 8,
    "colorectal cancer": 7,
    "sarcoma": 5,
    "glioblastoma": 3,
}
PLACES = {
    "Columbus, OH": 20,
    "Houston, TX": 18,
    "Boston, MA": 14,
    "Cleveland, OH": 9,
    "Seattle, WA": 8,
    "Atlanta, GA": 7,
    "Toronto, Ontario": 3,
}
MISSES = [
    "where do i park",
    "is there free parking at the hospital",
    "parking??",
    "can my dog come to chemo",
    "can I bring my dog",
    "what is car t cell therapy",
    "car-t trials?",
    "do you know a good wig shop",
    "where can i buy a wig",
    "is there wifi at the clinic",
    "lol",
    "whats the weather",
]


def _pick(rng: random.Random, weights: dict) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


async def seed_month(seeder: Seeder, rng: random.Random) -> None:
    """A month of conversations: FAQ questions, searches, misses, handoffs with replies, thumbs."""
    catalog = load_catalog()
    coordinator = await seeder.coordinator("demo@example.org")
    for offset in range(DAYS):
        day = FIRST + timedelta(days=offset)
        weekend = day.weekday() >= 5
        for _ in range(rng.randint(2, 5) if weekend else rng.randint(5, 12)):
            start = datetime.combine(day, time(rng.randint(8, 21), rng.randint(0, 59)), ZONE).astimezone(timezone.utc)
            conversation = await seeder.conversation(_pick(rng, CHANNELS), start)
            events: List[Any] = []
            at = start
            for _ in range(rng.randint(1, 4)):
                at += timedelta(seconds=rng.randint(20, 120))
                roll = rng.random()
                if roll < 0.55:
                    topic = _pick(rng, TOPICS)
                    turn = faq(catalog.get(topic).canonical_question, at, topic, rng.uniform(0.4, 0.99))
                elif roll < 0.8:
                    place = _pick(rng, PLACES)
                    turn = intent(
                        f"trials near {place}",
                        at,
                        "search_trials",
                        0.97,
                        "trial_search_form",
                        "action_search_trials",
                        slots=[("condition", _pick(rng, CANCERS)), ("location_name", place)],
                    )
                else:
                    turn = fallback(rng.choice(MISSES), at)
                await seeder.message(conversation, turn[0].text, at - timedelta(milliseconds=500))
                events += turn
            await seeder.tracker_events(conversation, events)
            if rng.random() < 0.22:
                asked = at + timedelta(minutes=1)
                await seeder.handoff(conversation, "bot", "waiting", asked)
                if rng.random() < 0.9:
                    wait = timedelta(minutes=min(90.0, rng.lognormvariate(2.0, 0.8)))
                    await seeder.handoff(
                        conversation, "waiting", "with_coordinator", asked + wait * 0.8, f"coordinator:{coordinator}"
                    )
                    await seeder.message(
                        conversation,
                        "Hi, I'm from the trials team.",
                        asked + wait,
                        Author.COORDINATOR,
                        coordinator_id=coordinator,
                    )
                    if rng.random() < 0.85:  # asked when the coordinator hands back
                        rating = "up" if rng.random() < 0.8 else "down"
                        await seeder.satisfaction(conversation, rating, asked + wait + timedelta(minutes=8))


async def take(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        migrate(url)
        engine = create_engine(url)
        sessions = create_session_factory(engine)
        await seed_month(Seeder(sessions, url), random.Random(11))
        model = Path(folder) / "no-model.tar.gz"
        settings = gateway_settings(
            url,
            "http://127.0.0.1:9/webhook",
            model,
            HANDOFF_TIMEZONE=ZONE.key,
            FAQ_MISSED_DIR=str(Path(folder) / "missed"),
        )
        idle = CorePool(CoreSettings(model, "http://127.0.0.1:9/webhook", sync_url(url)))
        async with serve(create_app(settings, core=idle)) as base_url:
            console = Console(None, base_url, sessions)
            await console.account("coordinator@example.org", "Dana Reyes")
            await console.aclose()
            async with chromium() as browser:
                page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
                await page.goto(base_url + "/console/login")
                await page.get_by_label("Email").fill("coordinator@example.org")
                await page.get_by_label("Password").fill(PASSWORD)
                await page.get_by_role("button", name="Sign in").click()
                last = FIRST + timedelta(days=DAYS - 1)
                await page.goto(f"{base_url}/console/insights?from={FIRST.isoformat()}&to={last.isoformat()}")
                await page.get_by_role("img", name="Conversations per channel per day").wait_for()
                out.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(out), full_page=True)
        await engine.dispose()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to save the PNG, e.g. docs/insights-dashboard.png")
    asyncio.run(take(parser.parse_args().out))


if __name__ == "__main__":
    main()
