"""Which worker owns which conversation (`bot.core.affinity`): sticky, balanced, ready workers only."""

from bot.core.affinity import Affinity


def test_a_conversation_stays_with_its_worker() -> None:
    affinity = Affinity()
    assert affinity.acquire("c1", {0, 1}) == 0
    affinity.release("c1")
    for i in range(3):
        affinity.acquire(f"other-{i}", {0, 1})  # worker 0 gets busier than worker 1
    for _ in range(5):
        assert affinity.acquire("c1", {0, 1}) == 0, "even when its worker is the busier one"
        affinity.release("c1")


def test_new_conversations_go_to_the_least_busy_ready_worker() -> None:
    affinity = Affinity()
    assert affinity.acquire("a", {0, 1}) == 0
    assert affinity.acquire("b", {0, 1}) == 1
    assert affinity.acquire("b", {0, 1}) == 1, "a second message of b, in flight"
    assert affinity.acquire("c", {0, 1}) == 0
    assert (affinity.in_flight(0), affinity.in_flight(1)) == (2, 2)
    affinity.release("b")
    affinity.release("b")
    assert affinity.in_flight(1) == 0
    assert affinity.acquire("d", {0, 1}) == 1
    assert affinity.acquire("e", {1}) == 1, "worker 0 is still loading"
    assert affinity.acquire("f", set()) is None, "no worker is ready"


def test_conversations_spread_evenly_over_workers() -> None:
    affinity = Affinity()
    for i in range(30):
        affinity.acquire(f"c{i}", {0, 1, 2})  # each stays in flight
    assert [affinity.in_flight(i) for i in range(3)] == [10, 10, 10]


def test_a_busy_conversation_waits_for_its_worker_but_an_idle_one_moves() -> None:
    affinity = Affinity()
    assert affinity.acquire("busy", {0}) == 0
    assert affinity.acquire("idle", {0}) == 0
    affinity.release("idle")
    # worker 0 restarts (not ready); worker 1 is ready
    assert affinity.acquire("busy", {1}) == 0, "a message in flight there: keep the order, wait for it"
    assert affinity.acquire("idle", {1}) == 1, "nothing in flight: move to a ready worker"


def test_a_stopped_worker_gives_up_its_idle_conversations() -> None:
    affinity = Affinity()
    affinity.acquire("idle", {0})
    affinity.release("idle")
    affinity.acquire("busy", {0})
    affinity.drop_worker(0)
    assert affinity.owner("idle") is None
    assert affinity.owner("busy") == 0


def test_only_the_most_recent_idle_conversations_are_remembered() -> None:
    affinity = Affinity(capacity=3)
    affinity.acquire("in-flight", {0})
    for name in ["a", "b", "c", "d"]:
        affinity.acquire(name, {0, 1})
        affinity.release(name)
    assert len(affinity) == 3
    assert affinity.owner("in-flight") == 0, "never forgotten while a message is in flight"
    assert affinity.owner("a") is None and affinity.owner("b") is None
    assert affinity.owner("d") is not None
    affinity.release("in-flight")
    affinity.release("in-flight")  # releasing more than acquired does no harm
    assert affinity.in_flight(0) == 0
    assert affinity.acquire("in-flight", {1}) == 1
