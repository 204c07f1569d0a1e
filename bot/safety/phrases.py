"""Phrase lists: recognising messages that match a reviewed list of words and phrases, despite typos and slang.

The safety checks (`bot/safety/crisis.py`, `bot/safety/emergency.py`) each have a list in `bot/safety/word_lists/`
(with comments, for clinical review) and share `slang.yml`'s written forms and filler words. This
module normalises text and compares it with a list; it is pure: no model, no I/O after a list is
read once, nothing logged.

Matching, in short (`slang.yml`'s header says it in full): lower case, punctuation dropped,
look-alike characters ("k1ll", "$uicide") and stretched letters ("dieeee") undone, slang rewritten
("wanna", "im", "dont") and filler words ignored; then each word is compared allowing for typos with
rapidfuzz's optimal-string-alignment distance (none for words of up to 3 letters, 1 up to 7, 2 for
longer ones; the first letter must match). A keyword or phrase matches unless it overlaps one of the
entries under `not_matching`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from rapidfuzz.distance import OSA

from bot.yaml_files import read_yaml

DIRECTORY = Path(__file__).resolve().parent / "word_lists"

GAP = "..."
MAX_GAP = 5
"""How many words "..." in a phrase stands for, at most."""

_LOOK_ALIKES = str.maketrans("0134579@$!|", "oieastgasii")
_LOOK_ALIKE_CHARS = frozenset("0134579@$!|")
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc]")
_TOKEN = re.compile(r"[a-z0-9@$!|*]+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_KILOMETRES = re.compile(r"(\d)\s*kms?\b")

Phrase = Tuple[str, ...]


def tokens(text: str) -> List[str]:
    """The message's words after steps 1-3 of slang.yml's header: case, punctuation, look-alikes, stretched letters."""
    return list(_tokens(text))


@lru_cache(maxsize=256)
def _tokens(text: str) -> Tuple[str, ...]:
    """`tokens`, cached: the screen, its classifier and each word list ask for the same message's words."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKD", text).casefold())
    text = "".join(c if c.isascii() else " " for c in text if not unicodedata.combining(c))
    text = _KILOMETRES.sub(r"\1 km", text)
    words = []
    for raw in _TOKEN.findall(text):
        word = raw.strip("!|*")
        if any(c.isalpha() for c in word) and _LOOK_ALIKE_CHARS.intersection(word):
            word = word.translate(_LOOK_ALIKES)
        word = _STRETCHED.sub(r"\1", word)
        if word:
            words.append(word)
    return tuple(words)


def alternation(words: Iterable[str], space: str = r"\s+") -> str:
    """A regular-expression alternation of reviewed words, longest first (so "my chemo" wins over "chemo"), each
    escaped, its spaces matching `space`: for the rules that read a shape around a list ("a test's name near a number",
    "a substance near a medicine")."""
    return "|".join(sorted((re.escape(w).replace(r"\ ", space) for w in words), key=len, reverse=True))


def similar(word: str, pattern: str) -> bool:
    """Whether a written word is the pattern's word, allowing for a typo or two (step 6 of slang.yml's header)."""
    if word == pattern:
        return True
    if len(pattern) <= 3 or not word or word[0] != pattern[0]:
        return False
    allowed = 1 if len(pattern) <= 7 else 2
    return OSA.distance(word, pattern, score_cutoff=allowed) <= allowed


def _whole_words(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\S){re.escape(phrase)}(?!\S)")


@dataclass(frozen=True)
class Lexicon:
    """A reviewed word list, ready to compare messages with."""

    same_as: Tuple[Tuple[re.Pattern[str], str], ...]
    filler: Tuple[re.Pattern[str], ...]
    matching: Tuple[Phrase, ...]
    not_matching: Tuple[Phrase, ...]

    def words(self, text: str) -> List[str]:
        """A message (or a list entry) as the plain words that are compared."""
        return list(_plain_words(text, self._rules))

    @cached_property
    def _rules(self) -> str:
        """The key of this list's slang rules: the lists share slang.yml's, so a message is rewritten once for all."""
        key = repr(([(p.pattern, plain) for p, plain in self.same_as], [p.pattern for p in self.filler]))
        _RULES.setdefault(key, (self.same_as, self.filler))
        return key

    def without_excluded(self, text: str) -> Optional[str]:
        """The message's plain words with its reviewed figures of speech (`not_matching`) taken out, or None when it
        holds none: what is left for a classifier to judge once "I'm dead 😂" or "this form is killing me" is set
        aside."""
        words = self.words(text)
        spans = [(start, end) for _, start, end in _occurrences(words, self._excluded_by_letter)]
        if not spans:
            return None
        return " ".join(w for i, w in enumerate(words) if not any(start <= i < end for start, end in spans))

    def find(self, text: str) -> List[str]:
        """The list's keywords and phrases the message contains outside the `not_matching` entries (in plain form)."""
        words = self.words(text)
        excluded = [(start, end) for _, start, end in _occurrences(words, self._excluded_by_letter)]
        found: Dict[Phrase, None] = {}
        for phrase, start, end in _occurrences(words, self._matching_by_letter):
            if not any(start < x_end and x_start < end for x_start, x_end in excluded):
                found[phrase] = None
        return [" ".join(phrase) for phrase in found]

    def excludes(self, text: str) -> bool:
        """Whether the message holds one of the list's reviewed figures of speech (`not_matching`)."""
        return next(_occurrences(self.words(text), self._excluded_by_letter), None) is not None

    @cached_property
    def _matching_by_letter(self) -> Mapping[str, Tuple[Phrase, ...]]:
        return _by_first_letter(self.matching)

    @cached_property
    def _excluded_by_letter(self) -> Mapping[str, Tuple[Phrase, ...]]:
        return _by_first_letter(self.not_matching)

    def phrase(self, entry: str) -> Phrase:
        """A list entry as plain words, with "..." kept as the gap marker."""
        parts = [self.words(part) for part in entry.split(GAP)]
        words: List[str] = []
        for index, part in enumerate(parts):
            if index:
                words.append(GAP)
            words.extend(part)
        if not words or words[0] == GAP or words[-1] == GAP or not all(parts):
            raise ValueError(f"a phrase list entry needs words around any '...': {entry!r}")
        return tuple(words)


_RULES: Dict[str, Tuple[Tuple[Tuple[re.Pattern[str], str], ...], Tuple[re.Pattern[str], ...]]] = {}


@lru_cache(maxsize=256)
def _plain_words(text: str, rules: str) -> Tuple[str, ...]:
    """The text after slang.yml's steps 1-5 under the rules `rules` names (cached: the screen asks several lists about
    the same message, and the rewriting is most of the cost of asking one)."""
    same_as, filler = _RULES[rules]
    joined = " ".join(tokens(text))
    for pattern, plain in same_as:
        joined = pattern.sub(plain, joined)
    for pattern in filler:
        joined = pattern.sub(" ", joined)
    return tuple(joined.split())


def _by_first_letter(phrases: Iterable[Phrase]) -> Mapping[str, Tuple[Phrase, ...]]:
    """Phrases by their first letter, which `similar` requires to match (so most are never tried)."""
    index: Dict[str, List[Phrase]] = {}
    for phrase in phrases:
        index.setdefault(phrase[0][0], []).append(phrase)
    return {letter: tuple(group) for letter, group in index.items()}


def _occurrences(words: Sequence[str], phrases: Mapping[str, Tuple[Phrase, ...]]) -> Iterator[Tuple[Phrase, int, int]]:
    """Each place a phrase occurs in the words, as (phrase, start, end)."""
    for start, word in enumerate(words):
        for phrase in phrases.get(word[0], ()):
            if similar(word, phrase[0]):
                end = _match(words, start + 1, phrase, 1)
                if end is not None:
                    yield phrase, start, end


def _match(words: Sequence[str], at: int, phrase: Phrase, item: int) -> Optional[int]:
    if item == len(phrase):
        return at
    if phrase[item] == GAP:
        for skip in range(MAX_GAP + 1):
            end = _match(words, at + skip, phrase, item + 1)
            if end is not None:
                return end
        return None
    if at < len(words) and similar(words[at], phrase[item]):
        return _match(words, at + 1, phrase, item + 1)
    return None


def _strings(value: object, name: str) -> List[str]:
    """A list of strings, or groups (a mapping) of lists of strings, flattened."""
    groups: Iterable[object] = value.values() if isinstance(value, Mapping) else [value]
    found: List[str] = []
    for group in groups:
        if not isinstance(group, list) or not all(isinstance(s, str) and s.strip() for s in group):
            raise ValueError(f"{name} must be lists of non-empty strings")
        found.extend(s.strip() for s in group)
    return found


def parse(data: object) -> Lexicon:
    """Validate the YAML's content and build the lexicon; fails loudly on a malformed list."""
    if not isinstance(data, dict):
        raise ValueError("a phrase file must be a mapping")
    same_as: Dict[str, str] = data.get("same_as") or {}
    if not isinstance(same_as, dict) or not all(isinstance(v, str) for v in same_as.values()):
        raise ValueError("same_as must map written forms to plain words")
    base = Lexicon((), (), (), ())
    rewrites = tuple((_whole_words(" ".join(tokens(str(k)))), " ".join(tokens(v))) for k, v in same_as.items())
    filler = tuple(_whole_words(" ".join(tokens(f))) for f in _strings(data.get("filler") or [], "filler"))
    plain = Lexicon(rewrites, filler, (), ())
    keywords = _strings(data.get("keywords") or [], "keywords")
    if any(len(base.words(k)) != 1 for k in keywords):
        raise ValueError("each keyword must be one word")
    matching = tuple(plain.phrase(e) for e in [*keywords, *_strings(data.get("phrases"), "phrases")])
    not_matching = tuple(plain.phrase(e) for e in _strings(data.get("not_matching"), "not_matching"))
    return Lexicon(rewrites, filler, matching, not_matching)


@lru_cache(maxsize=8)
def load(name: str, directory: Path = DIRECTORY) -> Lexicon:
    """The lexicon `name` (e.g. "crisis") from `<name>.yml` plus the shared `slang.yml` (each read once)."""
    slang = read_yaml(directory / "slang.yml") or {}
    data = read_yaml(directory / f"{name}.yml")
    if not isinstance(data, dict) or not isinstance(slang, dict):
        raise ValueError(f"{name}.yml and slang.yml must be mappings")
    return parse({**slang, **data})
