"""Conversation lock stores that hand the lock over in milliseconds instead of seconds.

Why: Rasa 3.6 serialises the messages of one conversation with a ticket lock, and a waiting
message re-checks the lock every `wait_time_in_seconds=1` (rasa/core/lock_store.py). Five
messages arriving together for one conversation were answered after 0.03, 1.06, 2.08, 3.10
and 4.12 s, although each took about 30 ms of work. Here a waiting message wakes up as soon
as the message before it releases the lock in this process (an asyncio.Event per
conversation) and, as a safety net for releases in other processes, re-checks every
`poll_interval_s` (10 ms by default). The ticket order is Rasa's own, so the messages of a
conversation are still answered first-come, first-served.

The Redis store also makes every read-modify-write of a lock one optimistic transaction
(WATCH/MULTI). Rasa's RedisLockStore reads, changes and writes the lock in separate calls,
so two replicas issuing tickets for the same conversation at the same moment can overwrite
each other's ticket (RasaHQ/rasa#9213; the race-safe store is a Rasa Pro feature). Routing by
sender id keeps one conversation on one replica, but a replica restart or a re-route must not
break the ordering.

A replica that dies during a turn leaves its ticket in Redis, and in Rasa's store the
conversation then waits for the ticket's 60 s lifetime: measured, a visitor whose replica was
killed waited 60 s for the next answer from the other replica. Here each store names its
tickets (`owner`: host, process id and a random part) and keeps a heartbeat key alive for as
long as its process runs (renewed every second, gone `OWNER_ALIVE_S` after the last renewal).
A waiting message releases the tickets of owners without a heartbeat, so a conversation moves
on within seconds. A live replica's tickets are never released this way, however slow its turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from sedorum.patches.declaration import Patch

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL_S = 0.01
HEARTBEAT_EVERY_S = 1.0
OWNER_ALIVE_S = 5  # a heartbeat older than this: the replica is gone, its tickets are released
ORPHAN_CHECK_EVERY_S = 0.5  # per conversation, while a message waits for its lock
T = TypeVar("T")


class PromptHandoverMixin:
    """Wakes the next waiting message of a conversation as soon as the lock is released.

    Mixed in before a Rasa LockStore class; only the waiting changes, never who is next.
    """

    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S

    def _release_events(self) -> dict[str, asyncio.Event]:
        events = self.__dict__.get("_sedorum_release_events")
        if events is None:
            events = self.__dict__["_sedorum_release_events"] = {}
        return events

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock() with our poll interval as the default wait between checks."""
        wait = self.poll_interval_s if wait_time_in_seconds is None else wait_time_in_seconds
        async with LockStore.lock(self, conversation_id, lock_lifetime, wait) as ticket_lock:
            yield ticket_lock

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            # get_lock and update_lock come from the Rasa LockStore this class is mixed into.
            lock = self.get_lock(conversation_id)  # type: ignore[attr-defined]  # from the Rasa LockStore mixed in
            if not lock:
                break  # expired: Rasa raises too
            if not lock.is_locked(ticket):
                return lock
            await self._wait_for_release(conversation_id, wait_time_in_seconds)
            self.update_lock(conversation_id)  # type: ignore[attr-defined]  # from the Rasa LockStore, as get_lock
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    async def _wait_for_release(self, conversation_id: str, timeout_s: float) -> None:
        events = self._release_events()
        event = events.get(conversation_id)
        if event is None:
            event = events[conversation_id] = asyncio.Event()
        with suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=timeout_s)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # The next class in the MRO is the Rasa LockStore this mixin is combined with.
        super().cleanup(conversation_id, ticket_number)  # type: ignore[misc]  # a mixin: Rasa's LockStore is next
        event = self._release_events().pop(conversation_id, None)
        if event is not None:
            event.set()  # every waiter re-checks; the one holding the next ticket goes


class FastInMemoryLockStore(PromptHandoverMixin, InMemoryLockStore):
    """The embedded default (one process), with prompt hand-over."""

    def __init__(self, poll_interval_s: float = DEFAULT_POLL_INTERVAL_S) -> None:
        super().__init__()
        self.poll_interval_s = poll_interval_s


class FastRedisLockStore(PromptHandoverMixin, RedisLockStore):
    """Shared by replicas: prompt hand-over, atomic ticket updates, keys that expire.

    Created by Rasa's factory from an endpoint config (`type:` this class path) or directly.
    """

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        **kwargs: Any,
    ) -> None:
        if endpoint_config is not None:
            options = dict(endpoint_config.kwargs)
            poll_interval_s = float(options.pop("poll_interval_s", poll_interval_s))
            kwargs = {"host": endpoint_config.url or "localhost", **options, **kwargs}
        super().__init__(**kwargs)
        self.poll_interval_s = poll_interval_s
        # A crashed replica's lock disappears by itself once every ticket in it has expired.
        self.key_ttl_s = int(LOCK_LIFETIME) * 2 + 1
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._orphans_checked: dict[str, float] = {}
        self._beating = threading.Event()
        self._beat()  # alive before its first ticket
        self._beating.set()
        threading.Thread(target=self._keep_beating, name="lock-heartbeat", daemon=True).start()

    def _key(self, conversation_id: str) -> str:
        return self.key_prefix + conversation_id

    def _side_key(self, kind: str, name: str) -> str:
        """Keys next to the locks that no conversation id can collide with ("<prefix>lock-owners:...")."""
        return f"{self.key_prefix.rstrip(':')}-{kind}:{name}"

    def _owners_key(self, conversation_id: str) -> str:
        return self._side_key("owners", conversation_id)

    def _alive_key(self, owner: str) -> str:
        return self._side_key("alive", owner)

    def _beat(self) -> None:
        try:
            self.red.set(self._alive_key(self.owner), "1", ex=OWNER_ALIVE_S)
        except Exception as error:  # Redis restarting: the next beat renews it
            logger.debug("Lock store heartbeat failed: %s", type(error).__name__)

    def _keep_beating(self) -> None:
        while self._beating.is_set():
            time.sleep(HEARTBEAT_EVERY_S)
            if self._beating.is_set():
                self._beat()

    def close(self) -> None:
        """Stops the heartbeat (this store's tickets count as a dead replica's from then on)."""
        self._beating.clear()

    def _orphaned(self, conversation_id: str, lock: TicketLock) -> list[int]:
        """Tickets of this lock whose owner stopped renewing its heartbeat (checked now and then)."""
        now = time.monotonic()
        if now - self._orphans_checked.get(conversation_id, 0.0) < ORPHAN_CHECK_EVERY_S:
            return []
        self._orphans_checked[conversation_id] = now
        if len(self._orphans_checked) > 10_000:
            self._orphans_checked.clear()
        owners = {
            int(number): owner.decode() if isinstance(owner, bytes) else str(owner)
            for number, owner in self.red.hgetall(self._owners_key(conversation_id)).items()
        }
        orphaned = []
        for ticket in lock.tickets:
            owner = owners.get(ticket.number)
            if owner and owner != self.owner and not self.red.exists(self._alive_key(owner)):
                orphaned.append(ticket.number)
        return orphaned

    def _transact(
        self,
        conversation_id: str,
        change: Callable[[TicketLock | None], tuple[TicketLock | None, T]],
        also: Callable[[Any, T], None] | None = None,
    ) -> T:
        """Applies `change` to the stored lock atomically; retries when another writer raced us.

        `change` returns the lock to store (None or no tickets: delete the key) and a result;
        `also` adds commands to the same transaction (the ticket owners).
        """
        import redis

        key = self._key(conversation_id)
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    current = TicketLock.from_dict(json.loads(raw)) if raw else None
                    updated, result = change(current)
                    pipe.multi()
                    if updated is None or not updated.tickets:
                        pipe.delete(key)
                        pipe.delete(self._owners_key(conversation_id))
                    else:
                        pipe.set(key, updated.dumps(), ex=self.key_ttl_s)
                    if also is not None:
                        also(pipe, result)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        def name_owner(pipe: Any, number: int) -> None:
            owners = self._owners_key(conversation_id)
            pipe.hset(owners, str(number), self.owner)
            pipe.expire(owners, self.key_ttl_s)

        try:
            return self._transact(conversation_id, change, name_owner)
        except Exception as error:  # Rasa's contract: any failure here is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, list[int]]:
            released: list[int] = []
            if lock:
                lock.remove_expired_tickets()
                released = self._orphaned(conversation_id, lock)
                for number in released:
                    lock.remove_ticket_for(number)
            return lock, released

        def forget_owners(pipe: Any, released: list[int]) -> None:
            if released:
                pipe.hdel(self._owners_key(conversation_id), *map(str, released))

        released = self._transact(conversation_id, change, forget_owners)
        if released:
            logger.warning(
                "Conversation %s: released %d lock ticket(s) of a replica that stopped.", conversation_id, len(released)
            )

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        def forget_owner(pipe: Any, _: None) -> None:
            pipe.hdel(self._owners_key(conversation_id), str(ticket_number))

        self._transact(conversation_id, change, forget_owner)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # finish_serving deletes the key in the same transaction when nobody is waiting, so
        # there is no gap between "nobody waits" and "delete" for another replica to fall into.
        self.finish_serving(conversation_id, ticket_number)
        event = self._release_events().pop(conversation_id, None)
        if event is not None:
            event.set()

    def save_lock(self, lock: TicketLock) -> None:
        self.red.set(self._key(lock.conversation_id), lock.dumps(), ex=self.key_ttl_s)


def create_lock_store(endpoint_config: EndpointConfig | None, poll_interval_s: float) -> LockStore:
    """The fast variant of whatever lock store the endpoint config asks for.

    in_memory (or nothing) and redis map to our subclasses; any other class path is left to
    Rasa's own factory, so a deployment can still plug in its own store.
    """
    kind = endpoint_config.type if endpoint_config is not None else None
    if kind in (None, "in_memory"):
        return FastInMemoryLockStore(poll_interval_s=poll_interval_s)
    if kind == "redis":
        assert endpoint_config is not None
        return FastRedisLockStore(
            host=endpoint_config.url or "localhost", poll_interval_s=poll_interval_s, **endpoint_config.kwargs
        )
    return _rasa_factory(endpoint_config)


def _rasa_factory(endpoint_config: EndpointConfig | None) -> LockStore:
    from rasa.core import lock_store as rasa_lock_store

    original = getattr(rasa_lock_store, "_sedorum_original_factory", rasa_lock_store._create_from_endpoint_config)
    return original(endpoint_config)


def install(poll_interval_s: float) -> None:
    """Makes Rasa's lock-store factory build the fast stores (idempotent)."""
    from rasa.core import lock_store as rasa_lock_store

    if not hasattr(rasa_lock_store, "_sedorum_original_factory"):
        rasa_lock_store._sedorum_original_factory = rasa_lock_store._create_from_endpoint_config

    def factory(endpoint_config: EndpointConfig | None = None) -> LockStore:
        store = create_lock_store(endpoint_config, poll_interval_s)
        logger.info("Lock store: %s (re-checks every %.0f ms)", type(store).__name__, poll_interval_s * 1000)
        return store

    rasa_lock_store._create_from_endpoint_config = factory


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="lock_store",
        targets=("rasa.core.lock_store:_create_from_endpoint_config",),
        why="A message waiting for its conversation's lock slept a whole second between checks, and "
        "Rasa's Redis lock store loses tickets between replicas; ours wakes on release, re-checks "
        "every SEDORUM_LOCK_POLL_MS and updates Redis in one transaction. A replica that died "
        "during a turn held the conversation for the ticket's 60 s lifetime; its tickets are "
        "released once its heartbeat stops.",
        test="tests/unit/patches/test_lock_store.py",
        apply=lambda context: install(poll_interval_s=max(context.settings.lock_poll_ms, 1.0) / 1000),
    ),
)
