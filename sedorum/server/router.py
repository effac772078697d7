"""The front process of `make run`: one port for visitors, several Rasa processes behind it.

Why a small router of our own and not nginx: `make run` must use every core with the embedded
stores and nothing to install, and the router has to read the REST body (the sender id and the
message), which open-source nginx cannot do without njs or lua. It is a plain reverse proxy
(aiohttp) that adds three things (rules in sedorum/routing.py):

- each conversation always reaches the same Rasa process (the in-memory lock store of that
  process serialises its messages); socket.io, the pages and the staff console all go to
  process 0, so a browser's socket.io session and the console that pushes into it share one
  process;
- REST turns wait here, first come first served, while their process already works on
  SEDORUM_INFLIGHT_PER_PROCESS turns; the Rasa event loop only ever juggles a few turns;
- a message the emergency detector flags (S1) is served before every queued ordinary one;
- while a Rasa process is down, its requests go to the live ones and come back when it
  answers again (`FailoverRouting` below, the rules in sedorum/routing.py).

Requests that are not turns (socket.io frames, pages, the API) are passed on at once. Every
answer carries the Rasa process's own status, headers and body; the client address is added
to X-Forwarded-For (the Rasa processes trust one proxy more than the deployment does).

The listening socket may be handed over by the supervisor (SEDORUM_LISTEN_FD) or by systemd
socket activation (LISTEN_FDS): then visitors' connections wait in its queue while the router
restarts, instead of being refused.

    SEDORUM_WORKER_PORTS=6006,6007 python -m sedorum.server.router
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from contextlib import nullcontext
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from sedorum.edge.inputs import clean_text
from sedorum.routing import ConversationPins, FairQueue, ProcessHealth, Route, failover_order, route_request
from sedorum.settings import Settings

logger = logging.getLogger("sedorum.router")

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
    }
)
WEBSOCKET_MAX_BYTES = 64 * 1024  # as the Rasa processes' own limit (hardening.py)
LISTEN_BACKLOG = 1024  # 256 visitors connecting at once must not overflow the accept queue
STATS_PATH = "/_router/stats"
ROUTER_HEALTH_PATH = "/_router/health"  # the router itself answers (supervisor, systemd, containers)
PROCESS_HEADER = "X-Sedorum-Process"  # which Rasa process answered (operations and tests)
FROM_STORE_HEADER = "X-Sedorum-From-Store"  # "1": answer read back from the tracker store
LISTEN_FD_VARIABLE = "SEDORUM_LISTEN_FD"  # a listening socket handed over by the supervisor
SYSTEMD_FIRST_FD = 3  # socket activation: LISTEN_FDS sockets from fd 3 on
RETRY_AFTER_S = 2
PROBE_INTERVAL_S = 0.5  # how often a process that is down is asked whether it is back
STORE_CLOCK_SLACK_S = 0.0  # the Rasa process stamps a turn after the router sent it, on the same clock
MOVE_WAIT_S = 30.0  # longest wait for a conversation's turns on a dead process to end before it moves


class _Refused(Exception):
    """The connection to a Rasa process failed before anything was sent: the request may go elsewhere."""


def unavailable(reason: str = "the assistant is restarting, please retry") -> web.Response:
    """A clear 503 with Retry-After: the client may send the same request again."""
    return web.json_response({"error": reason}, status=503, headers={"Retry-After": str(RETRY_AFTER_S)})


class Router:
    """Proxies to the Rasa processes on `worker_ports` (index = process number)."""

    def __init__(self, settings: Settings, worker_ports: list[int], inflight: int) -> None:
        self.settings = settings
        self.upstreams = [f"http://127.0.0.1:{port}" for port in worker_ports]
        self.queues = [FairQueue(inflight) for _ in worker_ports]
        self.max_body = max(settings.max_body_bytes, settings.max_api_body_bytes, WEBSOCKET_MAX_BYTES)
        self.http: aiohttp.ClientSession | None = None
        self.failover = FailoverRouting(self, len(worker_ports))

    async def start(self, _: web.Application) -> None:
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=2.0)
        # No total timeout: a socket.io long-poll is held open by the Rasa process on purpose.
        self.http = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, timeout=aiohttp.ClientTimeout(total=None, connect=10)
        )

    async def stop(self, _: web.Application) -> None:
        self.failover.stop_probes()
        if self.http is not None:
            await self.http.close()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body)
        app.on_startup.append(self.start)  # type: ignore[arg-type]  # aiohttp 3.9 mistypes Signal items
        app.on_cleanup.append(self.stop)  # type: ignore[arg-type]  # aiohttp 3.9 mistypes Signal items
        app.router.add_get(STATS_PATH, self.stats)
        app.router.add_get(ROUTER_HEALTH_PATH, self.health)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def stats(self, request: web.Request) -> web.Response:
        """Per-process counters (token required): which process served how many turns."""
        if request.query.get("token") != self.settings.auth_token or not self.settings.auth_token:
            return web.json_response({"error": "token required"}, status=401)
        return web.json_response(
            {
                "processes": [
                    {
                        "upstream": up,
                        "live": self.failover.health.is_live(index),
                        "active": q.active,
                        "waiting": q.waiting,
                        "served": dict(q.served),
                    }
                    for index, (up, q) in enumerate(zip(self.upstreams, self.queues, strict=True))
                ]
            }
        )

    async def health(self, _: web.Request) -> web.Response:
        """The router serves (200), and which Rasa processes it believes live. No token: no secrets."""
        live = [self.failover.health.is_live(index) for index in range(len(self.upstreams))]
        return web.json_response({"status": "ok", "processes_live": live})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("upgrade", "").lower() == "websocket":
            return await self.failover.websocket(request, Route(0))
        if request.content_length is not None and request.content_length > self.max_body:
            return web.json_response(
                {"error": f"request body over {self.max_body} bytes"}, status=413, headers={"Connection": "close"}
            )
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"error": f"request body over {self.max_body} bytes"}, status=413)
        route = route_request(request.method, request.path, body, len(self.upstreams), self.settings.max_body_bytes)
        return await self.failover.serve(request, body, route)

    async def serve_on(self, request: web.Request, body: bytes, route: Route, process: int) -> web.StreamResponse:
        """One attempt on `process`: in its fair queue when the route says so. Raises _Refused."""
        if not route.queued:
            return await self.forward(request, body, process, route)
        async with self.queues[process].slot(route.emergency):
            return await self.forward(request, body, process, route)

    def _upstream_headers(self, request: web.Request) -> CIMultiDict[str]:
        headers: CIMultiDict[str] = CIMultiDict()
        for name, value in request.headers.items():
            if name.lower() not in HOP_BY_HOP:
                headers.add(name, value)
        if request.host:
            headers["Host"] = request.host
        peer = request.remote or "unknown"
        previous = request.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{previous}, {peer}" if previous else peer
        return headers

    async def forward(
        self, request: web.Request, body: bytes, process: int, route: Route | None = None
    ) -> web.StreamResponse:
        """The Rasa process's answer; raises _Refused when nothing could be sent to it."""
        assert self.http is not None
        url = self.upstreams[process] + request.rel_url.raw_path_qs
        sent_at = time.time()
        try:
            async with self.http.request(
                request.method, url, data=body or None, headers=self._upstream_headers(request), allow_redirects=False
            ) as upstream:
                payload = await upstream.read()
                headers: CIMultiDict[str] = CIMultiDict()
                for name, value in upstream.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        headers.add(name, value)
                headers[PROCESS_HEADER] = str(process)
                return web.Response(body=payload, status=upstream.status, headers=headers)
        except aiohttp.ClientConnectorError as error:
            raise _Refused(process) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            logger.warning("Rasa process %d dropped a request in progress: %s", process, type(error).__name__)
            if route is not None and route.queued and route.sender:
                return await self.failover.after_dropped_turn(body, route, process, sent_at)
            return unavailable()

    async def proxy_websocket(self, request: web.Request, process: int) -> web.StreamResponse:
        """A WebSocket to the Rasa process, frame for frame (its handshake checks decide)."""
        assert self.http is not None
        url = self.upstreams[process].replace("http://", "ws://") + request.rel_url.raw_path_qs
        headers = self._upstream_headers(request)
        for name in ("Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions"):
            headers.popall(name, None)
        try:
            upstream = await self.http.ws_connect(
                url, headers=headers, autoping=False, compress=0, max_msg_size=WEBSOCKET_MAX_BYTES
            )
        except aiohttp.WSServerHandshakeError as refused:
            return web.Response(status=refused.status, text=refused.message or "refused")
        except aiohttp.ClientConnectorError as error:
            raise _Refused(process) from error
        except aiohttp.ClientError:
            return unavailable()
        client = web.WebSocketResponse(autoping=False, max_msg_size=WEBSOCKET_MAX_BYTES)
        await client.prepare(request)

        async def pump(source: Any, target: Any) -> None:
            async for message in source:
                if message.type == WSMsgType.TEXT:
                    await target.send_str(message.data)
                elif message.type == WSMsgType.BINARY:
                    await target.send_bytes(message.data)
                elif message.type == WSMsgType.PING:
                    await target.ping(message.data)
                elif message.type == WSMsgType.PONG:
                    await target.pong(message.data)
                else:
                    break

        tasks = [asyncio.ensure_future(pump(client, upstream)), asyncio.ensure_future(pump(upstream, client))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await upstream.close()
            await client.close()
        return client


class FailoverRouting:
    """Serves each request on a live Rasa process; the process-health part of the router.

    - A refused connection (nothing sent) marks the process down and the request goes to the
      next process of its failover order (sedorum/routing.py `failover_order`); a probe then
      asks the process every PROBE_INTERVAL_S whether it is back, and from its first answer
      its conversations return to it.
    - A conversation is never served by two processes at once (`ConversationPins`): each
      process's in-memory lock store only orders the turns that process sees.
    - A turn that was sent and then dropped (the process died during it) is looked up in the
      tracker store through a live process: stored means it was answered, and the stored
      answer is returned; not stored, with the process gone, means it never happened, and it
      is served again on a live process. Anything else gets 503 with Retry-After.
    """

    def __init__(self, router: Router, processes: int) -> None:
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
            except _Refused:
                self.mark_down(process)
                tried.add(process)

    async def websocket(self, request: web.Request, route: Route) -> web.StreamResponse:
        tried: set[int] = set()
        while (process := self.pick(route, tried)) is not None:
            try:
                return await self.router.proxy_websocket(request, process)
            except _Refused:
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
            raise _Refused(process)  # never stored and its process is gone: serve it elsewhere
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
        import json

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

    async def _probe(self, process: int) -> None:
        while not self.health.is_live(process):
            await asyncio.sleep(PROBE_INTERVAL_S)
            if await self._status(process) == 200:
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
        if event.get("event") != "user" or float(event.get("timestamp") or 0) < sent_at - STORE_CLOCK_SLACK_S:
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


def worker_ports_from_env() -> list[int]:
    raw = os.environ.get("SEDORUM_WORKER_PORTS", "")
    ports = [int(part) for part in raw.split(",") if part.strip()]
    if not ports:
        raise SystemExit("SEDORUM_WORKER_PORTS is empty: the router needs the Rasa processes' ports.")
    return ports


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("SEDORUM_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    settings = Settings.from_env()
    ports = worker_ports_from_env()
    router = Router(settings, ports, settings.inflight_per_process)
    logger.info(
        "Router on %s:%s -> %d Rasa processes (%s), %d turns at a time each",
        settings.host,
        settings.rasa_port,
        len(ports),
        ",".join(map(str, ports)),
        settings.inflight_per_process,
    )
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop comes with Sanic
        pass
    inherited = inherited_listener()
    where: dict[str, Any] = {"sock": inherited} if inherited else {"host": settings.host, "port": settings.rasa_port}
    web.run_app(router.app(), backlog=LISTEN_BACKLOG, access_log=None, print=None, handle_signals=True, **where)


def inherited_listener() -> socket.socket | None:
    """The listening socket handed over by the supervisor or by systemd, if any."""
    raw = os.environ.get(LISTEN_FD_VARIABLE, "").strip()
    if raw:
        return socket.socket(fileno=int(raw))
    if int(os.environ.get("LISTEN_FDS", "0") or 0) >= 1 and os.environ.get("LISTEN_PID", str(os.getpid())) == str(
        os.getpid()
    ):
        return socket.socket(fileno=SYSTEMD_FIRST_FD)
    return None


if __name__ == "__main__":
    main()
