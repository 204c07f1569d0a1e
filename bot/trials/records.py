"""Reading ClinicalTrials.gov API v2 study records (and files of them) into plain typed values."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from bot.trials.models import ConditionKind

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$", re.IGNORECASE)
_YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}
_SEXES = {"ALL", "FEMALE", "MALE"}


class RecordError(ValueError):
    """A file or document that holds no ClinicalTrials.gov study records in a known shape."""


@dataclass(frozen=True)
class ConditionRecord:
    """A condition name or MeSH term of a study, and where in the record it came from."""

    kind: ConditionKind
    name: str
    mesh_id: str | None = None


@dataclass(frozen=True)
class EligibilityRecord:
    """Who may join: ages in years (None: no limit), sex, healthy volunteers, criteria text."""

    minimum_age_years: float | None
    maximum_age_years: float | None
    sex: str
    healthy_volunteers: bool | None
    criteria: str | None


@dataclass(frozen=True)
class SiteRecord:
    """One location of a study; `site_key` identifies it within the study across versions."""

    site_key: str
    facility: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    status: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class ContactRecord:
    """A central contact (site_key None) or a contact at one site."""

    contact_key: str
    site_key: str | None
    name: str | None
    role: str | None
    phone: str | None
    phone_ext: str | None
    email: str | None


@dataclass(frozen=True)
class StudyRecord:
    """The parts of one API v2 study record that trialbot stores."""

    nct_id: str
    brief_title: str
    official_title: str | None
    brief_summary: str | None
    lead_sponsor: str | None
    overall_status: str
    phases: tuple[str, ...]
    study_type: str | None
    biospec_retention: str | None
    biospec_description: str | None
    start_date: date | None
    completion_date: date | None
    last_update_date: date | None
    source_updated_at: datetime | None
    content_hash: str
    conditions: tuple[ConditionRecord, ...]
    eligibility: EligibilityRecord
    sites: tuple[SiteRecord, ...]
    contacts: tuple[ContactRecord, ...]


def parse_age(text: str | None) -> float | None:
    """An age limit in years: "18 Years" → 18.0, "6 Months" → 0.5; "N/A" or missing → None."""
    if not text:
        return None
    found = _AGE.match(text)
    if not found:
        return None
    unit = found.group(2).lower().rstrip("s")
    if unit not in _YEARS_PER_UNIT:
        return None
    return round(float(found.group(1)) * _YEARS_PER_UNIT[unit], 4)


def parse_date(text: str | None) -> date | None:
    """A registry date ("2024-05-17", "2024-05" or "2024") as a date; partial dates take day 1."""
    if not text:
        return None
    parts = text.strip().split("-")
    try:
        numbers = [int(p) for p in parts[:3]] + [1] * (3 - min(len(parts), 3))
        return date(numbers[0], numbers[1], numbers[2])
    except ValueError:
        return None


def content_hash(raw: Mapping[str, Any]) -> str:
    """A digest of a record's content, ignoring the registry's daily version stamp."""
    derived = dict(raw.get("derivedSection") or {})
    if "miscInfoModule" in derived:
        misc = dict(derived["miscInfoModule"])
        misc.pop("versionHolder", None)
        derived["miscInfoModule"] = misc
    stamped = {**raw, "derivedSection": derived} if "derivedSection" in raw else dict(raw)
    canonical = json.dumps(stamped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key(*parts: object) -> str:
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _conditions(protocol: Mapping[str, Any], derived: Mapping[str, Any]) -> tuple[ConditionRecord, ...]:
    module = protocol.get("conditionsModule", {})
    browse = derived.get("conditionBrowseModule", {})
    found = [ConditionRecord(ConditionKind.CONDITION, n) for n in module.get("conditions", [])]
    found += [ConditionRecord(ConditionKind.KEYWORD, n) for n in module.get("keywords", [])]
    for kind, field_name in ((ConditionKind.MESH, "meshes"), (ConditionKind.ANCESTOR, "ancestors")):
        found += [ConditionRecord(kind, m["term"], m.get("id")) for m in browse.get(field_name, []) if m.get("term")]
    return tuple(c for c in found if _text(c.name))


def _eligibility(protocol: Mapping[str, Any]) -> EligibilityRecord:
    module = protocol.get("eligibilityModule", {})
    sex = str(module.get("sex") or "ALL").upper()
    volunteers = module.get("healthyVolunteers")
    return EligibilityRecord(
        minimum_age_years=parse_age(module.get("minimumAge")),
        maximum_age_years=parse_age(module.get("maximumAge")),
        sex=sex if sex in _SEXES else "ALL",
        healthy_volunteers=volunteers if isinstance(volunteers, bool) else None,
        criteria=_text(module.get("eligibilityCriteria")),
    )


def _contact(raw: Mapping[str, Any], site_key: str | None, seen: Counter) -> ContactRecord:
    identity = (site_key, _text(raw.get("name")), _text(raw.get("role")))
    seen[identity] += 1
    return ContactRecord(
        contact_key=_key(*identity, seen[identity]),
        site_key=site_key,
        name=identity[1],
        role=identity[2],
        phone=_text(raw.get("phone")),
        phone_ext=_text(raw.get("phoneExt")),
        email=_text(raw.get("email")),
    )


def _locations(protocol: Mapping[str, Any]) -> tuple[tuple[SiteRecord, ...], tuple[ContactRecord, ...]]:
    module = protocol.get("contactsLocationsModule", {})
    seen: Counter = Counter()
    contacts = [_contact(c, None, seen) for c in module.get("centralContacts", [])]
    sites = []
    for raw in module.get("locations", []):
        place = tuple(_text(raw.get(k)) for k in ("facility", "city", "state", "country"))
        seen[place] += 1
        site_key = _key(*place, seen[place])
        point = raw.get("geoPoint") or {}
        sites.append(
            SiteRecord(
                site_key=site_key,
                facility=place[0],
                city=place[1],
                state=place[2],
                zip=_text(raw.get("zip")),
                country=place[3],
                status=_text(raw.get("status")),
                latitude=_number(point.get("lat")),
                longitude=_number(point.get("lon")),
            )
        )
        contacts += [_contact(c, site_key, seen) for c in raw.get("contacts", [])]
    return tuple(sites), tuple(contacts)


def parse_study(raw: Mapping[str, Any]) -> StudyRecord:
    """The stored parts of one API v2 study record; raises RecordError if it has no NCT id."""
    protocol = raw.get("protocolSection") or {}
    derived = raw.get("derivedSection") or {}
    ident = protocol.get("identificationModule", {})
    nct_id = _text(ident.get("nctId"))
    if not nct_id:
        raise RecordError("study record without protocolSection.identificationModule.nctId")
    status = protocol.get("statusModule", {})
    design = protocol.get("designModule", {})
    biospec = design.get("bioSpec") or {}
    version = parse_date(derived.get("miscInfoModule", {}).get("versionHolder"))
    sites, contacts = _locations(protocol)
    return StudyRecord(
        nct_id=nct_id,
        brief_title=_text(ident.get("briefTitle")) or nct_id,
        official_title=_text(ident.get("officialTitle")),
        brief_summary=_text(protocol.get("descriptionModule", {}).get("briefSummary")),
        lead_sponsor=_text(protocol.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {}).get("name")),
        overall_status=_text(status.get("overallStatus")) or "UNKNOWN",
        phases=tuple(p for p in design.get("phases", []) if p and p != "NA"),
        study_type=_text(design.get("studyType")),
        biospec_retention=_text(biospec.get("retention")),
        biospec_description=_text(biospec.get("description")),
        start_date=parse_date(status.get("startDateStruct", {}).get("date")),
        completion_date=parse_date(status.get("completionDateStruct", {}).get("date")),
        last_update_date=parse_date(status.get("lastUpdatePostDateStruct", {}).get("date")),
        source_updated_at=(
            datetime(version.year, version.month, version.day, tzinfo=timezone.utc) if version else None
        ),
        content_hash=content_hash(raw),
        conditions=_conditions(protocol, derived),
        eligibility=_eligibility(protocol),
        sites=sites,
        contacts=tuple(contacts),
    )


def studies_in(document: Any) -> list[Mapping[str, Any]]:
    """The study records in a parsed JSON document: an array, an API page or a single study."""
    if isinstance(document, list):
        return [s for item in document for s in studies_in(item)]
    if isinstance(document, Mapping):
        if "studies" in document:
            return list(document["studies"] or [])
        if "protocolSection" in document:
            return [document]
    raise RecordError("expected study records, an array of them or an API page {'studies': [...]}")


def read_studies(path: str | Path) -> Iterator[Mapping[str, Any]]:
    """Study records from a JSON array, JSON Lines, an API page, or a gzip of any of those."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8-sig")
    try:
        yield from studies_in(json.loads(text))
        return
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise RecordError(f"{path}: not JSON or JSON Lines: {error}") from error
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield from studies_in(json.loads(line))
            except json.JSONDecodeError as error:
                raise RecordError(f"{path}:{number}: not a JSON line: {error}") from error
