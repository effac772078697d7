"""Telegram: Bot API webhook in, sendMessage out, inline keyboards for buttons.

credentials.yml (`sedorum.channels.telegram.TelegramChannel`):
    bot_token      TELEGRAM_BOT_TOKEN     from @BotFather
    secret_token   TELEGRAM_SECRET_TOKEN  our choice (A-Z a-z 0-9 _ -), given to setWebhook
Environment: SEDORUM_TELEGRAM_API_URL (default https://api.telegram.org).
Webhook: POST /webhooks/telegram/webhook; register it (with the secret) with
    python -m sedorum.channels.telegram https://<public host>/webhooks/telegram/webhook

Only private chats are answered: in a group the conversation (and its health details) would
be shared with everyone in it.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from rasa.shared.exceptions import RasaException
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.channels import common, formatting, votes
from sedorum.channels.base import Incoming, PlatformInput, PlatformOutput
from sedorum.channels.signatures import Refusal, check_telegram

NAME = "telegram"
DEFAULT_API_URL = "https://api.telegram.org"
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
START_PAYLOAD = "/greet"  # Telegram sends "/start" when a person opens the bot


def _ok(status: int, body: Any) -> bool:
    return status == 200 and isinstance(body, dict) and body.get("ok") is True


class TelegramOutput(PlatformOutput):
    """Sends with the Bot API; needs only the token, so it works outside a request (handoff).

    Made for a tapped button, it also holds the tap's callback query, which Telegram wants
    answered (its spinner turns until then; a vote's thanks shows as a short notice there).
    """

    platform = NAME

    def __init__(self, bot_token: str, api_url: str = DEFAULT_API_URL, callback_query_id: str = "") -> None:
        self.base = f"{api_url.rstrip('/')}/bot{bot_token}"
        self.callback_query_id = callback_query_id
        self.deliveries = common.DeliveryLog()

    async def call(self, method: str, params: dict[str, Any]) -> bool:
        result = await common.api_post(NAME, f"{self.base}/{method}", json=params, is_ok=_ok)
        self.deliveries.record(f"{NAME} {method}", result)
        return result.ok

    def render(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None) -> list[Any]:
        return formatting.telegram_messages(text, buttons)

    async def send_part(self, recipient_id: str, part: Any) -> bool:
        return await self.call("sendMessage", {"chat_id": recipient_id, **part})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.call("sendPhoto", {"chat_id": recipient_id, "photo": image})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom response is a set of sendMessage parameters (e.g. parse_mode, reply_markup)."""
        params = dict(json_message)
        params.setdefault("chat_id", recipient_id)
        if params.get("text"):
            await self.call("sendMessage", params)

    async def acknowledge_press(self, notice: str = "") -> None:
        """Answers the tap's callback query: stops the spinner, with a short notice if given."""
        if self.callback_query_id:
            await self.call(
                "answerCallbackQuery",
                {"callback_query_id": self.callback_query_id, **({"text": notice} if notice else {})},
            )
            self.callback_query_id = ""  # Telegram takes one answer per query

    async def acknowledge_vote(self, recipient_id: str, value: str, saved: bool) -> None:
        """The thanks as the tap's notice; after "not helpful", the offer of a person as a message."""
        await self.acknowledge_press(votes.thanks(saved))
        if value == votes.DOWN:
            await self.send_parts(recipient_id, self.render(recipient_id, votes.OFFER, [votes.PERSON_BUTTON]))


class TelegramChannel(PlatformInput):
    """Telegram webhook, authenticated by the secret token Telegram echoes in a header."""

    platform = NAME
    credential_keys = ("bot_token", "secret_token")
    api_url_variable = "SEDORUM_TELEGRAM_API_URL"
    default_api_url = DEFAULT_API_URL

    def __init__(self, bot_token: str, secret_token: str, api_url: str = DEFAULT_API_URL) -> None:
        if not SECRET_FORMAT.fullmatch(secret_token):
            raise RasaException("TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -.")
        self.bot_token = bot_token
        self.secret_token = secret_token
        self.api_url = api_url.rstrip("/")
        self.recent = common.RecentKeys()

    def get_output_channel(self, callback_query_id: str = "") -> TelegramOutput:
        return TelegramOutput(self.bot_token, self.api_url, callback_query_id)

    def authenticate(self, request: Request) -> Refusal | None:
        return check_telegram(self.secret_token, request.headers.get("X-Telegram-Bot-Api-Secret-Token"))

    def acknowledge(self) -> HTTPResponse:
        return response.json({"ok": True})

    async def receive(self, request: Request) -> list[Incoming] | HTTPResponse:
        """The update: typed text, a tapped button, or nothing we answer."""
        update = common.json_body(request)
        if update is None:
            return common.bad_request()
        if self.recent.seen(str(update.get("update_id", "")) or None):
            return []
        metadata = {"telegram_update_id": update.get("update_id")}
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            out = self.get_output_channel(str(callback.get("id") or ""))
            chat = ((callback.get("message") or {}).get("chat")) or {}
            if chat.get("type") != "private" or chat.get("id") is None:
                await out.acknowledge_press()
                return []
            sender = str(chat["id"])
            text = await self._callback_text(request, sender, callback)
            return [Incoming(sender, text, out, pressed=True, metadata=metadata)] if text else []
        message = update.get("message")
        if not isinstance(message, dict):
            return []  # edited messages, channel posts, member updates: not questions
        chat = message.get("chat") or {}
        if chat.get("type") != "private" or chat.get("id") is None or not message.get("text"):
            return []
        text = str(message["text"])
        text = START_PAYLOAD if text == "/start" or text.startswith("/start ") else common.typed_text(text)
        return [Incoming(str(chat["id"]), text, self.get_output_channel(), metadata=metadata)] if text else []

    async def _callback_text(self, request: Request, sender: str, callback: dict[str, Any]) -> str:
        data = str(callback.get("data") or "")
        if not data.startswith("#"):
            return data  # the button's payload itself
        # A payload too long for callback_data was sent as "#<n>": the n-th button of the
        # assistant's last message, else the tapped button's title (read by the NLU).
        resolved = formatting.resolve_numbered_choice(data, await common.latest_choices(request, sender))
        if resolved:
            return resolved
        keyboard = ((callback.get("message") or {}).get("reply_markup") or {}).get("inline_keyboard") or []
        titles = [button.get("text", "") for row in keyboard for button in row if button.get("callback_data") == data]
        return common.typed_text(titles[0]) if titles else ""


async def register_webhook(
    bot_token: str, secret_token: str, url: str, api_url: str = DEFAULT_API_URL
) -> tuple[bool, str]:
    """Calls setWebhook with our secret and the two update types we handle."""
    result = await common.api_post(
        NAME,
        f"{api_url.rstrip('/')}/bot{bot_token}/setWebhook",
        json={"url": url, "secret_token": secret_token, "allowed_updates": ["message", "callback_query"]},
        is_ok=_ok,
    )
    await common.close_sessions()
    return result.ok, result.error


def main(argv: Sequence[str]) -> int:
    """python -m sedorum.channels.telegram https://host/webhooks/telegram/webhook"""
    from sedorum.settings import PROJECT_ROOT, ensure_env_file

    if (PROJECT_ROOT / ".env").exists():
        ensure_env_file(PROJECT_ROOT / ".env")  # the same variables `make run` uses
    if len(argv) != 2 or not argv[1].startswith("https://"):
        print(main.__doc__, file=sys.stderr)
        return 2
    token, secret = os.environ.get("TELEGRAM_BOT_TOKEN", ""), os.environ.get("TELEGRAM_SECRET_TOKEN", "")
    if not token or not SECRET_FORMAT.fullmatch(secret):
        print("Set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN (A-Z a-z 0-9 _ -) first.", file=sys.stderr)
        return 2
    ok, error = asyncio.run(
        register_webhook(token, secret, argv[1], common.env_url("SEDORUM_TELEGRAM_API_URL", DEFAULT_API_URL))
    )
    print("Webhook registered." if ok else f"setWebhook failed: {error}")
    common.logger.info("setWebhook %s", "succeeded" if ok else "failed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
