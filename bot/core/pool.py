"""The door to Rasa: a pool of worker processes with conversation affinity.

Every message of one conversation goes to the same worker (`bot.core.affinity`), so a conversation's
messages are handled in order and never concurrently, while the gateway's event loop only waits
on a pipe and keeps serving other requests.

Workers load the model one after another: on a machine with few cores, loading them all at once
makes each take as long as loading them in turn, so the first one would be ready no sooner than
the last. The pool is ready, and answers, as soon as the first worker is; new conversations go
to the later ones as they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from bot.core.affinity import Affinity
from bot.core.worker import serve

logger = logging.getLogger(__name__)


class CoreError(Exception):
    """The model could not answer (not loaded, crashed, timed out)."""


class WorkerStoppedError(CoreError):
    """The worker died (or its pipe closed) before it answered; the pool asks again once."""


@dataclass
class CoreSettings:
    """What a worker needs to load and run the model."""

    model_path: Path
    action_server_url: str
    tracker_store_url: str
    workers: int = 1
    tf_threads: int = 0
    """TensorFlow threads per worker (0: TensorFlow's own choice)."""
    timeout_seconds: float = 30.0
    load_timeout_seconds: float = 600.0
    log_level: str = "INFO"


@dataclass
class _Worker:
    index: int
    process: BaseProcess
    conn: Connection
    ready: asyncio.Event
    pending: Dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    error: Optional[str] = None
    info: Dict[str, Any] = field(default_factory=dict)


class CorePool:
    """N Rasa worker processes; `handle()` routes each conversation to its own worker."""

    def __init__(self, settings: CoreSettings) -> None:
        self.settings = settings
        self._workers: List[_Worker] = []
        self._ids = itertools.count(1)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stopping = False
        self._context = multiprocessing.get_context("spawn")
        self._start_error: Optional[str] = None
        self._affinity = Affinity()
        self._changed: Optional[asyncio.Event] = None
        self._watchers: List[Callable[[int, float], None]] = []

    async def start(self) -> None:
        """Start the first worker; it loads the model in the background, then the next one starts."""
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        if not self.settings.model_path.is_file():
            self._start_error = f"no trained model at {self.settings.model_path}: run `make train`"
            raise CoreError(self._start_error)
        self._workers = [self._spawn(0)]

    def _start_next(self) -> None:
        """Once a worker has loaded (or failed to), the next one begins loading."""
        if not self._stopping and len(self._workers) < self.settings.workers:
            self._workers.append(self._spawn(len(self._workers)))

    def _spawn(self, index: int) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=serve,
            args=(
                child,
                str(self.settings.model_path),
                self.settings.action_server_url,
                self.settings.tracker_store_url,
                self.settings.log_level,
                self.settings.tf_threads,
            ),
            name=f"trialbot-core-{index}",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(index=index, process=process, conn=parent, ready=asyncio.Event())
        threading.Thread(target=self._read, args=(worker,), name=f"core-reader-{index}", daemon=True).start()
        return worker

    def _read(self, worker: _Worker) -> None:
        """Runs in a thread: hand each message from the worker to the event loop."""
        assert self._loop is not None
        while True:
            try:
                item = worker.conn.recv()
            except (EOFError, OSError):
                break
            self._loop.call_soon_threadsafe(self._on_item, worker, item)
        self._loop.call_soon_threadsafe(self._on_exit, worker)

    def _on_item(self, worker: _Worker, item: Tuple[Any, ...]) -> None:
        kind = item[0]
        if kind in ("ready", "error"):
            if kind == "ready":
                worker.info = dict(item[1])
                logger.info("Rasa worker %d ready in %ss", worker.index, worker.info.get("load_seconds"))
            else:
                worker.error = str(item[1])
                logger.error("Rasa worker %d: %s", worker.index, worker.error)
            worker.ready.set()
            assert self._changed is not None
            self._changed.set()  # wakes messages waiting for a worker (to be answered, or to fail)
            self._start_next()
        elif kind in ("result", "failed"):
            future = worker.pending.pop(item[1], None)
            if future is None or future.done():
                return
            if kind == "result":
                future.set_result(item[2])
            else:
                future.set_exception(CoreError(str(item[2])))

    def _on_exit(self, worker: _Worker) -> None:
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(WorkerStoppedError("the Rasa worker stopped"))
        worker.pending.clear()
        self._affinity.drop_worker(worker.index)
        if self._stopping or worker.error is not None:
            worker.ready.set()
            return
        logger.warning("Rasa worker %d died (exit code %s); restarting it", worker.index, worker.process.exitcode)
        if self._workers and self._workers[worker.index] is worker:
            self._workers[worker.index] = self._spawn(worker.index)

    def watch(self, observe: Callable[[int, float], None]) -> Callable[[], None]:
        """Call `observe(worker index, seconds)` after each answer a worker gives (the gateway's metrics);
        returns the function that stops it (a pool shared by several apps outlives each one)."""
        self._watchers.append(observe)
        return lambda: self._watchers.remove(observe)

    def owner(self, conversation_id: str) -> Optional[int]:
        """The worker that currently owns a conversation, if any."""
        return self._affinity.owner(conversation_id)

    def _serving(self) -> List[_Worker]:
        return [w for w in self._workers if w.ready.is_set() and w.error is None and w.process.is_alive()]

    @property
    def ready(self) -> bool:
        """True when at least one worker has loaded the model and can answer."""
        return bool(self._serving())

    @property
    def workers_total(self) -> int:
        """How many workers the pool runs once all have loaded."""
        return self.settings.workers

    @property
    def all_ready(self) -> bool:
        """True when every worker has loaded the model."""
        return len(self._serving()) == self.settings.workers

    def status(self) -> str:
        """A short reason why the pool is not ready, or "ready"."""
        if not self._workers:
            return self._start_error or "the Rasa workers are not started"
        serving = len(self._serving())
        errors = [w.error for w in self._workers if w.error]
        if errors and not serving:
            return errors[0]
        if not serving:
            return f"the model is loading (0 of {self.settings.workers} workers ready)"
        return "ready"

    def worker_info(self) -> List[Dict[str, Any]]:
        """Each started worker: index, whether it is ready, and once loaded its process id and load time."""
        serving = self._serving()
        return [dict(w.info, index=w.index, ready=w in serving) for w in self._workers]

    async def handle(
        self,
        conversation_id: str,
        text: str,
        channel: str = "rest",
        metadata: Optional[Mapping[str, Any]] = None,
    ) -> List[Dict[str, Any]]:
        """Rasa's replies (its bot-message dicts) to one message of a conversation."""
        if not self._workers:
            raise CoreError("the Rasa workers are not started")
        for attempt in (1, 2):
            index = await self._acquire(conversation_id)
            try:
                return await self._ask(self._workers[index], conversation_id, text, channel, metadata)
            except WorkerStoppedError:
                # It died before answering (Rasa saves a tracker only after the whole message): ask the
                # restarted worker, or another one, once more.
                if attempt == 2 or self._stopping:
                    raise
                logger.warning("Rasa worker %d stopped before answering; asking again", index)
            finally:
                self._affinity.release(conversation_id)
        raise AssertionError("unreachable")

    async def _acquire(self, conversation_id: str) -> int:
        """The worker for this message (waiting, within the load timeout, for one to be ready)."""
        assert self._changed is not None
        while True:
            index = self._affinity.acquire(conversation_id, {w.index for w in self._serving()})
            if index is not None:
                return index
            if self._workers and all(w.error for w in self._workers):
                raise CoreError(self._workers[0].error or "the Rasa workers failed")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), self.settings.load_timeout_seconds)
            except asyncio.TimeoutError:
                raise CoreError("the model did not finish loading in time") from None

    async def _ask(
        self,
        worker: _Worker,
        conversation_id: str,
        text: str,
        channel: str,
        metadata: Optional[Mapping[str, Any]],
    ) -> List[Dict[str, Any]]:
        if not worker.ready.is_set():  # restarting with this conversation's earlier message in flight
            try:
                await asyncio.wait_for(worker.ready.wait(), self.settings.load_timeout_seconds)
            except asyncio.TimeoutError:
                raise CoreError("the model did not finish loading in time") from None
        if worker.error:
            raise CoreError(worker.error)
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        worker.pending[request_id] = future
        started = time.perf_counter()
        try:
            worker.conn.send(("handle", request_id, conversation_id, text, channel, dict(metadata or {})))
        except (OSError, ValueError) as error:
            worker.pending.pop(request_id, None)
            raise WorkerStoppedError(f"could not reach the Rasa worker: {error}") from None
        try:
            answers = await asyncio.wait_for(future, self.settings.timeout_seconds)
        except asyncio.TimeoutError:
            worker.pending.pop(request_id, None)
            raise CoreError("the model took too long to answer") from None
        seconds = time.perf_counter() - started
        for observe in list(self._watchers):
            observe(worker.index, seconds)
        return answers

    async def stop(self) -> None:
        """Ask every worker to stop, and end those that do not."""
        self._stopping = True
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(("stop",))
        for worker in self._workers:
            await asyncio.get_running_loop().run_in_executor(None, worker.process.join, 10)
            if worker.process.is_alive():
                worker.process.terminate()
                await asyncio.get_running_loop().run_in_executor(None, worker.process.join, 5)
            worker.conn.close()
