"""A gateway without Telegram or Slack does not load their libraries (about 30 MB of its memory)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.store.db import PROJECT_ROOT

pytestmark = pytest.mark.slow  # a new interpreter importing the gateway

PROBE = (
    "import sys, bot.gateway.app; print(sorted(m for m in ('telegram', 'slack_bolt', 'slack_sdk') if m in sys.modules))"
)


def test_importing_the_gateway_loads_no_platform_library() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.strip() == "[]"
