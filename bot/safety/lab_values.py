"""A person's own laboratory value asked about: "what does ANC 0.6 mean", "my platelets are 40, is that bad?".

What one value means for one person is medical advice (only the care team can say), and the wording around it is
open ("dropped to", "came back at", "is", nothing at all), so the rule is a shape rather than a phrase: a test's name
from the reviewed list (`word_lists/lab_values.yml`) within a few words of a number, in a message that asks something,
and no word of a trial's entry criteria ("is ANC over 1500 required?" is the FAQ's). Temperature and oxygen readings
are here too; the emergency list and classifier, asked first, take a fever during chemotherapy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Pattern

from bot.safety.phrases import DIRECTORY, alternation
from bot.yaml_files import read_yaml

LIST = "lab_values"
NEAR = 4
"""Words allowed between the test's name and its number ("platelets went all the way down to 40")."""

_ASKS = re.compile(r"\?|\b(mean|means|meaning|normal|bad|good|ok|okay|worry|worried|dangerous|low|high|should)\b")


@lru_cache(maxsize=1)
def _patterns() -> tuple[Pattern[str], Pattern[str]]:
    data = read_yaml(DIRECTORY / f"{LIST}.yml")
    names = alternation(data["names"], space=r"[\s-]*")
    number = r"\d+(?:[.,]\d+)?[a-z%/]*"
    gap = rf"(?:\s+\S+){{0,{NEAR}}}?\s*[:=]?\s*"
    near = re.compile(rf"\b(?:{names})\b{gap}{number}\b|\b{number}\s*(?:\S+\s+){{0,2}}(?:{names})\b", re.IGNORECASE)
    criteria = alternation(data["eligibility"], space=r"[\s-]*")
    return near, re.compile(rf"\b(?:{criteria})\b", re.IGNORECASE)


# EGFR the gene, not eGFR the kidney test: "EGFR mutation", "EGFR+", "EGFR exon 19", "EGFR-mutant NSCLC".
_GENE_EGFR = re.compile(
    r"\begfr[\s-]*(?:\+|mut\w*|pos\w*|neg\w*|exon|driven|inhibitor|tki|alteration|amplif\w*|l858r|t790m|del\w*|gene)"
    r"|\b(?:nsclc|lung\s+cancer|lung\s+adenocarcinoma)\s+(?:\w+\s+){0,2}?egfr\b",
    re.IGNORECASE,
)


def asks_about_own_value(text: str) -> bool:
    """Whether a message gives a lab value with a number and asks about it, outside a trial's entry criteria."""
    near, criteria = _patterns()
    text = _GENE_EGFR.sub(" ", text)  # "31, stage 4 nsclc w EGFR mutation. trials??" gives no kidney value
    return bool(near.search(text)) and bool(_ASKS.search(text.lower())) and not criteria.search(text)
