"""Trial alerts in the conversation: what the router answers itself, in any state, before the model.

- "tell me when new trials open" (and the offer's button after search results) goes to the model as
  `/alerts_offer`: the action server knows the person's search and makes the offer (`actions/alerts.py`).
- The offer's yes (`/alerts_confirm`) turns alerts on and says so; its no (`/alerts_cancel`) deletes it.
- While an offer is open, words that name tumor-profile results ("it's EGFR positive") are kept with it.
- "stop alerts", STOP, "unsubscribe" or the button in every alert (`/alerts_stop`) end alerts at once;
  a plain "stop" is only taken as that when the person has alerts on.
- "what do you know about me?" shows what is kept.
"""

from __future__ import annotations

import enum
import re
from typing import List, Optional

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts import biomarkers, subscriptions, texts
from bot.alerts.models import SubscriptionStatus
from bot.messages import Reply


class Step(enum.Enum):
    """What an alerts message asks for."""

    CONFIRM = "confirm"
    CANCEL = "cancel"
    STOP = "stop"
    PROFILE = "profile"


_STOP_WORDS = re.compile(
    r"^\s*(?:/alerts_stop|stop|unsubscribe(?: me)?|stop (?:all |the |my |these |those )?(?:trial )?"
    r"(?:alerts?|notifications?|updates|messages)(?: please)?|(?:no more|cancel|end|turn off|unsubscribe from|"
    r"unsubscribe me from) (?:the |my |all )?(?:trial )?(?:alerts?|notifications?|updates))\s*[.!]*\s*$",
    re.IGNORECASE,
)
_PROFILE = re.compile(
    r"\bwhat (?:do|did) (?:you|u) (?:know|have|keep|store|save|remember)\b.*\b(?:about|on|of) me\b"
    r"|\bwhat (?:info(?:rmation)?|data|details) (?:do|did) (?:you|u) (?:have|keep|store|save)\b",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"\b(?:notify|alert) me\b|\bsubscribe\b|\bkeep me (?:posted|updated|in the loop)\b"
    r"|\b(?:tell|let|text|message|ping|email|update) me(?: know)? (?:when|if|once|as soon as|whenever)\b(?P<rest>.*)",
    re.IGNORECASE,
)
_TRIALS = re.compile(r"\b(?:trials?|studies|study)\b", re.IGNORECASE)
_NEWS = re.compile(r"\b(?:new|opens?|opening|available|starts?|starting|comes? up|pops? up)\b", re.IGNORECASE)


def step(text: str) -> Optional[Step]:
    """The alerts step a message asks for, if any (a bare STOP too: the caller checks there is something to stop)."""
    stripped = text.strip()
    if stripped == texts.CONFIRM:
        return Step.CONFIRM
    if stripped == texts.CANCEL:
        return Step.CANCEL
    if _STOP_WORDS.match(stripped):
        return Step.STOP
    if _PROFILE.search(stripped):
        return Step.PROFILE
    return None


def asks_for_alerts(text: str) -> bool:
    """Whether the person asks to be told about new trials (the model then gets `/alerts_offer`)."""
    if text.strip() == texts.OFFER:
        return True
    found = _ASKS.search(text)
    if found is None:
        return False
    rest = found.group("rest")
    return rest is None or bool(_TRIALS.search(rest) and _NEWS.search(rest))  # not "tell me if a trial is safe"


def _bare_stop(text: str) -> bool:
    return text.strip().strip(".!").lower() == "stop"


async def answer(session: AsyncSession, conversation_id: str, text: str) -> Optional[List[Reply]]:
    """The replies to an alerts message, or None when it is not one (the caller goes on); the caller commits."""
    found = step(text)
    terms = () if found is not None else biomarkers.read_terms(text)
    if found is None and not terms:
        return None
    participant_id = await subscriptions.participant_of(session, conversation_id)
    if participant_id is None:
        return None
    if found is Step.CONFIRM:
        confirmed, previous = await subscriptions.confirm(session, participant_id)
        if confirmed is None:
            return [texts.plain("expired")]
        said = texts.say("confirmed", condition=confirmed.condition, place=confirmed.place_name)
        if previous is not None and previous != f"{confirmed.condition} near {confirmed.place_name}":
            said += " " + texts.say("replaced", previous=previous)
        return [Reply(text=said)]
    if found is Step.CANCEL:
        await subscriptions.cancel(session, participant_id)
        return [texts.plain("cancelled")]
    if found is Step.STOP:
        active = await subscriptions.of_participant(session, participant_id, SubscriptionStatus.ACTIVE)
        offered = await subscriptions.of_participant(session, participant_id, SubscriptionStatus.OFFERED)
        if active is None and offered is None:
            return None if _bare_stop(text) else [texts.plain("nothing_to_stop")]
        await subscriptions.stop(session, participant_id, "asked")
        return [texts.plain("stopped")]
    if found is Step.PROFILE:
        return [await _profile(session, participant_id)]
    offered = await subscriptions.of_participant(session, participant_id, SubscriptionStatus.OFFERED)
    if offered is None:
        return None  # tumor-profile words outside an offer: the model answers as usual
    await subscriptions.add_terms(session, offered, terms)
    known = set(biomarkers.known_terms())
    return [texts.noted_terms([biomarkers.display(term) for term in offered.terms or () if term in known])]


async def _profile(session: AsyncSession, participant_id: int) -> Reply:
    """What is kept about the person: their alerts' profile (or none), and their messages."""
    active = await subscriptions.of_participant(session, participant_id, SubscriptionStatus.ACTIVE)
    offered = await subscriptions.of_participant(session, participant_id, SubscriptionStatus.OFFERED)
    if active is not None:
        age = f", age {active.age:g}" if active.age is not None else ""
        named = [biomarkers.display(term) for term in active.terms or () if term in biomarkers.known_terms()]
        terms = f", trials that mention {texts.listed(named)}" if named else ""
        alerts = texts.say(
            "profile_alerts",
            condition=active.condition,
            place=active.place_name,
            radius=f"{active.radius_miles or 100:g}",
            age=age,
            terms=terms,
        )
    elif offered is not None:
        alerts = texts.say("profile_offered", condition=offered.condition, place=offered.place_name)
    else:
        alerts = texts.say("profile_no_alerts")
    lines = [texts.say("profile"), f"• {alerts}", f"• {texts.say('profile_messages')}"]
    return Reply(text="\n".join(lines))
