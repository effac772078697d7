"""Fake Twilio REST API: POST /2010-04-01/Accounts/<sid>/Messages.json, form-encoded, Basic auth,
and the Content API's POST /v1/Content (JSON), both on one server.

Answers like https://www.twilio.com/docs/messaging/api/message-resource: 201 with the Message
resource, or a Twilio error JSON (20003 bad credentials, 21617 body over 1600 characters, 21655
an unknown ContentSid, 21656 ContentVariables that are not a JSON object of non-empty values
free of line breaks, tabs and runs of spaces; 20001 otherwise). A content template (twilio/quick-reply) is
checked as Twilio documents it: a body, 1 to 10 buttons with titles of at most 20 characters and
ids of at most 200; sent in session on WhatsApp, at most 3 buttons; on SMS, not at all.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from email.utils import formatdate
from typing import Any

from fakes.base import Call, FakePlatform, utf16_len

_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")
_VARIABLE = re.compile(r"\{\{(\w+)\}\}")
_BAD_VARIABLE_VALUE = re.compile(r"[\n\t]| {5,}")


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
        self.templates: dict[str, dict[str, Any]] = {}  # ContentSid -> the Content resource

    def handle(self, call: Call) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if call.path == "/v1/Content" and call.method == "POST":
            if call.headers.get("authorization") != expected:
                return _error(401, 20003, "Authenticate")
            return self._create_content(call.json if isinstance(call.json, dict) else {})
        match = _PATH.match(call.path)
        if not match or call.method != "POST":
            return _error(404, 20404, "The requested resource was not found")
        if match["sid"] != self.account_sid or call.headers.get("authorization") != expected:
            return _error(401, 20003, "Authenticate")
        form = call.form
        if not form.get("To"):
            return _error(400, 21604, "A 'To' phone number is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' phone number is required.")
        if form.get("ContentSid"):
            rendered = self._render_content(form)
            if isinstance(rendered, tuple):
                return rendered
            form.update(rendered)
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

    def _create_content(self, resource: dict[str, Any]) -> tuple[int, Any]:
        quick = (resource.get("types") or {}).get("twilio/quick-reply")
        if not resource.get("friendly_name") or not resource.get("types"):
            return _error(400, 20001, "Missing required parameter types or friendly_name")
        if quick is not None:
            actions = quick.get("actions") or []
            if not quick.get("body") or not 1 <= len(actions) <= 10:
                return _error(400, 20001, "twilio/quick-reply needs a body and 1 to 10 actions")
            for action in actions:
                if not 0 < len(action.get("title", "")) <= 20 or not 0 < len(action.get("id", "")) <= 200:
                    return _error(400, 20001, "A quick-reply action needs a title (20) and an id (200)")
        sid = f"HX{next(self._ids):032x}"
        self.templates[sid] = dict(resource)
        return 201, {"sid": sid, "account_sid": self.account_sid, **resource}

    def _render_content(self, form: dict[str, str]) -> dict[str, str] | tuple[int, Any]:
        """The Body (and the buttons, as "Buttons": JSON [[title, id], ...]) the recipient sees."""
        template = self.templates.get(form["ContentSid"])
        if template is None:
            return _error(400, 21655, "The ContentSid is Invalid")
        try:
            values = {**template.get("variables", {}), **json.loads(form.get("ContentVariables") or "{}")}
        except ValueError:
            return _error(400, 21656, "The ContentVariables Parameter is invalid")
        if not all(isinstance(v, str) and v and not _BAD_VARIABLE_VALUE.search(v) for v in values.values()):
            return _error(400, 21656, "The ContentVariables Parameter is invalid")

        def fill(text: str) -> str:
            return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)

        quick = template["types"].get("twilio/quick-reply")
        if quick is None or not form["To"].startswith("whatsapp:"):
            return _error(400, 21655, "The ContentSid is Invalid for this channel")
        if len(quick["actions"]) > 3:  # in session, without WhatsApp's approval
            return _error(400, 20001, "More than 3 quick-reply buttons in session")
        buttons = [[fill(a["title"]), fill(a["id"])] for a in quick["actions"]]
        return {"Body": fill(quick["body"]), "Buttons": json.dumps(buttons)}

    def sent(self, to: str | None = None) -> list[dict[str, str]]:
        """Form fields of accepted messages, oldest first; a content template's message also has
        the Body and "Buttons" the recipient sees."""
        return [
            call.form for call in self.snapshot() if call.status == 201 and (to is None or call.form.get("To") == to)
        ]
