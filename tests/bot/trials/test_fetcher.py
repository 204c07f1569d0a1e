"""Tests of the registry fetcher against a real HTTP server on 127.0.0.1: paging, retries, backoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.trials.fetcher import FetchError, TrialFetcher, retry_after_seconds
from bot.trials.importer import ImportResult
from bot.trials.models import Trial


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(2.0)) as client:
        yield client


class Sleeps(list):
    """Records the waits the fetcher asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetcher(session: Session, client: httpx.Client, registry: Any, sleeps: Sleeps, **kw: Any) -> TrialFetcher:
    return TrialFetcher(session, client, base_url=registry.url, page_size=3, sleep=sleeps, **kw)


def stored(engine: Engine) -> set[str]:
    with Session(engine, future=True) as other:  # a new session: what was committed
        return set(other.scalars(select(Trial.nct_id)))


def nct_ids(registry: Any, *tokens: str | None) -> set[str]:
    return {
        s["protocolSection"]["identificationModule"]["nctId"]
        for token in tokens
        for s in registry.pages[token]["studies"]
    }


def test_follows_the_page_token_chain(session, empty_engine, client, registry) -> None:  # type: ignore[no-untyped-def]
    sleeps = Sleeps()
    result = fetcher(session, client, registry, sleeps).fetch("breast cancer")

    assert result.pages == 3
    assert result.next_page_token is None
    assert result.imported == ImportResult(inserted=6)
    assert stored(empty_engine) == nct_ids(registry, None, "page-2", "page-3")
    assert registry.paths == ["/api/v2/studies"] * 3
    assert [r.get("pageToken") for r in registry.requests] == [None, "page-2", "page-3"]
    assert all(
        r["query.cond"] == "breast cancer" and r["pageSize"] == "3" and r["format"] == "json" for r in registry.requests
    )
    assert sleeps == []


def test_stops_after_max_pages_and_says_where_to_resume(session, empty_engine, client, registry) -> None:  # type: ignore[no-untyped-def]
    first = fetcher(session, client, registry, Sleeps()).fetch("cancer", max_pages=2)

    assert (first.pages, first.next_page_token) == (2, "page-3")
    assert stored(empty_engine) == nct_ids(registry, None, "page-2")

    rest = fetcher(session, client, registry, Sleeps()).fetch("cancer", page_token="page-3")
    assert (rest.pages, rest.next_page_token, rest.imported.inserted) == (1, None, 1)


def test_refetching_counts_unchanged_trials(session, client, registry) -> None:  # type: ignore[no-untyped-def]
    fetcher(session, client, registry, Sleeps()).fetch("cancer")
    again = fetcher(session, client, registry, Sleeps()).fetch("cancer")
    assert again.imported == ImportResult(unchanged=6)


def test_429_waits_as_long_as_retry_after_says(session, empty_engine, client, registry) -> None:  # type: ignore[no-untyped-def]
    registry.fail(429, {"Retry-After": "7"})
    sleeps = Sleeps()

    result = fetcher(session, client, registry, sleeps).fetch("cancer")

    assert sleeps == [7.0]
    assert result.pages == 3
    assert len(registry.requests) == 4
    assert len(stored(empty_engine)) == 6


def test_503_is_retried_with_exponential_backoff(session, client, registry) -> None:  # type: ignore[no-untyped-def]
    registry.fail(503)
    registry.fail(502)
    registry.fail(500)
    sleeps = Sleeps()

    result = fetcher(session, client, registry, sleeps, backoff=1.0).fetch("cancer", max_pages=1)

    assert result.imported.inserted == 3
    assert len(sleeps) == 3
    for attempt, wait in enumerate(sleeps):  # 1, 2, 4 seconds, each plus up to 1 s of jitter
        assert 2**attempt <= wait <= 2**attempt + 1.0


def test_retry_after_as_an_http_date(session, client, registry) -> None:  # type: ignore[no-untyped-def]
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    registry.fail(503, {"Retry-After": format_datetime(when, usegmt=True)})
    sleeps = Sleeps()

    fetcher(session, client, registry, sleeps).fetch("cancer", max_pages=1)

    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 31


def test_a_timeout_is_retried(session, registry) -> None:  # type: ignore[no-untyped-def]
    registry.stall(1.0)
    sleeps = Sleeps()
    with httpx.Client(timeout=httpx.Timeout(0.2)) as impatient:
        result = fetcher(session, impatient, registry, sleeps).fetch("cancer", max_pages=1)

    assert result.imported.inserted == 3
    assert len(sleeps) == 1
    assert len(registry.requests) == 2


def test_gives_up_after_max_attempts(session, empty_engine, client, registry) -> None:  # type: ignore[no-untyped-def]
    registry.fail(503, times=10)
    sleeps = Sleeps()

    with pytest.raises(FetchError, match="503"):
        fetcher(session, client, registry, sleeps, max_attempts=4).fetch("cancer")

    assert len(registry.requests) == 4
    assert len(sleeps) == 3
    assert stored(empty_engine) == set()


def test_pages_already_read_are_kept_when_a_later_page_fails(session, empty_engine, client, registry) -> None:  # type: ignore[no-untyped-def]
    registry.pages["page-2"] = ["not a study"]  # type: ignore[assignment]

    with pytest.raises(FetchError):
        fetcher(session, client, registry, Sleeps()).fetch("cancer")

    assert stored(empty_engine) == nct_ids(registry, None)


def test_a_refused_request_is_not_retried(session, client, registry) -> None:  # type: ignore[no-untyped-def]
    registry.fail(400)
    sleeps = Sleeps()

    with pytest.raises(FetchError, match="HTTP 400"):
        fetcher(session, client, registry, sleeps).fetch("cancer")

    assert len(registry.requests) == 1
    assert sleeps == []


def test_an_unreachable_registry_is_a_fetch_error(session, client) -> None:  # type: ignore[no-untyped-def]
    sleeps = Sleeps()
    unreachable = TrialFetcher(session, client, base_url="http://127.0.0.1:9", max_attempts=2, sleep=sleeps)
    with pytest.raises(FetchError, match="could not be reached"):
        unreachable.fetch("cancer")
    assert len(sleeps) == 1


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=90), usegmt=True), now) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
