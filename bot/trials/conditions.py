"""Turning what a person typed ("TNBC", "brest cancer") into the condition terms of stored trials."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.trials.models import ConditionTerm, TrialCondition
from bot.trials.synonyms import CANCER_KINDS, CASE_SENSITIVE_SYNONYMS, SITE_SYNONYMS, SYNONYMS

_WORD = re.compile(r"[a-z0-9]+")

# Words that never narrow a search: dropped from queries and condition names alike.
STOPWORDS = frozenset(
    """a an the and or of in on at with without for to by from as is are was be been am do does
    my me i im we our us he she his her their they it its this that these those who which what
    has have had got get any some all about near around nearby close find search show looking
    look want need trial trials study studies clinical research option options
    son daughter mom mum mother dad father wife husband partner brother sister friend kid
    diagnosed diagnosis just recently newly patient patients person people type kind form""".split()
)

# Words that describe a cancer's stage or course rather than which cancer it is ("resistant" is not one:
# castration-resistant and castration-sensitive prostate cancer are different trials' conditions).
MODIFIERS = frozenset(
    """advanced metastatic stage early late locally unresectable recurrent refractory relapsed
    relapse persistent progressive extensive limited localized localised high low risk grade aggressive
    previously untreated treated primary secondary adult adults child childhood pediatric young elderly
    0 1 2 3 4 5 i ii iii iv iva ivb ivc iiia iiib iiic""".split()
)

# Words that name no particular cancer: a term made only of these is too vague to match on.
GENERIC = MODIFIERS | frozenset("cancer cell solid disease syndrome neoplastic other".split())

_CANONICAL = {
    "castrate": "castration",
    "carcinoma": "cancer",
    "neoplasm": "cancer",
    "neoplasia": "cancer",
    "tumor": "cancer",
    "tumour": "cancer",
    "malignancy": "cancer",
    "malignant": "cancer",
    "cancerous": "cancer",
    "leukaemia": "leukemia",
    "haematologic": "hematologic",
    "haematological": "hematologic",
    "hematological": "hematologic",
    "oesophageal": "esophageal",
    "oesophagus": "esophagus",
    "myelogenous": "myeloid",
    "colonic": "colon",
    "paediatric": "pediatric",
    "tumoral": "cancer",
    # an organ's noun is its adjective: "carcinoma of the ovary" is ovarian cancer, "cervix cancer" cervical cancer (the
    # pancreas and the esophagus have their synonyms: "pancreas cancer" is searched as pancreatic cancer)
    "ovary": "ovarian",
    "cervix": "cervical",
    "uterus": "uterine",
    "rectum": "rectal",
    "anus": "anal",
    "larynx": "laryngeal",
    "pharynx": "pharyngeal",
    "nasopharynx": "nasopharyngeal",
    "oropharynx": "oropharyngeal",
    "vulva": "vulvar",
    "pleura": "pleural",
    "peritoneum": "peritoneal",
    "testis": "testicular",
    "testicle": "testicular",
}


def term_key(text: str) -> str:
    """The stored key of a condition name: lower-case ASCII words ("Non-Small Cell" → "nonsmall cell")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = _WORD.findall(ascii_text.replace("'", ""))
    joined: list[str] = []
    index = 0
    while index < len(words):
        if words[index] == "non" and index + 1 < len(words):
            joined.append("non" + words[index + 1])
            index += 2
        else:
            joined.append(words[index])
            index += 1
    return " ".join(joined)


_NOT_PLURALS = frozenset({"pancreas"})


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) and word not in _NOT_PLURALS:
        return word[:-1]
    return word


def canonical_words(text: str) -> list[str]:
    """Words of a text in the form used for matching, in order, without stop words."""
    out = []
    for word in term_key(text).split():
        word = _CANONICAL.get(word, word)
        word = _CANONICAL.get(_singular(word), _singular(word))
        if word not in STOPWORDS:
            out.append(word)
    return out


@dataclass(frozen=True)
class ConditionMatch:
    """The stored condition terms a query matched, and how."""

    text: str
    # Terms as specific as the query or more ("breast cancer" → "HER2-positive Breast Cancer").
    broad_ids: frozenset[int] = frozenset()
    # Broader terms contained in the query ("metastatic TNBC" → "Breast Cancer"), conditions only.
    narrow_ids: frozenset[int] = frozenset()
    # What the query was understood as, for telling the person ("triple negative breast cancer").
    phrases: tuple[str, ...] = ()
    corrections: dict[str, str] = field(default_factory=dict)
    # The share of all (trial, term) rows that the matched terms have: how vague the query is.
    share: float = 0.0
    # The text named no condition at all ("trials near me"), as opposed to an unknown one.
    blank: bool = False

    @property
    def is_empty(self) -> bool:
        """True when a condition was named but nothing stored matched: the search should find no
        trials, not all of them."""
        return not self.blank and not self.broad_ids and not self.narrow_ids


_KIND_WORDS = frozenset(w for kind in CANCER_KINDS for w in canonical_words(kind))
NAME_WORDS = 6
"""A condition of at most this many words that names a cancer is a name: a word of it no trial uses makes it unknown."""


def _names_a_cancer(word: str) -> bool:
    """A word that says "a cancer" ("carcinoma", "chordoma", "macroglobulinemia"), whatever kind."""
    return word in {"cancer", "carcinoma", "tumor", "neoplasm", "malignancy"} or word.endswith(("oma", "emia"))


def _phrase_table(table: dict[str, tuple[str, ...]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    return {tuple(canonical_words(key)): targets for key, targets in table.items()}


_SYNONYMS = _phrase_table(SYNONYMS)
_SITE_SYNONYMS = _phrase_table(SITE_SYNONYMS)


def _organs_cancer(words: Sequence[str]) -> tuple[str, ...]:
    """An adenocarcinoma said as its organ's cancer: a kind of carcinoma, "gastric adenocarcinoma" is also gastric
    cancer."""
    return tuple("cancer" if w == "adenocarcinoma" else w for w in words)


def _spans(words: Sequence[str], key: tuple[str, ...]) -> list[range]:
    size = len(key)
    return [
        range(start, start + size)
        for start in range(len(words) - size + 1)
        if tuple(words[start : start + size]) == key
    ]


class ConditionIndex:
    """The condition vocabulary of the stored trials, matched with synonyms and typo tolerance."""

    def __init__(self, terms: Iterable[tuple[int, str]], trial_counts: dict[int, int] | None = None) -> None:
        self._trial_counts = trial_counts or {}
        self._total_rows = sum(self._trial_counts.values())
        self._tokens: dict[int, frozenset[str]] = {}
        self._postings: dict[str, set[int]] = {}
        frequency: Counter[str] = Counter()
        for term_id, key in terms:
            tokens = frozenset(canonical_words(key))
            if not tokens:
                continue
            self._tokens[term_id] = tokens
            for token in tokens:
                self._postings.setdefault(token, set()).add(term_id)
                frequency[token] += 1
        synonym_words = {
            word
            for table in (_SYNONYMS, _SITE_SYNONYMS)
            for key, targets in table.items()
            for word in (*key, *(w for t in targets for w in canonical_words(t)))
        }
        # Words of cancer names that no stored trial uses stay in the query as they are ("mantle cell
        # lymphoma" is not "cell lymphoma" or "male cell lymphoma"): the search then finds the broader
        # stored terms the name contains, or says there is nothing for it.
        kind_words = {w for kind in CANCER_KINDS for w in canonical_words(kind)}
        self._known = set(self._postings) | synonym_words | kind_words
        # Most frequent first, so that typo corrections prefer common words on a tie.
        self._spellings = sorted(
            (w for w in self._known if w.isalpha() and len(w) >= 4),
            key=lambda w: (-frequency[w], w),
        )

    @classmethod
    def load(cls, session: Session) -> ConditionIndex:
        """Build the index from the condition terms stored in the database."""
        rows = session.execute(select(ConditionTerm.id, ConditionTerm.term_key))
        counts = session.execute(select(TrialCondition.term_id, func.count()).group_by(TrialCondition.term_id))
        return cls(((term_id, key) for term_id, key in rows), dict(counts.all()))

    def __len__(self) -> int:
        return len(self._tokens)

    def match(self, text: str) -> ConditionMatch:
        """The stored terms that a free-text condition ("my son has AML", "brest cancer") means."""
        corrections: dict[str, str] = {}
        typed = canonical_words(text)
        corrected = [self._correct(w, corrections) for w in typed]
        # Words of a cancer's name that no stored trial uses and that are no misspelling of one ("chordoma",
        # "adenoid" in "adenoid cystic carcinoma"): left out, they would make it a broader one ("cystic cancer").
        strange = {
            w for w, c in zip(typed, corrected, strict=True) if w.isalpha() and len(w) >= 5 and c not in self._known
        }
        named = len(typed) <= NAME_WORDS and any(map(_names_a_cancer, typed))
        # No stored trial is for such a name, unless what is known of it still names a part of the body or a kind
        # ("nonseminomatous germ cell tumor" is searched as a germ cell tumor).
        if strange and named and not any(w in _KIND_WORDS for w in typed if w not in strange):
            return ConditionMatch(text, phrases=(" ".join(typed),))
        words = [w for w in corrected if w in self._known]
        concepts: list[tuple[str, ...]] = []
        targets, bare_site = self._synonym_targets(words, text)
        if not typed and not targets:  # only filler words ("trials near me"): no condition at all
            return ConditionMatch(text, blank=True)
        core = tuple(w for w in words if w not in MODIFIERS)
        if bare_site and "cancer" not in core:
            core += ("cancer",)  # "prostate" means prostate cancer, not every prostate condition
        if core:
            concepts.append(core)
            if "adenocarcinoma" in core:
                concepts.append(_organs_cancer(core))
        for names in targets:
            concepts.extend(tuple(canonical_words(name)) for name in names)
        broad: set[int] = set()
        for concept in concepts:
            broad |= self._containing(concept)
        narrow = self._contained_in(set(words))
        # "ALK-positive lung adenocarcinoma" is also in an "ALK-positive lung cancer" trial
        if "adenocarcinoma" in words:
            narrow |= self._contained_in(set(_organs_cancer(words)))
        narrow -= broad
        phrases = tuple(dict.fromkeys(" ".join(c) for c in concepts))
        rows = sum(self._trial_counts.get(t, 0) for t in broad | narrow)
        share = rows / self._total_rows if self._total_rows else 0.0
        return ConditionMatch(text, frozenset(broad), frozenset(narrow), phrases, corrections, share)

    def _correct(self, word: str, corrections: dict[str, str]) -> str:
        if word in self._known or not word.isalpha() or len(word) < 5:
            return word
        found = process.extractOne(word, self._spellings, scorer=fuzz.ratio, score_cutoff=80)
        if found is None or word == f"non{found[0]}":
            return word  # "nonseminoma" is not a misspelt "seminoma": it is the other kind
        corrections[word] = found[0]
        return found[0]

    def _synonym_targets(self, words: list[str], text: str) -> tuple[list[tuple[str, ...]], bool]:
        """Condition names the words stand for, and whether they name only a part of the body."""
        targets = [t for key, t in _SYNONYMS.items() if _spans(words, key)]
        site_hits = [(key, t) for key, t in _SITE_SYNONYMS.items() if _spans(words, key)]
        covered = {i for key, _ in site_hits for span in _spans(words, key) for i in span}
        bare_site = bool(site_hits) and all(w in GENERIC for i, w in enumerate(words) if i not in covered)
        if bare_site:
            targets.extend(t for _, t in site_hits)
        for abbreviation, expansion in CASE_SENSITIVE_SYNONYMS.items():
            if re.search(rf"\b{abbreviation}\b", text):
                targets.append(expansion)
        return targets, bare_site

    def _containing(self, concept: tuple[str, ...]) -> set[int]:
        postings = [self._postings.get(w, set()) for w in set(concept)]
        if not postings:
            return set()
        postings.sort(key=len)
        return set.intersection(*postings)

    def _contained_in(self, words: set[str]) -> set[int]:
        # A term worth matching has a specific word ("breast"), so look only at those words' terms.
        specific = words - GENERIC
        candidates = set().union(*(self._postings.get(w, set()) for w in specific)) if specific else set()
        return {term_id for term_id in candidates if self._tokens[term_id] <= words}
