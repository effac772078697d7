"""Which Rasa process serves a request, and when: fixed routing, fair queues, emergencies first.

Why: one Rasa process uses one core, and inside it every waiting turn competes for the same
event loop, so under load some visitors waited 30 times longer than others
(docs/performance.md). The front process (sedorum/server/router.py) therefore

- sends every conversation to one fixed process (`process_for`, a stable hash of the sender
  id), so the in-memory lock store of that process still sees every message of the
  conversation and serialises them;
- lets each process work on at most `inflight` turns at a time and keeps the rest waiting in
  the front process, first come, first served (`FairQueue`), so a turn waits for the turns
  queued before it and nothing else;
- moves a message that the deterministic emergency detector flags (S1) ahead of every
  queued ordinary message of its process.

Pure logic without I/O: tests/unit/test_routing.py checks each rule.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

REST_WEBHOOK = "/webhooks/rest/webhook"
CONVERSATIONS_PREFIX = "/conversations/"
# The emergency check looks at the start of a message: enough for any real emergency sentence,
# and a bounded cost on the front process's event loop (the detector is about 7 us/character).
EMERGENCY_SCAN_CHARS = 600

EMERGENCY, ORDINARY = 0, 1


def process_for(sender_id: str, processes: int) -> int:
    """The index (0..processes-1) of the process that serves this conversation, always the same.

    A cryptographic digest, not Python's hash(): that one is salted per process, and the
    answer must not change when the front process restarts.
    """
    if processes <= 1:
        return 0
    digest = hashlib.blake2b(sender_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % processes


@dataclass(frozen=True)
class Route:
    """Where a request goes: the process index, whether it waits in the fair queue, its lane."""

    process: int
    queued: bool = False
    emergency: bool = False
    sender: str | None = None


def is_emergency_text(text: str) -> bool:
    from sedorum.safety.emergency import detect_emergency

    return detect_emergency(text[:EMERGENCY_SCAN_CHARS]) is not None


def route_request(method: str, path: str, body: bytes, processes: int, max_body_bytes: int) -> Route:
    """Routes one HTTP request.

    - REST webhook: the sender in the JSON body picks the process; the turn is queued, in the
      emergency lane when the message is flagged. A body the front cannot read goes to
      process 0 unqueued, whose edge checks answer it (4xx) as they always have.
    - /conversations/<sender>/...: the HTTP API of that conversation, on its process.
    - everything else (socket.io, the pages, the staff console, the other channels' webhooks,
      /status...): process 0, the "home" process, so a browser's socket.io session, the staff
      console that pushes to it and the conversation's lock are all in one process.
    """
    if method == "POST" and path == REST_WEBHOOK:
        if len(body) > max_body_bytes:
            return Route(0)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            return Route(0)
        if not isinstance(payload, dict):
            return Route(0)
        sender, message = payload.get("sender"), payload.get("message")
        if not isinstance(sender, str) or not sender:
            return Route(0)
        emergency = isinstance(message, str) and is_emergency_text(message)
        return Route(process_for(sender, processes), queued=True, emergency=emergency, sender=sender)
    if path.startswith(CONVERSATIONS_PREFIX):
        sender = path[len(CONVERSATIONS_PREFIX) :].split("/", 1)[0]
        if sender:
            from urllib.parse import unquote

            sender = unquote(sender)
            return Route(process_for(sender, processes), sender=sender)
    return Route(0)


@dataclass(order=True)
class _Waiter:
    lane: int
    seq: int
    future: asyncio.Future[None] = field(compare=False)


class FairQueue:
    """At most `limit` turns at a time in one process; the others wait in arrival order.

    Emergencies wait in their own lane, which is always served first. A waiter whose client
    went away (its task cancelled) gives its place up; a slot handed to it is passed on.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.active = 0
        self._waiting: list[_Waiter] = []
        self._seq = 0
        self.served = {EMERGENCY: 0, ORDINARY: 0}

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiting if not waiter.future.done())

    @asynccontextmanager
    async def slot(self, emergency: bool = False) -> AsyncIterator[None]:
        lane = EMERGENCY if emergency else ORDINARY
        await self._acquire(lane)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, lane: int) -> None:
        if self.active < self.limit and not self.waiting:
            self.active += 1
            self.served[lane] += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._waiting, _Waiter(lane, self._seq, future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # the slot was already ours: hand it to the next one
            raise
        self.served[lane] += 1

    def _release(self) -> None:
        while self._waiting:
            waiter = heapq.heappop(self._waiting)
            if not waiter.future.done():
                waiter.future.set_result(None)  # the slot passes on; `active` is unchanged
                return
        self.active -= 1
