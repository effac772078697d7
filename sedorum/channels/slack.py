"""Slack: signed Events API and interactivity in, chat.postMessage out, Block Kit buttons.

credentials.yml (`sedorum.channels.slack.SlackChannel`):
    bot_token        SLACK_BOT_TOKEN        app > OAuth & Permissions > Bot User OAuth Token (xoxb-...)
    signing_secret   SLACK_SIGNING_SECRET   app > Basic Information > App Credentials
Environment: SEDORUM_SLACK_API_URL (default https://slack.com).
Webhook: POST /webhooks/slack/webhook, for both Event Subscriptions (message.im, app_mention)
and Interactivity (button clicks).

Slack wants an answer within 3 seconds and retries otherwise, so events are acknowledged at
once and handled in the background. A retry after a timeout (X-Slack-Retry-Reason
http_timeout) is acknowledged and dropped; any other retry is handled unless the same message
was seen already (a server that was down never saw the first delivery).
Direct messages and mentions are answered; other channel traffic and every bot message
(ours included) are ignored. In a channel the answer goes to a thread under the mention.
The conversation id is the Slack user id, so a staff reply reaches the person by DM.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.slack import SlackInput
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.channels import common, formatting, votes
from sedorum.channels.base import Incoming, PlatformInput, PlatformOutput
from sedorum.channels.signatures import Refusal, check_slack

NAME = "slack"
DEFAULT_API_URL = "https://slack.com"


def _ok(status: int, body: Any) -> bool:
    return status == 200 and isinstance(body, dict) and body.get("ok") is True


class SlackOutput(PlatformOutput):
    """Posts with chat.postMessage to a channel (or thread), else to the user id (their DM)."""

    platform = NAME

    def __init__(self, bot_token: str, api_url: str = DEFAULT_API_URL, channel: str = "", thread_ts: str = "") -> None:
        self.api = f"{api_url.rstrip('/')}/api"
        self.headers = {"Authorization": f"Bearer {bot_token}", "Content-Type": "application/json; charset=utf-8"}
        self.channel = channel
        self.thread_ts = thread_ts
        self.deliveries = common.DeliveryLog()

    async def post(self, recipient_id: str, fields: dict[str, Any], method: str = "chat.postMessage") -> bool:
        body: dict[str, Any] = {"channel": self.channel or recipient_id, **fields}
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        result = await common.api_post(NAME, f"{self.api}/{method}", json=body, headers=self.headers, is_ok=_ok)
        self.deliveries.record(f"{NAME} {method}", result)
        return result.ok

    def render(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None) -> list[Any]:
        return formatting.slack_messages(text, buttons)

    async def send_part(self, recipient_id: str, part: Any) -> bool:
        return await self.post(recipient_id, part)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.post(
            recipient_id, {"text": image, "blocks": [{"type": "image", "image_url": image, "alt_text": "image"}]}
        )

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom response is a set of chat.postMessage arguments (text, blocks, ...)."""
        await self.post(recipient_id, dict(json_message))

    async def acknowledge_vote(self, recipient_id: str, value: str, saved: bool) -> None:
        """Only the voter sees the thanks (an ephemeral message), as in the widget."""
        offer = [votes.PERSON_BUTTON] if value == votes.DOWN else None
        for part in self.render(recipient_id, votes.acknowledgement(value, saved), offer):
            if not await self.post(recipient_id, {**part, "user": recipient_id}, method="chat.postEphemeral"):
                return


class SlackChannel(PlatformInput):
    """Slack Events API + interactivity, authenticated by the v0 signing-secret signature."""

    platform = NAME
    credential_keys = ("bot_token", "signing_secret")
    api_url_variable = "SEDORUM_SLACK_API_URL"
    default_api_url = DEFAULT_API_URL
    in_background = True  # Slack wants its answer within 3 seconds

    def __init__(self, bot_token: str, signing_secret: str, api_url: str = DEFAULT_API_URL) -> None:
        self.bot_token = bot_token
        self.signing_secret = signing_secret
        self.api_url = api_url.rstrip("/")
        self.recent = common.RecentKeys()

    def get_output_channel(self, channel: str = "", thread_ts: str = "") -> SlackOutput:
        return SlackOutput(self.bot_token, self.api_url, channel, thread_ts)

    def authenticate(self, request: Request) -> Refusal | None:
        return check_slack(
            self.signing_secret,
            request.body or b"",
            request.headers.get("X-Slack-Request-Timestamp"),
            request.headers.get("X-Slack-Signature"),
        )

    def acknowledge(self) -> HTTPResponse:
        return response.text("")

    async def receive(self, request: Request) -> list[Incoming] | HTTPResponse:
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry and request.headers.get("X-Slack-Retry-Reason") == "http_timeout":
            # We had the first delivery (we were slow to say so). Other retries, e.g. after
            # a refused connection during a restart, go on: the event-id check drops repeats.
            common.logger.info("Dropped Slack retry #%s (http_timeout).", retry)
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        body = request.body or b""
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
        if content_type == "application/x-www-form-urlencoded":
            item = self._interaction(parse_qs(body.decode("utf-8", "replace")).get("payload", [""])[0])
        else:
            try:
                payload = json.loads(body)
            except ValueError:
                return common.bad_request()
            if isinstance(payload, dict) and payload.get("type") == "url_verification":
                return response.json({"challenge": payload.get("challenge", "")})
            item = self._event(payload) if isinstance(payload, dict) else None
        return [item] if item is not None else []

    def _event(self, payload: dict[str, Any]) -> Incoming | None:
        """A person's DM or mention; everything else is not for us."""
        event = payload.get("event") or {}
        if payload.get("type") != "event_callback" or event.get("type") not in ("message", "app_mention"):
            return None
        if event.get("bot_id") or event.get("subtype") or not event.get("user") or not event.get("text"):
            return None  # bots (ourselves included), edits, joins, deletions
        bot_users = [a.get("user_id") for a in payload.get("authorizations") or [] if a.get("is_bot")]
        direct = event.get("channel_type") == "im"
        if event["user"] in bot_users or not (direct or event.get("type") == "app_mention"):
            return None
        channel, ts = str(event.get("channel") or ""), str(event.get("ts") or "")
        # A mention in a channel may arrive twice (app_mention and message.channels): same ts.
        if self.recent.seen(f"{channel}:{ts}"):
            return None
        text = common.typed_text(SlackInput._sanitize_user_message(str(event["text"]), bot_users))
        if not text:
            return None
        thread = str(event.get("thread_ts") or ("" if direct else ts))
        out = self.get_output_channel(channel, thread)
        return Incoming(str(event["user"]), text, out, metadata={"slack_channel": channel})

    def _interaction(self, raw: str) -> Incoming | None:
        """A click on one of our Block Kit buttons (an option or a vote): its value is the payload."""
        try:
            payload = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("type") != "block_actions":
            return None
        actions = payload.get("actions") or [{}]
        value, user = actions[0].get("value"), (payload.get("user") or {}).get("id")
        if not value or not user:
            return None
        click = payload.get("trigger_id") or actions[0].get("action_ts")
        if click and self.recent.seen(f"action:{click}"):
            return None
        channel = str((payload.get("channel") or {}).get("id") or "")
        thread = str((payload.get("message") or {}).get("thread_ts") or "")
        out = self.get_output_channel(channel, thread)
        return Incoming(str(user), str(value), out, pressed=True, metadata={"slack_channel": channel})
