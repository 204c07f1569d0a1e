"""A Rasa worker process: loads the trained model once and answers messages sent over a pipe.

Runs in its own process (started by `bot.core.pool.CorePool`) so that model prediction never blocks
the gateway's event loop. Messages of different conversations are handled concurrently on the
worker's own event loop; Rasa's lock store keeps one conversation's messages in order. Trackers
of the worker's recent conversations stay in memory between messages (`bot.core.tracker_cache`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Dict, Tuple

from bot import logs
from bot.core import action_outage, speedups, unused_modules
from bot.nlu.context import PREVIOUS_TOPIC_KEY, previous_topic
from bot.nlu.search_turns import REQUESTED_SLOT_KEY, SEARCHED_KEY

if TYPE_CHECKING:
    from rasa.core.agent import Agent

logger = logging.getLogger(__name__)
SEARCH_FORM = "trial_search_form"


def configure_rasa_logging(log_level: str) -> None:
    """Set Rasa's (and its structlog's) log level in this process, never below INFO, with identifiers masked.

    At DEBUG Rasa logs every message's text, entities and slots, so LOG_LEVEL=DEBUG still logs
    Rasa at INFO here (debug the model with `rasa shell --debug` on made-up conversations instead).
    """
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    level = logging.getLevelName(logs.level_for_libraries(log_level))
    configure_logging_and_warnings(level)
    configure_structlog(level)
    logs.quiet_libraries()
    logs.quiet_chatty_libraries(level)
    logs.mask_handlers()
    logs.log_early_deprecations()


def limit_tensorflow_threads(threads: int) -> None:
    """Let TensorFlow, and NumPy's BLAS (the meaning model's products), use at most `threads` threads for one
    operation and between operations (0: their defaults).

    Several workers on a few cores each running TensorFlow's own thread pools (one thread per
    core each) only take turns on the same cores; so do OpenBLAS's.
    """
    if threads <= 0:
        return
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(limits=threads)  # applies from now on in this process
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def _load_agent(model_path: str, action_url: str, tracker_url: str) -> Agent:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.core.tracker_cache import CachedSQLTrackerStore

    return Agent.load(
        model_path,
        tracker_store=CachedSQLTrackerStore(host=tracker_url),
        action_endpoint=EndpointConfig(url=action_url),
    )


async def _answer(agent: Any, request: Tuple[Any, ...]) -> Tuple[Any, ...]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    _, request_id, sender_id, text, channel, metadata = request
    try:
        output = CollectingOutputChannel()
        message = UserMessage(
            text, output, sender_id, input_channel=channel, metadata=await _with_context(agent, sender_id, metadata)
        )
        replies = await agent.handle_message(message)
        if replies is None:
            return ("failed", request_id, "the model is not loaded")
        return ("result", request_id, replies)
    except Exception as error:  # reported to the gateway, which answers the person kindly
        logger.exception("Rasa failed on a message in conversation %s", sender_id)
        return ("failed", request_id, f"Rasa failed: {type(error).__name__}")  # its text may quote the message


async def _with_context(agent: Any, sender_id: str, metadata: Any) -> Dict[str, Any]:
    """The message's metadata plus the FAQ topic just answered, so a follow-up is read against it, and
    what the trial search is doing (the detail its form asked for; whether it has details already)."""
    result = dict(metadata or {})
    tracker = await agent.tracker_store.retrieve(sender_id)
    previous = previous_topic(list(tracker.events)) if tracker is not None else None
    if previous:
        result[PREVIOUS_TOPIC_KEY] = previous
    if tracker is not None:
        if tracker.active_loop_name == SEARCH_FORM and tracker.get_slot("requested_slot"):
            result[REQUESTED_SLOT_KEY] = tracker.get_slot("requested_slot")
        if tracker.get_slot("condition") or tracker.get_slot("latitude") is not None:
            result[SEARCHED_KEY] = True
    return result


def serve(
    conn: Connection, model_path: str, action_url: str, tracker_url: str, log_level: str, tf_threads: int = 0
) -> None:
    """Process entry point: load the model, report ready, then answer until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    unused_modules.keep_out()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    configure_rasa_logging(log_level)
    limit_tensorflow_threads(tf_threads)
    speedups.install()
    action_outage.install()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    send_lock = threading.Lock()

    def send(item: Tuple[Any, ...]) -> None:
        with send_lock:
            conn.send(item)

    started = time.monotonic()
    try:
        agent = _load_agent(model_path, action_url, tracker_url)
    except Exception as error:
        send(("error", f"could not load the model at {model_path}: {type(error).__name__}: {error}"))
        return
    send(("ready", {"pid": os.getpid(), "load_seconds": round(time.monotonic() - started, 2)}))

    async def handle(request: Tuple[Any, ...]) -> None:
        send(await _answer(agent, request))

    answering: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks

    def start(request: Tuple[Any, ...]) -> None:
        task = loop.create_task(handle(request))
        answering.add(task)
        task.add_done_callback(answering.discard)

    def read() -> None:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                break
            if request[0] == "stop":
                break
            loop.call_soon_threadsafe(start, request)
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=read, name="core-worker-reader", daemon=True).start()
    loop.run_forever()
