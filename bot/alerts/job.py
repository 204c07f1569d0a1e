"""The matching job: for every active subscription, the trials that are new or newly open (an import found
them recruiting after they were not: `Trial.opened_at`) since the person subscribed and fit their profile,
said in at most one message per person per run.

Fit is the trial search's own (open status, distance from the person's place, age, sex, the kind of
cancer: `bot.trials.search`); tumor-profile terms the person gave are looked for in the trial's
conditions, keywords, titles and eligibility text and said as "this trial mentions EGFR" (never "you
qualify"), and trials that mention one come first. A trial is never sent to the same person twice.

Limits: at most `AlertPolicy.max_trials` trials in the one message, at most `weekly_cap` messages in
any 7 days; a person in their quiet hours (in the time zone of their place) gets the message when
they end — it is stored now with its outbox row due then, and the gateway's outbox sends it (`bot.
gateway.delivery`, which also keeps to the platforms' rates). The job holds a lock in the database
(`bot.alerts.lock`): started twice at once, the second run skips.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Optional, Sequence, Set

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.alerts import biomarkers, lock, texts
from bot.alerts.models import AlertSent, AlertSubscription, SubscriptionStatus
from bot.alerts.timing import QuietHours, within_weekly_cap
from bot.store.models import (
    Author,
    Conversation,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
    MessageKind,
    OutboxEntry,
    aware,
    utcnow,
)
from bot.store.outbox import delivered_later
from bot.trials.models import Trial
from bot.trials.search import SearchQuery, TrialMatch, TrialSearch

logger = logging.getLogger(__name__)

LOCK_NAME = "alerts"
LOCK_LEASE = timedelta(minutes=30)
PAGES = 5
"""Pages of 100 fitting trials looked at per person (the newest trials are rarely further down)."""


@dataclass(frozen=True)
class AlertPolicy:
    """How much a person may be written to."""

    weekly_cap: int = 2
    max_trials: int = 3
    quiet_hours: QuietHours = field(default_factory=QuietHours)


@dataclass
class RunReport:
    """What one run did (printed by `trialbot alerts run`)."""

    skipped: bool = False
    subscriptions: int = 0
    alerts: int = 0
    trials: int = 0
    capped: int = 0
    held_for_quiet_hours: int = 0

    def summary(self) -> str:
        if self.skipped:
            return "Another alerts run is in progress; this one skipped."
        return (
            f"{self.subscriptions} active subscriptions; {self.alerts} alerts with {self.trials} trials "
            f"({self.held_for_quiet_hours} held until quiet hours end); {self.capped} at their weekly limit."
        )


def run(engine: Engine, now: datetime, policy: Optional[AlertPolicy] = None) -> RunReport:
    """One run of the job at `now` (aware UTC; tests pass a controlled clock)."""
    policy = policy or AlertPolicy()
    report = RunReport()
    holder = lock.holder_id()
    with Session(engine) as session:
        if not lock.acquire(session, LOCK_NAME, holder, now, LOCK_LEASE):
            report.skipped = True
            return report
        try:
            search = TrialSearch(session)
            active = session.execute(
                select(AlertSubscription.id)
                .where(AlertSubscription.status == SubscriptionStatus.ACTIVE.value)
                .order_by(AlertSubscription.id)
            ).scalars()
            for subscription_id in list(active):
                report.subscriptions += 1
                try:
                    _one(session, search, subscription_id, now, policy, report)
                    session.commit()
                except Exception:  # one person's trouble must not stop everyone else's alerts
                    session.rollback()
                    logger.exception("Alerts: subscription %s failed", subscription_id)
        finally:
            session.rollback()  # whatever state the last subscription left the session in
            lock.release(session, LOCK_NAME, holder)
    return report


def _one(
    session: Session, search: TrialSearch, subscription_id: int, now: datetime, policy: AlertPolicy, report: RunReport
) -> None:
    subscription = session.get(AlertSubscription, subscription_id)
    if subscription is None or subscription.status != SubscriptionStatus.ACTIVE.value:
        return
    earlier = session.execute(select(AlertSent).where(AlertSent.subscription_id == subscription.id)).scalars().all()
    if not within_weekly_cap([aware(a.created_at) for a in earlier], now, policy.weekly_cap):
        report.capped += 1
        return
    alerted = {nct_id for a in earlier for nct_id in a.nct_ids}
    since = aware(subscription.confirmed_at or subscription.created_at)
    fresh = new_fitting(search, subscription, since, alerted)
    if not fresh:
        return
    terms = list(subscription.terms or ())
    ordered = sorted(fresh, key=lambda m: not _mentions(m.trial, terms))[: policy.max_trials]
    due = policy.quiet_hours.next_allowed(now, subscription.time_zone or "UTC")
    message = _store(session, subscription, ordered, now, due)
    session.add(
        AlertSent(
            subscription_id=subscription.id,
            message_id=message.id,
            nct_ids=[m.trial.nct_id for m in ordered],
            created_at=now,
        )
    )
    report.alerts += 1
    report.trials += len(ordered)
    report.held_for_quiet_hours += due > now


def new_fitting(
    search: TrialSearch, subscription: AlertSubscription, since: datetime, alerted: Set[str]
) -> List[TrialMatch]:
    """Open trials that fit the profile, first imported or newly open after `since`, not sent before; best first."""
    query = SearchQuery(
        condition=subscription.condition,
        age=subscription.age,
        sex=subscription.sex,
        latitude=subscription.latitude,
        longitude=subscription.longitude,
        radius_miles=subscription.radius_miles or 100.0,
        limit=100,
    )
    found: List[TrialMatch] = []
    for page in range(PAGES):
        results = search.search(_page(query, page))
        for match in results.matches:
            trial = match.trial
            new = aware(trial.imported_at) > since or (trial.opened_at is not None and aware(trial.opened_at) > since)
            if new and trial.nct_id not in alerted:
                found.append(match)
        if (page + 1) * query.limit >= results.total:
            break
    return found


def _page(query: SearchQuery, page: int) -> SearchQuery:
    return SearchQuery(**{**query.__dict__, "offset": page * query.limit})


def _texts_of(trial: Trial) -> List[str]:
    """What a trial says about itself, for tumor-profile terms: titles, conditions and keywords, eligibility."""
    said = [trial.brief_title or "", trial.official_title or ""]
    said.extend(c.term.name for c in trial.conditions if c.term is not None)
    if trial.eligibility is not None and trial.eligibility.criteria:
        said.append(trial.eligibility.criteria)
    return said


def _mentions(trial: Trial, terms: Sequence[str]) -> List[str]:
    said = _texts_of(trial)
    known = set(biomarkers.known_terms())  # a term taken out of the vocabulary since is skipped
    return [biomarkers.display(term) for term in terms if term in known and biomarkers.mentioning(term, said)]


def alert_text(subscription: AlertSubscription, matches: Sequence[TrialMatch]) -> str:
    """The alert's words: the trials, what each mentions of the person's profile, where it comes from."""
    count_words = "trial" if len(matches) == 1 else f"{len(matches)} trials"
    lines = [
        texts.say("alert", count_words=count_words, condition=subscription.condition, place=subscription.place_name)
    ]
    for match in matches:
        mentioned = _mentions(match.trial, list(subscription.terms or ()))
        mentions = texts.say("alert_mentions", terms=texts.listed(mentioned)) if mentioned else ""
        lines.append(
            texts.say(
                "alert_trial",
                title=match.trial.brief_title,
                nct_id=match.trial.nct_id,
                where=_where(match),
                mentions=mentions.rstrip(".") if mentions else "",
            )
        )
    lines.append(texts.say("alert_close"))
    return "\n".join(lines)


def _where(match: TrialMatch) -> str:
    site = match.site
    if site is None:
        return "site not listed"
    place = ", ".join(part for part in (site.city, site.state or site.country) if part)
    if match.distance_miles is None:
        return place
    return f"{place}, about {match.distance_miles:.0f} miles away"


def _store(
    session: Session, subscription: AlertSubscription, matches: Sequence[TrialMatch], now: datetime, due: datetime
) -> Message:
    """Store the alert in the person's open conversation (a new one if theirs was closed), with its outbox row."""
    conversation = _open_conversation(session, subscription, now)
    buttons = [
        {"title": texts.say("more_button", nct_id=m.trial.nct_id), "payload": f"tell me more about {m.trial.nct_id}"}
        for m in matches
    ]
    buttons.append({"title": texts.say("stop_button"), "payload": texts.STOP})
    message = Message(
        conversation_id=conversation.id,
        channel=subscription.channel,
        direction=Direction.OUTBOUND.value,
        author=Author.BOT.value,
        kind=MessageKind.TEXT.value,
        text=alert_text(subscription, matches),
        buttons=buttons,
    )
    session.add(message)
    session.flush()
    if delivered_later(subscription.channel):
        session.add(
            OutboxEntry(
                message_id=message.id,
                conversation_id=conversation.id,
                state=DeliveryState.PENDING.value,
                attempts=0,
                next_attempt_at=due if due > now else utcnow(),  # the outbox keeps to the real clock
                reason="",
                created_at=now,
            )
        )
    return message


def _open_conversation(session: Session, subscription: AlertSubscription, now: datetime) -> Conversation:
    found: Optional[Conversation] = session.execute(
        select(Conversation)
        .where(
            Conversation.identity_id == subscription.identity_id,
            Conversation.thread_key == subscription.thread_key,
            Conversation.status != ConversationStatus.CLOSED.value,
        )
        .order_by(Conversation.created_at.desc())
        .limit(1)
    ).scalar()
    if found is not None:
        return found
    conversation = Conversation(
        participant_id=subscription.participant_id,
        identity_id=subscription.identity_id,
        channel=subscription.channel,
        thread_key=subscription.thread_key,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    session.flush()
    return conversation
