"""How the load benchmark drives the website widget's path: socket.io visitors, their replies, percentiles.

The REST driver (bench/load_driver.py) measures one HTTP request per turn. The widget talks
socket.io instead (rasa-webchat, started by sedorum/web/static/chat.js), through the router
(sedorum/server/router.py: sockets placed by `SocketPlaces`, each `user_uttered` message held
in its process's fair queue until the turn is over) or straight to the one Rasa process
(SEDORUM_ROUTER=0). Each simulated visitor here is one python-socketio `AsyncClient` that
speaks exactly the widget's events, in the widget's order:

1. connect to the `/socket.io` path, polling first and then upgraded to a WebSocket (the
   socket.io client's default, as in the browser), with the page's Origin and the
   conversation named in the URL (`?conversation=<id>`, as chat.js does for a stored
   conversation), so the router places the socket on that conversation's process;
2. `session_request` with `{"session_id": ...}`, then wait for `session_confirm`;
3. per message, `user_uttered` with `{"message": text, "session_id": sid, "customData":
   {"message_id": ...}}`, asking for an acknowledgement as chat.js does, and read the
   `bot_uttered` events until the reply is complete (`Turn`, below).

The results have the same shape as the REST driver's (`load_driver.Sample`, nearest-rank
`percentile`, the same run keys), so bench/fairness.py reports both alike.

python-engineio 4.15 (python-socketio 5.9's engine) builds its WebSocket options with
`aiohttp.ClientWSTimeout`, which the pinned aiohttp 3.9 does not have: without
`websocket_compat()` every connection fails with AttributeError before it is made, and only
long-polling would work, which is not the widget's path (the router queues the widget's
messages on WebSockets only; docs/performance.md, "Limits").
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import socketio

from bench.common import say
from bench.load_driver import TROUBLE_MARK, Sample, System, percentile, run_figures
from sedorum.server.routing import CONVERSATION_PARAM

WIDGET_PATH = "socket.io"  # the widget's socketPath, "/socket.io/"
SESSION_REQUEST, SESSION_CONFIRM = "session_request", "session_confirm"
USER_MESSAGE, BOT_MESSAGE = "user_uttered", "bot_uttered"
# After the turn's acknowledgement, how long to wait for bot messages that may still come
# (emits shared through Redis, SEDORUM_REDIS_URL, are not ordered with the acknowledgement),
# and for the first one when the acknowledgement came before any.
QUIET_GAP_S = 1.0
TURN_TIMEOUT_S = 60.0  # as the REST driver's request timeout and the router's TURN_TIMEOUT_S
CONNECT_TIMEOUT_S = 30.0


class _Aiohttp39:
    """aiohttp as python-engineio's client sees it, with aiohttp 3.10's `ClientWSTimeout`.

    `ClientWSTimeout(ws_close=s)` becomes the float `ws_connect(timeout=s)` of aiohttp 3.9,
    which means the same thing there: how long closing the WebSocket may take.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(aiohttp, name)

    @staticmethod
    def ClientWSTimeout(ws_receive: float | None = None, ws_close: float = 10.0) -> float:  # noqa: N802 - aiohttp's name
        return ws_close


def websocket_compat() -> None:
    """Lets python-engineio's client open WebSockets with the pinned aiohttp (idempotent).

    Only engineio's client module sees the shim; nothing changes when aiohttp has the class.
    """
    import engineio.async_client

    if not hasattr(aiohttp, "ClientWSTimeout") and not isinstance(engineio.async_client.aiohttp, _Aiohttp39):
        engineio.async_client.aiohttp = _Aiohttp39()


def widget_session() -> aiohttp.ClientSession:
    """One HTTP session for every visitor's engine.io requests and WebSockets.

    No total timeout: a WebSocket lives for the whole run; engine.io times its own requests.
    """
    websocket_compat()
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None, sock_connect=30)
    )


@dataclass(frozen=True)
class Outcome:
    """How one widget turn ended: its latency (None: an error, then `error` says what)."""

    latency_ms: float | None
    first_reply_ms: float | None
    text: str
    error: str | None = None


@dataclass
class Turn:
    """One `user_uttered` message and what came back for it; decides when the reply is complete.

    Pure (times are passed in), so tests/unit/bench/test_widget_driver.py checks it with a fake
    event stream.

    How many `bot_uttered` events a turn sends varies (one per response: a dose answer may be
    two or three, a form question one, a greeting with buttons one more), and the gap between
    two of them can be long under load (an action call sits between them). A quiet gap alone
    would either cut slow turns short or, long enough not to, hold every visitor back by its
    length before the next message (lowering the throughput it measures). The channel sends an
    end marker instead: the widget asks for an acknowledgement of each `user_uttered`
    (chat.js), and python-socketio acknowledges only when the channel's handler has returned,
    that is after Rasa has handled the whole turn and emitted every `bot_uttered` of it on the
    same socket, which delivers them in order. So:

    - acknowledged, after at least one `bot_uttered`: the reply is complete at the
      acknowledgement (the normal case; the latency is send -> acknowledgement);
    - the acknowledgement before any `bot_uttered` (possible only when emits go through
      Redis, SEDORUM_REDIS_URL, which the benchmark does not set): complete once QUIET_GAP_S
      passed after the last `bot_uttered`, at that one's time (any later one of the turn is
      counted in the run's `stray_replies`);
    - acknowledged with no `bot_uttered` within QUIET_GAP_S: an error (no reply), as an empty
      REST answer is;
    - nothing complete after TURN_TIMEOUT_S: an error (no reply, or no end of the turn).
    A reply containing the service-trouble text (a failed action) is an error, as in REST.
    """

    sent_at: float
    bot_at: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    acked_at: float | None = None

    def bot(self, at: float, text: str) -> None:
        self.bot_at.append(at)
        self.texts.append(text)

    def ack(self, at: float) -> None:
        if self.acked_at is None:
            self.acked_at = at

    def outcome(
        self, now: float, quiet_gap_s: float = QUIET_GAP_S, timeout_s: float = TURN_TIMEOUT_S
    ) -> Outcome | None:
        """The turn's outcome as of `now`, or None while it may still change."""
        text = " ".join(t for t in self.texts if t)
        first = (self.bot_at[0] - self.sent_at) * 1000 if self.bot_at else None
        done_at: float | None = None
        if self.acked_at is not None and self.bot_at:
            if self.bot_at[-1] <= self.acked_at:
                done_at = self.acked_at
            elif now - self.bot_at[-1] >= quiet_gap_s:
                done_at = self.bot_at[-1]
        elif self.acked_at is not None and now - self.acked_at >= quiet_gap_s:
            return Outcome(None, None, "", "acknowledged without a reply")
        if done_at is None:
            if now - self.sent_at < timeout_s:
                return None
            what = "a reply without the end of the turn" if self.bot_at else "no reply"
            return Outcome(None, first, text, f"{what} within {timeout_s:.0f} s")
        if TROUBLE_MARK in text:
            return Outcome(None, first, text, "service-trouble reply (an action failed)")
        return Outcome((done_at - self.sent_at) * 1000, first, text)

    def wait_s(self, now: float, quiet_gap_s: float = QUIET_GAP_S, timeout_s: float = TURN_TIMEOUT_S) -> float:
        """How long nothing can change the outcome unless an event arrives."""
        deadlines = [self.sent_at + timeout_s]
        if self.acked_at is not None:
            deadlines.append((self.bot_at[-1] if self.bot_at else self.acked_at) + quiet_gap_s)
        return max(0.001, min(deadlines) - now)


class Visitor:
    """One widget visitor: one socket.io connection and one conversation."""

    def __init__(self, url: str, session_id: str, http: aiohttp.ClientSession) -> None:
        self.url = url.rstrip("/")
        self.session_id = session_id
        self.client = socketio.AsyncClient(
            reconnection=False, handle_sigint=False, http_session=http, request_timeout=CONNECT_TIMEOUT_S
        )
        self.confirmed = asyncio.Event()
        self.changed = asyncio.Event()
        self.turn: Turn | None = None
        self.stray = 0  # bot messages that arrived while no turn was waiting
        self.disconnected = False
        self.transport = ""  # what the socket ran on once open ("websocket" after the upgrade)
        self.client.on(SESSION_CONFIRM, self._on_confirm)
        self.client.on(BOT_MESSAGE, self._on_bot)
        self.client.on("disconnect", self._on_disconnect)

    def _on_confirm(self, data: Any = None) -> None:
        confirmed = data.get("session_id") if isinstance(data, dict) else data
        if isinstance(confirmed, str) and confirmed:
            self.session_id = confirmed  # the widget continues with the id the server confirms
        self.confirmed.set()

    def _on_bot(self, data: Any = None) -> None:
        if self.turn is None:
            self.stray += 1
            return
        text = data.get("text") if isinstance(data, dict) else None
        self.turn.bot(time.perf_counter(), text if isinstance(text, str) else "")
        self.changed.set()

    def _on_disconnect(self) -> None:
        self.disconnected = True
        self.changed.set()

    def _acknowledge(self, turn: Turn) -> Callable[..., None]:
        def acknowledged(*_: Any) -> None:
            turn.ack(time.perf_counter())
            self.changed.set()

        return acknowledged

    async def open(self, timeout_s: float = CONNECT_TIMEOUT_S) -> float:
        """Connects and starts the session as the widget does; ms until `session_confirm`."""
        started = time.perf_counter()

        async def handshake() -> None:
            query = urlencode({CONVERSATION_PARAM: self.session_id})
            await self.client.connect(
                f"{self.url}/?{query}",
                headers={"Origin": self.url},
                socketio_path=WIDGET_PATH,
                wait_timeout=timeout_s,
            )
            self.transport = str(self.client.transport())
            await self.client.emit(SESSION_REQUEST, {"session_id": self.session_id})
            await self.confirmed.wait()

        await asyncio.wait_for(handshake(), timeout_s)
        return (time.perf_counter() - started) * 1000

    async def say(self, text: str, quiet_gap_s: float = QUIET_GAP_S, timeout_s: float = TURN_TIMEOUT_S) -> Outcome:
        """One turn: `user_uttered`, then the `bot_uttered` events until the reply is complete."""
        turn = Turn(time.perf_counter())
        self.turn = turn
        payload = {"message": text, "session_id": self.session_id, "customData": {"message_id": uuid.uuid4().hex}}
        try:
            await self.client.emit(USER_MESSAGE, payload, callback=self._acknowledge(turn))
            while True:
                now = time.perf_counter()
                outcome = turn.outcome(now, quiet_gap_s, timeout_s)
                if outcome is not None:
                    return outcome
                if self.disconnected:
                    return Outcome(None, None, "", "disconnected during the turn")
                self.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), turn.wait_s(now, quiet_gap_s, timeout_s))
        except (socketio.exceptions.SocketIOError, aiohttp.ClientError) as error:
            return Outcome(None, None, "", f"{type(error).__name__}: {error}")
        finally:
            self.turn = None

    async def close(self) -> None:
        with contextlib.suppress(TimeoutError, socketio.exceptions.SocketIOError, aiohttp.ClientError):
            await asyncio.wait_for(self.client.disconnect(), 10)


def record(sample: Sample, outcome: Outcome, text: str, first_replies: list[float] | None = None) -> None:
    """Counts one turn's outcome as load_driver.send does: a latency, or an error."""
    if outcome.latency_ms is None:
        sample.error(f"{outcome.error} ({text!r})")
        return
    sample.latencies_ms.append(outcome.latency_ms)
    if first_replies is not None and outcome.first_reply_ms is not None:
        first_replies.append(outcome.first_reply_ms)


async def open_visitors(visitors: Sequence[Visitor], sample: Sample, connects_ms: list[float]) -> list[Visitor]:
    """Connects every visitor at once; the ones that failed count as one error each and are left out."""

    async def one(visitor: Visitor) -> Visitor | None:
        try:
            connects_ms.append(await visitor.open())
            return visitor
        except (TimeoutError, ValueError, socketio.exceptions.SocketIOError, aiohttp.ClientError) as error:
            sample.error(f"could not connect: {type(error).__name__}: {error}")
            await visitor.close()
            return None

    opened = await asyncio.gather(*(one(v) for v in visitors))
    return [v for v in opened if v is not None]


async def close_visitors(visitors: Sequence[Visitor]) -> None:
    await asyncio.gather(*(v.close() for v in visitors))


def summary(
    system: System,
    users: int,
    per_user: int,
    sample: Sample,
    wall: float,
    first_replies: Sequence[float] = (),
    connects_ms: Sequence[float] = (),
    visitors: Sequence[Visitor] = (),
) -> dict[str, Any]:
    """The run's figures: load_driver.drive's keys, then the widget's own."""
    return {
        **run_figures(system, users, per_user, sample, wall),
        "channel": "widget",
        "first_reply_p50_ms": round(percentile(first_replies, 50), 1),
        "connect_p50_ms": round(percentile(connects_ms, 50), 1),
        "connect_max_ms": round(max(connects_ms, default=0.0), 1),
        "not_on_websocket": sum(1 for v in visitors if v.transport != "websocket"),
        "stray_replies": sum(v.stray for v in visitors),
    }


async def drive_widget(
    http: aiohttp.ClientSession,
    system: System,
    users: int,
    per_user: int,
    sending: asyncio.Event | None = None,
) -> dict[str, Any]:
    """`users` widget visitors at once, each sending `per_user` messages one after the other.

    Every visitor connects first (the page is open); the clock starts when all are connected
    and they begin to write (`sending` is set then). A visitor that could not connect counts
    one error per message it did not send.
    """
    sample = Sample()
    first_replies: list[float] = []
    connects_ms: list[float] = []
    run_id = uuid.uuid4().hex[:6]
    visitors = [Visitor(system.url, f"widget-{run_id}-{users}-{index}", http) for index in range(users)]
    opened = await open_visitors(visitors, sample, connects_ms)
    for _ in range((users - len(opened)) * (per_user - 1)):  # its first message is the connection's error
        sample.error("not sent: the visitor could not connect")
    scripts = {id(v): system.scripts[index % len(system.scripts)] for index, v in enumerate(visitors)}

    async def conversation(visitor: Visitor) -> None:
        script = scripts[id(visitor)]
        for turn in range(per_user):
            text = script[turn % len(script)]
            record(sample, await visitor.say(text), text, first_replies)

    try:
        if sending is not None:
            sending.set()
        started = time.perf_counter()
        await asyncio.gather(*(conversation(v) for v in opened))
        wall = time.perf_counter() - started
    finally:
        await close_visitors(opened)
    return summary(system, users, per_user, sample, wall, first_replies, connects_ms, opened)


async def warm_up_widget(http: aiohttp.ClientSession, system: System) -> Sample:
    """One visitor per script, its first messages in order (as load_driver.warm_up for REST)."""
    sample = Sample()
    connects: list[float] = []
    visitors = [
        Visitor(system.url, f"warm-widget-{i}-{uuid.uuid4().hex[:6]}", http) for i in range(len(system.scripts))
    ]
    opened = await open_visitors(visitors, sample, connects)
    try:
        for visitor, script in zip(visitors, system.scripts, strict=True):
            for text in script[:3] if visitor in opened else ():
                record(sample, await visitor.say(text), text)
    finally:
        await close_visitors(opened)
    if not sample.latencies_ms:
        raise RuntimeError(f"{system.name} answers nothing over the widget: {sample.error_examples}")
    if sample.errors:
        say(f"    WARNING: {system.name} widget warm-up errors: {sample.error_examples}")
    return sample
