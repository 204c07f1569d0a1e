"""Fixtures for the action tests: one geocoder for the whole session."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def shared_geocoder() -> Any:
    """The geocoder with its data read (seconds of work, the same every time)."""
    from bot.trials.geo import Geocoder

    geocoder = Geocoder()
    assert geocoder.locate("Boston, MA") is not None
    return geocoder


@pytest.fixture(autouse=True)
def _one_geocoder(monkeypatch: pytest.MonkeyPatch, shared_geocoder: Any) -> None:
    """The trial service the actions build (again for each test, on the test's database) gets the session's
    geocoder instead of reading the same geodata again: its answers never depend on the database."""
    monkeypatch.setattr("bot.trials.geo.Geocoder", lambda *args, **kwargs: shared_geocoder)
