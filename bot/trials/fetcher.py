"""Paging through the live ClinicalTrials.gov API v2 and importing each page as it arrives."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from bot.trials.importer import ImportResult, TrialImporter
from bot.trials.records import RecordError, studies_in

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://clinicaltrials.gov"
STUDIES_PATH = "/api/v2/studies"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(RuntimeError):
    """The registry could not be read: a refused request, or retries used up."""


class _RetryableStatusError(Exception):
    """A response worth retrying (429 or 5xx), with the server's Retry-After if it gave one."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class FetchResult:
    """Pages read, the token to resume from (None when the last page was reached), and counts."""

    pages: int
    next_page_token: str | None
    imported: ImportResult


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _retryable(error: BaseException) -> bool:
    return isinstance(error, _RetryableStatusError | httpx.TransportError)


class TrialFetcher:
    """Reads `GET {base_url}/api/v2/studies?query.cond=...` page by page and imports each page,
    committing after each so that an interrupted fetch keeps what it read.

    429, 5xx, timeouts and connection errors are retried with exponential backoff (with jitter,
    capped at `max_backoff`); a Retry-After header's wait is used instead when given (capped
    at `max_retry_after`).
    """

    def __init__(
        self,
        session: Session,
        client: httpx.Client,
        *,
        base_url: str = DEFAULT_BASE_URL,
        page_size: int = 100,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_retry_after: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session = session
        self._client = client
        self._importer = TrialImporter(session)
        self._url = base_url.rstrip("/") + STUDIES_PATH
        self._page_size = page_size
        self._max_attempts = max_attempts
        self._max_retry_after = max_retry_after
        self._backoff = wait_exponential_jitter(initial=backoff, max=max_backoff, jitter=backoff)
        self._sleep = sleep

    def fetch(
        self,
        condition: str,
        *,
        max_pages: int | None = None,
        page_token: str | None = None,
    ) -> FetchResult:
        """Import the studies matching a condition query, up to `max_pages` pages."""
        pages = 0
        imported = ImportResult()
        token = page_token
        while max_pages is None or pages < max_pages:
            page = self._get_page(condition, token)
            try:
                studies = studies_in(page)
            except RecordError as error:
                raise FetchError(f"unexpected page from {self._url}: {error}") from error
            imported += self._importer.import_records(studies)
            self._session.commit()
            pages += 1
            token = (page.get("nextPageToken") if isinstance(page, Mapping) else None) or None
            log.info("trials page %d: %d studies, %s", pages, len(studies), imported)
            if token is None:
                break
        return FetchResult(pages, token, imported)

    def _get_page(self, condition: str, token: str | None) -> Any:
        params = {"query.cond": condition, "pageSize": str(self._page_size), "format": "json"}
        if token:
            params["pageToken"] = token
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            response = retrying(self._request, params)
        except _RetryableStatusError as error:
            raise FetchError(f"{self._url} answered {error} {self._max_attempts} times") from error
        except httpx.HTTPError as error:
            raise FetchError(f"{self._url} could not be reached: {error!r}") from error
        try:
            return response.json()
        except ValueError as error:
            raise FetchError(f"{self._url} did not answer JSON") from error

    def _request(self, params: dict[str, str]) -> httpx.Response:
        response = self._client.get(self._url, params=params)
        if response.status_code in RETRY_STATUSES:
            raise _RetryableStatusError(response.status_code, retry_after_seconds(response.headers.get("Retry-After")))
        if response.status_code >= 400:
            raise FetchError(f"{self._url} refused the request: HTTP {response.status_code} " f"{response.text[:200]}")
        return response

    def _wait(self, state: RetryCallState) -> float:
        backoff = self._backoff(state)
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RetryableStatusError) and error.retry_after is not None:
            return max(min(error.retry_after, self._max_retry_after), 0.0)
        return backoff

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("registry request failed (%r), attempt %d; retrying", error, state.attempt_number)
