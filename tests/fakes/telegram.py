"""Fake Telegram Bot API: POST /bot<token>/<method> with JSON or form parameters.

Answers like https://core.telegram.org/bots/api: {"ok": true, "result": ...}, or
{"ok": false, "error_code": ..., "description": ...} for a wrong token, a text over 4096
characters, callback_data over 64 bytes, or a callback query answered twice or with a notice
over 200 characters.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from tests.fakes.base import Call, FakePlatform, utf16_len

BOT = {"id": 7000000001, "is_bot": True, "first_name": "Sedorum", "username": "sedorum_test_bot"}
_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")


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
