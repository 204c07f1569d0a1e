"""Places to ask about donating: NCI-designated cancer centers and open sites of sample-keeping studies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.biobank.programmes import DATA_DIR, Fact, ProgrammeError, read_fact
from bot.trials.geo import Place, distance_miles
from bot.trials.models import OPEN_STATUSES, Trial, TrialSite
from bot.yaml_files import read_yaml

CENTERS_PATH = DATA_DIR / "cancer_centers.yml"
PATIENT_CARE = "patient care"
LABORATORY = "laboratory"
TYPES = (PATIENT_CARE, LABORATORY)

Locate = Callable[[str], Optional[Place]]


@dataclass(frozen=True)
class CancerCenter:
    """An NCI-designated cancer center, placed at its city's coordinates."""

    name: str
    city: str
    state: str
    type: str  # "patient care" or "laboratory" (research only: not a place to donate)
    website: str
    latitude: float
    longitude: float

    @property
    def sees_patients(self) -> bool:
        """Whether people are treated there (and so can ask about donating)."""
        return self.type == PATIENT_CARE


@dataclass(frozen=True)
class CancerCenters:
    """The curated list, its source and review date, and what the centers are."""

    centers: Tuple[CancerCenter, ...]
    source: str
    reviewed: dt.date
    about: Fact


@dataclass(frozen=True)
class StudySite:
    """An open site of a study that collects samples and keeps them for research."""

    nct_id: str
    title: str
    samples: Optional[str]  # what the study says it keeps, in its own words
    facility: Optional[str]
    city: Optional[str]
    state: Optional[str]
    country: Optional[str]
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Nearby:
    """A place and how far it is from the person, in miles."""

    place: CancerCenter | StudySite
    miles: float


def load_centers(locate: Locate, path: Path = CENTERS_PATH) -> CancerCenters:
    """Read the centers and place each at "city, state"; raise `ProgrammeError` if one is not found."""
    content = read_yaml(path) or {}
    source = str(content.get("source") or "")
    reviewed = content.get("reviewed")
    if not source.startswith("https://") or not isinstance(reviewed, dt.date):
        raise ProgrammeError(f"{path.name}: needs an https:// source and a reviewed date")
    centers = []
    for index, raw in enumerate(content.get("centers") or (), start=1):
        where = f"{path.name} center {index} ({raw.get('name')})"
        if raw.get("type") not in TYPES or not str(raw.get("website") or "").startswith("https://"):
            raise ProgrammeError(f"{where}: type must be one of {TYPES} and website an https:// URL")
        place = locate(f"{raw['city']}, {raw['state']}")
        if place is None:
            raise ProgrammeError(f"{where}: {raw['city']}, {raw['state']} is not in the geodata")
        centers.append(
            CancerCenter(
                str(raw["name"]),
                str(raw["city"]),
                str(raw["state"]),
                str(raw["type"]),
                str(raw["website"]),
                place.latitude,
                place.longitude,
            )
        )
    names = [c.name for c in centers]
    if len(set(names)) != len(names):
        raise ProgrammeError(f"{path.name}: a center is listed twice")
    return CancerCenters(tuple(centers), source, reviewed, read_fact(content.get("about"), f"{path.name} about"))


class BiospecimenStudies:
    """Reads, from the trial tables, the open sites of studies that collect and keep samples."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_sites(self) -> List[StudySite]:
        """Every located, open site of an open study whose record says it keeps biospecimens."""
        query = (
            select(
                Trial.nct_id,
                Trial.brief_title,
                Trial.biospec_description,
                TrialSite.facility,
                TrialSite.city,
                TrialSite.state,
                TrialSite.country,
                TrialSite.latitude,
                TrialSite.longitude,
            )
            .join(TrialSite, TrialSite.trial_id == Trial.id)
            .where(
                Trial.biospec_retention.isnot(None),
                Trial.biospec_retention != "NONE_RETAINED",
                Trial.overall_status.in_(OPEN_STATUSES),
                or_(TrialSite.status.is_(None), TrialSite.status.in_(OPEN_STATUSES)),
                TrialSite.latitude.isnot(None),
                TrialSite.longitude.isnot(None),
            )
        )
        with Session(self._engine, future=True) as session:
            return [StudySite(*row) for row in session.execute(query)]


def nearest(
    here: Tuple[float, float], places: Sequence[CancerCenter | StudySite], limit: int, within: float | None = None
) -> List[Nearby]:
    """The `limit` places closest to `here`, nearest first (ties by name), optionally within a radius."""
    found = [Nearby(p, distance_miles(here, (p.latitude, p.longitude))) for p in places]
    found = [n for n in found if within is None or n.miles <= within]
    found.sort(key=lambda n: (n.miles, getattr(n.place, "name", None) or getattr(n.place, "nct_id", "")))
    return found[:limit]


def nearest_studies(here: Tuple[float, float], sites: Sequence[StudySite], limit: int, within: float) -> List[Nearby]:
    """The nearest open site of each study (one line per study), nearest first, within a radius."""
    best: dict[str, Nearby] = {}
    for near in nearest(here, sites, limit=len(sites), within=within):
        best.setdefault(near.place.nct_id, near)  # type: ignore[union-attr]
    return sorted(best.values(), key=lambda n: n.miles)[:limit]
