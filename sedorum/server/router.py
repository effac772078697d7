"""The front process of `make run`: one port for visitors, several Rasa processes behind it.

Why a small router of our own and not nginx: `make run` must use every core with the embedded
stores and nothing to install, and the router has to read the REST body (the sender id and the
message), which open-source nginx cannot do without njs or lua. It is a plain reverse proxy
(aiohttp) that adds three things (rules in sedorum/server/routing.py):

- each conversation always reaches the same Rasa process (the in-memory lock store of that
  process serialises its messages): REST turns, the messaging platforms' webhooks, and the
  widget's socket.io connections (placed by the conversation their URL names, else
  round-robin, and kept on the process that opened them); the pages and the staff console go
  to process 0;
- turns (REST, webhooks, the widget's `user_uttered` messages over a WebSocket) wait here,
  first come first served, while their process already works on
  SEDORUM_INFLIGHT_PER_PROCESS turns; the Rasa event loop only ever juggles a few turns;
- a message the emergency detector flags (S1) is served before every queued ordinary one;
- while a Rasa process is down, its requests go to the live ones and come back when it
  answers again (sedorum/server/failover.py, the rules in sedorum/server/routing.py).

Requests that are not turns (other socket.io packets, pages, the API) are passed on at once. Every
answer carries the Rasa process's own status, headers and body; the client address is added
to X-Forwarded-For (the Rasa processes trust one proxy more than the deployment does).

The listening socket may be handed over by the supervisor (SEDORUM_LISTEN_FD) or by systemd
socket activation (LISTEN_FDS): then visitors' connections wait in its queue while the router
restarts, instead of being refused.

    SEDORUM_WORKER_PORTS=6006,6007 python -m sedorum.server.router
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from sedorum.server.failover import PROCESS_HEADER, FailoverRouting, Refused, unavailable
from sedorum.server.routing import (
    ROUTER_ACK_BASE,
    SOCKETIO_PREFIX,
    FairQueue,
    Route,
    SocketMessage,
    SocketPlaces,
    acknowledged,
    handshake_sid,
    is_emergency_text,
    route_request,
    socket_message,
    with_ack,
)
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
POLLING_MAX_BYTES = 1_000_000  # a long-polling POST of many queued packets (hardening.py, SOCKETIO_MAX_BODY_BYTES)
LISTEN_BACKLOG = 1024  # 256 visitors connecting at once must not overflow the accept queue
STATS_PATH = "/_router/stats"
ROUTER_HEALTH_PATH = "/_router/health"  # the router itself answers (supervisor, systemd, containers)
LISTEN_FD_VARIABLE = "SEDORUM_LISTEN_FD"  # a listening socket handed over by the supervisor
SYSTEMD_FIRST_FD = 3  # socket activation: LISTEN_FDS sockets from fd 3 on
TURN_TIMEOUT_S = 60.0  # a widget message's slot is given up when its turn is not over by then


class Router:
    """Proxies to the Rasa processes on `worker_ports` (index = process number)."""

    def __init__(self, settings: Settings, worker_ports: list[int], inflight: int) -> None:
        self.settings = settings
        self.upstreams = [f"http://127.0.0.1:{port}" for port in worker_ports]
        self.queues = [FairQueue(inflight) for _ in worker_ports]
        self.max_body = max(settings.max_body_bytes, settings.max_api_body_bytes, WEBSOCKET_MAX_BYTES)
        self.http: aiohttp.ClientSession | None = None
        self.failover = FailoverRouting(self, len(worker_ports))
        self.sockets = SocketPlaces(len(worker_ports))

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
        app = web.Application(client_max_size=max(self.max_body, POLLING_MAX_BYTES))
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
        if request.path.startswith(SOCKETIO_PREFIX):
            return await self.socketio(request)
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

    async def socketio(self, request: web.Request) -> web.StreamResponse:
        """A socket.io request, on the process that holds (or is to hold) its connection."""
        route = self.sockets.route(request.query)
        if request.headers.get("upgrade", "").lower() == "websocket":
            return await self.failover.websocket(request, route)
        if request.content_length is not None and request.content_length > POLLING_MAX_BYTES:
            return web.json_response({"error": f"request body over {POLLING_MAX_BYTES} bytes"}, status=413)
        body = await request.read()
        answer = await self.failover.serve(request, body, route)
        if "sid" not in request.query and answer.status == 200 and isinstance(answer, web.Response):
            sid = handshake_sid(answer.body if isinstance(answer.body, bytes) else b"")
            if sid is not None:
                self.sockets.remember(sid, int(answer.headers.get(PROCESS_HEADER, route.process)))
        return answer

    async def serve_on(self, request: web.Request, body: bytes, route: Route, process: int) -> web.StreamResponse:
        """One attempt on `process`: in its fair queue when the route says so. Raises Refused."""
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
        """The Rasa process's answer; raises Refused when nothing could be sent to it."""
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
            raise Refused(process) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            logger.warning("Rasa process %d dropped a request in progress: %s", process, type(error).__name__)
            if route is not None and route.rest and route.sender:
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
            raise Refused(process) from error
        except aiohttp.ClientError:
            return unavailable()
        client = web.WebSocketResponse(autoping=False, max_msg_size=WEBSOCKET_MAX_BYTES)
        await client.prepare(request)
        turns = (
            SocketTurns(self.queues[process], upstream.send_str) if request.path.startswith(SOCKETIO_PREFIX) else None
        )

        async def pump(source: Any, target: Any) -> None:
            inbound = source is client
            async for message in source:
                if message.type == WSMsgType.TEXT:
                    if turns is not None and (
                        turns.from_client(message.data) if inbound else turns.from_process(message.data)
                    ):
                        continue  # a visitor's message now waits in the queue; or the router's own ack
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
            if turns is not None:
                turns.close()
            await upstream.close()
            await client.close()
        return client


class SocketTurns:
    """The visitor's messages of one socket.io connection, through its process's fair queue.

    Each `user_uttered` packet from the visitor waits for a slot of the process (in the
    emergency lane when the detector flags it), in the order the visitor sent them; the slot is
    held until the Rasa process acknowledges the message (the turn is over) or TURN_TIMEOUT_S
    passes. Every other packet passes at once.
    """

    def __init__(self, queue: FairQueue, send: Callable[[str], Awaitable[None]]) -> None:
        self.queue = queue
        self.send = send
        self.waiting: asyncio.Queue[SocketMessage] = asyncio.Queue()
        self.pending: dict[int, tuple[asyncio.Event, bool]] = {}  # ack id -> (turn over, the router's own id)
        self.own_ids = itertools.count(ROUTER_ACK_BASE)
        self.worker = asyncio.ensure_future(self._serve())

    def from_client(self, packet: str) -> bool:
        """True when the packet is a visitor's message: it is sent when its turn comes."""
        message = socket_message(packet)
        if message is None:
            return False
        self.waiting.put_nowait(message)
        return True

    def from_process(self, packet: str) -> bool:
        """True when the packet is the acknowledgement of a message the router asked for (dropped)."""
        ack = acknowledged(packet)
        entry = self.pending.get(ack) if ack is not None else None
        if entry is None:
            return False
        entry[0].set()
        return entry[1]

    async def _serve(self) -> None:
        while True:
            message = await self.waiting.get()
            own = message.ack is None
            ack = next(self.own_ids) if message.ack is None else message.ack
            over = asyncio.Event()
            self.pending[ack] = (over, own)
            try:
                async with self.queue.slot(is_emergency_text(message.text)):
                    await self.send(with_ack(message, ack))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(over.wait(), TURN_TIMEOUT_S)
            finally:
                self.pending.pop(ack, None)

    def close(self) -> None:
        self.worker.cancel()


def warm_up_detector() -> float:
    """Loads the emergency detector (its sign lists) before the port opens; the seconds it took.

    Loaded lazily, it cost the first REST message through the router 0.7 s.
    """
    started = time.monotonic()
    is_emergency_text("warm-up: is this an emergency?")
    return time.monotonic() - started


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
    if settings.warm_up:
        logger.info("Emergency detector ready in %.1f s", warm_up_detector())
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
