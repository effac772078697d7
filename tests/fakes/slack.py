"""Fake Slack Web API: POST /api/chat.postMessage with a Bearer bot token, JSON body.

Answers like https://api.slack.com/methods/chat.postMessage: HTTP 200 with {"ok": true, ...}
or {"ok": false, "error": "invalid_auth" | "channel_not_found" | "no_text" | "invalid_blocks"}
(a section text over 3000 characters, an actions block over 25 elements).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.fakes.base import Call, FakePlatform

BOT_USER = "U0SEDORUM"
BOT_ID = "B0SEDORUM"


class FakeSlack(FakePlatform):
    name = "slack"

    def __init__(self, bot_token: str) -> None:
        super().__init__()
        self.bot_token = bot_token
        self._ids = itertools.count(1)

    def handle(self, call: Call) -> tuple[int, Any]:
        if call.path != "/api/chat.postMessage" or call.method != "POST":
            return 404, {"ok": False, "error": "unknown_method"}
        if call.headers.get("authorization") != f"Bearer {self.bot_token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        params = call.params
        if not params.get("channel"):
            return 200, {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return 200, {"ok": False, "error": "no_text"}
        for block in params.get("blocks") or []:
            if block.get("type") == "section" and len((block.get("text") or {}).get("text", "")) > 3000:
                return 200, {"ok": False, "error": "invalid_blocks"}
            if block.get("type") == "actions" and len(block.get("elements") or []) > 25:
                return 200, {"ok": False, "error": "invalid_blocks"}
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": params.get("text", ""), "ts": ts}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        return 200, {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    def sent(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage arguments that were accepted, oldest first."""
        return [
            call.params
            for call in self.snapshot()
            if call.status == 200
            and isinstance(call.response, dict)
            and call.response.get("ok") is True
            and (channel is None or call.params.get("channel") == channel)
        ]
