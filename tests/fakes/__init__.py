"""Small real HTTP servers on 127.0.0.1 that speak the platforms' wire formats, for the channel tests."""

from __future__ import annotations

import asyncio
import time
from typing import Callable, TypeVar

T = TypeVar("T")


async def wait_for(check: Callable[[], T], timeout: float = 60.0, what: str = "the fake platform") -> T:
    """Poll until `check()` is truthy (and return it), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
