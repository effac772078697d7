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

from rasa.core.channels.channel import UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.channels import formatting
from sedorum.channels.common import (
    DeliveryLog,
    OnNewMessage,
    PlatformInput,
    PlatformOutput,
    RecentKeys,
    api_post,
    close_sessions,
    deliver,
    env_url,
    latest_bot_buttons,
    logger,
    oversized,
    refuse,
    require,
    setting,
    typed_text,
)
from sedorum.channels.signatures import check_telegram

NAME = "telegram"
DEFAULT_API_URL = "https://api.telegram.org"
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
START_PAYLOAD = "/greet"  # Telegram sends "/start" when a person opens the bot


def _ok(status: int, body: Any) -> bool:
    return status == 200 and isinstance(body, dict) and body.get("ok") is True


class TelegramOutput(PlatformOutput):
    """Sends with the Bot API; needs only the token, so it works outside a request (handoff)."""

    platform = NAME

    def __init__(self, bot_token: str, api_url: str = DEFAULT_API_URL) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{bot_token}"
        self.deliveries = DeliveryLog()

    async def call(self, method: str, params: dict[str, Any]) -> bool:
        result = await api_post(NAME, f"{self.base}/{method}", json=params, is_ok=_ok)
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

    async def answer_callback_query(self, callback_query_id: str) -> None:
        """Stops the spinner on the tapped button (Telegram shows it until answered)."""
        await self.call("answerCallbackQuery", {"callback_query_id": callback_query_id})


class TelegramChannel(PlatformInput):
    """Telegram webhook, authenticated by the secret token Telegram echoes in a header."""

    platform = NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramChannel:
        found = require(credentials, NAME, "bot_token", "secret_token")
        return cls(
            found["bot_token"],
            found["secret_token"],
            api_url=setting(credentials, "api_url", "SEDORUM_TELEGRAM_API_URL", DEFAULT_API_URL),
        )

    def __init__(self, bot_token: str, secret_token: str, api_url: str = DEFAULT_API_URL) -> None:
        if not SECRET_FORMAT.fullmatch(secret_token):
            raise RasaException("TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -.")
        self.bot_token = bot_token
        self.secret_token = secret_token
        self.api_url = api_url.rstrip("/")
        self.recent = RecentKeys()

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(self.bot_token, self.api_url)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook = self.new_blueprint()

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            too_large = oversized(NAME, request)
            if too_large:
                return too_large
            refusal = check_telegram(self.secret_token, request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
            if refusal:
                return refuse(NAME, request, refusal)
            update = _json_object(request)
            if update is None:
                return response.json({"error": "bad request"}, status=400)
            if self.recent.seen(str(update.get("update_id", "")) or None):
                return response.json({"ok": True})
            message = await self._user_message(request, update)
            if message is not None:
                await deliver(on_new_message, message, NAME)
            return response.json({"ok": True})

        return hook

    async def _user_message(self, request: Request, update: dict[str, Any]) -> UserMessage | None:
        """The update as a Rasa message: typed text, a tapped button, or nothing we answer."""
        out = self.get_output_channel()
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            chat = ((callback.get("message") or {}).get("chat")) or {}
            if callback.get("id"):
                await out.answer_callback_query(str(callback["id"]))
            if chat.get("type") != "private" or chat.get("id") is None:
                return None
            sender = str(chat["id"])
            text = await self._callback_text(request, sender, callback)
        else:
            message = update.get("message")
            if not isinstance(message, dict):
                return None  # edited messages, channel posts, member updates: not questions
            chat = message.get("chat") or {}
            if chat.get("type") != "private" or chat.get("id") is None or not message.get("text"):
                return None
            sender = str(chat["id"])
            text = str(message["text"])
            text = START_PAYLOAD if text == "/start" or text.startswith("/start ") else typed_text(text)
        if not text:
            return None
        return UserMessage(
            text, out, sender, input_channel=NAME, metadata={"telegram_update_id": update.get("update_id")}
        )

    async def _callback_text(self, request: Request, sender: str, callback: dict[str, Any]) -> str:
        data = str(callback.get("data") or "")
        if not data.startswith("#"):
            return data  # the button's payload itself
        # A payload too long for callback_data was sent as "#<n>": the n-th button of the
        # assistant's last message, else the tapped button's title (read by the NLU).
        buttons = await latest_bot_buttons(request, sender)
        resolved = formatting.resolve_numbered_choice(data, buttons)
        if resolved:
            return resolved
        keyboard = ((callback.get("message") or {}).get("reply_markup") or {}).get("inline_keyboard") or []
        titles = [button.get("text", "") for row in keyboard for button in row if button.get("callback_data") == data]
        return typed_text(titles[0]) if titles else ""


def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - malformed JSON is a bad request, not a crash
        return None
    return body if isinstance(body, dict) else None


async def register_webhook(
    bot_token: str, secret_token: str, url: str, api_url: str = DEFAULT_API_URL
) -> tuple[bool, str]:
    """Calls setWebhook with our secret and the two update types we handle."""
    result = await api_post(
        NAME,
        f"{api_url.rstrip('/')}/bot{bot_token}/setWebhook",
        json={"url": url, "secret_token": secret_token, "allowed_updates": ["message", "callback_query"]},
        is_ok=_ok,
    )
    await close_sessions()
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
        register_webhook(token, secret, argv[1], env_url("SEDORUM_TELEGRAM_API_URL", DEFAULT_API_URL))
    )
    print("Webhook registered." if ok else f"setWebhook failed: {error}")
    logger.info("setWebhook %s", "succeeded" if ok else "failed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
