"""The Redis conversation lock store against the local Redis: ordered, handed over, race-safe,
and not held for a minute by a replica that died during a turn.

Why not a unit test: these need a running Redis (127.0.0.1:6379, as README's prerequisites
say). Each test uses a key prefix of its own and deletes its keys. The in-memory store and the
hand-over without a stopwatch are tested in tests/unit/patches/test_lock_store.py, whose
`burst` this reuses.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import LockStore, RedisLockStore

from sedorum.patches.lock_store import FastRedisLockStore
from tests.unit.patches.test_lock_store import SLOW_POLL_S, burst


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = "t" + uuid.uuid4().hex[:10]
    yield prefix
    client = redis.StrictRedis(host="127.0.0.1", port=6379, db=0)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def redis_store(prefix: str, cls: type = FastRedisLockStore, **kwargs: object) -> LockStore:
    return cls(host="127.0.0.1", port=6379, db=0, key_prefix=prefix, **kwargs)


def test_redis_burst_is_served_in_arrival_order_and_cleaned_up(redis_prefix: str) -> None:
    store = redis_store(redis_prefix, poll_interval_s=SLOW_POLL_S)
    assert asyncio.run(burst(store, "c1")) == [0, 1, 2, 3, 4]
    assert store.get_lock("c1") is None
    left = [key.decode() for key in store.red.scan_iter(f"{redis_prefix}:*")]
    assert left == [f"{redis_prefix}:lock-alive:{store.owner}"], "only the replica's heartbeat is left"


def test_redis_lock_is_handed_between_replicas_by_polling(redis_prefix: str) -> None:
    """Replica B waits for a lock held by replica A (another process: no local wake-up)."""
    replica_a = redis_store(redis_prefix, poll_interval_s=0.01)
    replica_b = redis_store(redis_prefix, poll_interval_s=0.01)

    async def run() -> list[str]:
        order: list[str] = []

        async def on_a() -> None:
            async with replica_a.lock("c1"):
                order.append("a")
                await asyncio.sleep(0.05)

        async def on_b() -> None:
            await asyncio.sleep(0.01)
            async with replica_b.lock("c1"):
                order.append("b")

        await asyncio.wait_for(asyncio.gather(on_a(), on_b()), timeout=5)
        return order

    assert asyncio.run(run()) == ["a", "b"]


def test_a_dead_replicas_ticket_is_released_within_seconds_not_after_its_lifetime(redis_prefix: str) -> None:
    """Replica A takes the lock and dies during the turn; replica B's message goes on within seconds."""
    replica_a = redis_store(redis_prefix, poll_interval_s=0.01)
    replica_b = redis_store(redis_prefix, poll_interval_s=0.01)
    replica_a.issue_ticket("c1")  # A's turn holds the lock (lifetime 60 s)...
    replica_a.close()  # ...and A dies: no more heartbeat
    replica_a.red.delete(f"{replica_a.key_prefix.rstrip(':')}-alive:{replica_a.owner}")  # its 5 s ran out

    async def on_b() -> float:
        started = time.monotonic()
        async with replica_b.lock("c1"):
            return time.monotonic() - started

    assert asyncio.run(asyncio.wait_for(on_b(), timeout=10)) < 5


def test_a_live_replicas_ticket_is_never_released_however_long_its_turn(redis_prefix: str) -> None:
    replica_a = redis_store(redis_prefix, poll_interval_s=0.01)
    replica_b = redis_store(redis_prefix, poll_interval_s=0.01)

    async def run() -> list[str]:
        order: list[str] = []

        async def on_a() -> None:
            async with replica_a.lock("c1"):
                await asyncio.sleep(2.5)  # several orphan checks of B happen meanwhile
                order.append("a done")

        async def on_b() -> None:
            await asyncio.sleep(0.05)
            async with replica_b.lock("c1"):
                order.append("b")

        await asyncio.wait_for(asyncio.gather(on_a(), on_b()), timeout=10)
        return order

    assert asyncio.run(run()) == ["a done", "b"]


def test_redis_lock_keys_expire_if_a_replica_dies(redis_prefix: str) -> None:
    store = redis_store(redis_prefix)
    store.issue_ticket("c1")
    ttl = store.red.ttl(f"{store.key_prefix}c1")
    assert 0 < ttl <= store.key_ttl_s


def _issue_concurrently(stores: list[LockStore], conversation: str, per_thread: int) -> list[int]:
    tickets: list[int] = []
    guard = threading.Lock()
    start = threading.Barrier(len(stores))

    def work(store: LockStore) -> None:
        start.wait()
        for _ in range(per_thread):
            number = store.issue_ticket(conversation)
            with guard:
                tickets.append(number)

    threads = [threading.Thread(target=work, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return tickets


def test_redis_tickets_stay_unique_when_replicas_race(redis_prefix: str) -> None:
    """Four replicas issuing tickets for one conversation at once never get the same number."""
    stores = [redis_store(redis_prefix) for _ in range(4)]
    tickets = _issue_concurrently(stores, "c1", per_thread=50)
    assert len(tickets) == 200
    assert sorted(tickets) == list(range(200)), "every ticket issued exactly once"
    lock = stores[0].get_lock("c1")
    assert lock is not None and len(lock.tickets) == 200, "no ticket overwritten by another replica"


def test_rasa_redis_store_loses_tickets_under_the_same_race(redis_prefix: str) -> None:
    """Control for the test above: Rasa's read-then-write store does drop tickets here."""
    stores = [redis_store(redis_prefix, cls=RedisLockStore) for _ in range(4)]
    tickets = _issue_concurrently(stores, "c2", per_thread=50)
    lock = stores[0].get_lock("c2")
    assert lock is not None
    assert len(set(tickets)) < 200 or len(lock.tickets) < 200
