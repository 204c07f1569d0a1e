"""The worker's tracker store keeps recent trackers in memory and the database exactly as Rasa would, on SQLite
(the newest id from its last insert) and PostgreSQL (the newest id asked for)."""

from typing import Callable, List

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered

from bot.core.tracker_cache import CachedSQLTrackerStore
from bot.store.db import PROJECT_ROOT

NewDatabase = Callable[[], str]
"""The `new_database` fixture: a new empty database's URL, SQLite or PostgreSQL."""


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _turn(text: str, intent: str, action: str, reply: str) -> List[Event]:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.99}),
        ActionExecuted(action),
        BotUttered(reply),
        ActionExecuted("action_listen"),
    ]


def _plain(event: Event) -> dict:
    data = event.as_dict()
    data.pop("timestamp", None)
    return data


async def _say(store: SQLTrackerStore, sender: str, *turns: List[Event]) -> None:
    tracker = await store.get_or_create_tracker(sender)
    for turn in turns:
        for event in turn:
            tracker.update(event)
    await store.save(tracker)


async def _rows(store: SQLTrackerStore, sender: str) -> int:
    with store.session_scope() as session:
        return session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count()


async def test_stores_the_same_events_as_rasa_and_reuses_its_tracker(new_database: NewDatabase, domain: Domain) -> None:
    cached = CachedSQLTrackerStore(domain, host=new_database())
    plain = SQLTrackerStore(domain, host=new_database())
    turns = [
        _turn("hi", "greet", "utter_greet", "Hello"),
        [*_turn("im 34", "inform", "action_search_trials", "Here are trials"), SlotSet("age", 34.0)],
        _turn("thanks", "thank", "utter_thank", "You're welcome"),
    ]
    for store in (cached, plain):
        for turn in turns:
            await _say(store, "c1", turn)
    assert cached.hits == 2 and cached.misses == 1, "the first message reads the database, the next ones memory"
    assert await _rows(cached, "c1") == await _rows(plain, "c1") == 1 + 3 * 4 + 1
    same_events = [_plain(e) for e in (await cached.retrieve("c1")).events]
    assert same_events == [_plain(e) for e in (await plain.retrieve("c1")).events]
    assert (await cached.retrieve("c1")).get_slot("age") == 34.0


async def test_a_change_by_someone_else_is_read_from_the_database(new_database: NewDatabase, domain: Domain) -> None:
    url = new_database()
    mine, other = CachedSQLTrackerStore(domain, host=url), SQLTrackerStore(domain, host=url)
    await _say(mine, "c2", _turn("hi", "greet", "utter_greet", "Hello"))
    await _say(other, "c2", _turn("thanks", "thank", "utter_thank", "You're welcome"))  # e.g. another worker
    tracker = await mine.retrieve("c2")
    assert mine.hits == 0, "its newest stored event is not the one this store wrote"
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hi", "thanks"]
    tracker.update(UserUttered("bye", {"name": "goodbye"}))
    await mine.save(tracker)
    assert await _rows(mine, "c2") == 1 + 2 * 4 + 1, "nothing written twice"


async def test_deleted_conversations_are_not_brought_back(new_database: NewDatabase, domain: Domain) -> None:
    store = CachedSQLTrackerStore(domain, host=new_database())
    await _say(store, "c3", _turn("hi", "greet", "utter_greet", "Hello"))
    with store.session_scope() as session:  # what delete-my-data does to the tracker
        session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == "c3").delete()
        session.commit()
    assert await store.retrieve("c3") is None
    assert await _rows(store, "c3") == 0


async def test_a_new_session_is_read_back_as_rasa_reads_it(new_database: NewDatabase, domain: Domain) -> None:
    store = CachedSQLTrackerStore(domain, host=new_database())
    await _say(
        store,
        "c4",
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        _turn("hi", "greet", "utter_greet", "Hello"),
    )
    await _say(
        store,
        "c4",
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        _turn("hi again", "greet", "utter_greet", "Hello again"),
    )
    tracker = await store.retrieve("c4")
    assert store.misses == 2, "after a new session the next message starts from the database"
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hi again"]


async def test_only_recent_conversations_are_kept(new_database: NewDatabase, domain: Domain) -> None:
    store = CachedSQLTrackerStore(domain, host=new_database(), capacity=2)
    for sender in ["a", "b", "c"]:
        await _say(store, sender, _turn("hi", "greet", "utter_greet", "Hello"))
    assert len(store) == 2
    await store.retrieve("a")
    assert store.misses == 4, "the oldest was dropped"
    await store.retrieve("c")
    assert store.hits == 1


async def test_many_events_at_once_are_written_in_chunks(
    new_database: NewDatabase, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.core.tracker_cache

    monkeypatch.setattr(bot.core.tracker_cache, "SQLITE_ROWS_PER_INSERT", 3)
    store = CachedSQLTrackerStore(domain, host=new_database())
    await _say(store, "c5", *(_turn(f"hi {i}", "greet", "utter_greet", "Hello") for i in range(5)))
    assert await _rows(store, "c5") == 1 + 5 * 4
    tracker = await store.retrieve("c5")
    assert store.hits == 1, "the id of the last row of the last chunk is the newest"
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [f"hi {i}" for i in range(5)]
