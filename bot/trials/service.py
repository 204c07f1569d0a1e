"""The trial-search service the actions use: one engine, geocoder and condition index per process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from bot.trials.conditions import ConditionIndex, canonical_words
from bot.trials.geo import Found, Geocoder, Place, distance_miles
from bot.trials.models import Trial, TrialSite
from bot.trials.search import SearchQuery, SearchResults, TrialSearch
from bot.trials.synonyms import registry_name
from bot.trials.understanding import cancer_mentions, left_behind, read_markers, read_subtype, specific, strip_details

PAGE_SIZE = 3


@dataclass(frozen=True)
class SearchRequest:
    """What the conversation knows: condition, age, place, radius and which page."""

    condition: str
    age: Optional[float]
    latitude: float
    longitude: float
    radius_miles: float = 100.0
    offset: int = 0
    sex: Optional[str] = None


@dataclass(frozen=True)
class TrialView:
    """One trial with its nearest open site to the person and the distance."""

    trial: Trial
    site: Optional[TrialSite]
    distance_miles: Optional[float]


class TrialService:
    """Searches and explains trials; built once per process from an engine and a geocoder."""

    def __init__(self, engine: Engine, geocoder: Geocoder) -> None:
        self._engine = engine
        self._geocoder = geocoder
        self._index: Optional[ConditionIndex] = None
        self._lock = threading.Lock()

    def _conditions(self, session: Session) -> ConditionIndex:
        with self._lock:
            if self._index is None:
                self._index = ConditionIndex.load(session)
            return self._index

    @property
    def engine(self) -> Engine:
        """The engine searches run on (the biobank service reads the same trial tables)."""
        return self._engine

    def trial_count(self) -> int:
        """How many trials are stored (0 means search is unavailable)."""
        with Session(self._engine, future=True) as session:
            return int(session.scalar(select(func.count()).select_from(Trial)) or 0)

    def locate(self, text: str) -> Optional[Place]:
        """Coordinates of a ZIP code or city, or None when unknown."""
        return self._geocoder.locate(text)

    def find_place(self, text: str, expecting: bool = False, before: Optional[str] = None) -> Optional[Found]:
        """The place a message names (the longest run of words that is a known place), if any; a city several
        places share is the one near `before` (the place the person gave earlier), when one is near it."""
        near = self._geocoder.locate(before) if before else None
        return self._geocoder.find(text, expecting, near)

    def condition_in(self, text: str, expecting: bool = False) -> Optional[str]:
        """The cancer type the text names, as the trial data calls it; None if none is named.

        The text's mentions of a cancer (`cancer_mentions`: "bone cancer (osteosarcoma in my leg)")
        are matched against the stored conditions and the most specific one that matches wins (a name with the
        markers said around it first: "EGFR+ NSCLC"); a cancer
        that no stored trial is for is still returned, so the search can say so ("liposarcoma"). When
        the bot just asked for the cancer type (`expecting`) and no mention is found, the whole answer
        is matched ("cervical").
        """
        found = cancer_mentions(text)
        kept = [m for m in found if not left_behind(text, m)] or found  # "it's endometrial, not ovarian cancer"
        kept = [m for m in kept if specific(m)] or kept  # "chordoma", not "a rare tumor", even when no trial is for it
        mentions = [(registry_name(m.text), m.marked) for m in kept]
        if expecting and not mentions:
            candidate = " ".join(strip_details(text).split()).strip(" ,.!?")
            mentions = [(candidate, False)] if candidate and not candidate.isdigit() else []
        best: Optional[tuple[bool, int, str]] = None
        unknown: Optional[str] = None  # a cancer named that no stored trial is for ("liposarcoma")
        with Session(self._engine, future=True) as session:
            index = self._conditions(session)
            for mention, marked in mentions:
                match = index.match(mention)
                if match.blank or not match.phrases:
                    continue
                if match.is_empty:
                    unknown = unknown or match.phrases[0]
                    continue
                rank = (not marked, len(match.broad_ids | match.narrow_ids))  # the markers said, then the narrowest
                if best is None or rank < best[:2]:
                    best = (*rank, " ".join(match.phrases[:1]))
        return best[2] if best else unknown

    def refined(self, condition: str, text: str) -> Optional[str]:
        """The cancer type made more precise by a kind or a marker said on its own ("it's non-small cell" after "lung
        cancer" → "non-small cell lung cancer"; "she has the EGFR mutation" → "EGFR positive …"), or None when the text
        says no such kind or marker, or it fits no trial."""
        subtype = read_subtype(text)
        if subtype is not None and set(canonical_words(subtype)) <= set(canonical_words(condition)):
            subtype = None  # said already ("non small cell" in "nonsmall cell lung cancer")
        markers = read_markers(text, besides=f"{subtype or ''} {condition}")  # not "HER2 positive" as the kind too
        if subtype is None and markers is None:
            return None
        said = " ".join(part for part in (markers, subtype, condition) if part)
        better = self.condition_in(said)
        if better and markers and not set(canonical_words(markers.split()[0])) <= set(canonical_words(better)):
            better = self.condition_in(" ".join(part for part in (subtype, condition) if part)) if subtype else None
        return better if better and better != self.condition_in(condition) else None

    def search(self, request: SearchRequest) -> SearchResults:
        """A page of open trials for the request, best first."""
        query = SearchQuery(
            condition=request.condition,
            age=request.age,
            sex=request.sex,
            latitude=request.latitude,
            longitude=request.longitude,
            radius_miles=request.radius_miles,
            limit=PAGE_SIZE,
            offset=request.offset,
        )
        with Session(self._engine, future=True) as session:
            return TrialSearch(session, self._conditions(session)).search(query)

    def view(self, nct_id: str, latitude: Optional[float], longitude: Optional[float]) -> Optional[TrialView]:
        """A trial with everything its details message needs, and its open site nearest the person."""
        with Session(self._engine, future=True) as session:
            trial = session.execute(
                select(Trial)
                .where(Trial.nct_id == nct_id)
                .options(selectinload(Trial.eligibility), selectinload(Trial.contacts), selectinload(Trial.sites))
            ).scalar_one_or_none()
            if trial is None:
                return None
            nearest, miles = None, None
            if latitude is not None and longitude is not None:
                here = (latitude, longitude)
                open_sites = (None, "RECRUITING", "NOT_YET_RECRUITING")
                located = [s for s in trial.sites if s.latitude is not None and s.status in open_sites]
                if located:
                    nearest = min(located, key=lambda s: distance_miles(here, (s.latitude, s.longitude)))
                    miles = round(distance_miles(here, (nearest.latitude, nearest.longitude)), 1)
            session.expunge_all()
            return TrialView(trial, nearest, miles)
