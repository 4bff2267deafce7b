"""TTLCache and PendingReply: process once, deliver exactly one way."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.dedupe import LATER, PASSIVE, PendingReply, TTLCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# -- TTLCache ---------------------------------------------------------------------------------


def test_entries_expire_after_ttl():
    clock = FakeClock()
    cache = TTLCache(ttl=10, max_entries=100, clock=clock)
    cache.set("a", 1)
    clock.now = 9.9
    assert cache.get("a") == 1
    clock.now = 10.0
    assert cache.get("a") is None
    assert len(cache) == 0


def test_oldest_entries_are_evicted_beyond_max_entries():
    cache = TTLCache(ttl=10, max_entries=3, clock=FakeClock())
    for key in "abcd":
        cache.set(key, key.upper())
    assert [cache.get(k) for k in "abcd"] == [None, "B", "C", "D"]
    assert len(cache) == 3


def test_get_or_set_creates_once():
    cache = TTLCache(ttl=10, max_entries=10, clock=FakeClock())
    calls = []
    first, created_first = cache.get_or_set("k", lambda: calls.append(1) or "v")
    second, created_second = cache.get_or_set("k", lambda: calls.append(2) or "w")
    assert (first, created_first, second, created_second) == ("v", True, "v", False)
    assert calls == [1]


def test_set_again_renews_lifetime_and_pop_removes():
    clock = FakeClock()
    cache = TTLCache(ttl=10, max_entries=10, clock=clock)
    cache.set("a", 1)
    clock.now = 8
    cache.set("a", 2)
    clock.now = 15
    assert cache.get("a") == 2
    assert cache.pop("a") == 2
    assert cache.get("a") is None and cache.pop("a") is None


@pytest.mark.parametrize("kwargs", [{"ttl": 0, "max_entries": 1}, {"ttl": 1, "max_entries": 0}])
def test_cache_limits_must_be_positive(kwargs):
    with pytest.raises(ValueError):
        TTLCache(**kwargs)


# -- PendingReply -----------------------------------------------------------------------------


async def test_result_without_waiting_delivery_goes_to_deliver_later_once():
    later = []
    pending = PendingReply(later.append)
    pending.resolve("answer")
    assert later == ["answer"] and pending.route == LATER
    assert await pending.wait_for_passive(0.01) is None  # a later retry: "success"
    assert later == ["answer"]


async def test_waiting_delivery_gets_the_result_passively():
    later = []
    pending = PendingReply(later.append)
    waiter = asyncio.create_task(pending.wait_for_passive(10))
    await asyncio.sleep(0)
    assert pending.waiting == 1
    pending.resolve("answer")
    assert await waiter == "answer"
    assert later == [] and pending.route == PASSIVE
    assert await pending.wait_for_passive(0.01) == "answer"  # retry after a lost reply
    assert pending.passive_claims == 2


async def test_delivery_that_times_out_leaves_the_result_to_deliver_later():
    later = []
    pending = PendingReply(later.append)
    assert await pending.wait_for_passive(0.01) is None
    assert pending.waiting == 0
    pending.resolve("answer")
    assert later == ["answer"]


async def test_cancelled_delivery_does_not_swallow_the_result():
    later = []
    pending = PendingReply(later.append)
    waiter = asyncio.create_task(pending.wait_for_passive(10))
    await asyncio.sleep(0)
    assert pending.waiting == 1
    waiter.cancel()  # WeChat's connection is gone while the bot is still busy
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert pending.waiting == 0
    pending.resolve("answer")
    assert later == ["answer"]
    assert pending.route == LATER


async def test_resolve_twice_is_an_error():
    pending = PendingReply(lambda result: None)
    pending.resolve(1)
    with pytest.raises(RuntimeError):
        pending.resolve(2)
