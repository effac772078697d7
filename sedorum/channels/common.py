"""What every messaging channel shares at run time: HTTP to the platform, refusals, replays.

The webhook skeleton itself (the order every request goes through) is the base classes in
`base.py`; these are the pieces it and the platform modules use.

Why not Rasa's built-in connectors: they send with blocking clients inside the event loop
(twilio's Client, fbmessenger's requests), Telegram's calls the network in
get_output_channel() and getMe on every update, Messenger's reads only the first event of a
batch and checks the SHA-1 header with `==`, and none of them can be pointed at another API
base URL for tests. These channels keep Rasa's InputChannel/OutputChannel interfaces, so
Rasa, the HTTP API (`output_channel=latest`) and the staff console use them unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.channels import votes
from sedorum.channels.signatures import Refusal

logger = logging.getLogger("sedorum.channels")

HTTP_TIMEOUT_S = 10.0
RATE_LIMIT_RETRIES = 2
# No platform sends anything near this (a Slack button click with its message is a few KB);
# a larger body is refused before it is hashed or parsed, so it cannot cost CPU.
MAX_WEBHOOK_BYTES = 256 * 1024

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def env_url(variable: str, default: str) -> str:
    """An API base URL: the real platform unless the environment points elsewhere (tests, proxies)."""
    return (os.environ.get(variable, "").strip() or default).rstrip("/")


def setting(credentials: Mapping[str, Any] | None, key: str, variable: str, default: str = "") -> str:
    """An optional setting: credentials.yml first, then the environment, then the default."""
    value = (credentials or {}).get(key)
    if value not in (None, ""):
        return str(value).strip()
    return os.environ.get(variable, "").strip() or default


def require(credentials: Mapping[str, Any] | None, channel: str, *keys: str) -> dict[str, str]:
    """The required credentials, or a start-up error naming the missing key (never its value)."""
    from rasa.shared.exceptions import RasaException

    found = {key: str((credentials or {}).get(key) or "").strip() for key in keys}
    missing = [key for key, value in found.items() if not value]
    if missing:
        raise RasaException(f"The {channel} channel needs {', '.join(missing)} in credentials.yml.")
    return found


# --- Refusals ------------------------------------------------------------------------------


def refuse(channel: str, request: Request, refusal: Refusal) -> HTTPResponse:
    """Logs who was refused and why (never the message), and answers without a hint."""
    logger.warning(
        "Refused a %s webhook request from %s: %s (HTTP %d)",
        channel,
        _client_ip(request),
        refusal.reason,
        refusal.status,
    )
    return response.json({"error": "unauthorized" if refusal.status == 401 else "forbidden"}, status=refusal.status)


def oversized(channel: str, request: Request) -> HTTPResponse | None:
    """A 413 for a body no platform would send, checked before any signature work."""
    size = len(request.body or b"")
    if size <= MAX_WEBHOOK_BYTES:
        return None
    logger.warning(
        "Refused a %s webhook request from %s: body of %d bytes (HTTP 413)", channel, _client_ip(request), size
    )
    return response.json({"error": "payload too large"}, status=413)


def _client_ip(request: Request) -> str:
    try:
        return request.remote_addr or request.ip
    except Exception:  # noqa: BLE001 - logging must not fail the refusal
        return "unknown"


# --- Replays -------------------------------------------------------------------------------


class RecentKeys:
    """Event ids seen lately, so a platform's retry of a delivered event is answered only once.

    In memory and per process on purpose: retries arrive within minutes at the same replica
    (the platforms retry the URL that failed), and a lost entry only costs one duplicate reply.
    """

    def __init__(self, ttl_s: float = 600, max_keys: int = 5000) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._seen: OrderedDict[str, float] = OrderedDict()

    def seen(self, key: str | None) -> bool:
        """True if `key` was seen within the TTL; records it otherwise. No key: never a replay."""
        if not key:
            return False
        now = time.monotonic()
        while self._seen and (next(iter(self._seen.values())) < now - self.ttl_s or len(self._seen) > self.max_keys):
            self._seen.popitem(last=False)
        if key in self._seen:
            return True
        self._seen[key] = now
        return False


# --- Text from users -----------------------------------------------------------------------

_COMMAND = re.compile(r"^/+")


def typed_text(text: str) -> str:
    """What a person typed, never read as an intent: "/ask_dosage{...}" must go through NLU.

    Rasa treats a message starting with "/" as an intent with entities. Buttons legitimately
    send such payloads (they come back through the platform's button mechanism, not here);
    typed text must not be able to skip the NLU and the safety checks that follow it.
    """
    return _COMMAND.sub("", (text or "").strip()).strip()


async def latest_choices(request: Request, sender_id: str) -> list[dict[str, Any]]:
    """What a typed number picks from: the options and vote buttons (`votes.choices`) of the
    assistant's latest message that showed any, if the person has not written since.

    Why the tracker and not an in-memory map of "last options per sender": the tracker is
    already the record of what the assistant said, it survives restarts, it is shared by
    every replica, and it is erased with the conversation (S12); a second store would need
    its own TTL, its own erasure and sticky routing. It is read only when a message is a bare
    number, so the cost is one tracker read for those messages. Read without the conversation
    lock: a number typed while the previous turn is still running maps to the options the
    person could see, which are the previous ones.
    """
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - a number that cannot be mapped is still a message
        logger.exception("Could not read the conversation to map a numbered reply")
        return []
    if tracker is None:
        return []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return []
        if isinstance(event, BotUttered):
            options = event.data.get("buttons") or event.data.get("quick_replies")  # as send_response passes them
            shown = votes.choices(event.text, options, event.message())
            if shown:
                return shown
    return []


def json_body(request: Request) -> dict[str, Any] | None:
    """The request's JSON object, or None (malformed JSON is a bad request, not a crash)."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001
        return None
    return body if isinstance(body, dict) else None


def bad_request() -> HTTPResponse:
    return response.json({"error": "bad request"}, status=400)


async def deliver(on_new_message: OnNewMessage, message: UserMessage, channel: str) -> None:
    """Hands a message to Rasa; a failure is logged, never turned into a platform retry storm."""
    try:
        await on_new_message(message)
    except Exception:  # noqa: BLE001 - the platform must still get its 200
        logger.exception("The assistant failed to handle a %s message", channel)


# --- HTTP to the platforms -----------------------------------------------------------------

_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}


def _session() -> aiohttp.ClientSession:
    """One pooled session per event loop: keeps TLS connections to the platform warm."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S))
        _sessions[loop] = session
    return session


async def close_sessions(*_: Any) -> None:
    """Sanic listener (after_server_stop): closes the sessions of this process."""
    for loop, session in list(_sessions.items()):
        if loop is asyncio.get_running_loop():
            await session.close()
            _sessions.pop(loop, None)


@dataclass
class ApiResult:
    status: int
    body: Any = None
    ok: bool = False
    error: str = ""


@dataclass
class DeliveryLog:
    """What an output channel failed to deliver, for callers that must know (staff console)."""

    failures: list[ApiResult] = field(default_factory=list)

    def record(self, platform: str, result: ApiResult) -> None:
        if not result.ok:
            self.failures.append(result)
            logger.error("Sending to %s failed: HTTP %s %s", platform, result.status, result.error)


async def api_post(
    platform: str,
    url: str,
    *,
    json: Any = None,
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: aiohttp.BasicAuth | None = None,
    is_ok: Callable[[int, Any], bool] | None = None,
) -> ApiResult:
    """POSTs to a platform API and reads its JSON answer; retries only what was not delivered.

    A rate limit (429) or a failed connection means the platform did not take the message, so
    it is retried twice; any other error is not, because a retried 5xx can double a message.
    Errors are returned (and logged by the caller) rather than raised: one undeliverable
    message must not abort the rest of the turn or lose the conversation's new events.
    """
    is_ok = is_ok or (lambda status, _body: 200 <= status < 300)
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            async with _session().post(url, json=json, data=form, headers=headers, auth=auth) as reply:
                try:
                    body = await reply.json(content_type=None)
                except ValueError:
                    body = None
                if reply.status == 429 and attempt < RATE_LIMIT_RETRIES:
                    await asyncio.sleep(min(float(reply.headers.get("Retry-After", "1") or 1), 5.0))
                    continue
                ok = is_ok(reply.status, body)
                return ApiResult(reply.status, body, ok, "" if ok else _error_text(body))
        except aiohttp.ClientConnectionError as error:
            if attempt < RATE_LIMIT_RETRIES:
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            return ApiResult(0, None, False, f"connection failed: {type(error).__name__}")
        except TimeoutError:
            return ApiResult(0, None, False, "timed out")
    return ApiResult(429, None, False, "rate limited")  # pragma: no cover - loop always returns


def _error_text(body: Any) -> str:
    """The platform's error code and description, which never echo the message text."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # Graph API
            return f"{error.get('code', '')} {error.get('message', '')}".strip()
        if isinstance(error, str):  # Slack
            return error
        if "description" in body:  # Telegram
            return str(body["description"])
        if "code" in body:  # Twilio
            return f"{body.get('code')} {body.get('message', '')}".strip()
    return ""
