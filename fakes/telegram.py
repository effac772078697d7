"""Telegram as the assistant sees it: the Bot API it sends to, and the updates Telegram posts.

Fake Bot API: POST /bot<token>/<method> with JSON or form parameters. Answers like
https://core.telegram.org/bots/api: {"ok": true, "result": ...}, or {"ok": false,
"error_code": ..., "description": ...} for a wrong token, a text over 4096 characters,
callback_data over 64 bytes, or a callback query answered twice or with a notice over 200
characters.

Updates: `text_update` builds the `Update` Telegram posts to the webhook for a typed message,
and `webhook_headers` the headers it posts it with (the secret token given to setWebhook).
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from fakes.base import Call, FakePlatform, utf16_len

BOT = {"id": 7000000001, "is_bot": True, "first_name": "Sedorum", "username": "sedorum_test_bot"}
_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def user(chat_id: int) -> dict[str, Any]:
    """The `from` of a person's message (in a private chat their id is the chat's)."""
    return {"id": chat_id, "is_bot": False, "first_name": "Pat", "language_code": "en"}


def text_update(
    update_id: int, message_id: int, chat_id: int, text: str, date: int, chat_type: str = "private"
) -> dict[str, Any]:
    """The `Update` for a typed message: update_id, message{message_id, from, chat, date, text}.

    Ids and date are passed in, so the caller decides how they stay unique (the channel drops
    an update_id it has seen: a platform retry). A command ("/start") carries its
    `bot_command` entity, as Telegram sends it. A group chat has a negative id and a title.
    """
    chat: dict[str, Any] = {"id": chat_id, "first_name": "Pat", "type": chat_type}
    if chat_type != "private":
        chat = {"id": -chat_id, "title": "Family group", "type": chat_type}
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": user(chat_id),
        "chat": chat,
        "date": date,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def webhook_headers(secret: str | None) -> dict[str, str]:
    """The headers of Telegram's webhook POST; `secret` None: an update without the secret token."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return headers


def _error(code: int, description: str) -> tuple[int, dict[str, Any]]:
    return code, {"ok": False, "error_code": code, "description": description}


class FakeTelegram(FakePlatform):
    name = "telegram"

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self._ids = itertools.count(100)
        self._answered: set[str] = set()  # a callback query is answered once

    def handle(self, call: Call) -> tuple[int, Any]:
        match = _PATH.match(call.path)
        if not match or call.method != "POST":
            return _error(404, "Not Found")
        if match["token"] != self.token:
            return _error(401, "Unauthorized")
        method, params = match["method"], call.params
        if method == "sendMessage":
            return self._send_message(params)
        if method == "answerCallbackQuery":
            if not params.get("callback_query_id"):
                return _error(400, "Bad Request: query_id is empty")
            if len(str(params.get("text", ""))) > 200:
                return _error(400, "Bad Request: MESSAGE_TOO_LONG")
            if params["callback_query_id"] in self._answered:
                return _error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            self._answered.add(params["callback_query_id"])
            return 200, {"ok": True, "result": True}
        if method == "setWebhook":
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(params.get("secret_token", "x"))):
                return _error(400, "Bad Request: secret token contains unallowed characters")
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        return _error(404, "Not Found: method not found")

    def _send_message(self, params: dict[str, Any]) -> tuple[int, Any]:
        text = str(params.get("text") or "")
        if not params.get("chat_id"):
            return _error(400, "Bad Request: chat_id is empty")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        for row in ((params.get("reply_markup") or {}).get("inline_keyboard")) or []:
            for button in row:
                if not 1 <= len(str(button.get("callback_data", "")).encode()) <= 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._ids),
            "from": BOT,
            "chat": {"id": chat_id, "first_name": "Test", "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return 200, {"ok": True, "result": message}

    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """sendMessage parameters that were accepted, oldest first."""
        return [
            call.params
            for call in self.snapshot()
            if call.path.endswith("/sendMessage")
            and call.status == 200
            and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
        ]

    def answered(self) -> list[dict[str, Any]]:
        """answerCallbackQuery parameters that were accepted, oldest first."""
        return [
            call.params for call in self.snapshot() if call.path.endswith("/answerCallbackQuery") and call.status == 200
        ]
