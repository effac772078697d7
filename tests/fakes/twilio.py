"""Fake Twilio REST API: POST /2010-04-01/Accounts/<sid>/Messages.json, form-encoded, Basic auth.

Answers like https://www.twilio.com/docs/messaging/api/message-resource: 201 with the Message
resource, or a Twilio error JSON (20003 bad credentials, 21617 body over 1600 characters).
"""

from __future__ import annotations

import base64
import itertools
import re
from email.utils import formatdate
from typing import Any

from tests.fakes.base import Call, FakePlatform, utf16_len

_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class FakeTwilio(FakePlatform):
    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._ids = itertools.count(1)

    def handle(self, call: Call) -> tuple[int, Any]:
        match = _PATH.match(call.path)
        if not match or call.method != "POST":
            return _error(404, 20404, "The requested resource was not found")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if match["sid"] != self.account_sid or call.headers.get("authorization") != expected:
            return _error(401, 20003, "Authenticate")
        form = call.form
        if not form.get("To"):
            return _error(400, 21604, "A 'To' phone number is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' phone number is required.")
        body = form.get("Body", "")
        if not body and not form.get("MediaUrl"):
            return _error(400, 21602, "Message body is required.")
        if utf16_len(body) > 1600:
            return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        sid = f"SM{next(self._ids):032x}"
        return 201, {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": formatdate(usegmt=True),
            "direction": "outbound-api",
            "error_code": None,
            "from": form.get("From"),
            "num_media": "1" if form.get("MediaUrl") else "0",
            "num_segments": str(max(1, -(-utf16_len(body) // 153))),
            "price": None,
            "sid": sid,
            "status": "queued",
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }

    def sent(self, to: str | None = None) -> list[dict[str, str]]:
        """Form fields of accepted messages, oldest first."""
        return [
            call.form for call in self.snapshot() if call.status == 201 and (to is None or call.form.get("To") == to)
        ]
