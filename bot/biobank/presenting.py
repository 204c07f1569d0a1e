"""Donation answers in short, plain chat messages, each ending with the sources it is based on."""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from bot.biobank.places import CancerCenter, Nearby, StudySite
from bot.biobank.programmes import Criterion, EligibilityCheck, Fact, Programme
from bot.biobank.service import STUDY_RADIUS_MILES, BiobankService, NearbyPlaces
from bot.messages import Button, Reply
from bot.trials.presenting import MAX_TITLE_CHARS, distance_text, study_url

CAN_I_DONATE = Button("Can I donate?", "/donate_eligibility")
WHERE_TO_DONATE = Button("Where can I donate near me?", "/donate_where")
HOW_TO_DONATE = Button("How do I donate?", "/donate_how")
# These are answered by the FAQ (faq/topics/biobank.yml); the payloads are its training phrasings.
WHAT_HAPPENS = Button("What happens to my sample?", "what happens to my sample")
RESULTS = Button("Will I get results?", "will i get results from my sample")
FIND_TRIALS = Button("Find a trial near me", "/search_trials")

ASK_YOUR_TEAM = "“Can I donate tissue or blood to research?”"


def with_sources(text: str, facts: Iterable[Optional[Fact]]) -> str:
    """The text followed by one "Source: <url>" line per page it is based on."""
    urls: List[str] = []
    for fact in facts:
        if fact is not None and fact.source not in urls:
            urls.append(fact.source)
    return text + "\n\n" + "\n".join(f"Source: {url}" for url in urls)


def _join(facts: Sequence[Optional[Fact]]) -> str:
    return " ".join(f.text for f in facts if f is not None)


def _study_name(programme: Programme) -> str:
    return f"the {programme.name} ({programme.nct_id})" if programme.nct_id else programme.name


def how_to_donate(service: BiobankService) -> List[Reply]:
    """ "How do I donate?": why it matters, then the two common ways, each with its sources."""
    why = service.programmes.facts.get("why")
    hospital, moonshot = service.hospital, service.moonshot
    hospital_facts = [hospital.fact(t) for t in ("about", "how_to_join", "choice")]
    moonshot_facts = [moonshot.fact(t) for t in ("about", "collected", "cost", "sharing", "results")]
    return [
        Reply(
            with_sources(f"Thank you for thinking about it! {_join([why])} There are two common ways to give.", [why])
        ),
        Reply(with_sources(f"1. Your own hospital's biobank. {_join(hospital_facts)}", hospital_facts)),
        Reply(with_sources(f"2. The {moonshot.name} ({moonshot.nct_id}). {_join(moonshot_facts)}", moonshot_facts)),
        Reply(
            "Giving is always your choice. I can go through who can join, or find places near you to ask.",
            (CAN_I_DONATE, WHERE_TO_DONATE, WHAT_HAPPENS),
        ),
    ]


def _note(criterion: Criterion, check: EligibilityCheck) -> str:
    if criterion.check == "age" and check.age is not None and check.age_fits is not None:
        if check.age_fits:
            return f"You said {check.age:g}, so this part fits."
        return f"You said {check.age:g}, which is under this study's age limit."
    if criterion.check == "cancer" and check.condition:
        names = " and ".join(m.name for m in check.matches)
        if not check.matches:
            return f"You told me {check.condition}, and I don't see it on this list."
        if not check.sure:
            return f"You told me {check.condition}. Of this list, {names} may fit."
        if len(check.matches) == 1 and check.matches[0].stage:
            return f"You told me {check.condition}: {names} is on the list ({check.matches[0].stage})."
        return f"You told me {check.condition}: {names} {'is' if len(check.matches) == 1 else 'are'} on the list."
    return ""


def _criterion_lines(number: int, criterion: Criterion, check: EligibilityCheck) -> List[str]:
    lines = [f"{number}. {criterion.fact.text}"]
    if criterion.check == "cancer":
        lines += [f"   - {c.name}: {c.stage}" if c.stage else f"   - {c.name}" for c in check.programme.cancers]
    note = _note(criterion, check)
    if note:
        lines.append(f"   → {note}")
    return lines


def eligibility(check: EligibilityCheck, service: BiobankService) -> List[Reply]:
    """ "Can I donate?": the criteria in plain words, what fits from what the person said, and who decides."""
    programme, hospital = check.programme, service.hospital
    lines = [f"Here's who {_study_name(programme)} can take, in plain words:"]
    for number, criterion in enumerate(programme.criteria, start=1):
        lines += _criterion_lines(number, criterion, check)
    criteria_facts = [c.fact for c in programme.criteria]
    decides = [programme.fact("team_decides"), programme.fact("status")]
    other = [hospital.fact("team_decides")]
    replies = [
        Reply(with_sources("\n".join(lines), criteria_facts)),
        Reply(
            with_sources(
                f"{_join(decides)}\n\nIf this study is not a fit, your own hospital's biobank may be. {_join(other)}",
                decides + other,
            )
        ),
    ]
    buttons = (WHERE_TO_DONATE, HOW_TO_DONATE, FIND_TRIALS)
    if check.condition is None or check.age is None:
        replies.append(
            Reply(
                "If you tell me the cancer type and age, like “can I donate? I'm 52 with ovarian cancer”, "
                "I'll hold them up against this list.",
                buttons,
            )
        )
    else:
        replies[-1] = Reply(replies[-1].text, buttons)
    return replies


def _center_line(number: int, near: Nearby) -> str:
    center = near.place
    assert isinstance(center, CancerCenter)
    return f"{number}. {center.name} — {center.city}, {center.state} — {distance_text(near.miles)} — {center.website}"


def _study_line(number: int, near: Nearby) -> str:
    site = near.place
    assert isinstance(site, StudySite)
    where = ", ".join(p for p in (site.city, site.state if site.country == "United States" else site.country) if p)
    title = site.title
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return f"{number}. {title} — {where}, {distance_text(near.miles)} — {site.nct_id}"


def places(nearby: NearbyPlaces, place_name: str, service: BiobankService) -> List[Reply]:
    """ "Where can I donate near me?": nearest centers first with miles, sample-keeping studies, and
    an honest word on what the list leaves out."""
    centers = service.centers
    lines = [
        f"Here are the NCI-designated cancer centers nearest {place_name}. You can ask their teams about "
        "giving tissue or blood to research:"
    ]
    lines += [_center_line(n, near) for n, near in enumerate(nearby.centers, start=1)]
    lines += ["", centers.about.text]
    centers_fact = Fact(centers.about.text, centers.source, centers.reviewed)
    replies = [Reply(with_sources("\n".join(lines), [centers_fact, centers.about]))]
    if nearby.studies:
        study_lines = [
            f"Studies in my trial data that collect and keep samples, with an open site within "
            f"{STUDY_RADIUS_MILES:g} miles (each is only for certain people):"
        ]
        study_lines += [_study_line(n, near) for n, near in enumerate(nearby.studies, start=1)]
        study_lines += ["", "Say “tell me more about” and the NCT number to see who each is for."]
        urls = "\n".join(f"Source: {study_url(near.place.nct_id)}" for near in nearby.studies)  # type: ignore[union-attr]
        replies.append(Reply("\n".join(study_lines) + "\n\n" + urls))
    elif nearby.studies_known:
        replies.append(
            Reply(
                f"None of the studies in my trial data that collect and keep samples has an open site within "
                f"{STUDY_RADIUS_MILES:g} miles of {place_name}."
            )
        )
    hospital = service.hospital
    far = (
        f"These are far from {place_name}: NCI-designated centers are all in the U.S. A hospital near you may "
        "still have its own biobank. "
        if nearby.far
        else ""
    )
    honest = (
        f"{far}This list may be incomplete: many other hospitals run a biobank, and the {service.moonshot.name} "
        "works through hospitals that take part. Distances are to each city's center. The surest way to find "
        f"out is to ask your care team: {ASK_YOUR_TEAM}"
    )
    sources = [hospital.fact("where"), service.moonshot.fact("where")]
    replies.append(Reply(with_sources(honest, sources), (CAN_I_DONATE, HOW_TO_DONATE, FIND_TRIALS)))
    return replies
