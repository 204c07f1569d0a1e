"""Tumor-profile words (biomarkers): read from a person's own words, and looked for in a trial's texts.

Trial alerts ("tell me when a trial fits my tumor's profile") store known terms such as `egfr`,
`her2_positive` or `kras_g12c`. `read_terms` reads them from a message ("my tumor is EGFR positive, exon
19", "she's HER2+", "kras g12c mutated", "lynch syndrome"), honouring negations ("HER2 negative" is
`her2_negative`, never `her2_positive`; "no EGFR mutation" and "KRAS wild type" give nothing).
`mentioning` tells whether a trial's texts mention a term, as whole words ("ALK" is not in "walking" or
"ALKALINE", "MET" only with words such as "exon 14" or "amplification", never in "criteria met").
`display` gives a term's name for people.

The words are in `biomarkers.yml`, for clinical review; its header explains the patterns and the
decisions. This module maps words to terms and nothing more: a term read or mentioned says nothing
about whether anyone is eligible for a trial.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Pattern, Sequence, Set, Tuple

from bot.yaml_files import read_yaml

PATH = Path(__file__).resolve().parent / "biomarkers.yml"

PERSON_WINDOW = (3, 3)
"""How many words before and after a marker in a person's words may negate it."""
TRIAL_WINDOW = (2, 2)
"""The same in a trial's texts, where sentences are long and lists many."""

_PERSON_GAP = r"[\s\-_]*"  # what a space in a `person` pattern stands for
_TRIAL_GAP = r"[\s\-:]*"  # what a space, or a hyphen between letters or digits, in a `trial` phrase stands for
_TRIAL_SPLIT = re.compile(r" +|(?<=[A-Za-z0-9])-(?=[A-Za-z0-9])")
_EDGE = r"(?:(?<![A-Za-z0-9])|(?![A-Za-z0-9]))"  # a word boundary, or a symbol ("+") on this side
_GROUP = re.compile(r"\{([a-z_]+)\}")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|\n|[^\sA-Za-z0-9]")
_PUNCTUATION = frozenset(",;.!?:()[]{}\n|")
_GENE_LIKE = re.compile(r"(?!ex(?:on)?\d)[a-z]{2,}\d[a-z0-9]*")  # "tp53", "stk11", "pik3ca"; not "exon19"
_MINUS_AFTER = re.compile(r"-(?![A-Za-z0-9+])|\s?-\s?ve(?![A-Za-z])", re.IGNORECASE)
_LOOK_ALIKES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})


@dataclass(frozen=True)
class _Term:
    key: str
    display: str
    person: Tuple[Pattern[str], ...]
    trial: Tuple[Pattern[str], ...]
    broader: Tuple[str, ...]
    replaces: FrozenSet[str]


@dataclass(frozen=True)
class _HeldBack:
    """Words near a marker that keep it from counting, and the words that end the search for them."""

    negated_before: Pattern[str]
    negated_after: Pattern[str]
    uncertain_before: Pattern[str]
    uncertain_after: Pattern[str]
    ignored: Pattern[str]
    breaks_before: FrozenSet[str]
    breaks_after: FrozenSet[str]
    other_genes: FrozenSet[str]


@dataclass(frozen=True)
class _Vocabulary:
    terms: Mapping[str, _Term]  # in the file's order
    not_person: Tuple[Pattern[str], ...]
    not_trial: Tuple[Pattern[str], ...]
    held_back: _HeldBack


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    key: Optional[str]  # None: words that look like a marker but are not one


def read_terms(text: str) -> Tuple[str, ...]:
    """The known terms in a person's words, in the vocabulary's order, each once; negated ones left out.

    A term comes with its broader terms ("kras g12c" gives `kras` and `kras_g12c`). "HER2 negative" gives
    `her2_negative`; other negations ("egfr neg", "no ALK", "KRAS wild type") and results not known yet
    ("HER2 pending") give nothing.
    """
    vocabulary = _vocabulary()
    text = _normalised(text)
    spans = [
        _Span(m.start(), m.end(), term.key)
        for term in vocabulary.terms.values()
        for pattern in term.person
        for m in pattern.finditer(text)
    ]
    if not spans:
        return ()
    spans.extend(_Span(m.start(), m.end(), None) for p in vocabulary.not_person for m in p.finditer(text))
    kept = _unreplaced(spans, vocabulary)
    masked = _masked(text, vocabulary)
    tokens = _tokens(masked)
    found: Set[str] = set()
    for span in kept:
        if span.key is not None and not _held_back(
            masked, tokens, span, kept, vocabulary, PERSON_WINDOW, uncertain=True
        ):
            found.add(span.key)
            found.update(_broader(span.key, vocabulary))
    return tuple(key for key in vocabulary.terms if key in found)


def display(term: str) -> str:
    """The term's name for people ("EGFR mutation", "MSI-high / dMMR"); KeyError for an unknown term."""
    return _term(term).display


def mentioning(term: str, texts: Iterable[str]) -> bool:
    """Whether any of a trial's texts (conditions, keywords, eligibility criteria, titles) mentions the term.

    Whole words only, in the letters' case where the vocabulary says so ("ALK", "RET"); a mention right
    next to a negation ("KRAS wild-type", "ALK-negative", "no known EGFR mutation") does not count.
    KeyError for an unknown term.
    """
    vocabulary = _vocabulary()
    wanted = _term(term)
    for said in texts:
        if not said:
            continue
        text = _normalised(said)
        spans = [_Span(m.start(), m.end(), wanted.key) for pattern in wanted.trial for m in pattern.finditer(text)]
        if not spans:
            continue
        spans.extend(_Span(m.start(), m.end(), None) for p in vocabulary.not_trial for m in p.finditer(text))
        kept = _unreplaced(spans, vocabulary)
        masked = _masked(text, vocabulary)
        tokens = _tokens(masked)
        if any(
            span.key is not None
            and not _held_back(masked, tokens, span, kept, vocabulary, TRIAL_WINDOW, uncertain=False)
            for span in kept
        ):
            return True
    return False


def known_terms() -> Tuple[str, ...]:
    """Every known term key, in the vocabulary's order."""
    return tuple(_vocabulary().terms)


def _term(key: str) -> _Term:
    try:
        return _vocabulary().terms[key]
    except KeyError:
        raise KeyError(f"unknown tumor-profile term: {key!r}") from None


def _normalised(text: str) -> str:
    """Compatibility forms folded ("＋" is "+"), dashes and apostrophes made plain; letters' case kept."""
    return unicodedata.normalize("NFKC", text).translate(_LOOK_ALIKES).translate(_APOSTROPHES)


def _masked(text: str, vocabulary: _Vocabulary) -> str:
    """The text with phrases that negate no marker ("with or without", "non-small cell") blanked out."""
    return vocabulary.held_back.ignored.sub(lambda m: " " * len(m.group()), text)


def _broader(key: str, vocabulary: _Vocabulary) -> List[str]:
    wider: List[str] = []
    waiting = list(vocabulary.terms[key].broader)
    while waiting:
        other = waiting.pop()
        if other not in wider:
            wider.append(other)
            waiting.extend(vocabulary.terms[other].broader)
    return wider


def _unreplaced(spans: Sequence[_Span], vocabulary: _Vocabulary) -> List[_Span]:
    """The spans left once words that look like a marker but are not, and wider terms, have covered theirs."""

    def covers(wide: _Span, narrow: _Span) -> bool:
        if wide is narrow or not (wide.start <= narrow.start and narrow.end <= wide.end):
            return False
        return wide.key is None or (narrow.key is not None and narrow.key in vocabulary.terms[wide.key].replaces)

    return [span for span in spans if span.key is None or not any(covers(other, span) for other in spans)]


def _tokens(text: str) -> List[Tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text)]


def _held_back(
    text: str,
    tokens: Sequence[Tuple[int, int, str]],
    span: _Span,
    spans: Sequence[_Span],
    vocabulary: _Vocabulary,
    window: Tuple[int, int],
    *,
    uncertain: bool,
) -> bool:
    """Whether a negation (or, when `uncertain`, a result not known) near the span keeps it from counting."""
    words = vocabulary.held_back
    if _MINUS_AFTER.match(text, span.end):
        return True
    before = _before(text, tokens, span, spans, window[0], words)
    after = _after(text, tokens, span, spans, window[1], words)
    if words.negated_before.search(before) or words.negated_after.search(after):
        return True
    return uncertain and bool(words.uncertain_before.search(before) or words.uncertain_after.search(after))


def _before(
    text: str,
    tokens: Sequence[Tuple[int, int, str]],
    span: _Span,
    spans: Sequence[_Span],
    count: int,
    words: _HeldBack,
) -> str:
    """Up to `count` words before the span, back to the start of its clause.

    A comma right after another marker continues a list, and the markers in it are not counted: in "no
    EGFR, ALK or ROS1", ALK and ROS1 are negated too.
    """
    listed = {other.end for other in spans}
    start = span.start
    index = bisect.bisect_right([end for _, end, _ in tokens], span.start) - 1
    while index >= 0:
        first, _, token = tokens[index]
        in_list = token == "," and first in listed
        if (token in _PUNCTUATION and not in_list) or token in words.breaks_before:
            break
        if token[0].isalnum() and not any(other.start <= first < other.end for other in spans):
            count -= 1
            if count < 0:
                break
        start = first
        index -= 1
    return text[start : span.start]


def _after(
    text: str,
    tokens: Sequence[Tuple[int, int, str]],
    span: _Span,
    spans: Sequence[_Span],
    count: int,
    words: _HeldBack,
) -> str:
    """Up to `count` words after the span, to the end of its clause or the next marker.

    Markers joined by a slash share what follows them: in "EGFR/ALK negative", EGFR is negated too. A comma
    ends the search: "KRAS G12C, EGFR negative" negates EGFR only.
    """
    ends: Dict[int, int] = {}
    for other in spans:
        if other.start >= span.end:
            ends[other.start] = max(ends.get(other.start, 0), other.end)
    starts = [first for first, _, _ in tokens]
    end = span.end
    index = bisect.bisect_left(starts, span.end)
    while index < len(tokens):
        first, last, token = tokens[index]
        if token == "/" and index + 1 < len(tokens) and tokens[index + 1][0] in ends:
            end = ends[tokens[index + 1][0]]
            index = bisect.bisect_left(starts, end)
            continue
        if (
            token in _PUNCTUATION
            or token == "/"
            or token in words.breaks_after
            or first in ends
            or token in words.other_genes
            or _GENE_LIKE.fullmatch(token)
        ):
            break
        if token[0].isalnum():
            count -= 1
            if count < 0:
                break
        end = last
        index += 1
    return text[span.end : end]


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    """`biomarkers.yml`, read and compiled once."""
    data: Dict[str, Any] = read_yaml(PATH)
    groups = {str(name): f"(?:{value})" for name, value in data["words"].items()}
    terms: Dict[str, _Term] = {}
    for key, entry in data["terms"].items():
        person = [_person_pattern(p, groups) for p in entry.get("person", ())]
        person += [_person_pattern(p, groups, exact_case=True) for p in entry.get("person_exact_case", ())]
        trial = [_trial_pattern(p) for p in entry.get("trial", ())]
        trial += [_trial_pattern(p, exact_case=True) for p in entry.get("trial_exact_case", ())]
        if not entry.get("display") or not person or not trial:
            raise ValueError(f"{PATH.name}: term {key!r} needs a display name, person patterns and trial phrases")
        terms[str(key)] = _Term(
            key=str(key),
            display=str(entry["display"]),
            person=tuple(person),
            trial=tuple(trial),
            broader=tuple(str(k) for k in entry.get("broader", ())),
            replaces=frozenset(str(k) for k in entry.get("replaces", ())),
        )
    for term in terms.values():
        unknown = (set(term.broader) | term.replaces) - set(terms)
        if unknown:
            raise ValueError(f"{PATH.name}: term {term.key!r} names unknown terms {sorted(unknown)}")
    not_markers = data["not_markers"].values()
    words = data["not_positive"]
    return _Vocabulary(
        terms=terms,
        not_person=tuple(_person_pattern(p, groups) for entry in not_markers for p in entry.get("person", ())),
        not_trial=tuple(_trial_pattern(p) for entry in not_markers for p in entry.get("trial", ())),
        held_back=_HeldBack(
            negated_before=_any_of(words["negation"]["before"], groups),
            negated_after=_any_of(words["negation"]["after"], groups),
            uncertain_before=_any_of(words["uncertain"]["before"], groups),
            uncertain_after=_any_of(words["uncertain"]["after"], groups),
            ignored=_any_of(words["ignored"], groups),
            breaks_before=frozenset(str(w) for w in words["breaks_before"]),
            breaks_after=frozenset(str(w) for w in words["breaks_after"]),
            other_genes=frozenset(str(w) for w in words["other_genes"]),
        ),
    )


def _person_pattern(source: str, groups: Mapping[str, str], *, exact_case: bool = False) -> Pattern[str]:
    """A `person` pattern: a space is any gap ("her 2" reads "her2", "her-2"), {name} a word group."""
    body = _GROUP.sub(lambda m: groups[m.group(1)], str(source).replace(" ", _PERSON_GAP))
    return re.compile(f"{_EDGE}(?:{body}){_EDGE}", 0 if exact_case else re.IGNORECASE)


def _any_of(sources: Iterable[str], groups: Mapping[str, str]) -> Pattern[str]:
    return _person_pattern("|".join(f"(?:{s})" for s in sources), groups)


def _trial_pattern(phrase: str, *, exact_case: bool = False) -> Pattern[str]:
    """A `trial` phrase as whole words; a space, or a hyphen between letters or digits, is any gap."""
    phrase = str(phrase).strip()
    body = _TRIAL_GAP.join(re.escape(part) for part in _TRIAL_SPLIT.split(phrase))
    start = "(?<![A-Za-z0-9])" if phrase[0].isalnum() else ""
    end = "(?![A-Za-z0-9])" if phrase[-1].isalnum() or phrase[-1] == "-" else ""
    return re.compile(f"{start}{body}{end}", 0 if exact_case else re.IGNORECASE)
