"""SQLAlchemy models of imported ClinicalTrials.gov studies: trials, conditions, sites, eligibility."""

from __future__ import annotations

import enum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.store.models import Base, utcnow

OPEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING")


class ConditionKind(str, enum.Enum):
    """Where a trial's condition term came from in the registry record."""

    CONDITION = "condition"  # conditionsModule.conditions, as the sponsor wrote it
    KEYWORD = "keyword"  # conditionsModule.keywords
    MESH = "mesh"  # derivedSection.conditionBrowseModule.meshes
    ANCESTOR = "ancestor"  # derivedSection.conditionBrowseModule.ancestors (broader MeSH terms)


class Trial(Base):
    """One registry study, keyed by its NCT id; re-imports update it in place."""

    __tablename__ = "trials"

    # Short columns used by searches first, long texts last: SQLite reads a row from its start.
    id = Column(Integer, primary_key=True)
    nct_id = Column(String(16), nullable=False, unique=True)
    overall_status = Column(String(32), nullable=False, index=True)
    phases = Column(String(64), nullable=False, default="")  # e.g. "PHASE1,PHASE2"; "" if none
    last_update_date = Column(Date, nullable=True, index=True)  # lastUpdatePostDate
    study_type = Column(String(32), nullable=True)
    # designModule.bioSpec.retention: SAMPLES_WITH_DNA, SAMPLES_WITHOUT_DNA or NONE_RETAINED;
    # None when the record says the study keeps no biospecimens.
    biospec_retention = Column(String(32), nullable=True)
    start_date = Column(Date, nullable=True)
    completion_date = Column(Date, nullable=True)
    source_updated_at = Column(DateTime(timezone=True), nullable=True)  # record's versionHolder
    content_hash = Column(String(64), nullable=False)
    imported_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    changed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    opened_at = Column(DateTime(timezone=True), nullable=True, index=True)
    """When an import last found it open (recruiting or not yet) after it was not, or first imported it open:
    trial alerts send trials that are new or newly open since the person subscribed."""
    refreshed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    lead_sponsor = Column(String(300), nullable=True)
    brief_title = Column(Text, nullable=False, default="")
    official_title = Column(Text, nullable=True)
    brief_summary = Column(Text, nullable=True)
    biospec_description = Column(Text, nullable=True)  # designModule.bioSpec.description

    eligibility = relationship("TrialEligibility", back_populates="trial", uselist=False, cascade="all, delete-orphan")
    conditions = relationship("TrialCondition", back_populates="trial", cascade="all, delete-orphan")
    sites = relationship("TrialSite", back_populates="trial", cascade="all, delete-orphan")
    contacts = relationship("TrialContact", back_populates="trial", cascade="all, delete-orphan")

    @property
    def phase_list(self) -> list[str]:
        """The trial's phases as registry codes (e.g. ["PHASE1", "PHASE2"])."""
        return [p for p in (self.phases or "").split(",") if p]

    @property
    def is_open(self) -> bool:
        """Whether the trial is recruiting or about to."""
        return self.overall_status in OPEN_STATUSES

    @property
    def keeps_biospecimens(self) -> bool:
        """Whether the study collects samples (tissue, blood, ...) and keeps them for research."""
        return bool(self.biospec_retention) and self.biospec_retention != "NONE_RETAINED"

    @property
    def url(self) -> str:
        """The trial's public page on ClinicalTrials.gov."""
        return f"https://clinicaltrials.gov/study/{self.nct_id}"


class ConditionTerm(Base):
    """A distinct condition name or MeSH term, shared by the trials that mention it."""

    __tablename__ = "condition_terms"

    id = Column(Integer, primary_key=True)
    term_key = Column(String(500), nullable=False, unique=True)  # normalised, see conditions.py
    name = Column(String(500), nullable=False)
    mesh_id = Column(String(16), nullable=True)


class TrialCondition(Base):
    """That a trial is about a condition term, and where in the record the term came from."""

    __tablename__ = "trial_conditions"
    __table_args__ = (
        UniqueConstraint("trial_id", "term_id", "kind"),
        Index("ix_trial_conditions_term_trial", "term_id", "trial_id", "kind"),
    )

    id = Column(Integer, primary_key=True)
    trial_id = Column(ForeignKey("trials.id", ondelete="CASCADE"), nullable=False)
    term_id = Column(ForeignKey("condition_terms.id"), nullable=False)
    kind = Column(String(16), nullable=False)

    trial = relationship("Trial", back_populates="conditions")
    term = relationship("ConditionTerm", lazy="joined")


class TrialSite(Base):
    """A place where a trial enrols, with its own recruitment status and coordinates."""

    __tablename__ = "trial_sites"
    __table_args__ = (
        # Bounding-box searches around a point, and a trial's sites within a box.
        Index("ix_trial_sites_geo", "latitude", "longitude", "status", "trial_id"),
        Index("ix_trial_sites_trial_geo", "trial_id", "latitude", "longitude"),
    )

    id = Column(Integer, primary_key=True)
    trial_id = Column(ForeignKey("trials.id", ondelete="CASCADE"), nullable=False)
    site_key = Column(String(64), nullable=False)  # identity within the trial across re-imports
    facility = Column(String(300), nullable=True)
    city = Column(String(120), nullable=True)
    state = Column(String(120), nullable=True)
    zip = Column(String(20), nullable=True)
    country = Column(String(120), nullable=True)
    status = Column(String(32), nullable=True)
    latitude = Column(Float, nullable=True)
    longitude = Column(Float, nullable=True)

    trial = relationship("Trial", back_populates="sites")
    contacts = relationship("TrialContact", viewonly=True)

    @property
    def place(self) -> str:
        """City, state and country joined for display (e.g. "Boston, Massachusetts, United States")."""
        return ", ".join(p for p in (self.city, self.state, self.country) if p)


class TrialEligibility(Base):
    """Who may join a trial: age range in years, sex, healthy volunteers, the criteria text."""

    __tablename__ = "trial_eligibility"

    id = Column(Integer, primary_key=True)
    trial_id = Column(ForeignKey("trials.id", ondelete="CASCADE"), nullable=False, unique=True)
    minimum_age_years = Column(Float, nullable=True)  # None: no lower limit
    maximum_age_years = Column(Float, nullable=True)  # None: no upper limit
    sex = Column(String(8), nullable=False, default="ALL")  # ALL, FEMALE or MALE
    healthy_volunteers = Column(Boolean, nullable=True)
    criteria = Column(Text, nullable=True)

    trial = relationship("Trial", back_populates="eligibility")


class TrialContact(Base):
    """A person to contact about a trial: central (site_id is None) or at one site."""

    __tablename__ = "trial_contacts"

    id = Column(Integer, primary_key=True)
    trial_id = Column(ForeignKey("trials.id", ondelete="CASCADE"), nullable=False, index=True)
    site_id = Column(ForeignKey("trial_sites.id", ondelete="CASCADE"), nullable=True, index=True)
    contact_key = Column(String(64), nullable=False)  # identity within the trial across re-imports
    name = Column(String(300), nullable=True)
    role = Column(String(32), nullable=True)
    phone = Column(String(64), nullable=True)
    phone_ext = Column(String(32), nullable=True)
    email = Column(String(300), nullable=True)

    trial = relationship("Trial", back_populates="contacts")
    site = relationship("TrialSite")
