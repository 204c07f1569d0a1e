"""Biobank programmes from `data/biobank/programmes.yml`: sourced, dated facts and who can take part."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

from bot.store.db import PROJECT_ROOT
from bot.trials.conditions import canonical_words
from bot.trials.synonyms import SYNONYMS
from bot.yaml_files import read_yaml

DATA_DIR = PROJECT_ROOT / "data" / "biobank"
PROGRAMMES_PATH = DATA_DIR / "programmes.yml"
MAX_FACT_WORDS = 60
TOPICS = frozenset("why about collected cost sharing results choice how_to_join where status team_decides".split())
CHECKS = frozenset({"age", "cancer"})


class ProgrammeError(ValueError):
    """The programmes file breaks a rule; the message says where."""


@dataclass(frozen=True)
class Fact:
    """One statement in the project's own words, the page it is based on and when it was checked."""

    text: str
    source: str
    reviewed: dt.date


@dataclass(frozen=True)
class Criterion:
    """One condition for taking part, in plain words; `check` names what the bot can compare."""

    fact: Fact
    check: str = ""  # "age", "cancer" or "" (only the team can tell)


@dataclass(frozen=True)
class EligibleCancer:
    """A cancer a programme takes, the stage it needs, and words that name it."""

    name: str
    stage: str
    terms: Tuple[str, ...]

    def matches(self, phrasings: Sequence[Sequence[str]]) -> bool:
        """Whether any of the phrasings (canonical words) contains one of this cancer's terms."""
        for term in self.terms:
            key = canonical_words(term)
            for words in phrasings:
                if key and any(list(words[i : i + len(key)]) == key for i in range(len(words) - len(key) + 1)):
                    return True
        return False


@dataclass(frozen=True)
class EligibilityCheck:
    """What the bot can say about one person and one programme from what it knows."""

    programme: Programme
    condition: Optional[str]
    age: Optional[float]
    matches: Tuple[EligibleCancer, ...]
    # True when the person's own words name the listed cancer ("TNBC" → breast cancer), False when
    # only a broader term points to it ("blood cancer" → multiple myeloma, maybe).
    sure: bool = False

    @property
    def age_fits(self) -> Optional[bool]:
        """True or False when both the age and the programme's lower limit are known."""
        if self.age is None or self.programme.min_age is None:
            return None
        return self.age >= self.programme.min_age


@dataclass(frozen=True)
class Programme:
    """A way to donate: a study like the Cancer Moonshot Biobank, or one's own hospital's biobank."""

    id: str
    name: str
    url: str
    facts: Dict[str, Fact]
    nct_id: Optional[str] = None
    min_age: Optional[float] = None
    criteria: Tuple[Criterion, ...] = ()
    cancers: Tuple[EligibleCancer, ...] = ()

    def fact(self, topic: str) -> Optional[Fact]:
        """The programme's fact on a topic ("cost", "results", ...), if it has one."""
        return self.facts.get(topic)

    def all_facts(self) -> Iterator[Fact]:
        """Every fact, criteria included."""
        yield from self.facts.values()
        yield from (c.fact for c in self.criteria)

    def check(self, condition: Optional[str], age: Optional[float]) -> EligibilityCheck:
        """Compare a cancer type and age the person gave with this programme's list and age limit."""
        if not condition:
            return EligibilityCheck(self, None, age, ())
        own = tuple(c for c in self.cancers if c.matches([canonical_words(condition)]))
        if own:
            return EligibilityCheck(self, condition, age, own, sure=True)
        phrasings = cancer_phrasings(condition)
        return EligibilityCheck(self, condition, age, tuple(c for c in self.cancers if c.matches(phrasings)))


@dataclass(frozen=True)
class Programmes:
    """All programmes, in file order, and the facts about donating in general."""

    programmes: Tuple[Programme, ...]
    facts: Dict[str, Fact]

    def __iter__(self) -> Iterator[Programme]:
        return iter(self.programmes)

    def get(self, programme_id: str) -> Programme:
        """The programme with this id; KeyError if there is none."""
        for programme in self.programmes:
            if programme.id == programme_id:
                return programme
        raise KeyError(programme_id)

    def all_facts(self) -> Iterator[Fact]:
        """Every fact in the file."""
        yield from self.facts.values()
        for programme in self.programmes:
            yield from programme.all_facts()


def cancer_phrasings(condition: str) -> Tuple[Tuple[str, ...], ...]:
    """The person's words for a cancer, plus what the trial synonyms say they mean ("TNBC" → breast)."""
    words = canonical_words(condition)
    found = [tuple(words)]
    for key, targets in SYNONYMS.items():
        key_words = canonical_words(key)
        size = len(key_words)
        if size and any(words[i : i + size] == key_words for i in range(len(words) - size + 1)):
            found += [tuple(canonical_words(t)) for t in targets]
    return tuple(found)


def read_fact(raw: Any, where: str) -> Fact:
    """A fact from its YAML mapping; `ProgrammeError` if its text, https source or date is missing."""
    if not isinstance(raw, dict):
        raise ProgrammeError(f"{where}: expected text, source and reviewed")
    text = " ".join(str(raw.get("text") or "").split())
    source = str(raw.get("source") or "").strip()
    reviewed = raw.get("reviewed")
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            reviewed = None
    problems = []
    if not text:
        problems.append("no text")
    if len(text.split()) > MAX_FACT_WORDS:
        problems.append(f"more than {MAX_FACT_WORDS} words")
    if not source.startswith("https://"):
        problems.append("source must be an https:// URL")
    if not isinstance(reviewed, dt.date):
        problems.append("reviewed must be a date (YYYY-MM-DD)")
    if problems:
        raise ProgrammeError(f"{where}: " + "; ".join(problems))
    return Fact(text, source, reviewed)  # type: ignore[arg-type]


def _facts(raw: Any, where: str) -> Dict[str, Fact]:
    facts = {}
    for topic, value in (raw or {}).items():
        if topic not in TOPICS:
            raise ProgrammeError(f"{where}: unknown topic {topic!r} (known: {', '.join(sorted(TOPICS))})")
        facts[topic] = read_fact(value, f"{where} {topic}")
    return facts


def _programme(raw: dict, where: str) -> Programme:
    try:
        programme_id, name, url = str(raw["id"]), str(raw["name"]), str(raw["url"])
    except (KeyError, TypeError) as error:
        raise ProgrammeError(f"{where}: missing field {error}") from None
    where = f"{where} ({programme_id})"
    if not url.startswith("https://"):
        raise ProgrammeError(f"{where}: url must be an https:// URL")
    criteria = []
    for index, item in enumerate(raw.get("criteria") or (), start=1):
        check = str(item.get("check") or "")
        if check and check not in CHECKS:
            raise ProgrammeError(f"{where} criterion {index}: unknown check {check!r}")
        criteria.append(Criterion(read_fact(item, f"{where} criterion {index}"), check))
    cancers = tuple(
        EligibleCancer(str(c["name"]), str(c["stage"]), tuple(str(t) for t in c["terms"]))
        for c in raw.get("cancers") or ()
    )
    if any(c.check == "cancer" for c in criteria) and not cancers:
        raise ProgrammeError(f"{where}: a cancer check needs a list of cancers")
    min_age = raw.get("min_age")
    return Programme(
        id=programme_id,
        name=name,
        url=url,
        facts=_facts(raw.get("facts"), where),
        nct_id=str(raw["nct_id"]) if raw.get("nct_id") else None,
        min_age=float(min_age) if min_age is not None else None,
        criteria=tuple(criteria),
        cancers=cancers,
    )


def load_programmes(path: Path = PROGRAMMES_PATH) -> Programmes:
    """Read and check the programmes file; raise `ProgrammeError` naming the broken entry."""
    content = read_yaml(path) or {}
    programmes = tuple(
        _programme(raw, f"{path.name} programme {index}")
        for index, raw in enumerate(content.get("programmes") or (), start=1)
    )
    ids = [p.id for p in programmes]
    if len(set(ids)) != len(ids):
        raise ProgrammeError(f"{path.name}: duplicate programme ids {ids}")
    return Programmes(programmes, _facts(content.get("facts"), f"{path.name} facts"))
