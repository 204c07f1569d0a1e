"""Reading the project's YAML data files (topics, word lists, corpora, evaluation sets) with libyaml's
C parser when PyYAML was built with it — the same safe loader, about ten times faster on the FAQ and
safety corpora that every process and many tests read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """The YAML text's content, read with the safe loader (no Python objects)."""
    return yaml.load(text, Loader=_SafeLoader)


def read_yaml(path: Path) -> Any:
    """The content of a UTF-8 YAML file, read with the safe loader."""
    return parse_yaml(path.read_text(encoding="utf-8"))
