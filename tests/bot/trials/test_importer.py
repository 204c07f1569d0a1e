"""Tests of the importer on real snapshot records: every file shape, upserts in place, change tracking."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.trials.importer import ImportResult, TrialImporter
from bot.trials.models import (
    ConditionTerm,
    Trial,
    TrialCondition,
    TrialContact,
    TrialEligibility,
    TrialSite,
)
from bot.trials.records import RecordError

NCT = "NCT05123482"  # AZD8205: 67 sites, central and site contacts


class Clock:
    """A settable clock, so that tests can tell one import's time from the next."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))


def trial(session: Session, nct_id: str) -> Trial:
    return session.execute(select(Trial).where(Trial.nct_id == nct_id)).scalar_one()


def write(path: Path, text: str, gzipped: bool = False) -> Path:
    if gzipped:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.fixture
def five(snapshot_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return snapshot_records[:5]


@pytest.mark.parametrize(
    ("name", "render", "gzipped"),
    [
        ("array.json", lambda rs: json.dumps(rs), False),
        ("lines.jsonl", lambda rs: "\n".join(json.dumps(r) for r in rs) + "\n", False),
        ("lines.jsonl.gz", lambda rs: "\n".join(json.dumps(r) for r in rs), True),
        ("array.json.gz", lambda rs: json.dumps(rs), True),
        ("page.json", lambda rs: json.dumps({"studies": rs, "nextPageToken": "abc"}), False),
        (
            "pages.jsonl",
            lambda rs: json.dumps({"studies": rs[:2]}) + "\n" + json.dumps({"studies": rs[2:]}),
            False,
        ),
    ],
)
def test_imports_every_file_shape(session: Session, tmp_path: Path, five, name, render, gzipped) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path / name, render(five), gzipped)

    result = TrialImporter(session).import_path(path)
    session.commit()

    assert result == ImportResult(inserted=5)
    expected = {r["protocolSection"]["identificationModule"]["nctId"] for r in five}
    assert set(session.scalars(select(Trial.nct_id))) == expected


def test_an_unreadable_file_is_refused(session: Session, tmp_path: Path) -> None:
    with pytest.raises(RecordError):
        TrialImporter(session).import_path(write(tmp_path / "bad.json", "{not json"))


def test_stores_a_real_record_fully(session: Session, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    raw = snapshot_record(NCT)
    TrialImporter(session).import_records([raw])
    session.commit()

    stored = trial(session, NCT)
    protocol = raw["protocolSection"]
    assert stored.brief_title == protocol["identificationModule"]["briefTitle"]
    assert stored.overall_status == "RECRUITING"
    assert stored.phase_list == ["PHASE1", "PHASE2"]
    assert stored.study_type == "INTERVENTIONAL"
    assert stored.lead_sponsor == "AstraZeneca"
    assert stored.last_update_date.isoformat() == "2026-02-13"
    assert stored.eligibility.minimum_age_years == 18.0
    assert stored.eligibility.maximum_age_years is None
    assert len(stored.sites) == 67
    houston = next(s for s in stored.sites if s.city == "Houston")
    assert (houston.state, houston.country, houston.status) == ("Texas", "United States", "RECRUITING")
    assert houston.latitude == pytest.approx(29.76328)
    module = protocol["contactsLocationsModule"]
    central = [c for c in stored.contacts if c.site_id is None]
    assert len(central) == len(module["centralContacts"])
    assert len(stored.contacts) == len(central) + sum(len(loc.get("contacts", [])) for loc in module["locations"])
    names = {(c.kind, c.term.name) for c in stored.conditions}
    assert ("condition", "Breast Cancer") in names
    assert ("mesh", "Breast Neoplasms") in names


def test_imports_the_whole_snapshot(snapshot_session: Session, snapshot_db) -> None:  # type: ignore[no-untyped-def]
    assert snapshot_db.loaded == 489
    assert count(snapshot_session, Trial) == 489
    assert count(snapshot_session, TrialEligibility) == 489
    assert count(snapshot_session, TrialSite) == 23346
    assert count(snapshot_session, TrialContact) > 9000
    assert count(snapshot_session, TrialCondition) > 8000
    assert count(snapshot_session, ConditionTerm) > 1500


def test_reimport_of_the_same_records_changes_nothing(session: Session, five) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    TrialImporter(session, clock).import_records(five)
    session.commit()
    ids = dict(session.execute(select(Trial.nct_id, Trial.id)).all())
    sites = count(session, TrialSite)

    clock.now = datetime(2026, 5, 1, tzinfo=timezone.utc)
    result = TrialImporter(session, clock).import_records(copy.deepcopy(five))
    session.commit()

    assert result == ImportResult(unchanged=5)
    assert dict(session.execute(select(Trial.nct_id, Trial.id)).all()) == ids
    assert count(session, TrialSite) == sites
    first = trial(session, five[0]["protocolSection"]["identificationModule"]["nctId"])
    assert first.refreshed_at.replace(tzinfo=timezone.utc) == clock.now
    assert first.changed_at.replace(tzinfo=timezone.utc) == datetime(2026, 4, 1, 12, tzinfo=timezone.utc)


def test_reimport_updates_in_place_and_records_the_change(session: Session, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    original = snapshot_record(NCT)
    TrialImporter(session, clock).import_records([original])
    session.commit()
    before = trial(session, NCT)
    trial_id, imported_at = before.id, before.imported_at
    site_ids = {(s.city, s.state, s.facility, s.site_key): s.id for s in before.sites}
    houston_contacts = {c.id for c in before.contacts if c.site and c.site.city == "Houston"}
    eligibility_id = before.eligibility.id
    condition_ids = {c.id for c in before.conditions}
    session.expunge_all()

    changed = copy.deepcopy(original)
    protocol = changed["protocolSection"]
    protocol["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    protocol["eligibilityModule"]["maximumAge"] = "80 Years"
    locations = protocol["contactsLocationsModule"]["locations"]
    houston = next(loc for loc in locations if loc["city"] == "Houston")
    houston["status"] = "COMPLETED"
    for contact in houston.get("contacts", []):
        contact["phone"] = "555-0100"
    dropped = next(loc for loc in locations if loc["city"] == "Shreveport")
    locations.remove(dropped)
    locations.append(
        {
            "facility": "Dana-Farber Cancer Institute",
            "status": "RECRUITING",
            "city": "Boston",
            "state": "Massachusetts",
            "zip": "02215",
            "country": "United States",
            "geoPoint": {"lat": 42.35843, "lon": -71.05977},
        }
    )
    protocol["conditionsModule"]["conditions"].append("Triple Negative Breast Cancer")
    clock.now = datetime(2026, 5, 2, 9, 30, tzinfo=timezone.utc)

    result = TrialImporter(session, clock).import_records([changed])
    session.commit()

    assert result == ImportResult(updated=1)
    after = trial(session, NCT)
    assert after.id == trial_id
    assert after.overall_status == "ACTIVE_NOT_RECRUITING"
    assert after.changed_at.replace(tzinfo=timezone.utc) == clock.now
    assert after.imported_at == imported_at
    assert after.eligibility.id == eligibility_id
    assert after.eligibility.maximum_age_years == 80.0
    now_sites = {(s.city, s.state, s.facility, s.site_key): s for s in after.sites}
    assert len(now_sites) == 67
    kept = {k: v for k, v in site_ids.items() if k[0] != "Shreveport"}
    assert {k: now_sites[k].id for k in kept} == kept  # the same rows, updated in place
    assert not any(k[0] == "Shreveport" for k in now_sites)
    new_houston = next(s for s in after.sites if s.city == "Houston")
    assert new_houston.status == "COMPLETED"
    assert any(s.city == "Boston" and s.status == "RECRUITING" for s in after.sites)
    contacts_now = [c for c in after.contacts if c.site and c.site.city == "Houston"]
    assert {c.id for c in contacts_now} == houston_contacts
    assert all(c.phone == "555-0100" for c in contacts_now)
    assert condition_ids < {c.id for c in after.conditions}
    assert any(c.term.name == "Triple Negative Breast Cancer" for c in after.conditions)
    assert count(session, TrialSite) == 67


def test_a_new_version_stamp_alone_is_not_a_change(session: Session, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    raw = snapshot_record(NCT)
    TrialImporter(session, clock).import_records([raw])
    session.commit()
    restamped = copy.deepcopy(raw)
    restamped["derivedSection"]["miscInfoModule"]["versionHolder"] = "2026-06-30"

    result = TrialImporter(session, clock).import_records([restamped])
    session.commit()

    assert result == ImportResult(unchanged=1)
    assert trial(session, NCT).source_updated_at.date().isoformat() == "2026-06-30"


def test_unreadable_records_are_skipped_and_duplicates_merged(session: Session, five) -> None:  # type: ignore[no-untyped-def]
    broken = {"protocolSection": {"identificationModule": {"briefTitle": "no id"}}}
    newer = copy.deepcopy(five[0])
    newer["protocolSection"]["statusModule"]["overallStatus"] = "SUSPENDED"

    result = TrialImporter(session).import_records([*five, broken, "not a record", newer])
    session.commit()

    assert result == ImportResult(inserted=5, updated=1, skipped=2)
    nct_id = five[0]["protocolSection"]["identificationModule"]["nctId"]
    assert trial(session, nct_id).overall_status == "SUSPENDED"
    assert count(session, Trial) == 5


def test_overlong_text_is_cut_to_the_column(session: Session, snapshot_record) -> None:  # type: ignore[no-untyped-def]
    raw = copy.deepcopy(snapshot_record("NCT07390539"))
    raw["protocolSection"]["contactsLocationsModule"]["locations"][0]["facility"] = "F" * 400

    TrialImporter(session).import_records([raw])

    assert {len(s.facility) for s in trial(session, "NCT07390539").sites} == {300, len("Dana-Farber Cancer Institute")}
