"""How the load benchmark drives the Telegram channel: real updates in, the fake Bot API's sendMessage out.

A Telegram turn has no reply in its HTTP answer: Telegram posts an `Update` to the webhook,
with the secret token given to setWebhook in `X-Telegram-Bot-Api-Secret-Token`, and the
assistant answers by calling the Bot API's sendMessage. So the benchmark runs the fake Bot
API (fakes/telegram.py) in its own process, starts the assistant with the channel's
credentials and the fake's URL in the environment (`channel_env`: credentials.yml reads
them from there, as in production), posts real updates to the router and times a turn from
the POST until the fake received the sendMessage that carries the expected reply: the
moment Telegram would have had it.

The router reads the update's chat id and text (sedorum/server/routing.py,
`platform_sender`) and queues the webhook like a REST turn, in the emergency lane when the
detector flags the text. The channel answers the webhook after the turn (Telegram is not
handled in the background, sedorum/channels/base.py), so the sendMessage calls are normally
recorded by the time the POST returns; the driver still waits up to REPLY_WAIT_S for them.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.common import say
from fakes.base import Call
from fakes.telegram import FakeTelegram, text_update, webhook_headers

# Benchmark values, never a real bot's: the fake accepts only this token.
BOT_TOKEN = "7000000002:AAH-bench-token"
SECRET_TOKEN = "bench_Telegram-secret"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
SEND_MESSAGE = "sendMessage"
REPLY_WAIT_S = 5.0  # after the POST returned (the reply is normally sent before it does)
POLL_S = 0.01
CHAT_ID_BASE = 5_000_000_000  # private chats have positive ids; far from the tests' random ones
WARM_UP_TEXT = "what is restless legs syndrome?"


def channel_env(api_url: str) -> dict[str, str]:
    """The environment that switches the Telegram channel on and points it at the fake Bot API."""
    return {"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET_TOKEN, "SEDORUM_TELEGRAM_API_URL": api_url}


def fake_bot_api() -> FakeTelegram:
    """The fake Bot API for BOT_TOKEN, not started yet (use it as a context manager)."""
    return FakeTelegram(BOT_TOKEN)


class Updates:
    """Fresh ids for each update: the channel drops an update_id it has already seen (a retry),
    and every emergency comes from a new visitor, so from a new chat."""

    def __init__(self, seed: int | None = None) -> None:
        start = int(time.time() * 1000) % 10**9 if seed is None else seed
        self._update_ids = itertools.count(start)
        self._message_ids = itertools.count(1)
        self._chat_ids = itertools.count(CHAT_ID_BASE + start)

    def new_chat(self) -> int:
        return next(self._chat_ids)

    def text(self, chat_id: int, text: str) -> dict[str, Any]:
        """The `Update` a person's typed message arrives as."""
        return text_update(next(self._update_ids), next(self._message_ids), chat_id, text, int(time.time()))


@dataclass(frozen=True)
class Delivery:
    """How one Telegram turn ended.

    `latency_ms`: from the POST to the sendMessage that carried the expected text; None when
    none did, then `error` says why and `text` holds whatever was sent to the chat (a reply
    without the expected text is a wrong reply, not a lost one).
    """

    latency_ms: float | None
    text: str
    error: str | None = None


def sent_to(calls: Sequence[Call], chat_id: int) -> list[Call]:
    """The sendMessage calls to one chat the fake accepted, oldest first."""
    return [
        call
        for call in calls
        if call.path.endswith(f"/{SEND_MESSAGE}")
        and call.status == 200
        and str(call.params.get("chat_id")) == str(chat_id)
    ]


def delivery(calls: Sequence[Call], chat_id: int, mark: str, posted_at: float) -> Delivery:
    """The turn's outcome as the fake recorded it so far (`mark` "": any reply will do)."""
    sent = sent_to(calls, chat_id)
    text = " ".join(str(call.params.get("text") or "") for call in sent)
    for call in sent:
        if mark in str(call.params.get("text") or ""):
            return Delivery(round((call.received_at - posted_at) * 1000, 1), text)
    if sent:
        return Delivery(None, text, f"no sendMessage carries {mark!r}")
    return Delivery(None, "", "no sendMessage to the chat")


@dataclass
class TelegramLane:
    """The fake Bot API the assistant sends to, and where the next update's ids come from."""

    fake: FakeTelegram
    updates: Updates = field(default_factory=Updates)

    async def say(self, http: aiohttp.ClientSession, url: str, text: str, mark: str = "") -> Delivery:
        """One turn from a new chat: the update posted to the webhook, then the fake's record."""
        chat_id = self.updates.new_chat()
        update = self.updates.text(chat_id, text)
        posted_at = time.perf_counter()
        refused = await post_update(http, url, update)
        if refused is not None:
            return Delivery(None, "", refused)
        return await self.reply(chat_id, mark, posted_at)

    async def reply(self, chat_id: int, mark: str, posted_at: float, wait_s: float = REPLY_WAIT_S) -> Delivery:
        """Waits (bounded) until the fake received the sendMessage carrying `mark`."""
        deadline = time.perf_counter() + wait_s
        while True:
            outcome = delivery(self.fake.snapshot(), chat_id, mark, posted_at)
            if outcome.latency_ms is not None or time.perf_counter() >= deadline:
                return outcome
            await asyncio.sleep(POLL_S)


async def post_update(http: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> str | None:
    """POSTs one update as Telegram does; None when the webhook took it (200), else what went wrong."""
    try:
        async with http.post(
            f"{url.rstrip('/')}{WEBHOOK_PATH}", json=update, headers=webhook_headers(SECRET_TOKEN)
        ) as answer:
            body = await answer.text()
            return None if answer.status == 200 else f"HTTP {answer.status}: {body[:120]}"
    except (aiohttp.ClientError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"


async def warm_up_telegram(http: aiohttp.ClientSession, url: str, lane: TelegramLane) -> Delivery:
    """One ordinary question over Telegram: the channel is on and the fake gets its replies.

    Raises when nothing comes back, as the REST and widget warm-ups do: every Telegram figure
    after it would be an error.
    """
    outcome = await lane.say(http, url, WARM_UP_TEXT)
    if outcome.latency_ms is None:
        raise RuntimeError(f"the Telegram channel answers nothing: {outcome.error}; fake: {lane.fake.describe()}")
    say(f"    Telegram warm-up: reply received by the fake Bot API after {outcome.latency_ms:.0f} ms")
    return outcome
