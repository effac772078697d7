"""Fake Graph API Send API: POST /v<version>/me/messages?access_token=<page token>, JSON.

Answers like https://developers.facebook.com/docs/messenger-platform/reference/send-api/:
{"recipient_id", "message_id"}, or a Graph error (190 bad token, 100 invalid parameter for a
text over 2000 characters, more than 13 quick replies or a quick-reply title over 20).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from fakes.base import Call, FakePlatform, utf16_len

_PATH = re.compile(r"^/v\d+\.\d+/me/messages$")


def _error(code: int, message: str, status: int = 400) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}}


class FakeMessenger(FakePlatform):
    name = "messenger"

    def __init__(self, page_access_token: str) -> None:
        super().__init__()
        self.page_access_token = page_access_token
        self._ids = itertools.count(1)

    def handle(self, call: Call) -> tuple[int, Any]:
        if not _PATH.match(call.path) or call.method != "POST":
            return _error(2500, "Unknown path components", 400)
        if call.query.get("access_token") != self.page_access_token:
            return _error(190, "Invalid OAuth access token - Cannot parse access token")
        body = call.json if isinstance(call.json, dict) else {}
        recipient = (body.get("recipient") or {}).get("id")
        if not recipient:
            return _error(100, "(#100) The parameter recipient is required")
        if "sender_action" in body:
            return 200, {"recipient_id": recipient}
        message = body.get("message") or {}
        if body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return _error(100, "(#100) param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}")
        text = message.get("text")
        if text is None and "attachment" not in message:
            return _error(100, "(#100) Must send either message or state")
        if text is not None and not 0 < utf16_len(text) <= 2000:
            return _error(100, "(#100) Length of param message[text] must be less than or equal to 2000")
        quick_replies = message.get("quick_replies") or []
        if len(quick_replies) > 13:
            return _error(100, "(#100) param message[quick_replies] must have a maximum of 13 elements")
        for reply in quick_replies:
            if reply.get("content_type") == "text" and not 0 < len(reply.get("title", "")) <= 20:
                return _error(100, "(#100) Quick reply title must be 1-20 characters")
        return 200, {"recipient_id": recipient, "message_id": f"m_{next(self._ids):024d}"}

    def sent(self, recipient: str | None = None) -> list[dict[str, Any]]:
        """`message` objects that were accepted, oldest first (sender actions left out)."""
        return [
            call.json["message"]
            for call in self.snapshot()
            if call.status == 200
            and isinstance(call.json, dict)
            and "message" in call.json
            and (recipient is None or call.json["recipient"]["id"] == recipient)
        ]
