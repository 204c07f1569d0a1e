"""Launch Debian's Chromium (never a downloaded browser build) headless for Playwright tests."""

from __future__ import annotations

import contextlib
import shutil
from typing import AsyncIterator

from playwright.async_api import Browser, async_playwright, expect

WAIT_MS = 30_000
"""How long an expectation waits: long enough for the model on 2 busy cores."""


def chromium_path() -> str:
    """The system's Chromium; `make chromium` (part of `make test`) installs it with apt-get."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("Chromium is not installed: run `make chromium` (apt-get install -y chromium) as root")
    return path


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium for the duration of the block."""
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            await browser.close()
