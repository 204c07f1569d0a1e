"""The frozen trial-search conversation sets: their shape, and that none of their messages is in the
training data (or a near copy of a training example)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import List

import pytest
from rapidfuzz import fuzz, process

from bot.store.db import PROJECT_ROOT
from bot.trials.evaluate import DEFAULT_SETS, load_set
from bot.yaml_files import read_yaml


@pytest.mark.parametrize("path", DEFAULT_SETS, ids=lambda p: p.stem)
def test_each_set_has_at_least_60_conversations_in_every_style(path: Path) -> None:
    conversations = load_set(path)
    assert len(conversations) >= 60 and len({c.id for c in conversations}) == len(conversations)
    styles = Counter(c.style for c in conversations)
    assert set(styles) >= {"aya", "parent", "partner", "long", "short", "formal", "correction"}
    assert sum(1 for c in conversations if c.after_results) >= 6, "corrections after the results"
    assert sum(1 for c in conversations if c.nearest_expected) >= 5, "nothing near: the nearest is named"
    for conversation in conversations:
        assert conversation.turns and set(conversation.answers) == {"condition", "age", "location"}


def _training_texts() -> List[str]:
    texts = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for block in read_yaml(path).get("nlu") or ():
            texts.extend(line[2:] for line in str(block.get("examples") or "").splitlines() if line.startswith("- "))
    return sorted({" ".join(t.lower().split()) for t in texts})


@pytest.mark.parametrize("path", DEFAULT_SETS, ids=lambda p: p.stem)
def test_no_message_of_a_set_is_in_the_training_data_or_a_near_copy(path: Path) -> None:
    """The people's own messages (first turns and corrections; the one- or two-word answers to the form's
    questions, such as "58" or "Boston", are bound to be training examples too, and are left out)."""
    training = _training_texts()
    copies = []
    for conversation in load_set(path):
        for text in [*conversation.turns, *conversation.after_results]:
            if len(text.split()) < 3:
                continue
            found = process.extractOne(" ".join(text.lower().split()), training, scorer=fuzz.ratio, score_cutoff=90)
            if found is not None:
                copies.append(f"{conversation.id}: {text!r} ~ {found[0]!r}")
    assert copies == []
