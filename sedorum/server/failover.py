"""The router's process-health part: which live Rasa process serves a request while one is down.

Why a module of its own: the router (sedorum/server/router.py) proxies, queues and keeps the
emergency lane; this part only decides where a request may go when a process is down, what
happens to a turn whose process died during it, and when a process counts as back. The pure
rules (failover order, health, conversation pins) are in sedorum/server/routing.py and tested there;
tests/unit/server/test_failover.py runs this part through a real router against stand-ins for
the Rasa processes.

- A refused connection (nothing sent) marks the process down and the request goes to the next
  process of its failover order; a probe then asks the process every PROBE_INTERVAL_S whether
  it is back, and from its first answer its conversations return to it.
- A conversation is never served by two processes at once (`ConversationPins`): each
  process's in-memory lock store only orders the turns that process sees.
- A turn that was sent and then dropped (the process died during it) is looked up in the
  tracker store through a live process: stored means it was answered, and the stored answer
  is returned; not stored, with the process gone, means it never happened, and it is served
  again on a live process. Anything else gets 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import nullcontext
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from sedorum.edge.inputs import clean_text
from sedorum.server.routing import ConversationPins, ProcessHealth, Route, failover_order
from sedorum.server.warm_up import WARM_UP_MESSAGE
from sedorum.settings import Settings
from sedorum.stores.warm_up import warm_up_sender

logger = logging.getLogger("sedorum.router")

PROCESS_HEADER = "X-Sedorum-Process"  # which Rasa process answered (operations and tests)
FROM_STORE_HEADER = "X-Sedorum-From-Store"  # "1": answer read back from the tracker store
RETRY_AFTER_S = 2
PROBE_INTERVAL_S = 0.5  # how often a process that is down is asked whether it is back
WARM_UP_TIMEOUT_S = 30.0  # longest wait for a process that is back to answer its warm-up turn
MOVE_WAIT_S = 30.0  # longest wait for a conversation's turns on a dead process to end before it moves


class Refused(Exception):
    """The connection to a Rasa process failed before anything was sent: the request may go elsewhere."""


def unavailable(reason: str = "the assistant is restarting, please retry") -> web.Response:
    """A clear 503 with Retry-After: the client may send the same request again."""
    return web.json_response({"error": reason}, status=503, headers={"Retry-After": str(RETRY_AFTER_S)})


class Proxy(Protocol):
    """What this part needs of the router: its settings, upstreams, HTTP session and one attempt."""

    settings: Settings
    upstreams: list[str]
    http: aiohttp.ClientSession | None

    async def serve_on(self, request: web.Request, body: bytes, route: Route, process: int) -> web.StreamResponse: ...

    async def proxy_websocket(self, request: web.Request, process: int) -> web.StreamResponse: ...


class FailoverRouting:
    """Serves each request on a live Rasa process (the rules: this module's docstring)."""

    def __init__(self, router: Proxy, processes: int) -> None:
        self.router = router
        self.health = ProcessHealth(processes)
        self.pins = ConversationPins()
        self.processes = processes
        self._probes: dict[int, asyncio.Task[None]] = {}

    def order_for(self, route: Route) -> tuple[int, ...]:
        """The route's own process first, then the others in the conversation's failover order."""
        base = failover_order(route.sender, self.processes)
        return (route.process, *(index for index in base if index != route.process))

    def pick(self, route: Route, tried: set[int]) -> int | None:
        pinned = self.pins.pinned(route.sender) if route.sender else None
        if pinned is not None and pinned not in tried and self.health.is_live(pinned):
            return pinned
        return self.health.choose(self.order_for(route), tried)

    async def serve(self, request: web.Request, body: bytes, route: Route) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MOVE_WAIT_S
        tried: set[int] = set()
        while True:
            process = self.pick(route, tried)
            if process is None:
                return unavailable("no assistant process is answering right now, please retry")
            if route.sender:
                pinned = self.pins.pinned(route.sender)
                if pinned is not None and pinned != process:
                    # Its turns on a process that is down end within moments (their connections
                    # drop); only then may the conversation continue elsewhere.
                    if not await self.pins.wait_until_free(route.sender, deadline - loop.time()):
                        return unavailable()
                    continue
            try:
                with self.pins.hold(route.sender, process) if route.sender else nullcontext():
                    return await self.router.serve_on(request, body, route, process)
            except Refused:
                self.mark_down(process)
                tried.add(process)

    async def websocket(self, request: web.Request, route: Route) -> web.StreamResponse:
        tried: set[int] = set()
        while (process := self.pick(route, tried)) is not None:
            try:
                return await self.router.proxy_websocket(request, process)
            except Refused:
                self.mark_down(process)
                tried.add(process)
        return unavailable("no assistant process is answering right now, please retry")

    async def after_dropped_turn(self, body: bytes, route: Route, process: int, sent_at: float) -> web.StreamResponse:
        """A REST turn sent to `process` whose connection dropped before the answer came."""
        assert route.sender is not None
        if await self.still_serving(process):
            return unavailable()  # alive: the turn may still finish there; the client decides
        self.mark_down(process)
        stored = await self.stored_answer(route.sender, body, process, sent_at)
        if stored is None:
            return unavailable()
        if stored is False:
            raise Refused(process)  # never stored and its process is gone: serve it elsewhere
        logger.info("Turn of a conversation on process %d was stored before it died: answered from the store", process)
        return web.json_response(stored, headers={PROCESS_HEADER: str(process), FROM_STORE_HEADER: "1"})

    async def still_serving(self, process: int) -> bool:
        return await self._status(process) is not None

    async def _status(self, process: int) -> int | None:
        """The HTTP status of the process's /status, None when it cannot be reached."""
        http = self.router.http
        assert http is not None
        url = f"{self.router.upstreams[process]}/status"
        try:
            async with http.get(
                url, params={"token": self.router.settings.auth_token}, timeout=aiohttp.ClientTimeout(total=2)
            ) as reply:
                return reply.status
        except (TimeoutError, aiohttp.ClientError):
            return None

    async def stored_answer(
        self, sender: str, body: bytes, process: int, sent_at: float
    ) -> list[dict[str, Any]] | bool | None:
        """The stored replies to this turn; False if it is not stored; None if that cannot be told."""
        try:
            text = clean_text(str(json.loads(body).get("message", "")))
        except (ValueError, AttributeError):
            return None
        reader = self.health.choose(failover_order(sender, self.processes), {process})
        if reader is None or self.router.http is None:
            return None
        url = f"{self.router.upstreams[reader]}/conversations/{sender}/tracker"
        try:
            async with self.router.http.get(
                url, params={"token": self.router.settings.auth_token}, timeout=aiohttp.ClientTimeout(total=10)
            ) as reply:
                if reply.status != 200:
                    return None
                events = (await reply.json()).get("events", [])
        except (TimeoutError, aiohttp.ClientError, ValueError):
            return None
        return replies_after(events, text, sent_at)

    def mark_down(self, process: int) -> None:
        if self.health.mark_down(process, time.monotonic()):
            logger.warning(
                "Rasa process %d (%s) is not answering: its conversations go to the other processes until it is back",
                process,
                self.router.upstreams[process],
            )
        if process not in self._probes or self._probes[process].done():
            self._probes[process] = asyncio.ensure_future(self._probe(process))

    async def _warm(self, process: int) -> None:
        """One real turn to a process that is back, before its conversations return to it.

        Why: a restarted process does work on its first message that no later one repeats, so
        without this its first returning visitor waits seconds longer. The turn uses the
        warm-up conversation the tracker store never writes (sedorum/server/warm_up.py); any
        outcome ends the wait, so a process is never kept out because its warm-up failed.
        """
        http = self.router.http
        assert http is not None
        body = {"sender": warm_up_sender(self.router.settings.auth_token), "message": WARM_UP_MESSAGE}
        try:
            async with http.post(
                f"{self.router.upstreams[process]}/webhooks/rest/webhook",
                json=body,
                timeout=aiohttp.ClientTimeout(total=WARM_UP_TIMEOUT_S),
            ) as reply:
                await reply.read()
        except (TimeoutError, aiohttp.ClientError):
            logger.warning("Rasa process %d did not answer its warm-up message; it serves anyway", process)

    async def _probe(self, process: int) -> None:
        while not self.health.is_live(process):
            await asyncio.sleep(PROBE_INTERVAL_S)
            if await self._status(process) == 200:
                if self.router.settings.warm_up:
                    await self._warm(process)
                away = self.health.mark_up(process, time.monotonic())
                logger.warning(
                    "Rasa process %d answers again after %.1f s: its conversations return to it", process, away or 0
                )

    def stop_probes(self) -> None:
        for task in self._probes.values():
            task.cancel()


def replies_after(events: list[dict[str, Any]], text: str, sent_at: float) -> list[dict[str, Any]] | bool:
    """The REST replies stored after the user message `text` sent at `sent_at`, or False if none is stored.

    Rasa stamps the user event when the turn starts, after the router sent it (same clock).
    A turn is stored in one commit at its end, so a stored user message has all its replies.
    """
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        # Rasa stamps the user message after the router sent it, on the same clock: strictly later.
        if event.get("event") != "user" or float(event.get("timestamp") or 0) < sent_at:
            continue
        if event.get("text") != text:
            continue
        replies = []
        for later in events[index + 1 :]:
            if later.get("event") == "user":
                break
            if later.get("event") == "bot":
                replies.append(rest_reply(later))
        return replies
    return False


def rest_reply(event: dict[str, Any]) -> dict[str, Any]:
    """A stored bot event in the REST channel's answer format (rasa CollectingOutputChannel)."""
    reply: dict[str, Any] = {}
    if event.get("text"):
        reply["text"] = event["text"]
    data = event.get("data") or {}
    for key in ("buttons", "image", "attachment", "custom"):
        if data.get(key):
            reply[key] = data[key]
    if data.get("elements"):
        reply["attachment"] = {
            "type": "template",
            "payload": {"template_type": "generic", "elements": data["elements"]},
        }
    return reply
