"""The per-sender token buckets: a burst, then the rate; senders apart; the wait in whole seconds."""

import time

from bot.gateway.rate_limit import SenderLimiter


def test_a_burst_then_a_wait_of_about_one_token() -> None:
    limiter = SenderLimiter(per_minute=6, burst=3)  # one message every 10 s after the first three
    assert [limiter.wait("rest", "amy") for _ in range(3)] == [None, None, None]
    wait = limiter.wait("rest", "amy")
    assert wait is not None and 1 <= wait <= 10


def test_senders_and_channels_have_their_own_buckets() -> None:
    limiter = SenderLimiter(per_minute=1, burst=1)
    assert limiter.wait("rest", "amy") is None
    assert limiter.wait("rest", "amy") is not None
    assert limiter.wait("rest", "ben") is None
    assert limiter.wait("webchat", "amy") is None


def test_the_bucket_refills_at_the_rate() -> None:
    limiter = SenderLimiter(per_minute=600, burst=1)  # one every 0.1 s
    assert limiter.wait("rest", "amy") is None
    assert limiter.wait("rest", "amy") == 1  # never less than a whole second to say
    time.sleep(0.25)
    assert limiter.wait("rest", "amy") is None


def test_zero_turns_the_limit_off() -> None:
    limiter = SenderLimiter(per_minute=0, burst=1)
    assert all(limiter.wait("rest", "amy") is None for _ in range(1000))
    assert limiter.senders == 0


def test_memory_is_bounded_by_forgetting_the_oldest_sender() -> None:
    limiter = SenderLimiter(per_minute=1, burst=1, max_senders=100)
    for number in range(1000):
        limiter.wait("rest", f"sender-{number}")
    assert limiter.senders == 100
    assert limiter.wait("rest", "sender-999") is not None  # the newest are remembered
    assert limiter.wait("rest", "sender-0") is None  # the oldest got a fresh bucket
