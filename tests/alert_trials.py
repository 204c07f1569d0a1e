"""New trial records for alert tests, made from a bundled snapshot record with a site in Nashville, TN."""

from __future__ import annotations

import copy
import gzip
import json
from functools import lru_cache
from typing import Any, Dict, Optional, Sequence, Tuple

from bot.trials.cli import SNAPSHOT_PATH

NASHVILLE = (36.16589, -86.78444)
SEATTLE = (47.6062, -122.3321)


@lru_cache(maxsize=1)
def _template() -> Tuple[str, str]:
    with gzip.open(SNAPSHOT_PATH, "rt") as lines:
        for line in lines:
            record = json.loads(line)
            sites = record["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
            site = next((s for s in sites if s.get("city") == "Nashville" and s.get("geoPoint")), None)
            if site is not None:
                return json.dumps(record), json.dumps(site)
    raise LookupError("no snapshot record has a Nashville site")


def new_trial(
    nct_id: str,
    title: str,
    conditions: Sequence[str] = ("HER2-positive Breast Cancer", "Breast Cancer"),
    criteria: str = "Inclusion Criteria:\n\n* HER2-positive breast cancer\n* Age 18 or older",
    at: Tuple[float, float] = NASHVILLE,
    city: Optional[str] = None,
    status: str = "RECRUITING",
) -> Dict[str, Any]:
    """A recruiting trial with one site (Nashville unless `at` says otherwise), in API v2 form."""
    record_text, site_text = _template()
    record = copy.deepcopy(json.loads(record_text))
    site = json.loads(site_text)
    protocol = record["protocolSection"]
    protocol["identificationModule"].update(nctId=nct_id, briefTitle=title, officialTitle=title)
    protocol["statusModule"]["overallStatus"] = status
    protocol["conditionsModule"] = {"conditions": list(conditions), "keywords": []}
    protocol["eligibilityModule"] = {
        "eligibilityCriteria": criteria,
        "sex": "ALL",
        "minimumAge": "18 Years",
        "stdAges": ["ADULT", "OLDER_ADULT"],
    }
    if at != NASHVILLE:
        site.update(city=city or "Elsewhere", geoPoint={"lat": at[0], "lon": at[1]}, zip="")
    protocol["contactsLocationsModule"] = {"locations": [{**site, "status": "RECRUITING"}]}
    return record
