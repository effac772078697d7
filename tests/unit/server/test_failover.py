"""The router's failover (sedorum/server/failover.py) against small stand-ins for the Rasa processes.

Each stand-in is a real aiohttp server on loopback that answers the REST webhook, /status and
the tracker API from one shared dictionary (the shared tracker store), and can be stopped
(connections refused), started again on the same port, or made to drop every request (a
process that dies during a turn). The router runs in this process, as in production, and
the requests go through real sockets. The real Rasa processes are in tests/e2e/test_recovery.py.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from sedorum.server.failover import FROM_STORE_HEADER, PROCESS_HEADER, replies_after
from sedorum.server.router import ROUTER_HEALTH_PATH, Router
from sedorum.server.routing import failover_order
from sedorum.server.warm_up import WARM_UP_MESSAGE
from sedorum.settings import Settings
from sedorum.stores.warm_up import warm_up_sender

TOKEN = "router-test-token"
WEBHOOK = "/webhooks/rest/webhook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Store:
    """The shared tracker store: user and bot events per conversation."""

    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def user_texts(self, sender: str) -> list[str]:
        return [e["text"] for e in self.events.get(sender, []) if e["event"] == "user"]


class StandIn:
    """One Rasa process: answers turns (storing them), /status and the tracker API."""

    def __init__(self, index: int, store: Store) -> None:
        self.index, self.store, self.port = index, store, free_port()
        self.runner: web.AppRunner | None = None
        # "serve"; "drop": dead in the middle of turns (drops every request); "drop-turns": drops
        # turns but still answers /status (alive); "store-then-drop": stores the turn, then dies.
        self.mode = "serve"
        self.turns_seen: list[str] = []

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(WEBHOOK, self.turn)
        app.router.add_get("/status", self.status)
        app.router.add_get("/conversations/{sender}/tracker", self.tracker)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def _drop(self, request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()  # the connection ends without an answer, as when a process dies
        return web.Response(status=500)

    async def turn(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, text = body["sender"], body["message"]
        self.turns_seen.append(text)
        if self.mode in ("drop", "drop-turns"):
            return self._drop(request)
        reply = f"reply {self.index} to {text}"
        events = self.store.events.setdefault(sender, [])
        events.append({"event": "user", "text": text, "timestamp": time.time()})
        events.append({"event": "bot", "text": reply, "data": {"buttons": [{"title": "ok", "payload": "/ok"}]}})
        if self.mode == "store-then-drop":
            return self._drop(request)
        return web.json_response([{"recipient_id": sender, "text": reply}])

    async def status(self, request: web.Request) -> web.Response:
        if self.mode in ("drop", "store-then-drop"):
            return self._drop(request)
        return web.json_response({"ok": True})

    async def tracker(self, request: web.Request) -> web.Response:
        return web.json_response({"events": self.store.events.get(request.match_info["sender"], [])})


@asynccontextmanager
async def routed(processes: int = 2) -> AsyncIterator[tuple[str, list[StandIn], Store, Router]]:
    store = Store()
    stand_ins = [StandIn(index, store) for index in range(processes)]
    for stand_in in stand_ins:
        await stand_in.start()
    router = Router(Settings(auth_token=TOKEN), [s.port for s in stand_ins], inflight=2)
    runner = web.AppRunner(router.app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", stand_ins, store, router
    finally:
        await runner.cleanup()
        for stand_in in stand_ins:
            await stand_in.stop()


def sender_homed_on(process: int, processes: int = 2) -> str:
    index = 0
    while failover_order(f"visitor-{index}", processes)[0] != process:
        index += 1
    return f"visitor-{index}"


async def post(http: aiohttp.ClientSession, url: str, sender: str, text: str) -> tuple[int, dict[str, str], Any]:
    async with http.post(f"{url}{WEBHOOK}", json={"sender": sender, "message": text}) as reply:
        return reply.status, dict(reply.headers), await reply.json()


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=30))


async def until(check: Callable[[], Awaitable[bool]], timeout_s: float = 10) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


def test_a_conversation_moves_while_its_process_is_down_and_returns_when_it_answers_again() -> None:
    async def scenario() -> None:
        async with routed() as (url, stand_ins, store, _), aiohttp.ClientSession() as http:
            sender = sender_homed_on(1)
            status, headers, _ = await post(http, url, sender, "first")
            assert (status, headers[PROCESS_HEADER]) == (200, "1")

            await stand_ins[1].stop()  # process 1 dies: connections refused
            status, headers, body = await post(http, url, sender, "while it is down")
            assert (status, headers[PROCESS_HEADER]) == (200, "0"), body
            async with http.get(f"{url}{ROUTER_HEALTH_PATH}") as health:
                assert (await health.json())["processes_live"] == [True, False]

            await stand_ins[1].start()  # back on the same port

            async def home_again() -> bool:
                return (await post(http, url, sender, "back home"))[1][PROCESS_HEADER] == "1"

            assert await until(home_again)
            texts = store.user_texts(sender)
            assert texts[:2] == ["first", "while it is down"] and set(texts[2:]) == {"back home"}

    run(scenario)


def test_a_process_that_is_back_answers_a_warm_up_turn_before_its_conversations_return() -> None:
    async def scenario() -> None:
        async with routed() as (url, stand_ins, store, _), aiohttp.ClientSession() as http:
            sender = sender_homed_on(1)
            await stand_ins[1].stop()
            status, headers, _ = await post(http, url, sender, "while it is down")
            assert (status, headers[PROCESS_HEADER]) == (200, "0")
            await stand_ins[1].start()

            async def home_again() -> bool:
                return (await post(http, url, sender, "back home"))[1][PROCESS_HEADER] == "1"

            assert await until(home_again)
            seen = stand_ins[1].turns_seen
            assert WARM_UP_MESSAGE in seen and seen.index(WARM_UP_MESSAGE) < seen.index("back home")
            assert store.user_texts(warm_up_sender(TOKEN)) == [WARM_UP_MESSAGE]  # not the visitor's

    run(scenario)


def test_a_turn_dropped_before_it_was_stored_is_served_again_on_a_live_process() -> None:
    async def scenario() -> None:
        async with routed() as (url, stand_ins, store, _), aiohttp.ClientSession() as http:
            sender = sender_homed_on(0)
            stand_ins[0].mode = "drop"  # dies during the turn, before storing it
            status, headers, body = await post(http, url, sender, "how much magnesium?")
            assert (status, headers[PROCESS_HEADER]) == (200, "1"), body
            assert body[0]["text"] == "reply 1 to how much magnesium?"
            assert store.user_texts(sender) == ["how much magnesium?"]  # stored once

    run(scenario)


def test_a_turn_dropped_after_it_was_stored_is_answered_from_the_store_and_not_run_twice() -> None:
    async def scenario() -> None:
        async with routed() as (url, stand_ins, store, _), aiohttp.ClientSession() as http:
            sender = sender_homed_on(0)
            stand_ins[0].mode = "store-then-drop"  # stored its answer, died before sending it
            status, headers, body = await post(http, url, sender, "is it safe in pregnancy?")
            assert status == 200 and headers[FROM_STORE_HEADER] == "1"
            assert body == [
                {"text": "reply 0 to is it safe in pregnancy?", "buttons": [{"title": "ok", "payload": "/ok"}]}
            ]
            assert store.user_texts(sender) == ["is it safe in pregnancy?"]
            assert stand_ins[1].turns_seen == []

    run(scenario)


def test_a_dropped_turn_on_a_process_that_still_answers_gets_503_with_retry_after() -> None:
    async def scenario() -> None:
        async with routed() as (url, stand_ins, store, _), aiohttp.ClientSession() as http:
            sender = sender_homed_on(0)
            stand_ins[0].mode = "drop-turns"
            status, headers, _ = await post(http, url, sender, "hello")
            assert status == 503 and headers["Retry-After"] == "2"
            assert store.user_texts(sender) == []
            assert stand_ins[1].turns_seen == []  # not run elsewhere: it may still finish there

    run(scenario)


def test_with_every_process_down_the_answer_is_503_with_retry_after_not_a_dropped_connection() -> None:
    async def scenario() -> None:
        async with routed() as (url, stand_ins, _, _), aiohttp.ClientSession() as http:
            for stand_in in stand_ins:
                await stand_in.stop()
            status, headers, body = await post(http, url, "someone", "hello")
            assert status == 503 and headers["Retry-After"] == "2" and "retry" in body["error"]
            async with http.get(f"{url}/shop/") as page:
                assert page.status == 503 and page.headers["Retry-After"] == "2"

    run(scenario)


def test_pages_and_socketio_go_to_the_next_process_while_process_0_is_down() -> None:
    async def scenario() -> None:
        async with routed() as (url, stand_ins, _, _), aiohttp.ClientSession() as http:
            await stand_ins[0].stop()
            async with http.get(f"{url}/status") as reply:
                assert reply.status == 200 and reply.headers[PROCESS_HEADER] == "1"

    run(scenario)


def test_stored_replies_are_found_by_text_and_time_only() -> None:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "no", "timestamp": 100.0},
        {"event": "bot", "text": "old answer"},
        {"event": "user", "text": "no", "timestamp": 200.0},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": "new answer", "data": {"buttons": [{"title": "Yes", "payload": "/affirm"}]}},
    ]
    assert replies_after(events, "no", sent_at=199.9) == [
        {"text": "new answer", "buttons": [{"title": "Yes", "payload": "/affirm"}]}
    ]
    assert replies_after(events, "no", sent_at=300.0) is False  # the earlier "no" is not this turn
    assert replies_after(events, "yes", sent_at=0.0) is False
