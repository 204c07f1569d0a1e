"""A platform channel the gateway mounts only when it is configured, importing its adapter (and the platform's
library) only then: the same `routes` / `start` / `stop` as a channel module, without the import cost."""

from __future__ import annotations

import importlib
from typing import Callable, List

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.config import Settings


class LazyChannel:
    """`adapter` (a module path with `routes`, `start`, `stop`) behind `configured`; `state` is the attribute the
    adapter sets on `app.state` when it starts, which tells `stop` whether there is anything to stop."""

    def __init__(self, adapter: str, state: str, configured: Callable[[Settings], bool]) -> None:
        self._adapter = adapter
        self._state = state
        self.configured = configured

    def routes(self, settings: Settings) -> List[BaseRoute]:
        """The adapter's routes when the channel is configured."""
        return importlib.import_module(self._adapter).routes(settings) if self.configured(settings) else []

    async def start(self, app: Starlette) -> None:
        """Start the adapter when the channel is configured."""
        if self.configured(app.state.settings):
            await importlib.import_module(self._adapter).start(app)

    async def stop(self, app: Starlette) -> None:
        """Stop the adapter if it was started."""
        if getattr(app.state, self._state, None) is not None:
            await importlib.import_module(self._adapter).stop(app)
