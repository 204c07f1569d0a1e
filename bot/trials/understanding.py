"""Reading search details out of what people type: age, sex, where a cancer is named, whether the
message asks for trials, a place (regex fallback; `Geocoder.find` finds known places), a result's
position, a radius.

Everything here is plain text work (no database, no map), so the Rasa workers use it too: to tell a
message that carries a trial search from a FAQ question, and an answer to the search form's question
from a new question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional

from rapidfuzz import fuzz, process

from bot.trials.synonyms import CANCER_KINDS, CASE_SENSITIVE_SYNONYMS, SITE_SYNONYMS, SYNONYMS, registry_name

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
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_WORDED = re.compile(
    r"\b("
    + "|".join(_TENS)
    + r")(?:[\s-]+("
    + "|".join(list(_NUMBER_WORDS)[1:10])
    + r"))?\b|\b("
    + "|".join(list(_NUMBER_WORDS)[2:])  # "one" is rarely an age and often a pronoun ("the second one")
    + r")\b",
    re.I,
)
_NUM = r"(\d{1,3})"
_NOT_AN_AGE_AFTER = (
    r"(?!\s*(?:miles?|mi\b|km|%|kg|lbs?|pounds|cm|mm|weeks?|days?|months?|times|rounds?|cycles?"
    r"|am\b|pm\b|hours?|hrs?\b|mins?\b|minutes?|kids|children|mg))"
)
_AGE_STATEMENTS = (
    # "34 yo", "34-year-old", "34 years old", "8 year old son", "60 years of age" (not "2 years ago", "three years after
    # I finished treatment", "5 years of chemo", "4 years cancer free")
    re.compile(
        _NUM + r"[\s-]*(?:years?|yrs?|y/?o|y\.o\.)(?![\s-]*(?:ago|back|since|later|now|after|before|into|apart|out\b"
        r"|of\s+(?!age)|in\s+remission|cancer[\s-]?free|clear|clean))(?:[\s-]*old|\s+of\s+age)?\b",
        re.I,
    ),
    # "I'm 34", "he's 12", "my wife is 50", "aged 74", "age 16", "turned 5", "at 31", "she is 6"
    re.compile(
        r"\b(?:i\s*'?\s*a?m|im|i am|he\s*'?s|hes|she\s*'?s|shes|he is|she is|they\s*'?re|they are|is|turned|turning"
        r"|just turned|age[ds]?|aged|at age|at|age:)\s*:?\s*(?:only\s+|just\s+|almost\s+|nearly\s+)?"
        + _NUM
        + r"\b"
        + _NOT_AN_AGE_AFTER,
        re.I,
    ),
    # "22f", "34 M", "34F,"
    re.compile(r"\b" + _NUM + r"\s?(?:f|m)\b(?=[\s,.!;:)]|$)", re.I),
    # "my daughter (16)", "son, 17,"
    re.compile(
        r"\b(?:son|daughter|wife|husband|mom|mum|mother|dad|father|brother|sister|boyfriend|girlfriend|partner"
        r"|kid|child|friend|grandma|grandpa|aunt|uncle)\s*[(,]\s*(?:age\s*)?" + _NUM + r"\s*[),]",
        re.I,
    ),
    # "husband 78 w/ bladder cancer", "mom 64 with AML": a relative, the age, then what they have
    re.compile(
        r"\b(?:son|daughter|wife|husband|mom|mum|mother|dad|father|brother|sister|boyfriend|girlfriend|partner"
        r"|grandma|grandpa|aunt|uncle)\s+" + _NUM + r"\s+(?=w/|with\b|has\b|dx\b|diagnosed\b)",
        re.I,
    ),
)
# "after 5 years", "for 3 years", "in the last 2 years": a length of time, not an age (unless "old" or "of age"
# follows: "almost 5 years old").
_DURATION_BEFORE = re.compile(
    r"\b(?:after|for|in|over|past|last|within|than|another|every|took|takes|nearly|almost|about|around)\s+"
    r"(?:(?:like|about|around|almost|nearly|over|the|last|past|first|next|a|good|maybe)\s+){0,3}$",
    re.I,
)
_AGE_WORDS = re.compile(r"old|age|y\.?/?o", re.I)
# "he's 12 not 8", "41 not 31" (not "40 not 20 mg")
_CORRECTED_AGE = re.compile(r"\b(\d{1,3})\s*,?\s*not\s+\d{1,3}\b" + _NOT_AN_AGE_AFTER, re.I)
# The age now, said beside the one coming ("she'll be 5 in August, so 4 right now", "4 now, 5 in august").
# Words after which a number is a stage, a count or a measure, not an age ("stage 4 now", "psa 12").
_NOT_AN_AGE_BEFORE = "".join(
    rf"(?<!{word} )" for word in "stage grade phase type level cycle round week day psa ecog no top number".split()
)
_AGE_NOW = re.compile(
    _NOT_AN_AGE_BEFORE + r"\b(\d{1,3})\s+(?:right\s+now|now|at\s+the\s+moment|currently)\b",
    re.I,
)
# Only the age coming ("turns 60 next month", "she'll be 9 in june", "he is going to be 41 on friday"): a year less now.
_AGE_SOON = re.compile(
    r"\b(?:turns|turning|will\s+be|'ll\s+be|’ll\s+be|ll\s+be|going\s+to\s+be|gonna\s+be)\s+(\d{1,3})"
    r"\s+(?:next|in|this|on|soon|later|by)\b",
    re.I,
)
# A texted first line that starts with the age: "31 w rectal cancer", "24 with hodgkins, any trials".
_AGE_WITH = re.compile(r"^\s*(\d{1,2})\s*(?:w/?|with)\s+(?!ago\b)(?=[a-z])", re.I)
# A number on its own in a short message, not a stage, a count or a measure ("24 w colon cancer").
_LONE_NUMBER = re.compile(
    r"(?<![\w.#/-])" + _NOT_AN_AGE_BEFORE + r"(?<!about )(?<!trial )(?<!option )(?<!result )(?<!study )(?<!one )"
    r"(\d{1,3})(?![\w.%/-])" + _NOT_AN_AGE_AFTER.replace("(?!", "(?!\\s*(?:st|nd|rd|th|years?|yrs?)\\b|", 1),
    re.I,
)
# "trials 4 her", "anything 4 me": texting's "for" (and "2" for "to"), not an age.
_TEXTING_FOR = re.compile(r"[24]\s+(?:her|him|me|u|you|us|them|my|his|our|their|ur|find|see|get|join)\b", re.I)
# An answer to "How old…?" that starts with the age and goes on ("14, he'll be 15 in December", "67 but she's fit").
# "14, he'll be 15 in December", "35 lol almost 36", "62 (63 in May)": the number the answer starts with.
_LEADING_AGE = re.compile(r"^\s*(\d{1,3})\b" + _NOT_AN_AGE_AFTER + r"\s*(?:,|;|\.\s|\s+[a-z-]|\s*\()", re.I)
_BARE_NUMBER = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*(?:years?|yrs?|yo|y/o)?\s*(?:old)?[.!]?\s*$", re.I)
_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")
_PLACE = re.compile(
    r"\b(?:live\s+in|living\s+in|based\s+in|i'?m\s+in|im\s+in|am\s+in|located\s+in|from|near|around|close\s+to|"
    r"distance\s+of|miles\s+of|hours?\s+of|drive\s+of|in)\s+"
    r"([A-Za-z][A-Za-z .'-]*?(?:,\s*[A-Za-z][A-Za-z.'-]*(?:\s[A-Za-z][A-Za-z.'-]*)??)?)\s*"
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


def _digits(text: str) -> str:
    """The text with number words written as digits ("fifty-two" → "52", "eight" → "8")."""

    def value(found: re.Match[str]) -> str:
        if found.group(1):
            return str(_TENS[found.group(1).lower()] + (_NUMBER_WORDS[found.group(2).lower()] if found.group(2) else 0))
        return str(_NUMBER_WORDS[found.group(3).lower()])

    return _WORDED.sub(value, text)


def corrects_age(text: str) -> bool:
    """Whether the text puts one age right ("oops, that should say 61 not 16"), as a search's correction does."""
    return _CORRECTED_AGE.search(_digits(text)) is not None


def read_age(text: str, expecting: bool = False) -> Optional[AgeReading]:
    """An age stated in the text ("I'm 34", "29 y/o", "age 16", "my 8 year old", "she's fifty-two",
    "22f", "my daughter (16)"); a bare number ("34", "he's 12") only if it was asked for."""
    text = _digits(text)
    corrected = _CORRECTED_AGE.search(text) or _AGE_NOW.search(text) or _AGE_WITH.match(text)
    if corrected:
        return AgeReading(float(corrected.group(1)))
    soon = _AGE_SOON.search(text)
    if soon and len(re.findall(r"(?<![\d.])\d{1,3}(?![\d.])", text)) == 1:
        return AgeReading(float(soon.group(1)) - 1)
    for number, pattern in enumerate(_AGE_STATEMENTS):
        for found in pattern.finditer(text):
            if number == 0 and not _AGE_WORDS.search(found.group(0)) and _DURATION_BEFORE.search(text[: found.start()]):
                continue  # "my breast cancer has come back after five years"
            return AgeReading(float(found.group(1)))
    numbers = [n for n in _LONE_NUMBER.finditer(text) if not _TEXTING_FOR.match(text, n.start())]
    if len(numbers) == 1 and len(text.split()) <= 12 and not _ZIP.search(text):
        return AgeReading(float(numbers[0].group(1)))  # "prostate 68 bethlehem pa", "lung cancer, 55, ohio"
    if expecting:
        bare = _BARE_NUMBER.match(text)
        if bare:
            return AgeReading(float(bare.group(1)))
        leading = _LEADING_AGE.match(text)
        if leading:
            return AgeReading(float(leading.group(1)))  # "14, he'll be 15 in December"
        found_numbers = re.findall(r"(?<![\d.])(\d{1,3})(?![\d.])", text)
        if len(found_numbers) == 1 and len(text.split()) <= 8 and not _ZIP.search(text):
            return AgeReading(float(found_numbers[0]))  # "my mom is 67", "he's 12", "8 in june"
    return None


_FEMALE = re.compile(
    r"\b(?:wife|daughter|mom|mum|mother|mama|sister|girlfriend|gf|grandma|grandmother|aunt|niece|fiancee"
    r"|woman|female|girl|lady|she\s*'?s|she is|shes)\b|\b\d{1,3}\s?f\b",
    re.I,
)
_MALE = re.compile(
    r"\b(?:husband|son|dad|father|papa|brother|boyfriend|bf|grandpa|grandfather|uncle|nephew|fiance"
    r"|man|male|boy|guy|he\s*'?s|he is|hes)\b|\b\d{1,3}\s?m\b",
    re.I,
)


def read_sex(text: str) -> Optional[str]:
    """ "female" or "male" when the text says who the trial is for ("my husband", "34F", "she's 6");
    the first such word wins ("my husband ... my mom's place" is about the husband)."""
    female, male = _FEMALE.search(text), _MALE.search(text)
    if female and (not male or female.start() < male.start()):
        return "female"
    if male:
        return "male"
    return None


# Words that name a cancer by themselves (a head of a name like "non-small cell lung cancer").
_HEADS = (
    "cancer cancers carcinoma carcinomas tumor tumors tumour tumours neoplasm neoplasms malignancy lymphoma "
    "lymphomas leukemia leukaemia sarcoma sarcomas melanoma myeloma glioma gliomas glioblastoma blastoma "
    "neuroblastoma medulloblastoma retinoblastoma hepatoblastoma nephroblastoma osteosarcoma "
    "rhabdomyosarcoma mesothelioma astrocytoma ependymoma adenocarcinoma seminoma cholangiocarcinoma "
    "carcinoid myelodysplastic myelofibrosis polycythemia macroglobulinemia macroglobulinaemia"
).split()
# Misspellings of "cancer" too far from it for the fuzzy match below, which must not take "cancel" or "canter".
_HEAD_TYPOS = frozenset("canser kancer kanser cansur cancur cancor cancar cancir cencer canccer cancerr cnacer".split())
_NOT_HEADS = {
    "diploma",
    "aroma",
    "coma",
    "stoma",
    "glaucoma",
    "hematoma",
    "haematoma",
    "trauma",
    "stigma",
    # places that end like a tumour's name ("Oklahoma City, Oklahoma" is no cancer)
    "oklahoma",
    "tacoma",
    "sonoma",
    "pomona",
    "roma",
    "paloma",
}
_SYNONYM_KEYS = sorted({k.lower() for k in SYNONYMS}, key=lambda k: -len(k.split()))
_SYNONYMS_BY_FIRST_WORD: dict = {}
for _key in _SYNONYM_KEYS:  # longest first within each first word
    _SYNONYMS_BY_FIRST_WORD.setdefault(_key.split()[0], []).append(_key)
_SITE_KEYS = {k.lower() for k in SITE_SYNONYMS}
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")  # letters of any alphabet: "Waldenström" is one word
# Words that end a cancer's name when reading leftwards from its head ("w breast cancer" → "breast cancer").
_NAME_BREAKS = set(
    """a an the and or of in on at with w without for to by from as is are was be been am do does did
    my me i im we our us he she his her their they it its this that these those who which what whose
    has have had got get gets getting any some all about near around nearby close find search show looking
    look want need trial trials study studies clinical research option options r u ur just recently newly
    diagnosed diagnosis dx told found find says said think thought called named like kind type sort form
    son daughter mom mum mother dad father wife husband partner brother sister friend kid child
    girlfriend boyfriend patient person people also still now again back came come relapsed relapse
    but so if then because since when where how why lol tbh ngl idk omg ok okay hi hey hello yes no not nor
    probably possibly likely maybe definitely certainly apparently suspected presumed
    there here stage grade i ii iii iv
    treating treated treat treatment fight fighting battling beat beating dealing living survivor""".split()
)


# "HER2+" and "ER-" are "HER2 positive" and "ER negative" (positions after them shift by a few characters).
_MARKER_SIGN = re.compile(r"\b(HER2|ER|PR|EGFR|ALK|KRAS|BRCA[12]?)\s*([+-])(?=\s|$|[,.;)])", re.IGNORECASE)


# Words that say which cancer (`CANCER_KINDS`: parts of the body and kinds), the words of the synonym tables,
# and heads that name a kind themselves ("lymphoma", "glioma", any "…oma" but the generic ones). "my cancer",
# "a tumor", "veterans cancer" or "fake cancer" say no kind: not a search by themselves.
_KINDS = CANCER_KINDS
GENERIC_HEADS = frozenset("cancer cancers carcinoma carcinomas tumor tumors tumour tumours neoplasm neoplasms".split())
SPECIFIC_HEADS = frozenset(_HEADS) - GENERIC_HEADS
"""Head words that say which cancer on their own ("myelodysplastic", "glioblastoma")."""


def _kind_words() -> frozenset:
    words = set(_KINDS)
    for table in (SYNONYMS, SITE_SYNONYMS, CASE_SENSITIVE_SYNONYMS):
        for key in table:
            words.update(re.findall(r"[a-z0-9]+", key.lower()))
    return frozenset(words - GENERIC_HEADS)


KIND_WORDS = _kind_words()
KIND_SPELLINGS = sorted(
    {w for w in KIND_WORDS if len(w) >= 5} | {"melanoma", "lymphoma", "leukemia", "sarcoma", "myeloma", "glioma"}
)


def specific(mention: Mention) -> bool:
    """Whether a mention says which cancer ("lung cancer", "lymphoma", "GBM", "pancretic cancer"), not only
    "cancer" with a word before it."""
    words = re.findall(r"[a-z0-9]+", mention.text.lower().replace("'s", "").replace("’s", ""))
    return any(_names_a_kind(word) for word in words)


@lru_cache(maxsize=4096)
def _names_a_kind(word: str) -> bool:
    if word in KIND_WORDS or word in SPECIFIC_HEADS:
        return True
    if word not in GENERIC_HEADS and word.endswith(("oma", "omas", "emia", "aemia")) and len(word) >= 6:
        return True  # lymphoma, melanoma, leukemia, glioblastoma …
    return len(word) >= 6 and process.extractOne(word, KIND_SPELLINGS, scorer=fuzz.ratio, score_cutoff=85) is not None


# "lung cancer (non small cell)", "uterine cancer, the endometrial kind", "lung cancer, non-small cell type"
_SUBTYPE_AFTER = re.compile(
    r"\s*(?:\(\s*|,\s*(?:the\s+)?)((?:[a-z]+[\s-]+){0,3}?[a-z]+)(?:\s+(?:type|kind|one))?\s*(?:\)|[,.;!?]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    """A stretch of the text that names a cancer, and how sure the reading is."""

    text: str
    start: int
    head: bool
    """True for a name with a head word ("… cancer", "… lymphoma", an abbreviation like "GBM"); False
    for a bare part of the body ("prostate", "lung") that means its cancer only in a short message."""
    marked: bool = False
    """True for a name with the markers said around it ("EGFR positive non small cell lung cancer" from "EGFR+
    NSCLC"): the person's most precise name, searched before the others when some trial is for it."""


@lru_cache(maxsize=4096)
def _is_head(word: str) -> bool:
    word = word.lower().strip("'’-")
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if word in _HEADS or word in _HEAD_TYPOS:
        return True
    if word in _NOT_HEADS:
        return False
    if len(word) >= 7 and word.endswith(("oma", "omas")):
        return True
    return len(word) >= 6 and process.extractOne(word, _HEADS, scorer=fuzz.ratio, score_cutoff=84) is not None


_AND = frozenset({"and", "&", "n"})
_SIDE_EFFECT_BEFORE = frozenset({"chemo", "chemotherapy"})
_SIDE_EFFECT_AFTER = frozenset({"fog", "pain", "pains", "ache", "aches", "rash", "sore", "sores"})


def _side_effect(lowered: List[str], index: int) -> bool:
    """Whether the part of the body at `index` names a side effect, not a cancer ("chemo brain", "brain fog")."""
    before = lowered[index - 1] if index > 0 else ""
    after = lowered[index + 1] if index + 1 < len(lowered) else ""
    return before in _SIDE_EFFECT_BEFORE or after in _SIDE_EFFECT_AFTER


# Words of a marker or a kind said before a name ("EGFR+ NSCLC", "clear cell RCC", "ALK positive non-small cell lung
# cancer") or after it ("breast cancer, ER positive and HER2 negative"): kept with the name, which they make narrower.
_MARKER_WORDS = frozenset(
    """egfr alk ros1 ret kras braf met ntrk her2 er pr hr hormone estrogen oestrogen progesterone receptor positive
    negative mutant mutated fusion
    clear cell squamous triple""".split()
)
_WORD_BEFORE = re.compile(r"([A-Za-z0-9]+)[\s,-]*(?:\band\s+)?$")
_MARKERS_AFTER = re.compile(
    r"\s*[,(]?\s*(?:(?:with|w/)\s+(?:an?\s+)?)?"
    r"((?:(?:ER|PR|HR|HER2|EGFR|ALK|KRAS|BRAF|ROS1|RET|NTRK|hormone receptor)[\s-]*"
    r"(?:positive|negative|mutant|mutated|mutation|rearrangement|rearranged|fusion|translocation)"
    r"(?:\s*(?:,|and|&|/)\s*)?){1,3})",
    re.IGNORECASE,
)
_AS_POSITIVE = frozenset("mutation rearrangement rearranged fusion translocation".split())
"""Words after a marker that mean the tumour carries it ("an ALK rearrangement" is ALK positive)."""


def _with_markers(text: str, mention: Mention) -> Optional[Mention]:
    """The mention with the markers said right before or after it, as the registry would name it; None if none."""
    before: List[str] = []
    start = mention.start
    while len(before) < 5:
        word = _WORD_BEFORE.search(text, 0, start)
        if not word or word.group(1).lower() not in _MARKER_WORDS:
            break
        before.insert(0, word.group(1))
        start = word.start(1)
    after = _MARKERS_AFTER.match(text, mention.start + len(mention.text))
    said_after = re.findall(r"[A-Za-z0-9]+", after.group(1)) if after else []
    markers = before + [
        "positive" if word.lower() in _AS_POSITIVE else word for word in said_after if word.lower() != "and"
    ]
    if not markers or all(m.lower() in {"cell", "positive", "negative"} for m in markers):
        return None
    return Mention(f"{' '.join(markers)} {registry_name(mention.text)}", start, True, marked=True)


_SIZES = frozenset("small large upper lower left right".split())
_OF_ORGAN = re.compile(r"\s+of\s+(?:the\s+|his\s+|her\s+|my\s+)?([A-Za-z]+(?:\s+[A-Za-z]+)?)\b")


# The linings a mesothelioma grows in, said in plain words.
_LININGS = (
    (
        re.compile(
            r"\blining\s+(?:of|around|on)\s+(?:the\s+|his\s+|her\s+|my\s+|their\s+|your\s+)?(?:lungs?|chest)\b"
            r"|\b(?:lung|chest)\s+lining\b",
            re.IGNORECASE,
        ),
        "pleural",
    ),
    (
        re.compile(
            r"\blining\s+(?:of|around|on)\s+(?:the\s+|his\s+|her\s+|my\s+|their\s+|your\s+)?"
            r"(?:belly|abdomen|tummy|stomach|abdominal\s+cavity)\b|\b(?:belly|abdomen|abdominal|stomach)\s+lining\b",
            re.IGNORECASE,
        ),
        "peritoneal",
    ),
)


# A word or two in brackets inside a cancer's name ("uveal (ocular) melanoma"): blanked out (same length, so that the
# mentions' places hold), when the word after it is the name's head.
_INSIDE_A_NAME = re.compile(r"(?<=\w)\s*\(([^\W\d_]+(?:\s+[^\W\d_]+)?)\)(?=\s+([^\W\d_]+))")
# Kinds of cancer said without their organ ("it's non-small cell") or before a bare one ("trials for small cell lung").
_KIND_NAMES = (
    r"non[\s-]?small[\s-]?cell|small[\s-]?cell|triple[\s-]?negative|her2[\s-]?(?:positive|negative|\+|-)"
    r"|hormone[\s-]?(?:receptor[\s-]?)?positive|squamous(?:[\s-]?cell)?|castration[\s-]?(?:resistant|sensitive)"
    r"|muscle[\s-]?invasive|non[\s-]?muscle[\s-]?invasive"
)
# A kind said just before a bare part of the body: "trials for small cell lung", "castration resistant prostate".
_KIND_BEFORE_SITE = re.compile(r"\b(" + _KIND_NAMES + r")\s+$", re.IGNORECASE)


def cancer_mentions(text: str) -> List[Mention]:
    """Where the text names a cancer: "breast cancer", "non-small cell lung cancer", "osteosarcoma",
    "lukemia", "GBM", "ALL"; bare body parts ("prostate") only when nothing else names one."""
    text = _MARKER_SIGN.sub(lambda m: f"{m.group(1)} {'positive' if m.group(2) == '+' else 'negative'}", text)
    text = _INSIDE_A_NAME.sub(lambda m: " " * len(m.group(0)) if _is_head(m.group(2)) else m.group(0), text)
    tokens = list(_TOKEN.finditer(text))
    found: List[Mention] = []
    used: set[int] = set()
    lowered = [t.group(0).lower().strip("'’-") for t in tokens]
    plain = [re.sub("['’]", "", word) for word in lowered]  # "hodgkin's" is the synonym table's "hodgkins"
    for index, token in enumerate(tokens):
        if index in used or not _is_head(token.group(0)):
            continue
        first = index
        while first > 0 and index - first < 4:
            before = tokens[first - 1]
            gap = text[before.end() : tokens[first].start()]
            word = lowered[first - 1]
            bare = word[:-2] if word.endswith(("'s", "’s")) else word
            # A hyphen inside a name joins ("non-small", "non - small"); one with spaces around it otherwise separates
            # ("london uk - myeloma").
            separated = "-" in gap and gap != "-" and bare != "non"
            if gap.strip(" -") or separated or bare in _NAME_BREAKS or (first - 1) in used or bare.isdigit():
                break
            first -= 1
        if first >= 2 and lowered[first] == "neck" and lowered[first - 1] in _AND and lowered[first - 2] == "head":
            first -= 2  # "head and neck squamous cell carcinoma": one name, though "and" usually ends one
        used.update(range(first, index + 1))
        found.append(Mention(text[tokens[first].start() : token.end()], tokens[first].start(), True))
    for index, token in enumerate(tokens):
        if index in used:
            continue
        for key in _SYNONYMS_BY_FIRST_WORD.get(plain[index], ()):
            size = len(key.split())
            if " ".join(plain[index : index + size]) == key:
                end = tokens[index + size - 1].end()
                found.append(Mention(text[token.start() : end], token.start(), True))
                used.update(range(index, index + size))
                break
    for abbreviation in CASE_SENSITIVE_SYNONYMS:
        for hit in re.finditer(rf"\b{abbreviation}\b", text):
            found.append(Mention(hit.group(0), hit.start(), True))
    for mention in list(found):
        # "adenocarcinoma of the esophagus", "cancer of the pancreas": the organ named after the head — unless
        # another name in the message says which cancer ("carcinoma of the tongue, head and neck cancer they called it")
        organ = _OF_ORGAN.match(text, mention.start + len(mention.text))
        words = organ.group(1).split() if organ else []
        if len(words) == 2 and words[1].lower() not in CANCER_KINDS and words[0].lower() in _SIZES:
            words = []  # "of the small intestine" is no "small" cancer ("of the anal canal" is anal)
        while words and not all(word.lower() in CANCER_KINDS for word in words):
            words.pop()
        named_elsewhere = any(
            other.start != mention.start and any(w.lower() in CANCER_KINDS for w in other.text.split())
            for other in found
        )
        if words and not named_elsewhere:
            found.append(Mention(f"{' '.join(words)} {mention.text}", mention.start, True))
    for mention in list(found):
        # "mesothelioma in the lining of his lungs" is pleural; "in the lining of her belly", peritoneal
        if mention.text.lower().endswith("mesothelioma") and len(mention.text.split()) == 1:
            for lining, site in _LININGS:
                if lining.search(text):
                    found.append(Mention(f"{site} {mention.text}", mention.start, True))
    for mention in list(found):
        after = _SUBTYPE_AFTER.match(text, mention.start + len(mention.text))
        subtype_words = re.findall(r"[a-z0-9]+", after.group(1).lower()) if after else []
        if after and all(word in KIND_WORDS or word in {"non", "cell"} for word in subtype_words):
            subtype, head = after.group(1).strip(), mention.text.split()[-1]
            found.append(Mention(f"{subtype} {mention.text}", mention.start, True))
            found.append(Mention(f"{subtype} {head}", mention.start, True))
    found += [marked for mention in list(found) if (marked := _with_markers(text, mention)) is not None]
    histology = [m for m in found if _HISTOLOGY.issuperset(re.findall(r"[a-z]+", m.text.lower()))]
    if histology and all(m in histology or not _says_which(m.text) for m in found):
        # "a CT showed a mass in my right lung. The biopsy said squamous cell carcinoma": the kind in one sentence, the
        # organ in another (never where it spread: "spread to my liver" is no primary site)
        sites = {m.group(1).lower() for m in _PRIMARY_SITE.finditer(text)}
        if len(sites) == 1:
            site = sites.pop()
            found += [Mention(f"{site} {m.text}", m.start, True) for m in histology if m.head]
    if not found:
        for index, token in enumerate(tokens):
            if lowered[index] in _SITE_KEYS and not _side_effect(lowered, index):
                kind = _KIND_BEFORE_SITE.search(text[: token.start()])
                if kind:
                    found.append(Mention(f"{kind.group(1)} {token.group(0)} cancer", kind.start(1), True))
                found.append(Mention(token.group(0), token.start(), False))
    return sorted(found, key=lambda m: m.start)


_ORGANS = (
    "lung|colon|bowel|kidney|liver|pancreas|esophagus|oesophagus|stomach|prostate|bladder|ovary|breast|brain|throat"
    "|tongue|cervix|uterus|thyroid|rectum|tonsil"
)
# An organ where a mass was found or the cancer started: "a mass in my right lung", "a tumor in his pancreas",
# "it started in the pancreas" (not "spots on his liver": spots and lesions are as often where it spread).
_PRIMARY_SITE = re.compile(
    r"\b(?:(?:mass|tumou?r|growth|nodule|lump)(?:es|s)?\s+(?:\w+\s+){0,2}?(?:in|on)"
    r"|(?:started|starts|began|begun|originated|primary)\s+(?:\w+\s+)?in)\s+"
    r"(?:my|his|her|their|the|our)?\s*(?:right|left|upper|lower)?\s*(" + _ORGANS + r")s?\b",
    re.IGNORECASE,
)


def _says_which(name: str) -> bool:
    """Whether a name holds a word that says which cancer ("closest big cancer" holds none)."""
    return any(word in KIND_WORDS for word in re.findall(r"[a-z0-9]+", name.lower()))


# The words of names that say what kind of cell a cancer is but not where it is ("squamous cell carcinoma").
_HISTOLOGY = GENERIC_HEADS | frozenset(
    """squamous cell cells adenocarcinoma adenocarcinomas neuroendocrine carcinoid small large ductal lobular
    mucinous serous clear papillary signet ring""".split()
)


_SUBTYPE = re.compile(
    r"\b(" + _KIND_NAMES + r")\b(?!\s+(?:lung|breast|prostate|bladder|cancer|carcinoma))",
    re.I,
)


def read_subtype(text: str) -> Optional[str]:
    """A kind of cancer said without its organ, as a correction ("it's non-small cell", "triple negative")."""
    found = _SUBTYPE.search(text)
    return found.group(1) if found else None


# A tumour marker said in a clause of its own ("she has the EGFR mutation", "it's ER positive", "EGFR exon 19 deletion",
# "a KRAS G12C mutation", "MSI-high"): only markers the trial registry names conditions by, and only a positive result
# (a negative one narrows nothing a search can use; "HER2 negative" is a kind, read by `read_subtype`).
_GENE_CHANGE = (
    r"(?:\s+gene)?[\s-]*(?:\(\s*)?(?:exon\s*\d+\s*)?(?:[A-Z]\d+[A-Z]\s*)?"
    r"(mutation|mutations|mutated|mutant|positive|\+|rearrangement|rearranged|fusion|amplified|amplification"
    r"|deletion|del|insertion|ins)(?![A-Za-z])"
)
_MARKER_SAID = re.compile(
    r"\b(?:(?P<variant>KRAS[\s-]+G12[CDV])\b"
    r"|(?P<gene>EGFR|ALK|ROS1|(?-i:RET|MET)|BRAF|HER2|NTRK|KRAS)" + _GENE_CHANGE + r"(?!\s*(?:negative|-))"
    r"|(?P<receptor>ER|PR|HR|(?:estrogen|oestrogen|progesterone|hormone)[\s-]+receptor)[\s-]*(?:positive|\+)"
    r"|(?P<msi>MSI|microsatellite[\s-]+instability)[\s-]*(?:high|H)\b)",
    re.IGNORECASE,
)
_MARKER_NOT = re.compile(r"\b(?:no|not|without|negative\s+for|tested\s+negative)\s+(?:an?\s+|the\s+|for\s+)?$", re.I)
_SPELLED_OUT = {"estrogen": "ER", "oestrogen": "ER", "progesterone": "PR", "hormone": "HR", "microsatellite": "MSI"}
"""The first word of a marker spelled out, and its short name."""


def read_markers(text: str, besides: str = "") -> Optional[str]:
    """The positive tumour markers a message states anywhere, in the registry's words ("EGFR positive", "KRAS G12C",
    "ER positive", "MSI high"), or None.

    For a marker told apart from the cancer's name ("It's non-small cell and she has the EGFR mutation"); one said
    right beside the name is kept with it already (`cancer_mentions`). "no EGFR mutation" states none. A marker the
    name `besides` holds already ("estrogen receptor positive breast cancer") is not read again."""
    said: List[str] = []
    known = set(re.findall(r"[a-z0-9]+", besides.lower()))
    for found in _MARKER_SAID.finditer(text):
        if _MARKER_NOT.search(text[max(0, found.start() - 30) : found.start()]):
            continue
        if found.group("variant"):
            name = " ".join(found.group("variant").upper().replace("-", " ").split())
        elif found.group("gene"):
            name = f"{found.group('gene').upper()} positive"
        elif found.group("receptor"):
            receptor = found.group("receptor").split()[0].split("-")[0].lower()
            name = f"{_SPELLED_OUT.get(receptor, receptor.upper())} positive"
        else:
            name = "MSI high"
        short = name.split()[0]
        spelled = {word for word, abbreviation in _SPELLED_OUT.items() if abbreviation == short}
        if name not in said and short.lower() not in known and not spelled & known:
            said.append(name)
    return " ".join(said) or None


_LEFT_BEHIND = re.compile(r"\b(?:not|nor|instead\s+of|rather\s+than)\s+(?:an?\s+|the\s+)?$", re.I)


def left_behind(text: str, mention: Mention) -> bool:
    """Whether the mention is the one a correction leaves behind ("endometrial, not ovarian cancer")."""
    return bool(_LEFT_BEHIND.search(text[: mention.start]))


_TRIAL_WORD = r"(?:clinical\s+)?(?:trials?|studies|study)"
_ASKS_FOR_TRIALS = re.compile(
    # "are there any trials", "what trials could she get into", "do you have any studies", "which studies"
    # (not "why are there so few studies", "everything I find about research studies": how scarce trials are)
    # (not "what the study found", "what good these studies do", "won't get into any trial")
    r"\b(?:are there|r there|is there|what(?!\s+(?:the|this|that|these|those|good|a|an|his|her|their|our|my)\b)|which"
    r"|any|do you have|got(?!\s+into)|find(?!\s+out\b)|finding(?!\s+out\b)|look(?:ing)? for"
    r"|search(?:ing)? for|show me|list|(?<!won't )(?<!wont )(?<!can't )(?<!cant )(?<!never )(?<!not )get|seeking|need"
    r"|check\s+(?:for|on)|look\s+up|pull\s+up)"
    r"\s+(?!(?:so|too|very|only|not|hardly|about|even)\b|few\b)"
    r"(?:\w+\s+){0,3}?" + _TRIAL_WORD + r"\b"
    # "trials for him", "studies near Boston", "trials open to kids", "a trial he could be in"
    r"|\b" + _TRIAL_WORD + r"\s+(?:for (?:me|him|her|them|us|my|our|someone)\b|near|in [A-Z]|around|open|available"
    r"|nearby|currently|out there|(?:that\s+|which\s+)?(?:he|she|i|we|they) (?:could|can|might|would)"
    r"|that (?:are|is|could|would|might) (?:open|recruiting|enrolling|take|fit|help))"
    # "his doctors want us to think about research studies": trials in general (one trial in hand is "a trial")
    r"|\bwants?\s+(?:me|us|him|her|them)\s+to\s+(?:think\s+about|consider|look\s+(?:at|into))\s+"
    r"(?:some\s+|any\s+)?(?:clinical\s+|research\s+)?(?:trials|studies)\b"
    # "trial options", "options for my father"
    r"|\b" + _TRIAL_WORD + r"\s+options?\b|\boptions? for (?:me|him|her|them|us|my|our)\b"
    # "what are his options for trials", "what's open?", "anything available"
    r"|\boptions? for (?:a |any )?" + _TRIAL_WORD + r"|\b(?:what'?s|what is|anything) (?:open|available)\b"
    # "anything for ovarian cancer", "anything he could try", "is there anything", "anything?"
    r"|\banything\s+in\b|\bsomething\s+in\b(?=\s+(?-i:[A-Z])|\s+\d)"
    r"|\b(?:anything|something)\s+(?:for\b|near|close|around|open|available|out there|within"
    r"|(?:he|she|i|we|they) (?:could|can))"
    r"|\b(?:is there|are there|any) (?:anything|something)\b|\banything\s*\?+"
    r"|\b(?:qualify|eligible|could join|can (?:he|she|i|they|we) join|be part of|take part|get into"
    r"|sign (?:him|her|me|us) up|open to (?:him|her|me|them|us|kids|children)|enrolling|recruiting"
    r"|look (?:up|into|around)|help (?:me |us )?find|can you help|could you help|what'?s out there"
    r"|(?:anyone|anybody|someone|somebody) (?:\w+ )?(?:running|doing|do|does|run|runs|have|has|offer|offers|offering)"
    r" (?:any |a )?" + _TRIAL_WORD + r"|(?:anyone|anybody) (?:running|doing|have|has|offering)"
    # "anyone know of trials", "do u know any trials"
    r"|(?:anyone|anybody|you|u)\s+know\s+(?:of\s+|about\s+)?(?:any\s+)?(?:good\s+)?"
    + _TRIAL_WORD
    # "colon cancer at 35 is wild ngl. trials??", "any studies?" on its own
    + r"|(?:^|[.!?]\s*)(?:any\s+)?(?:clinical\s+)?(?:trials?|studies)(?=\s*\?)"
    # "my onc said to look at trials", "is anybody studying this?", "what research options", "change the list?"
    r"|\bsaid\s+(?:to\s+|i\s+should\s+|we\s+should\s+|(?:he|she)\s+should\s+)?(?:look|check)\s+(?:at|into|for)\s+"
    r"(?:some\s+|any\s+)?(?:clinical\s+)?(?:trials?|studies)"
    r"|\b(?:anyone|anybody|someone|somebody|any\s*one)\s+(?:\w+\s+)?(?:studying|researching|testing)\b"
    r"|\bresearch\s+options\b|\b(?:change|update|redo|re-?run)\s+(?:the|my|your|his|her)\s+(?:list|results|search)\b"
    r"|\b(?:search|look)\s+again\b"
    # "we'd like to know about trials", "I want to learn about any studies she could do" (not "…about how trials work")
    r"|\b(?:like|love|want|wanted|hoping|hope)\s+to\s+(?:know|learn|hear|find\s+out)\s+(?:more\s+)?about\s+"
    r"(?:(?:any|possible|available|open|clinical|relevant|some|her|his|their|our|my)\s+){0,2}(?:trials?|studies)\b"
    r"(?!\s+(?:in\s+general|work|are|is)\b)"
    # "we'd like to see everything that's out there before deciding"
    r"|\b(?:everything|all|whatever)\s+(?:that\s*'?s\s+|that\s+is\s+|is\s+)?(?:out\s+there|available|open)\b"
    # "trying to figure out if a trial would make sense for her"
    r"|\b(?:if|whether)\s+(?:a|any)\s+(?:clinical\s+)?(?:trial|study)\s+(?:would|could|might|is)\s+"
    r"(?:make\s+sense|help|work|be\s+(?:right|good|an\s+option|worth))"
    # "melanoma came back, 31m. what can i even do"
    r"|\bwhat\s+(?:can|could)\s+(?:i|we|he|she)\s+(?:even\s+)?do\b"
    # "pancreatic cancer, Cincinnati. What do you have?", "what have you got for him"
    r"|\bwhat\s+(?:do\s+(?:you|u)\s+(?:have|got)|have\s+(?:you|u)\s+got|(?:you|u)\s+got)\b"
    # "wat r my options", "what are his options now"
    r"|(?:what|wat|wht|whats)\s*(?:are|r|is)?\s+(?:my|his|her|our|their)\s+options"
    r"(?=\s*(?:$|[?.!,]|now\b|here\b|besides\b|other than\b|beyond\b|left\b|out there\b|for (?:a |any )?(?:clinical )?"
    r"(?:trials?|stud))))\b",
    re.I,
)


# "my dr mentioned trials", "her doctor suggested a study": a request in a short message, a story's context in a
# long one.
MENTIONING = r"(?:mentioned|suggested|recommended|brought up|told (?:me|us|him|her) about)"
"""The verbs with which somebody passes on a trial ("her doctor mentioned a study")."""
_MENTIONS_TRIALS = re.compile(r"\b" + MENTIONING + r" (?:a |some |any )?" + _TRIAL_WORD, re.I)


# A trial already found or in hand, spoken of as context: "the trial for our son's leukemia has a long list of
# criteria", "my doctor found a trial that could fit", "my oncologist wants me to look at a trial for my cancer".
_TRIAL_IN_HAND = re.compile(
    r"\b(?:the|this|that)\s+" + _TRIAL_WORD + r"(?=\s+(?:for|at|he|she|they|i|we|is|has|had|was)\b)"
    r"|\b(?:found|picked|chose|offered|has|have|had)\s+(?:me\s+|us\s+|him\s+|her\s+)?(?:a|an|one)\s+"
    + _TRIAL_WORD
    + r"|\bwants?\s+(?:me|us|him|her|them)\s+to\s+(?:look\s+(?:at|into)|consider|think\s+about|join|do|try)\s+"
    r"(?:a|an|this|that|the|one)\s+"
    + _TRIAL_WORD
    # One trial a question is about: "if she joins a breast cancer trial in Boston, …", "is considering a study for
    # her osteosarcoma", "would that cover a leukemia trial for him?", "the only trial for my son's neuroblastoma is in
    # Denver"
    + r"|\b(?:(?:if|when|once)\s+(?:i|we|he|she|they|my\s+\w+)\s+"
    r"(?:joins?|enrolls?\s+in|enters?|does|takes?\s+part\s+in)"
    r"|considering|weighing|covers?|covered)\s+(?:a|an|this|that|the|one)\s+(?:[\w'-]+\s+){0,3}?"
    + _TRIAL_WORD
    + r"|\bthe\s+only\s+(?:[\w'-]+\s+){0,2}?"
    + _TRIAL_WORD,
    re.I,
)


def held_at(text: str, index: int) -> bool:
    """Whether the character at `index` (a cancer's name) is inside a trial already found or in hand ("if she joins a
    breast cancer trial in Boston, …": "breast cancer" names that one trial, it asks for none)."""
    return any(found.start() <= index < found.end() for found in _TRIAL_IN_HAND.finditer(text))


def trial_in_hand(text: str) -> str:
    """The text without the trial already found or in hand it speaks of ("my doctor found a trial that could fit")."""
    return _TRIAL_IN_HAND.sub(" it ", text)  # "does that cover anything if I join it?", not "… anything ?"


def asks_for_trials(text: str, mentioned: bool = True) -> bool:
    """Whether the text asks for trials or studies to join ("any trials?", "anything near Boston",
    "could he qualify", "can you help?") — not a question *about* trials or research. A trial someone
    mentioned ("my doctor mentioned a study") counts as asking unless `mentioned` is False; then the mention is
    read as context only ("mentioned a study for my lymphoma" is no "study for my …"). A trial already in hand
    ("the trial for our son", "she found a trial that could fit") is context either way."""
    text = trial_in_hand(text)
    if mentioned:
        return _ASKS_FOR_TRIALS.search(text) is not None or _MENTIONS_TRIALS.search(text) is not None
    return _ASKS_FOR_TRIALS.search(_MENTIONS_TRIALS.sub("", text)) is not None


_QUESTION_START = re.compile(
    r"^\s*(?:what|whats|what's|why|how|when|who|which|is|are|can|could|do|does|did|will|would|should|if|tell me)\b",
    re.I,
)


# A question after a statement: "my wife was just diagnosed, where do we even start" (not "Houston, where my mom is").
_QUESTION_CLAUSE = re.compile(
    r"[,.;!]\s*(?:(?:and|so|but)\s+)?(?:what|where|how|why|which)\s+"
    r"(?:do|does|did|should|can|could|is|are|would|will)\b",
    re.I,
)


def is_question(text: str) -> bool:
    """Whether the text is put as a question ("is it free?", "what does phase 2 mean", "…, where do we start")."""
    return "?" in text or _QUESTION_START.search(text) is not None or _QUESTION_CLAUSE.search(text) is not None


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
