"""What to say when the model is unsure: a plain apology and the closest FAQ topics as buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from bot.faq.catalog import Catalog, FaqTopic
from bot.trials import texts as trial_texts

STARTER_TOPICS = ("what_is_a_trial", "risks_side_effects", "routine_vs_research_costs", "find_a_trial")
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class FallbackMessage:
    """Text plus Rasa-style buttons (`title`, `payload`)."""

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    needs_person: bool = False


def closest_topics(catalog: Catalog, ranking: Sequence[Dict], limit: int = MAX_SUGGESTIONS) -> List[FaqTopic]:
    """The FAQ topics the response selector found closest (its `ranking`), best first."""
    topics: List[FaqTopic] = []
    for entry in ranking:
        key = str(entry.get("intent_response_key") or "")
        topic = catalog.get(key.split("/", 1)[-1]) if "/" in key else None
        if topic is not None and topic not in topics:
            topics.append(topic)
        if len(topics) == limit:
            break
    return topics


def fallback_message(
    misses_in_a_row: int, suggestions: Sequence[FaqTopic], catalog: Catalog, cancer: Optional[str] = None
) -> FallbackMessage:
    """The fallback reply; on a second miss in a row a person from the team is asked to join. `cancer`: the cancer the
    message named ("We just left my wife's appointment for her ovarian cancer …"): a question about trials told as a
    story, or a search; a button for the search goes beside the closest topics."""
    topics = list(suggestions) or [t for t in (catalog.get(i) for i in STARTER_TOPICS) if t is not None]
    if misses_in_a_row >= 2:
        text = (
            "I'm still not sure I understand, sorry. I'm an automated assistant and work best with "
            "short questions about cancer clinical trials, so I'm asking a person from our team to help. "
            "While you wait, did you mean one of these?"
        )
    else:
        text = "Sorry, I'm not sure I understood. Did you mean one of these? Or try saying it another way."
    buttons = [{"title": t.title, "payload": t.canonical_question} for t in topics[: MAX_SUGGESTIONS + 1]]
    if cancer:
        buttons = buttons[:MAX_SUGGESTIONS]
        buttons.append({"title": trial_texts.search_button(cancer), "payload": trial_texts.search_payload(cancer)})
    return FallbackMessage(text=text, buttons=buttons, needs_person=misses_in_a_row >= 2)
