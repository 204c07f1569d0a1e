"""A known week of conversations for the insights tests, and what the dashboard must show for it.

The period is 10-12 March 2025 in America/New_York (UTC-4 then): a conversation at 02:00 UTC on
the 11th belongs to the 10th. Rows on the 9th and 13th (local) are outside and must not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Dict
from zoneinfo import ZoneInfo

from bot.insights.period import Period
from bot.store.models import Author, MessageKind
from tests.bot.insights.seeding import Seeder, fallback, faq, intent, new_session, utc

ZONE = ZoneInfo("America/New_York")
PERIOD = Period(date(2025, 3, 10), date(2025, 3, 12), ZONE)
D10, D11, D12 = PERIOD.days

SEARCH_FORM = "trial_search_form"
SEARCH = "action_search_trials"


@dataclass
class Seeded:
    """Ids of what was seeded."""

    conversations: Dict[str, str] = field(default_factory=dict)
    coordinator_id: int = 0


async def seed(seeder: Seeder) -> Seeded:
    seeded = Seeded()
    seeded.coordinator_id = await seeder.coordinator()
    c = seeded.conversations

    async def reply(name: str, at: str, kind: MessageKind = MessageKind.TEXT) -> None:
        await seeder.message(
            c[name], "Hi, I'm Ana from the trials team.", utc(at), Author.COORDINATOR, kind, seeded.coordinator_id
        )

    # Outside the period: the 9th, and the 13th in New York.
    c["before"] = await seeder.conversation("telegram", utc("2025-03-09 12:00"))
    await seeder.said(c["before"], faq("whats a placebo exactly", utc("2025-03-09 12:01"), "placebo"))
    await seeder.handoff(c["before"], "bot", "waiting", utc("2025-03-09 12:05"))
    c["after"] = await seeder.conversation("rest", utc("2025-03-13 05:00"))
    await seeder.said(c["after"], fallback("parking??", utc("2025-03-13 05:01")))
    await seeder.handoff(c["after"], "bot", "waiting", utc("2025-03-13 05:05"))

    # 10 March: two Telegram conversations (the second at 22:00 New York time).
    c["c1"] = await seeder.conversation("telegram", utc("2025-03-10 14:00"))
    await seeder.said(c["c1"], faq("whats a placebo exactly", utc("2025-03-10 14:01"), "placebo", 0.95))
    await seeder.said(
        c["c1"], faq("will the trial cost me money", utc("2025-03-10 14:02"), "routine_vs_research_costs", 0.9)
    )
    await seeder.said(c["c1"], fallback("where do i park", utc("2025-03-10 14:03")))
    await seeder.said(c["c1"], fallback("Where can I park my car?", utc("2025-03-10 14:04")))
    await seeder.handoff(c["c1"], "bot", "waiting", utc("2025-03-10 14:05"))
    await reply("c1", "2025-03-10 14:06", MessageKind.PRIVATE_NOTE)  # a note is not a reply
    await seeder.handoff(c["c1"], "waiting", "with_coordinator", utc("2025-03-10 14:09"), "coordinator:1")
    await reply("c1", "2025-03-10 14:10")  # 5 minutes after the handoff
    await seeder.handoff(c["c1"], "with_coordinator", "bot", utc("2025-03-10 14:30"), "coordinator:1")

    c["c2"] = await seeder.conversation("telegram", utc("2025-03-11 02:00"))
    await seeder.said(c["c2"], faq("sugar pill thing?", utc("2025-03-11 02:01"), "placebo", 0.45))  # unsure
    await seeder.said(
        c["c2"],
        intent(
            "I'm 34 with breast cancer in Columbus OH",
            utc("2025-03-11 02:02"),
            "search_trials",
            0.98,
            SEARCH_FORM,
            SEARCH,
            slots=[("condition", "Breast  Cancer"), ("age", 34.0), ("location_name", "Columbus, OH 43215")],
        ),
    )
    await seeder.handoff(c["c2"], "bot", "waiting", utc("2025-03-11 02:10"))
    await seeder.handoff(c["c2"], "waiting", "bot", utc("2025-03-11 02:30"))  # went back before any reply
    await seeder.handoff(c["c2"], "bot", "with_coordinator", utc("2025-03-11 02:59"), "coordinator:1")
    await reply("c2", "2025-03-11 03:00")  # answers the second handoff, 1 minute

    # 11 March: web chat; searches, more, wider, and a new session that forgets the search.
    c["c3"] = await seeder.conversation("webchat", utc("2025-03-11 15:00"))
    await seeder.said(c["c3"], fallback("is there parking at the hospital", utc("2025-03-11 15:01")))
    await seeder.said(
        c["c3"],
        intent(
            "hodgkin lymphoma trials in Houston, TX",
            utc("2025-03-11 15:02"),
            "search_trials",
            0.97,
            SEARCH_FORM,
            SEARCH,
            slots=[("condition", "hodgkin lymphoma"), ("age", 29.0), ("location_name", "Houston, TX")],
        ),
    )
    await seeder.said(
        c["c3"], intent("show more", utc("2025-03-11 15:03"), "show_more", 0.99, "action_show_more_trials")
    )
    await seeder.said(
        c["c3"], intent("search within 250 miles", utc("2025-03-11 15:04"), "widen_search", 0.99, "action_widen_search")
    )
    await seeder.tracker_events(c["c3"], new_session(utc("2025-03-11 15:05")))
    await seeder.said(c["c3"], intent("find trials", utc("2025-03-11 15:06"), "search_trials", 0.99, SEARCH))
    await seeder.handoff(c["c3"], "bot", "waiting", utc("2025-03-11 15:10"))
    await seeder.handoff(c["c3"], "waiting", "with_coordinator", utc("2025-03-11 15:20"), "coordinator:1")
    await reply("c3", "2025-03-11 15:25")  # 15 minutes
    await seeder.handoff(c["c3"], "with_coordinator", "closed", utc("2025-03-11 15:40"), "coordinator:1")

    # 12 March: Slack and web chat.
    c["c4"] = await seeder.conversation("slack", utc("2025-03-12 13:00"))
    await seeder.said(
        c["c4"], intent("can my dog come to chemo", utc("2025-03-12 13:01"), "out_of_scope", 0.62, "utter_out_of_scope")
    )
    await seeder.said(
        c["c4"],
        intent(
            "breast cancer trials",
            utc("2025-03-12 13:02"),
            "search_trials",
            0.98,
            SEARCH_FORM,
            slots=[("condition", "breast cancer")],
        ),
    )
    await seeder.said(
        c["c4"], intent("34", utc("2025-03-12 13:03"), "inform", 0.55, SEARCH_FORM, slots=[("age", 34.0)])
    )  # a form's answer, not a miss
    await seeder.said(
        c["c4"],
        intent(
            "Toronto",
            utc("2025-03-12 13:04"),
            "inform",
            0.8,
            SEARCH_FORM,
            SEARCH,
            slots=[("location_name", "Toronto, Ontario")],
        ),
    )
    await seeder.handoff(c["c4"], "bot", "waiting", utc("2025-03-12 13:10"), "system")
    await seeder.handoff(c["c4"], "waiting", "with_coordinator", utc("2025-03-12 13:11"), "coordinator:1")
    await reply("c4", "2025-03-12 13:12")  # 2 minutes

    c["c5"] = await seeder.conversation("webchat", utc("2025-03-12 16:00"))
    await seeder.said(c["c5"], faq("whats a placebo exactly", utc("2025-03-12 16:01"), "placebo", 0.97))
    await seeder.said(
        c["c5"], intent("hi", utc("2025-03-12 16:02"), "greet", 0.99, "utter_greet", "utter_how_can_i_help")
    )
    await seeder.said(c["c5"], fallback("asdf qwerty", utc("2025-03-12 16:03")), stored=False)  # text deleted
    await seeder.handoff(c["c5"], "bot", "waiting", utc("2025-03-12 16:10"))
    await seeder.handoff(c["c5"], "waiting", "with_coordinator", utc("2025-03-12 16:50"), "coordinator:1")
    await reply("c5", "2025-03-12 16:55")  # 45 minutes
    return seeded


async def seed_satisfaction(seeder: Seeder, seeded: Seeded) -> None:
    c = seeded.conversations
    await seeder.satisfaction(c["c1"], "up", utc("2025-03-10 14:40"))
    await seeder.satisfaction(c["c4"], "down", utc("2025-03-12 13:30"))
    await seeder.satisfaction(c["c5"], "up", utc("2025-03-12 17:00"))
    await seeder.satisfaction(c["after"], "up", utc("2025-03-13 06:00"))  # outside


# What the dashboard must show for the period.
CONVERSATIONS = {  # (day, channel) → conversations started; channels by total, then name
    "names": ("telegram", "webchat", "slack"),
    "counts": ((2, 0, 0), (0, 1, 0), (0, 1, 1)),
}
FAQ_TOPICS = [("placebo", 3), ("routine_vs_research_costs", 1)]
SEARCHES_BY_CANCER_TYPE = [("breast cancer", 2), ("hodgkin lymphoma", 1)]
SEARCHES_BY_REGION = [("OH", 1), ("Ontario", 1), ("TX", 1)]
HANDOFFS = [  # day, handoffs, answered, median seconds, p90 seconds
    (D10, 3, 2, 180.0, 300.0),
    (D11, 1, 1, 900.0, 900.0),
    (D12, 2, 2, 1410.0, 2700.0),
]
HANDOFFS_OVERALL = (6, 5, 300.0, 2700.0)
FALLBACKS = [(D10, 6, 2), (D11, 5, 1), (D12, 7, 1)]  # day, messages, fallbacks
FALLBACKS_OVERALL = (18, 4)
MISSED_TEXTS = {  # what the missed questions page lists (the 13th is outside; "asdf qwerty" is deleted)
    "where do i park",
    "Where can I park my car?",
    "sugar pill thing?",
    "is there parking at the hospital",
    "can my dog come to chemo",
}
PARKING = {"where do i park", "Where can I park my car?", "is there parking at the hospital"}
