"""Reading search details out of what people type: age, place, a result's position, a radius."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

MIN_AGE, MAX_AGE = 0, 120

_AGE_PATTERNS = (
    re.compile(
        r"\b(?:i\s*(?:'?\s*a?m|m)|im|age[ds]?|aged|he\s*(?:'s|is)|she\s*(?:'s|is)|they\s*(?:'re|are)"
        r"|my\s+\w+\s+is)\s*:?\s*(-?\d{1,3}(?:\.\d+)?)\b(?!\s*(?:miles?|mi|km|%))",
        re.I,
    ),
    re.compile(r"\b(-?\d{1,3})\s*(?:years?|yrs?|y/?o|yo)\b(?:\s*old)?", re.I),
    re.compile(r"\b(-?\d{1,3})\s*(?:f|m)\b(?=[\s,.!]|$)", re.I),
)
_BARE_NUMBER = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*(?:years?|yrs?|yo|y/o)?\s*(?:old)?[.!]?\s*$", re.I)
_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")
_PLACE = re.compile(
    r"\b(?:live\s+in|living\s+in|based\s+in|i'?m\s+in|im\s+in|am\s+in|located\s+in|from|near|around|close\s+to|"
    r"in)\s+([A-Za-z][A-Za-z .'-]*?(?:,\s*[A-Za-z][A-Za-z.'-]*(?:\s[A-Za-z][A-Za-z.'-]*)??)?)\s*"
    r"(?=[.!?;]|,\s*(?:and|but|i|im|age|\d)|$|\s+(?:and|but|with|for|anything|any|please|pls|area)\b)",
    re.I,
)
_NOT_PLACES = {
    "a",
    "an",
    "the",
    "trial",
    "trials",
    "a trial",
    "remission",
    "treatment",
    "pain",
    "stage",
    "my",
    "me",
    "it",
    "there",
    "here",
    "this",
    "that",
    "school",
    "college",
    "the us",
    "us",
}
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "one": 1,
    "second": 2,
    "2nd": 2,
    "two": 2,
    "third": 3,
    "3rd": 3,
    "three": 3,
    "fourth": 4,
    "4th": 4,
    "four": 4,
    "fifth": 5,
    "5th": 5,
    "five": 5,
    "last": -1,
}
_ORDINAL = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|one|two|three|four|five)\b|"
    r"(?:#|number\s*|no\.?\s*|\babout\s+|\bon\s+|^\s*)(\d{1,2})\b",
    re.I,
)
_NCT = re.compile(r"\bNCT\d{8}\b", re.I)
_RADIUS = re.compile(r"\b(\d{1,5})\s*(?:miles?|mi)\b", re.I)
_KM = re.compile(r"\b(\d{1,5})\s*(?:km|kilomet(?:er|re)s?)\b", re.I)


@dataclass(frozen=True)
class AgeReading:
    """An age found in a message, and whether it is a possible one."""

    value: float

    @property
    def plausible(self) -> bool:
        """Whether it could be a person's age in years."""
        return MIN_AGE <= self.value <= MAX_AGE


def read_age(text: str, expecting: bool = False) -> Optional[AgeReading]:
    """An age stated in the text ("I'm 34", "29 y/o", "age 16"); a bare number only if it was asked for."""
    for pattern in _AGE_PATTERNS:
        found = pattern.search(text)
        if found:
            return AgeReading(float(found.group(1)))
    if expecting:
        bare = _BARE_NUMBER.match(text)
        if bare:
            return AgeReading(float(bare.group(1)))
    return None


def read_place(text: str, expecting: bool = False) -> Optional[str]:
    """The place named in the text ("in Columbus OH", "77030"); the whole text if a place was asked for."""
    found_zip = _ZIP.search(text)
    if found_zip:
        return found_zip.group(0)
    for found in _PLACE.finditer(text):
        place = found.group(1).strip(" .,'")
        if place and place.lower() not in _NOT_PLACES and not place.lower().startswith(("a ", "the trial")):
            return place
    if expecting:
        cleaned = re.sub(
            r"^(?:i\s*(?:'?m|am)\s+in|im\s+in|in|near|around|from|i\s+live\s+in)\s+", "", text.strip(), flags=re.I
        )
        cleaned = cleaned.strip(" .!?")
        if cleaned and not any(ch.isdigit() for ch in cleaned) and len(cleaned) <= 80:
            return cleaned
    return None


def strip_details(text: str) -> str:
    """The text without the age and place phrases, so that what is left can name a condition."""
    for pattern in _AGE_PATTERNS:
        text = pattern.sub(" ", text)
    text = _ZIP.sub(" ", text)
    return _PLACE.sub(" ", text)


def read_position(text: str) -> Optional[int]:
    """Which result the person means ("the second one", "#3", "more about 1"); -1 for "the last"."""
    found = _ORDINAL.search(text)
    if not found:
        return None
    if found.group(1):
        return _ORDINALS[found.group(1).lower()]
    return int(found.group(2))


def read_nct_id(text: str) -> Optional[str]:
    """A ClinicalTrials.gov id in the text ("NCT04314401")."""
    found = _NCT.search(text)
    return found.group(0).upper() if found else None


def read_radius_miles(text: str) -> Optional[float]:
    """A distance the person asks for ("within 250 miles", "300 km")."""
    miles = _RADIUS.search(text)
    if miles:
        return float(miles.group(1))
    km = _KM.search(text)
    if km:
        return round(float(km.group(1)) * 0.621371, 1)
    return None
