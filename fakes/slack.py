"""Fake Slack Web API: POST /api/chat.postMessage and /api/chat.postEphemeral with a Bearer bot
token, JSON body.

Answers like https://api.slack.com/methods/chat.postMessage (and chat.postEphemeral, which also
needs the `user` who alone sees it): HTTP 200 with {"ok": true, ...} or {"ok": false, "error":
"invalid_auth" | "channel_not_found" | "user_not_in_channel" | "no_text" | "invalid_blocks"} (a
section text over 3000 characters, an actions block over 25 elements, two blocks with one
block_id, two buttons of one block with one action_id).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from fakes.base import Call, FakePlatform

BOT_USER = "U0SEDORUM"
BOT_ID = "B0SEDORUM"


class FakeSlack(FakePlatform):
    name = "slack"

    def __init__(self, bot_token: str) -> None:
        super().__init__()
        self.bot_token = bot_token
        self._ids = itertools.count(1)

    def handle(self, call: Call) -> tuple[int, Any]:
        if call.path not in ("/api/chat.postMessage", "/api/chat.postEphemeral") or call.method != "POST":
            return 404, {"ok": False, "error": "unknown_method"}
        if call.headers.get("authorization") != f"Bearer {self.bot_token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        params = call.params
        if not params.get("channel"):
            return 200, {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return 200, {"ok": False, "error": "no_text"}
        if call.path.endswith("postEphemeral") and not params.get("user"):
            return 200, {"ok": False, "error": "user_not_in_channel"}
        block_ids = [block["block_id"] for block in params.get("blocks") or [] if block.get("block_id")]
        if len(block_ids) != len(set(block_ids)):
            return 200, {"ok": False, "error": "invalid_blocks"}
        for block in params.get("blocks") or []:
            if block.get("type") == "section" and len((block.get("text") or {}).get("text", "")) > 3000:
                return 200, {"ok": False, "error": "invalid_blocks"}
            elements = block.get("elements") or []
            action_ids = [element.get("action_id") for element in elements]
            if block.get("type") == "actions" and (len(elements) > 25 or len(action_ids) != len(set(action_ids))):
                return 200, {"ok": False, "error": "invalid_blocks"}
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        if call.path.endswith("postEphemeral"):
            return 200, {"ok": True, "message_ts": ts}
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": params.get("text", ""), "ts": ts}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        return 200, {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    def sent(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage arguments that were accepted, oldest first."""
        return self._accepted("/api/chat.postMessage", channel)

    def ephemeral(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postEphemeral arguments that were accepted, oldest first."""
        return self._accepted("/api/chat.postEphemeral", channel)

    def _accepted(self, path: str, channel: str | None) -> list[dict[str, Any]]:
        return [
            call.params
            for call in self.snapshot()
            if call.path == path
            and call.status == 200
            and isinstance(call.response, dict)
            and call.response.get("ok") is True
            and (channel is None or call.params.get("channel") == channel)
        ]
