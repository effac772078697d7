"""The conversation lock stores: first-come first-served, prompt hand-over, race-safe in Redis.

Hand-over is tested by behaviour, not by a stopwatch: with a re-check interval of 30 s a
burst of messages can only finish within the test's timeout if a released lock wakes the
next message at once. The speed itself is measured by `make bench-load` (burst5_s).
The Redis store needs a running Redis: its tests are in tests/e2e/test_redis_lock_store.py.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore

from sedorum.patches import lock_store as fast
from sedorum.patches.lock_store import FastInMemoryLockStore, FastRedisLockStore, create_lock_store

SLOW_POLL_S = 30.0


async def burst(store: LockStore, conversation: str, messages: int = 5, work_s: float = 0.01) -> list[int]:
    """Sends `messages` turns at once to one conversation; returns the order they ran in."""
    order: list[int] = []

    async def turn(number: int) -> None:
        async with store.lock(conversation):
            order.append(number)
            await asyncio.sleep(work_s)

    tasks = []
    for number in range(messages):
        tasks.append(asyncio.create_task(turn(number)))
        await asyncio.sleep(0)  # let it take its ticket: arrival order = ticket order
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    return order


def test_in_memory_burst_is_served_in_arrival_order_without_waiting_for_the_poll() -> None:
    store = FastInMemoryLockStore(poll_interval_s=SLOW_POLL_S)
    order = asyncio.run(burst(store, "c1"))
    assert order == [0, 1, 2, 3, 4]
    assert store.get_lock("c1") is None, "the lock is removed once nobody waits"


def test_rasa_in_memory_store_would_have_waited_for_its_poll() -> None:
    """Control: the same burst with Rasa's own store cannot finish while it sleeps between checks."""
    store = InMemoryLockStore()

    async def run() -> None:
        async def turn() -> None:
            async with store.lock("c1", wait_time_in_seconds=SLOW_POLL_S):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(asyncio.gather(turn(), turn()), timeout=2)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(run())


def test_conversations_do_not_wait_for_each_other() -> None:
    store = FastInMemoryLockStore(poll_interval_s=SLOW_POLL_S)

    async def run() -> list[str]:
        seen: list[str] = []
        async with store.lock("a"), store.lock("b"):  # would deadlock if "b" waited for "a"
            seen.append("b")
        return seen

    assert asyncio.run(asyncio.wait_for(run(), timeout=2)) == ["b"]


def test_factory_maps_rasa_types_to_fast_stores() -> None:
    from rasa.utils.endpoints import EndpointConfig

    assert isinstance(create_lock_store(None, 0.01), FastInMemoryLockStore)
    assert isinstance(create_lock_store(EndpointConfig(type="in_memory"), 0.01), FastInMemoryLockStore)
    store = create_lock_store(EndpointConfig(type="redis", url="127.0.0.1", port=6379, key_prefix="t"), 0.02)
    assert isinstance(store, FastRedisLockStore)
    assert store.poll_interval_s == 0.02
    assert store.key_prefix.startswith("t:")


def test_install_makes_rasa_create_the_fast_store() -> None:
    from rasa.core import lock_store as rasa_lock_store

    original = rasa_lock_store._create_from_endpoint_config
    try:
        fast.install(poll_interval_s=0.015)
        store = LockStore.create(None)
        assert isinstance(store, FastInMemoryLockStore)
        assert store.poll_interval_s == 0.015
    finally:
        rasa_lock_store._create_from_endpoint_config = original
