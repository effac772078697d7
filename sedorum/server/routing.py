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
  queued ordinary message of its process;
- while a process is down, serves its conversations on the live ones and brings them back
  when it answers again (`failover_order`, `ProcessHealth`, `ConversationPins`, below).

Pure logic without I/O: tests/unit/server/test_routing.py checks each rule.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import json
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

REST_WEBHOOK = "/webhooks/rest/webhook"
CONVERSATIONS_PREFIX = "/conversations/"
# The emergency check looks at the start of a message: enough for any real emergency sentence,
# and a bounded cost on the front process's event loop (the detector is about 7 us/character).
EMERGENCY_SCAN_CHARS = 600

EMERGENCY, ORDINARY = 0, 1
SOCKETIO_PREFIX = "/socket.io/"
# The widget names its conversation in the socket URL (sedorum/web/static/chat.js), so that every
# socket of one conversation reaches the process that serves it.
CONVERSATION_PARAM = "conversation"


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
    rest: bool = False  # a REST turn: a dropped one may be answered from the tracker store


def is_emergency_text(text: str) -> bool:
    from sedorum.safety.emergency import detect_emergency

    return detect_emergency(text[:EMERGENCY_SCAN_CHARS]) is not None


# The messaging platforms' webhooks (sedorum/channels/): the conversation id each channel uses.
PLATFORM_WEBHOOKS = {
    "/webhooks/telegram/webhook": "telegram",
    "/webhooks/twilio/webhook": "twilio",
    "/webhooks/facebook/webhook": "messenger",
    "/webhooks/slack/webhook": "slack",
}


def platform_sender(platform: str, body: bytes) -> tuple[str, str] | None:
    """(conversation id, text) of a platform's webhook body, read as its channel reads it; None if none.

    Telegram: the private chat's id; Twilio (SMS, WhatsApp): the From number; Messenger: the
    first event's sender (a batch is one page's events); Slack: the user of an event or of a
    button click. The channel itself still checks the signature and decides what to answer.
    """
    from urllib.parse import parse_qs

    try:
        if platform == "twilio":
            form = parse_qs(body.decode("utf-8", "replace"))
            sender = (form.get("From") or [""])[0].strip()
            return (sender, (form.get("Body") or [""])[0]) if sender else None
        if platform == "slack" and not body.lstrip().startswith(b"{"):
            raw = (parse_qs(body.decode("utf-8", "replace")).get("payload") or [""])[0]
            user = (json.loads(raw) or {}).get("user") or {}
            return (str(user["id"]), "") if isinstance(user, dict) and user.get("id") else None
        payload = json.loads(body)
    except (ValueError, RecursionError, AttributeError, TypeError):
        return None
    if not isinstance(payload, dict):
        return None
    if platform == "telegram":
        holder = payload.get("callback_query") or {}
        message = (holder.get("message") if isinstance(holder, dict) else None) or payload.get("message") or {}
        chat = message.get("chat") if isinstance(message, dict) else None
        if not isinstance(chat, dict) or chat.get("id") is None:
            return None
        text = message.get("text") if not holder else ""
        return str(chat["id"]), str(text or "")
    if platform == "messenger":
        for entry in payload.get("entry") or []:
            for event in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
                psid = (event.get("sender") or {}).get("id") if isinstance(event, dict) else None
                if psid:
                    return str(psid), str((event.get("message") or {}).get("text") or "")
        return None
    if platform == "slack":
        event = payload.get("event")
        if isinstance(event, dict) and event.get("user"):
            return str(event["user"]), str(event.get("text") or "")
    return None


def route_request(method: str, path: str, body: bytes, processes: int, max_body_bytes: int) -> Route:
    """Routes one HTTP request.

    - REST webhook: the sender in the JSON body picks the process; the turn is queued, in the
      emergency lane when the message is flagged. A body the front cannot read goes to
      process 0 unqueued, whose edge checks answer it (4xx) as they always have.
    - /conversations/<sender>/...: the HTTP API of that conversation, on its process.
    - a messaging platform's webhook: its conversation picks the process, queued like a REST
      turn (a body the router cannot read goes to process 0, whose channel refuses it);
    - everything else (the pages, the staff console, /status...): process 0, the "home"
      process. (socket.io requests are placed by `SocketPlaces`, in the router.)
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
        return Route(process_for(sender, processes), queued=True, emergency=emergency, sender=sender, rest=True)
    if method == "POST" and path in PLATFORM_WEBHOOKS:
        found = platform_sender(PLATFORM_WEBHOOKS[path], body) if len(body) <= max_body_bytes else None
        if found is not None:
            sender, text = found
            emergency = bool(text) and is_emergency_text(text)
            return Route(process_for(sender, processes), queued=True, emergency=emergency, sender=sender)
        return Route(0)
    if path.startswith(CONVERSATIONS_PREFIX):
        sender = path[len(CONVERSATIONS_PREFIX) :].split("/", 1)[0]
        if sender:
            from urllib.parse import unquote

            sender = unquote(sender)
            return Route(process_for(sender, processes), sender=sender)
    return Route(0)


class SocketPlaces:
    """Which process holds each socket.io connection, so that all its requests reach it.

    An engine.io session lives in the process that opened it: every later request carries
    its `sid` and must go there. A socket whose URL names its conversation goes to that
    conversation's process; one that does not is placed round-robin, and its `sid` (from the
    handshake's answer) is remembered. Bounded: the oldest sessions are forgotten first.
    """

    def __init__(self, processes: int, limit: int = 100_000) -> None:
        self.processes = processes
        self.limit = limit
        self._places: OrderedDict[str, int] = OrderedDict()
        self._next = itertools.cycle(range(max(1, processes)))

    def route(self, query: Mapping[str, str]) -> Route:
        """Where a socket.io request goes (its query string decides)."""
        sid = query.get("sid")
        if sid and sid in self._places:
            return Route(self._places[sid])
        conversation = query.get(CONVERSATION_PARAM)
        if conversation:
            return Route(process_for(conversation, self.processes))
        if sid:
            return Route(0)  # unknown session (the router restarted): its process answers "unknown sid"
        return Route(next(self._next))

    def remember(self, sid: str, process: int) -> None:
        self._places[sid] = process
        self._places.move_to_end(sid)
        while len(self._places) > self.limit:
            self._places.popitem(last=False)


def handshake_sid(body: bytes) -> str | None:
    """The session id in an engine.io "open" packet (`0{"sid": ...}`), None otherwise."""
    if not body.startswith(b"0{"):
        return None
    try:
        opened = json.loads(body[1:].split(b"\x1e", 1)[0])
    except (ValueError, RecursionError):
        return None
    sid = opened.get("sid") if isinstance(opened, dict) else None
    return sid if isinstance(sid, str) and sid else None


# --- socket.io turns: the widget's messages in the same fair queue as REST turns -------------
#
# A visitor's message arrives as a socket.io EVENT packet, `42["user_uttered",{...}]` (engine.io
# "message" 4, socket.io "event" 2, optionally a namespace and an acknowledgement id). The Rasa
# process acknowledges it (`43<id>[...]`) when the turn is over (sedorum/channels/socketio.py),
# so the router holds a queue slot from the moment it passes the message on until that
# acknowledgement. A message without an id gets one of the router's own (ROUTER_ACK_BASE and
# up, far above a client's counter), and that acknowledgement is not passed to the client.

USER_MESSAGE_EVENT = "user_uttered"
ROUTER_ACK_BASE = 1_000_000_000
_EVENT_HEAD = re.compile(r"^42(/[^,\[]*,)?(\d*)\[")
_ACK_HEAD = re.compile(r"^43(/[^,\[]*,)?(\d+)\[")


@dataclass(frozen=True)
class SocketMessage:
    """A visitor's message in a socket.io packet."""

    namespace: str  # "" or "/nsp,"
    ack: int | None
    text: str
    body: str  # the packet's JSON array, as sent


def socket_message(packet: str) -> SocketMessage | None:
    """The visitor's message if `packet` is a `user_uttered` event, else None."""
    head = _EVENT_HEAD.match(packet)
    if head is None:
        return None
    body = packet[head.end() - 1 :]
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, list) or not event or event[0] != USER_MESSAGE_EVENT:
        return None
    data = event[1] if len(event) > 1 and isinstance(event[1], dict) else {}
    text = data.get("message")
    return SocketMessage(head.group(1) or "", int(head.group(2)) if head.group(2) else None, str(text or ""), body)


def with_ack(message: SocketMessage, ack: int) -> str:
    """The event packet again, now asking for acknowledgement `ack`."""
    return f"42{message.namespace}{ack}{message.body}"


def acknowledged(packet: str) -> int | None:
    """The acknowledgement id of an ACK packet (`43<id>[...]`), else None."""
    head = _ACK_HEAD.match(packet)
    return int(head.group(2)) if head else None


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


# --- Failover: which live process serves a request while one is down -------------------------
#
# Why: a Rasa process that dies (and is restarted by the supervisor, sedorum/server/supervisor.py)
# must not take its conversations with it. Its conversations are served by the other processes
# until it is back; the conversation's state is in the shared tracker store (SQLite or
# PostgreSQL), so any process can continue it. Stable hashing over the *configured* processes
# means a conversation returns to its own process as soon as that one answers again, and
# only the conversations of the process that is down move.
#
# The in-memory lock store of a process only orders the turns that process sees. So a
# conversation is never served by two processes at once: while one of its turns is in
# progress on a process, its next turns go to that same process (`ConversationPins`), and a
# turn that has to move waits until the conversation's turns on the old process are over.


def failover_order(key: str | None, processes: int) -> tuple[int, ...]:
    """The processes that may serve `key`, best first.

    A conversation's own process (`process_for`) comes first; the others follow in an order of
    their own per conversation (rendezvous hashing), so the conversations of a process that is
    down spread evenly over the live ones instead of all landing on its neighbour. Requests
    without a conversation (key None: the pages, socket.io) try 0, 1, 2, ... after their own process.
    """
    if processes <= 1:
        return (0,)
    if key is None:
        return tuple(range(processes))
    home = process_for(key, processes)

    def rank(index: int) -> bytes:
        return hashlib.blake2b(f"{index}:{key}".encode("utf-8", "surrogatepass"), digest_size=8).digest()

    others = sorted((index for index in range(processes) if index != home), key=rank, reverse=True)
    return (home, *others)


class ProcessHealth:
    """Which Rasa processes the front process believes are live.

    A process is marked down when a connection to it is refused (nothing was sent, so the
    request can go elsewhere) and up again when a probe of its status answers. Times are
    passed in, so the rules are tested without a clock.
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.down_since: dict[int, float] = {}

    def is_live(self, index: int) -> bool:
        return index not in self.down_since

    def mark_down(self, index: int, now: float) -> bool:
        """Records that `index` refused a connection; True when it was thought live until now."""
        if index in self.down_since:
            return False
        self.down_since[index] = now
        return True

    def mark_up(self, index: int, now: float) -> float | None:
        """Records that `index` answers again; returns how long it was down (None: it was not)."""
        since = self.down_since.pop(index, None)
        return None if since is None else now - since

    def choose(self, order: tuple[int, ...], tried: frozenset[int] | set[int] = frozenset()) -> int | None:
        """The first live process of `order` not yet tried for this request.

        When every untried process is believed down, the first untried one is still returned:
        a belief can be a few hundred milliseconds old, and one more refused connection costs
        less than turning a visitor away. None once every process was tried.
        """
        untried = [index for index in order if index not in tried]
        for index in untried:
            if self.is_live(index):
                return index
        return untried[0] if untried else None


class ConversationPins:
    """Where each conversation's turns in progress are (at most one process at a time).

    `hold` registers a turn on a process for as long as it is queued or served there;
    `pinned` says where a conversation's turns are; `wait_until_free` waits (bounded) until a
    conversation has no turn in progress anywhere, so that it can move to another process.
    """

    def __init__(self) -> None:
        self._turns: dict[str, tuple[int, int]] = {}  # sender -> (process, turns in progress)
        self._freed: dict[str, asyncio.Event] = {}

    def pinned(self, sender: str) -> int | None:
        entry = self._turns.get(sender)
        return None if entry is None else entry[0]

    @contextmanager
    def hold(self, sender: str, process: int) -> Iterator[None]:
        current = self._turns.get(sender)
        if current is not None and current[0] != process:
            raise RuntimeError(f"conversation already in progress on process {current[0]}, not {process}")
        self._turns[sender] = (process, (current[1] if current else 0) + 1)
        try:
            yield
        finally:
            where, count = self._turns[sender]
            if count > 1:
                self._turns[sender] = (where, count - 1)
            else:
                del self._turns[sender]
                freed = self._freed.pop(sender, None)
                if freed is not None:
                    freed.set()

    async def wait_until_free(self, sender: str, timeout_s: float) -> bool:
        """True once `sender` has no turn in progress; False if that took longer than `timeout_s`."""
        if sender not in self._turns:
            return True
        freed = self._freed.setdefault(sender, asyncio.Event())
        try:
            await asyncio.wait_for(freed.wait(), timeout=max(0.0, timeout_s))
        except TimeoutError:
            return sender not in self._turns
        return True
