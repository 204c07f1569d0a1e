"""The biobank service the actions use: programmes, cancer centers and sample-keeping studies, loaded once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import List, Optional, Tuple

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.biobank.places import (
    BiospecimenStudies,
    CancerCenters,
    Locate,
    Nearby,
    load_centers,
    nearest,
    nearest_studies,
)
from bot.biobank.programmes import EligibilityCheck, Programme, Programmes, load_programmes

logger = logging.getLogger(__name__)

CENTERS_SHOWN = 3
STUDIES_SHOWN = 2
STUDY_RADIUS_MILES = 300.0
FAR_MILES = 500.0
MOONSHOT = "moonshot"
HOSPITAL = "hospital"


@dataclass(frozen=True)
class NearbyPlaces:
    """What is near the person: cancer centers (always some) and study sites (maybe none)."""

    centers: Tuple[Nearby, ...]
    studies: Tuple[Nearby, ...]
    studies_known: bool  # False when the trial data could not be read

    @property
    def far(self) -> bool:
        """Whether even the nearest center is a long way off (outside the U.S., say)."""
        return not self.centers or self.centers[0].miles > FAR_MILES


class BiobankService:
    """Answers donation questions from the curated files and the trial tables."""

    def __init__(self, programmes: Programmes, centers: CancerCenters, studies: BiospecimenStudies) -> None:
        self.programmes = programmes
        self.centers = centers
        self._studies = studies

    @classmethod
    def load(cls, engine: Engine, locate: Locate) -> BiobankService:
        """Read and check the curated files; `locate` places each center ("city, state" → coordinates)."""
        return cls(load_programmes(), load_centers(locate), BiospecimenStudies(engine))

    @property
    def moonshot(self) -> Programme:
        """The Cancer Moonshot Biobank."""
        return self.programmes.get(MOONSHOT)

    @property
    def hospital(self) -> Programme:
        """Donating through one's own hospital's biobank."""
        return self.programmes.get(HOSPITAL)

    def eligibility(self, condition: Optional[str], age: Optional[float]) -> EligibilityCheck:
        """The Moonshot Biobank's criteria held against the cancer type and age the person gave."""
        return self.moonshot.check(condition, age)

    def places_near(self, latitude: float, longitude: float) -> NearbyPlaces:
        """The nearest centers that see patients and the nearest open sites of sample-keeping studies."""
        here = (latitude, longitude)
        centers = nearest(here, [c for c in self.centers.centers if c.sees_patients], CENTERS_SHOWN)
        studies: List[Nearby] = []
        known = True
        try:
            studies = nearest_studies(here, self._studies.open_sites(), STUDIES_SHOWN, STUDY_RADIUS_MILES)
        except SQLAlchemyError:
            logger.exception("Reading the sample-keeping studies failed")
            known = False
        return NearbyPlaces(tuple(centers), tuple(studies), known)
