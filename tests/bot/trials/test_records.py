"""Tests of reading API v2 study records: ages, dates, sites, contacts, conditions, file shapes."""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone

import pytest

from bot.trials.models import ConditionKind
from bot.trials.records import (
    RecordError,
    content_hash,
    parse_age,
    parse_date,
    parse_study,
    studies_in,
)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("18 Years", 18.0),
        ("1 Year", 1.0),
        ("6 Months", 0.5),
        ("30 Months", 2.5),
        ("2 Weeks", round(14 / 365.25, 4)),
        ("1 Day", round(1 / 365.25, 4)),
        ("31 Days", round(31 / 365.25, 4)),
        ("N/A", None),
        ("", None),
        (None, None),
        ("old", None),
        ("3 Fortnights", None),
    ],
)
def test_parse_age(text: str | None, years: float | None) -> None:
    assert parse_age(text) == years


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-17", date(2024, 5, 17)),
        ("2024-05", date(2024, 5, 1)),
        ("2024", date(2024, 1, 1)),
        ("2024-13", None),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_parse_study_reads_a_real_record(snapshot_record) -> None:  # type: ignore[no-untyped-def]
    study = parse_study(snapshot_record("NCT07390539"))

    assert study.brief_title == "B7-H3.CD28Z.CART in CNS Neoplasms"
    assert study.overall_status == "NOT_YET_RECRUITING"
    assert study.phases == ("PHASE1",)
    assert study.eligibility.minimum_age_years == 2.0
    assert study.eligibility.maximum_age_years == 21.0
    assert study.eligibility.sex == "ALL"
    assert study.eligibility.healthy_volunteers is False
    assert study.eligibility.criteria and "Inclusion Criteria" in study.eligibility.criteria
    assert [(s.facility, s.city, s.status) for s in study.sites] == [
        ("Boston Children's Hospital", "Boston", None),
        ("Dana-Farber Cancer Institute", "Boston", None),
    ]
    assert study.sites[0].latitude == pytest.approx(42.35843)
    kinds = {(c.kind, c.name) for c in study.conditions}
    assert (ConditionKind.CONDITION, "Medulloblastoma") in kinds
    assert (ConditionKind.MESH, "Medulloblastoma") in kinds
    assert any(c.kind is ConditionKind.ANCESTOR for c in study.conditions)
    mesh = next(c for c in study.conditions if c.kind is ConditionKind.MESH)
    assert mesh.mesh_id and mesh.mesh_id.startswith("D")
    assert study.last_update_date == date(2026, 2, 5)
    assert study.source_updated_at is not None
    assert study.source_updated_at.tzinfo == timezone.utc


def test_parse_study_keeps_central_and_site_contacts(snapshot_record) -> None:  # type: ignore[no-untyped-def]
    raw = snapshot_record("NCT05123482")
    study = parse_study(raw)
    module = raw["protocolSection"]["contactsLocationsModule"]
    central = [c for c in study.contacts if c.site_key is None]
    at_sites = [c for c in study.contacts if c.site_key is not None]
    assert len(central) == len(module.get("centralContacts", []))
    assert len(at_sites) == sum(len(loc.get("contacts", [])) for loc in module["locations"])
    assert len(study.sites) == len(module["locations"]) == 67
    assert len({s.site_key for s in study.sites}) == len(study.sites)


def test_site_keys_tell_apart_two_sites_with_the_same_address(snapshot_records) -> None:  # type: ignore[no-untyped-def]
    for raw in snapshot_records:
        study = parse_study(raw)
        assert len({s.site_key for s in study.sites}) == len(study.sites)
        assert len({c.contact_key for c in study.contacts}) == len(study.contacts)


def test_content_hash_ignores_the_version_stamp_only(snapshot_record) -> None:  # type: ignore[no-untyped-def]
    raw = snapshot_record("NCT07390539")
    restamped = copy.deepcopy(raw)
    restamped["derivedSection"]["miscInfoModule"]["versionHolder"] = "2030-01-01"
    changed = copy.deepcopy(raw)
    changed["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"

    assert content_hash(restamped) == content_hash(raw)
    assert content_hash(changed) != content_hash(raw)
    assert parse_study(restamped).source_updated_at == datetime(2030, 1, 1, tzinfo=timezone.utc)


def test_a_record_without_nct_id_is_refused() -> None:
    with pytest.raises(RecordError):
        parse_study({"protocolSection": {"identificationModule": {"briefTitle": "x"}}})


def test_studies_in_accepts_arrays_pages_and_single_studies(snapshot_records) -> None:  # type: ignore[no-untyped-def]
    one, two = snapshot_records[:2]
    assert studies_in([one, two]) == [one, two]
    assert studies_in({"studies": [one, two], "nextPageToken": "x"}) == [one, two]
    assert studies_in(one) == [one]
    assert studies_in([{"studies": [one]}, two]) == [one, two]
    with pytest.raises(RecordError):
        studies_in({"hello": "world"})
