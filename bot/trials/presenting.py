"""Trial search results and trial details in plain, short chat messages."""

from __future__ import annotations

import re
from typing import List, Optional, Sequence

from bot.trials.models import Trial, TrialContact, TrialSite
from bot.trials.search import TrialMatch

STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"
ELIGIBILITY_REMINDER = "Only the study team can say for sure if you can join."
MAX_TITLE_CHARS = 110
_PHASE_NAMES = {"EARLY_PHASE1": "Early phase 1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}
_STATUS = {
    "RECRUITING": "recruiting now",
    "NOT_YET_RECRUITING": "not recruiting yet (opening soon)",
    "ACTIVE_NOT_RECRUITING": "active, not recruiting",
    "COMPLETED": "completed",
}


def study_url(nct_id: str) -> str:
    """The study's public page on ClinicalTrials.gov."""
    return STUDY_URL.format(nct_id=nct_id)


def phase_text(phases: str) -> str:
    """ "PHASE1,PHASE2" → "Phase 1/2"; "" → "" (no phase, e.g. observational studies)."""
    codes = [p for p in (phases or "").split(",") if p]
    if not codes:
        return ""
    names = [_PHASE_NAMES.get(c, c.title()) for c in codes]
    if names[0].startswith("Early"):
        return names[0] if len(names) == 1 else f"{names[0]}/{'/'.join(names[1:])}"
    return "Phase " + "/".join(names)


def short_title(trial: Trial) -> str:
    """The brief title, trimmed to fit a chat line."""
    title = " ".join((trial.brief_title or trial.official_title or trial.nct_id).split())
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def site_place(site: Optional[TrialSite]) -> str:
    """ "Columbus, Ohio" from a site's city and state (or country outside the US)."""
    if site is None:
        return ""
    parts = [site.city, site.state if site.country in (None, "United States") else site.country]
    return ", ".join(p for p in parts if p)


def distance_text(miles: Optional[float]) -> str:
    """ "2 miles", "less than a mile"."""
    if miles is None:
        return ""
    if miles < 1:
        return "less than a mile"
    return f"{miles:,.0f} miles"


def result_line(number: int, match: TrialMatch) -> str:
    """One result: plain title, phase, nearest site's city and distance, NCT id."""
    parts = [f"{number}. {short_title(match.trial)}"]
    phase = phase_text(match.trial.phases)
    if phase:
        parts.append(phase)
    place = site_place(match.site)
    if place:
        distance = distance_text(match.distance_miles)
        parts.append(f"{place}, {distance}" if distance else place)
    parts.append(match.trial.nct_id)
    return " — ".join(parts)


def results_message(matches: Sequence[TrialMatch], first_number: int, total: int) -> str:
    """The numbered list of a page of results, with how many there are in all."""
    lines = [result_line(first_number + i, m) for i, m in enumerate(matches)]
    if first_number == 1:
        heading = f"I found {total}:" if total <= len(matches) else f"I found {total}. The closest matches:"
    else:
        heading = f"More ({first_number}–{first_number + len(matches) - 1} of {total}):"
    return "\n".join([heading, *lines])


def _first_sentences(text: str, limit: int = 320) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join((text or "").split()))
    summary = ""
    for sentence in sentences:
        if len(summary) + len(sentence) > limit and summary:
            break
        summary = f"{summary} {sentence}".strip()
    return summary[:limit]


def _age_range(minimum: Optional[float], maximum: Optional[float]) -> str:
    def years(value: float) -> str:
        return f"{value:g}"

    if minimum is not None and maximum is not None:
        return f"Ages {years(minimum)} to {years(maximum)}"
    if minimum is not None:
        return f"Ages {years(minimum)} and older"
    if maximum is not None:
        return f"Up to age {years(maximum)}"
    return "Any age"


def _criteria_points(criteria: Optional[str], count: int = 2) -> List[str]:
    """The first few inclusion criteria, as the study words them."""
    if not criteria:
        return []
    text = criteria.split("Exclusion Criteria")[0]
    points = []
    for line in text.splitlines():
        line = line.strip().lstrip("*-•0123456789.) ").strip()
        if len(line) < 12 or line.lower().startswith("inclusion criteria"):
            continue
        points.append(line if len(line) <= 160 else line[:159].rsplit(" ", 1)[0] + "…")
        if len(points) == count:
            break
    return points


def eligibility_points(trial: Trial) -> List[str]:
    """Three or four key eligibility points in everyday words."""
    eligibility = trial.eligibility
    if eligibility is None:
        return ["The study has not listed who can join; ask the study team."]
    points = [_age_range(eligibility.minimum_age_years, eligibility.maximum_age_years)]
    if eligibility.sex == "FEMALE":
        points.append("Women only")
    elif eligibility.sex == "MALE":
        points.append("Men only")
    if eligibility.healthy_volunteers:
        points.append("People without cancer (healthy volunteers) can join too")
    points.extend(f"The study says: “{p}”" for p in _criteria_points(eligibility.criteria))
    return points[:4]


def contact_text(trial: Trial, site: Optional[TrialSite]) -> str:
    """How to reach the study: the nearest site's contact, else the study's central contact."""
    contacts: List[TrialContact] = []
    if site is not None:
        contacts = [c for c in trial.contacts if c.site_id == site.id and (c.phone or c.email)]
    if not contacts:
        contacts = [c for c in trial.contacts if c.site_id is None and (c.phone or c.email)]
    if not contacts:
        return "No contact is listed; the study page says how to reach the team."
    contact = contacts[0]
    ways = [w for w in (contact.phone, contact.email) if w]
    who = f"{contact.name}: " if contact.name else ""
    return f"Contact: {who}{', '.join(ways)}"


def details_message(trial: Trial, site: Optional[TrialSite], distance: Optional[float]) -> str:
    """A plain summary, key eligibility points, the nearest site and its contact, and the link."""
    lines = [short_title(trial)]
    facts = [phase_text(trial.phases), _STATUS.get(trial.overall_status, trial.overall_status.lower())]
    lines.append(" — ".join(f for f in facts if f))
    summary = _first_sentences(trial.brief_summary or "")
    if summary:
        lines += ["", summary]
    lines += ["", "Who can join (key points):", *[f"• {p}" for p in eligibility_points(trial)]]
    if site is not None:
        where = site.facility or "A study site"
        place = site_place(site)
        away = distance_text(distance)
        nearest = f"Nearest site: {where}" + (f", {place}" if place else "")
        lines += ["", nearest + (f" ({away})" if away else "")]
    lines += [contact_text(trial, site), "", f"Full details: {study_url(trial.nct_id)}"]
    return "\n".join(lines)
