"""Upserting ClinicalTrials.gov study records into the trial tables, by NCT id."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.store.models import Base, utcnow
from bot.trials.conditions import term_key
from bot.trials.models import (
    OPEN_STATUSES,
    ConditionTerm,
    Trial,
    TrialCondition,
    TrialContact,
    TrialEligibility,
    TrialSite,
)
from bot.trials.records import (
    ContactRecord,
    RecordError,
    SiteRecord,
    StudyRecord,
    parse_study,
    read_studies,
)

log = logging.getLogger(__name__)

_BATCH = 200
_TRIAL_FIELDS = (
    "brief_title",
    "official_title",
    "brief_summary",
    "lead_sponsor",
    "overall_status",
    "study_type",
    "biospec_retention",
    "biospec_description",
    "start_date",
    "completion_date",
    "last_update_date",
    "content_hash",
)
_SITE_FIELDS = ("facility", "city", "state", "zip", "country", "status", "latitude", "longitude")
_CONTACT_FIELDS = ("name", "role", "phone", "phone_ext", "email")
_ELIGIBILITY_FIELDS = (
    "minimum_age_years",
    "maximum_age_years",
    "sex",
    "healthy_volunteers",
    "criteria",
)


def _fit(model: type[Base], values: dict[str, Any]) -> dict[str, Any]:
    """The values with text cut to the model's column lengths (PostgreSQL refuses longer text)."""
    columns = model.__table__.columns
    fitted = {}
    for name, value in values.items():
        length = getattr(columns[name].type, "length", None)
        fitted[name] = value[:length] if length and isinstance(value, str) else value
    return fitted


def _trial_values(study: StudyRecord) -> dict[str, Any]:
    values = {name: getattr(study, name) for name in _TRIAL_FIELDS}
    values["phases"] = ",".join(study.phases)
    values["source_updated_at"] = study.source_updated_at
    return _fit(Trial, values)


def _eligibility_values(study: StudyRecord) -> dict[str, Any]:
    return _fit(TrialEligibility, {name: getattr(study.eligibility, name) for name in _ELIGIBILITY_FIELDS})


def _site_values(site: SiteRecord) -> dict[str, Any]:
    return _fit(TrialSite, {"site_key": site.site_key} | {name: getattr(site, name) for name in _SITE_FIELDS})


def _contact_values(contact: ContactRecord) -> dict[str, Any]:
    values = {"contact_key": contact.contact_key} | {name: getattr(contact, name) for name in _CONTACT_FIELDS}
    return _fit(TrialContact, values)


@dataclass(frozen=True)
class ImportResult:
    """How many trials an import inserted, updated, found unchanged, or skipped as unreadable."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        """All records seen."""
        return self.inserted + self.updated + self.unchanged + self.skipped

    def __add__(self, other: ImportResult) -> ImportResult:
        return ImportResult(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.skipped + other.skipped,
        )


class TrialImporter:
    """Writes study records into the session: new trials inserted, known ones updated in place.

    Rows of a changed trial (its eligibility, sites, contacts, conditions) are kept and updated
    where they still exist in the new version; `changed_at` records when a trial last changed.
    The caller owns the transaction: the importer flushes but does not commit.
    """

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self._session = session
        self._clock = clock
        self._term_ids: dict[str, int] | None = None

    def import_path(self, path: str | Path) -> ImportResult:
        """Import every study in a file (JSON array, JSONL, API page; optionally gzipped)."""
        return self.import_records(read_studies(path))

    def import_records(self, records: Iterable[Mapping[str, Any]]) -> ImportResult:
        """Import raw API v2 study records (dicts), in batches."""
        result = ImportResult()
        iterator = iter(records)
        while batch := list(islice(iterator, _BATCH)):
            result += self._import_batch(batch)
        return result

    def _import_batch(self, batch: list[Mapping[str, Any]]) -> ImportResult:
        studies: list[StudyRecord] = []
        skipped = 0
        for raw in batch:
            try:
                studies.append(parse_study(raw))
            except (RecordError, KeyError, TypeError, AttributeError) as error:
                log.warning("skipping unreadable study record: %s", error)
                skipped += 1
        nct_ids = {s.nct_id for s in studies}
        known = {
            trial.nct_id: trial
            for trial in self._session.execute(select(Trial).where(Trial.nct_id.in_(nct_ids))).scalars()
        }
        now = self._clock()
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        for study in studies:
            trial = known.get(study.nct_id)
            if trial is None:
                known[study.nct_id] = self._insert(study, now)
                counts["inserted"] += 1
            elif trial.content_hash == study.content_hash:
                trial.refreshed_at = now
                trial.source_updated_at = study.source_updated_at or trial.source_updated_at
                counts["unchanged"] += 1
            else:
                self._update(trial, study, now)
                counts["updated"] += 1
        self._session.flush()
        return ImportResult(skipped=skipped, **counts)

    def _insert(self, study: StudyRecord, now: datetime) -> Trial:
        trial = Trial(nct_id=study.nct_id, imported_at=now)
        self._set_trial(trial, study, now)
        self._session.add(trial)
        self._session.flush()
        self._session.execute(insert(TrialEligibility), [{"trial_id": trial.id} | _eligibility_values(study)])
        if study.sites:
            self._session.execute(insert(TrialSite), [{"trial_id": trial.id} | _site_values(s) for s in study.sites])
        site_ids = dict(
            self._session.execute(select(TrialSite.site_key, TrialSite.id).where(TrialSite.trial_id == trial.id)).all()
        )
        if study.contacts:
            self._session.execute(
                insert(TrialContact),
                [
                    {"trial_id": trial.id, "site_id": site_ids.get(c.site_key) if c.site_key else None}
                    | _contact_values(c)
                    for c in study.contacts
                ],
            )
        rows = self._condition_rows(study)
        if rows:
            self._session.execute(
                insert(TrialCondition),
                [{"trial_id": trial.id, "term_id": t, "kind": k} for t, k in rows],
            )
        return trial

    def _update(self, trial: Trial, study: StudyRecord, now: datetime) -> None:
        self._set_trial(trial, study, now)
        trial.changed_at = now
        eligibility = trial.eligibility or TrialEligibility()
        for name, value in _eligibility_values(study).items():
            setattr(eligibility, name, value)
        trial.eligibility = eligibility

        trial.sites = _reconcile(trial.sites, study.sites, "site_key", _site_values, TrialSite)
        by_key = {s.site_key: s for s in trial.sites}
        trial.contacts = _reconcile(trial.contacts, study.contacts, "contact_key", _contact_values, TrialContact)
        for contact, record in zip(trial.contacts, study.contacts, strict=True):
            contact.site = by_key.get(record.site_key) if record.site_key else None

        current = {(c.term_id, c.kind): c for c in trial.conditions}
        trial.conditions = [
            current.get((term_id, kind)) or TrialCondition(term_id=term_id, kind=kind)
            for term_id, kind in self._condition_rows(study)
        ]

    def _set_trial(self, trial: Trial, study: StudyRecord, now: datetime) -> None:
        was_open = trial.overall_status in OPEN_STATUSES
        for name, value in _trial_values(study).items():
            setattr(trial, name, value)
        trial.changed_at = now
        trial.refreshed_at = now
        if trial.overall_status in OPEN_STATUSES and not was_open:
            trial.opened_at = now

    def _condition_rows(self, study: StudyRecord) -> list[tuple[int, str]]:
        rows: dict[tuple[int, str], None] = {}
        for condition in study.conditions:
            key = term_key(condition.name)[:500]
            if key:
                term_id = self._term_id(key, condition.name, condition.mesh_id)
                rows[(term_id, condition.kind.value)] = None
        return list(rows)

    def _term_id(self, key: str, name: str, mesh_id: str | None) -> int:
        if self._term_ids is None:
            self._term_ids = dict(self._session.execute(select(ConditionTerm.term_key, ConditionTerm.id)).all())
        term_id = self._term_ids.get(key)
        if term_id is None:
            inserted = self._session.execute(
                insert(ConditionTerm).values(term_key=key, name=name.strip()[:500], mesh_id=mesh_id)
            )
            term_id = inserted.inserted_primary_key[0]
            self._term_ids[key] = term_id
        return term_id


def _reconcile(
    rows: Sequence[Any], records: Sequence[Any], key: str, values: Callable[[Any], dict], factory: Callable[[], Any]
) -> list:
    """Rows for `records` in order, reusing the existing row with the same `key` (kept ids)."""
    existing = {getattr(row, key): row for row in rows}
    kept = []
    for record in records:
        row = existing.pop(getattr(record, key), None) or factory()
        for name, value in values(record).items():
            setattr(row, name, value)
        kept.append(row)
    return kept
