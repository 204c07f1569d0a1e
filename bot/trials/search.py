"""Finding trials for a person: condition, age, sex, distance to an open site, status and phase."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, case, func, literal, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import CTE, Select

from bot.trials.conditions import ConditionIndex, ConditionMatch
from bot.trials.geo import EARTH_RADIUS_MILES, distance_miles
from bot.trials.models import (
    OPEN_STATUSES,
    ConditionKind,
    Trial,
    TrialCondition,
    TrialEligibility,
    TrialSite,
)

_MILES_PER_DEGREE_LATITUDE = 69.0  # a little under the true 69.09: the box errs on the large side
_SEXES = {"F": "FEMALE", "FEMALE": "FEMALE", "M": "MALE", "MALE": "MALE"}
_PHASES = {
    "0": "EARLY_PHASE1",
    "EARLY_PHASE1": "EARLY_PHASE1",
    "EARLYPHASE1": "EARLY_PHASE1",
    "1": "PHASE1",
    "I": "PHASE1",
    "2": "PHASE2",
    "II": "PHASE2",
    "3": "PHASE3",
    "III": "PHASE3",
    "4": "PHASE4",
    "IV": "PHASE4",
}

# Relevance of a trial to the condition asked about, best first.
EXACT = 4  # one of its conditions or MeSH terms is the one asked about, or a kind of it
KEYWORD = 3  # only one of its keywords is
BROADER = 2  # one of its conditions is a broader one ("Breast Cancer" for "metastatic TNBC")
RELATED = 1  # only a broader MeSH ancestor is ("Leukemia" for a CLL-only trial)


def normalize_phase(text: str) -> str:
    """A registry phase code from "2", "phase 2", "Phase II", "PHASE2" or "early phase 1"."""
    compact = text.upper().replace("PHASE", "").replace(" ", "").replace("_", "")
    early = compact.startswith("EARLY")
    code = _PHASES.get(compact.removeprefix("EARLY"))
    if code is None:
        raise ValueError(f"unknown trial phase: {text!r}")
    return "EARLY_PHASE1" if early and code == "PHASE1" else code


@dataclass(frozen=True)
class SearchQuery:
    """What a person is looking for; every field is optional and narrows the search.

    `healthy_volunteers`: True keeps trials that accept healthy volunteers, False those that
    do not, None does not filter. An empty `statuses` means any status.
    """

    condition: str | None = None
    age: float | None = None
    sex: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_miles: float = 100.0
    statuses: tuple[str, ...] = OPEN_STATUSES
    phases: tuple[str, ...] = ()
    healthy_volunteers: bool | None = None
    limit: int = 10
    offset: int = 0

    def __post_init__(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.radius_miles <= 0:
            raise ValueError("radius_miles must be positive")
        if not 1 <= self.limit <= 100 or self.offset < 0:
            raise ValueError("limit must be 1-100 and offset not negative")
        if self.sex is not None:
            sex = _SEXES.get(self.sex.strip().upper())
            if sex is None:
                raise ValueError(f"unknown sex: {self.sex!r} (female or male)")
            object.__setattr__(self, "sex", sex)
        object.__setattr__(self, "phases", tuple(normalize_phase(p) for p in self.phases))
        object.__setattr__(self, "statuses", tuple(s.upper() for s in self.statuses))


@dataclass(frozen=True)
class TrialMatch:
    """One trial found, with its nearest open site in range and that site's distance in miles."""

    trial: Trial
    site: TrialSite | None
    distance_miles: float | None
    relevance: int


@dataclass(frozen=True)
class SearchResults:
    """A page of matches, how many there are in all, and how the condition was understood."""

    matches: list[TrialMatch]
    total: int
    condition: ConditionMatch | None = None
    query: SearchQuery = field(default_factory=SearchQuery)


class Plan(str, enum.Enum):
    """Which side of a located search the database starts from."""

    AUTO = "auto"  # decided per search from how many trials the condition matches
    BY_CONDITION = "by_condition"  # matching trials first, then their sites in the box
    BY_LOCATION = "by_location"  # sites in the box first, then their trials


class TrialSearch:
    """Searches stored trials with indexed SQL; ranks by condition relevance, then distance to the
    nearest open site, then the most recently updated.

    Around a point, a bounding box on the sites' latitude/longitude index finds the candidate
    sites, their exact great-circle distances are computed on those candidates only (in SQL),
    and ranking happens in the database. A specific condition ("AML") is searched from its
    trials, then only their sites in the box; a vague one ("cancer") from the sites in the box.
    """

    #: A condition whose terms hold more than this share of all (trial, term) rows is vague enough
    #: to be searched from the location first.
    LOCATION_FIRST_ABOVE = 0.02

    def __init__(self, session: Session, conditions: ConditionIndex | None = None) -> None:
        self._session = session
        self._conditions = conditions

    @property
    def conditions(self) -> ConditionIndex:
        """The condition vocabulary, loaded from the database on first use."""
        if self._conditions is None:
            self._conditions = ConditionIndex.load(self._session)
        return self._conditions

    def search(self, query: SearchQuery, plan: Plan = Plan.AUTO) -> SearchResults:
        """The page of trials that fit the query, best first."""
        match = self.conditions.match(query.condition) if query.condition else None
        if match is not None and match.is_empty:
            return SearchResults([], 0, match, query)
        if match is not None and match.blank:
            match = None
        if query.latitude is None or query.longitude is None:
            ranked = _ranked(query, _relevance(match) if match else None, None)
        else:
            if plan is Plan.AUTO:
                vague = match is None or match.share > self.LOCATION_FIRST_ABOVE
                plan = Plan.BY_LOCATION if vague else Plan.BY_CONDITION
            if match is not None and plan is Plan.BY_CONDITION:
                # The sites of the matching trials, carrying each trial's relevance along.
                near = _near(query, query.latitude, query.longitude, within=_relevance(match))
                ranked = _ranked(query, near, near)
            elif match is not None:
                ranked = _ranked_near_first(query, _near(query, query.latitude, query.longitude), match)
            else:
                ranked = _ranked(query, None, _near(query, query.latitude, query.longitude))
        # The database ranks every match but returns only the page, each row carrying the exact
        # number of matches; only a page past the end needs the count on its own.
        page = self._session.execute(
            ranked.add_columns(func.count().over().label("total")).limit(query.limit).offset(query.offset)
        ).all()
        if page:
            total = int(page[0].total)
        elif query.offset:
            everything = ranked.order_by(None).subquery()
            total = self._session.execute(select(func.count()).select_from(everything)).scalar_one()
        else:
            total = 0
        return SearchResults(self._load(query, page), total, match, query)

    def _load(self, query: SearchQuery, rows: Sequence[Row]) -> list[TrialMatch]:
        if not rows:
            return []
        trial_ids = [row.trial_id for row in rows]
        trials = {
            t.id: t
            for t in self._session.execute(
                select(Trial).where(Trial.id.in_(trial_ids)).options(selectinload(Trial.eligibility))
            ).scalars()
        }
        nearest: dict[int, tuple[float, TrialSite]] = {}
        if query.latitude is not None and query.longitude is not None:
            origin = (query.latitude, query.longitude)
            sites = self._session.execute(
                select(TrialSite).where(
                    TrialSite.trial_id.in_(trial_ids),
                    _bounding_box(query.latitude, query.longitude, query.radius_miles),
                    *_site_filters(query),
                )
            ).scalars()
            for site in sites:
                miles = distance_miles(origin, (site.latitude, site.longitude))
                best = nearest.get(site.trial_id)
                if best is None or (miles, site.id) < (best[0], best[1].id):
                    nearest[site.trial_id] = (miles, site)
        matches = []
        for row in rows:
            found = nearest.get(row.trial_id)
            matches.append(
                TrialMatch(
                    trials[row.trial_id],
                    found[1] if found else None,
                    round(found[0], 1) if found else None,
                    int(row.relevance),
                )
            )
        return matches


def _ranked(query: SearchQuery, relevance: CTE | None, near: CTE | None) -> Select:
    """Trials passing the filters, joined to their relevance and distance, best first; `relevance`
    may be `near` itself when that carries the relevance."""
    rank = relevance.c.relevance if relevance is not None else literal(0)
    distance = near.c.distance if near is not None else literal(None)
    stmt = select(Trial.id.label("trial_id"), rank.label("relevance"), distance.label("distance")).join(
        TrialEligibility, TrialEligibility.trial_id == Trial.id
    )
    if near is not None:
        stmt = stmt.join(near, near.c.trial_id == Trial.id)
    if relevance is not None and relevance is not near:
        stmt = stmt.join(relevance, relevance.c.trial_id == Trial.id)
    # Never ORDER BY the constant itself: PostgreSQL reads `ORDER BY 0` as a column position.
    order = ([rank.desc()] if relevance is not None else []) + ([distance] if near is not None else [])
    return stmt.where(*_trial_filters(query)).order_by(*order, Trial.last_update_date.desc(), Trial.id)


def _ranked_near_first(query: SearchQuery, near: CTE, match: ConditionMatch) -> Select:
    """For a vague condition: the trials near the point that pass the filters first, then the
    relevance of each of those, looked up trial by trial; best first."""
    # MATERIALIZED (SQLite ≥ 3.35, PostgreSQL ≥ 12): filtered once, before any relevance lookup.
    nearby = (
        select(Trial.id.label("trial_id"), near.c.distance, Trial.last_update_date)
        .join(near, near.c.trial_id == Trial.id)
        .join(TrialEligibility, TrialEligibility.trial_id == Trial.id)
        .where(*_trial_filters(query))
        .cte("nearby")
        .prefix_with("MATERIALIZED")
    )
    tier, matched = _tier(match)
    # `term_id + 0` is an expression, so the database reads each nearby trial's few terms instead
    # of every trial of each matched term.
    best = (
        select(func.max(tier))
        .where(TrialCondition.trial_id == nearby.c.trial_id, (TrialCondition.term_id + 0).in_(matched))
        .scalar_subquery()
    )
    scored = select(nearby, best.label("relevance")).cte("scored").prefix_with("MATERIALIZED")
    return (
        select(scored.c.trial_id, scored.c.relevance, scored.c.distance)
        .where(scored.c.relevance.isnot(None))
        .order_by(scored.c.relevance.desc(), scored.c.distance, scored.c.last_update_date.desc(), scored.c.trial_id)
    )


def _tier(match: ConditionMatch) -> tuple[ColumnElement, ColumnElement]:
    """The relevance tier of one trial-condition row, and the filter for the rows worth looking at.

    Expanding bind parameters keep the statement's shape (and compiled form) the same whatever the
    number of terms, and long lists are not coerced item by item.
    """
    kind, term = TrialCondition.kind, TrialCondition.term_id
    in_broad = term.in_(bindparam("broad_terms", sorted(match.broad_ids), expanding=True))
    by_kind = case(
        (kind.in_((ConditionKind.CONDITION.value, ConditionKind.MESH.value)), EXACT),
        (kind == ConditionKind.KEYWORD.value, KEYWORD),
        else_=RELATED,
    )
    # One lookup of the term per row: the terms list is checked once, then only the kind.
    tier = case((in_broad, by_kind), (kind == ConditionKind.CONDITION.value, BROADER), else_=None)
    matched = bindparam("matched_terms", sorted(match.broad_ids | match.narrow_ids), expanding=True)
    return tier, matched


def _relevance(match: ConditionMatch) -> CTE:
    """Per matching trial, the best relevance tier among its condition terms that the query matched
    (found through the terms' index)."""
    tier, matched = _tier(match)
    best = func.max(tier)
    return (
        select(TrialCondition.trial_id, best.label("relevance"))
        .where(TrialCondition.term_id.in_(matched))
        .group_by(TrialCondition.trial_id)
        .having(best.isnot(None))
        .cte("relevance")
    )


def _haversine(latitude: float, longitude: float) -> ColumnElement:
    """The haversine of the angle between the point and a site, as SQL (SQLite ≥ 3.35, PostgreSQL):
    it grows with the distance, so the nearest site has the smallest."""
    half_dlat = func.radians(TrialSite.latitude - latitude) / 2
    half_dlon = func.radians(TrialSite.longitude - longitude) / 2
    cos_origin = math.cos(math.radians(latitude))
    a = func.sin(half_dlat) * func.sin(half_dlat) + cos_origin * func.cos(func.radians(TrialSite.latitude)) * func.sin(
        half_dlon
    ) * func.sin(half_dlon)
    return a


def _miles(haversine: ColumnElement) -> ColumnElement:
    """The great-circle distance in miles of a haversine (see `_haversine`)."""
    return 2 * EARTH_RADIUS_MILES * func.asin(func.sqrt(haversine))


def _near(query: SearchQuery, latitude: float, longitude: float, within: CTE | None = None) -> CTE:
    """Per trial, the distance to its nearest open site within the radius; only for the trials
    in `within` when given, with their relevance."""
    # The distance of the smallest haversine is the smallest distance: converted once per trial.
    distance = _miles(func.min(_haversine(latitude, longitude)))
    stmt = select(TrialSite.trial_id, distance.label("distance"))
    groups = [TrialSite.trial_id]
    if within is not None:
        stmt = stmt.add_columns(within.c.relevance)
        stmt = stmt.select_from(within).join(TrialSite, TrialSite.trial_id == within.c.trial_id)
        groups.append(within.c.relevance)
    return (
        stmt.where(_bounding_box(latitude, longitude, query.radius_miles), *_site_filters(query))
        .group_by(*groups)
        .having(distance <= query.radius_miles)
        .cte("near")
    )


def _trial_filters(query: SearchQuery) -> list[ColumnElement]:
    filters: list[ColumnElement] = []
    if query.statuses:
        filters.append(Trial.overall_status.in_(query.statuses))
    if query.age is not None:
        filters.append(
            or_(
                TrialEligibility.minimum_age_years.is_(None),
                TrialEligibility.minimum_age_years <= query.age,
            )
        )
        filters.append(
            or_(
                TrialEligibility.maximum_age_years.is_(None),
                TrialEligibility.maximum_age_years >= query.age,
            )
        )
    if query.sex is not None:
        filters.append(TrialEligibility.sex.in_(("ALL", query.sex)))
    if query.phases:
        padded = literal(",") + Trial.phases + literal(",")
        filters.append(or_(*(padded.like(f"%,{phase},%") for phase in query.phases)))
    if query.healthy_volunteers is True:
        filters.append(TrialEligibility.healthy_volunteers.is_(True))
    elif query.healthy_volunteers is False:
        filters.append(
            or_(
                TrialEligibility.healthy_volunteers.is_(False),
                TrialEligibility.healthy_volunteers.is_(None),
            )
        )
    return filters


def _site_filters(query: SearchQuery) -> list[ColumnElement]:
    if not query.statuses:
        return []
    # A site without its own status takes the trial's (already filtered) overall status.
    return [or_(TrialSite.status.in_(query.statuses), TrialSite.status.is_(None))]


def _bounding_box(latitude: float, longitude: float, radius_miles: float) -> ColumnElement:
    """Sites within a latitude/longitude box around the point that contains the radius."""
    dlat = radius_miles / _MILES_PER_DEGREE_LATITUDE
    south, north = max(latitude - dlat, -90.0), min(latitude + dlat, 90.0)
    widest = max(abs(south), abs(north))
    dlon = 180.0 if widest >= 89.0 else min(dlat / math.cos(math.radians(widest)), 180.0)
    west, east = longitude - dlon, longitude + dlon
    in_latitude = TrialSite.latitude.between(south, north)
    if dlon >= 180.0:
        return and_(in_latitude, TrialSite.longitude.isnot(None))
    if west < -180.0:  # the box crosses the antimeridian: two longitude ranges
        ranges = or_(TrialSite.longitude >= west + 360.0, TrialSite.longitude <= east)
    elif east > 180.0:
        ranges = or_(TrialSite.longitude >= west, TrialSite.longitude <= east - 360.0)
    else:
        ranges = TrialSite.longitude.between(west, east)
    return and_(in_latitude, ranges)
