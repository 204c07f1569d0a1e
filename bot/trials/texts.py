"""What the person is told while a trial search is set up, run and widened (one place for reviewers)."""

from __future__ import annotations

from typing import Optional

QUESTIONS = {
    "condition": "What kind of cancer is it? For example “breast cancer” or “Hodgkin lymphoma”.",
    "age": "How old is the person the trial is for?",
    "location": "Where do you live? A US ZIP code or a city works, like “Columbus, OH” or “77030”.",
}
"""The search form's questions, one per detail it needs."""

SEARCH_FIRST = "Let's search first: tell me the cancer type, the age and where you live."
UNAVAILABLE = (
    "Sorry, trial search is unavailable right now. You can search at clinicaltrials.gov, or call NCI's "
    "Cancer Information Service at 1-800-4-CANCER (1-800-422-6237) for help finding a trial."
)
ALL_SHOWN = "That's all the trials I found for this search."
NOTHING_NEAR_MARK = "I didn't find open trials for"
"""How every "nothing within the radius" answer starts (the evaluation looks for it)."""

CIS_HELP = "NCI's Cancer Information Service at 1-800-4-CANCER can also help you look."


def unknown_condition(value: str) -> str:
    """A cancer type the trial data does not know."""
    return (
        f"I don't know “{value}” as a cancer type yet. Could you say it another way, "
        "like “breast cancer”, “lymphoma” or “brain tumor”?"
    )


NEED_AN_AGE = (
    "I can look as soon as I know how old the person the trial is for is: trials take people of certain "
    "ages. Just the number is fine, like 34."
)
"""Said when the answer to "How old…?" holds no age ("are there any near me?", "can you help us?")."""


NEED_A_KIND = (
    "Trials are for one kind of cancer at a time, so I need to know which kind it is, like “breast cancer”, "
    "“leukemia” or “brain tumor”. The name on a biopsy or scan report is fine, or ask the care team."
)
"""Said when the answer to "What kind of cancer…?" names none ("like a trial for cancer lol", "a tumor")."""


NEED_A_PLACE = (
    "I can look as soon as I know where: trials run at hospitals and clinics, so I search near the person. "
    "A US ZIP code or a city and state is fine, like “Columbus, OH” or “77030”."
)
"""Said when the answer to "Where do you live?" holds no place ("any studies open to him?", "can you just look?")."""


def not_an_age(value: float) -> str:
    """A number that cannot be a person's age."""
    return (
        f"Hmm, {value:g} doesn't look like an age. How old is the person the trial is for? "
        "Just the number is fine, like 34."
    )


def not_on_the_map(value: str) -> str:
    """A place the offline map does not know."""
    return (
        f"I couldn't find “{value}” on the map. Could you send a US ZIP code or a city and "
        "state, like “Columbus, OH” or “77030”?"
    )


def searching(condition: str, radius: float, place: str, age: Optional[float]) -> str:
    """Said before the results: what was understood, so a person can correct it."""
    for_age = f", for age {age:g}" if age is not None else ""
    return f"Thanks — searching open trials for {condition} within {radius:g} miles of {place}{for_age}…"


def broader_instead(specific: str, general: str, radius: float, place: str) -> str:
    """Nothing for the specific name near the person, but trials for the same cancer by its organ's name: say so."""
    return (
        f"{NOTHING_NEAR_MARK} {specific} within {radius:g} miles of {place}. Here are open trials for "
        f"{general} in general: ask the study team whether one fits {specific}."
    )


def broader_offer(specific: str, general: str, place: str) -> str:
    """No trial anywhere for the specific cancer, but open trials for its family near the person: offered, not shown
    as their results (a trial for "sarcoma" may or may not take "liposarcoma")."""
    return (
        f"There are open trials for {general} in general near {place}. Some may take people with {specific}, "
        "but only the study team can say. Want me to show them?"
    )


def broader_button(general: str) -> str:
    """The button that searches for the general name instead."""
    return f"Show {general} trials"


def broader_payload(general: str) -> str:
    """What the button sends: a correction the search reads like a person's own ("sarcoma instead")."""
    return f"search for {general} instead"


def search_button(condition: str) -> str:
    """Beside the closest topics when a message that names a cancer could not be placed: the search, one tap away."""
    return f"Find trials for {condition}"


def search_payload(condition: str) -> str:
    """What that button sends: a request the search reads like a person's own."""
    return f"find trials for {condition}"


def nothing_near(condition: str, radius: float, place: str, broader_tip: bool = True) -> str:
    """Nothing within the radius and nothing open anywhere else either (without the tip to try a broader name when
    the broader name's trials are offered next)."""
    tip = " You could try a broader cancer type (like “lymphoma” instead of a subtype)." if broader_tip else ""
    return f"{NOTHING_NEAR_MARK} {condition} within {radius:g} miles of {place}.{tip} {CIS_HELP}"


def nearest_farther(condition: str, radius: float, place: str, miles: float, site: str, nct_id: str) -> str:
    """Nothing within the radius, but an open trial farther away: say how far, and where."""
    return (
        f"{NOTHING_NEAR_MARK} {condition} within {radius:g} miles of {place}. The nearest is about "
        f"{miles:,.0f} miles away, in {site} ({nct_id}). Want me to include it? {CIS_HELP}"
    )


def search_within(miles: float) -> str:
    """The button (and its payload) that widens the search to `miles`."""
    return f"Search within {miles:g} miles"
