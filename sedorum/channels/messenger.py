"""Facebook Messenger: signed page webhook in, Send API out, quick replies for buttons.

credentials.yml (`sedorum.channels.messenger.MessengerChannel`):
    page_access_token   MESSENGER_PAGE_ACCESS_TOKEN   Meta app > Messenger > access tokens
    app_secret          MESSENGER_APP_SECRET          Meta app > Settings > Basic (signs webhooks)
    verify_token        MESSENGER_VERIFY_TOKEN        our choice, typed into the webhook set-up
Environment: SEDORUM_MESSENGER_API_URL (default https://graph.facebook.com/v24.0).
Webhook: GET+POST /webhooks/facebook/webhook, fields `messages` and `messaging_postbacks`.

The channel keeps Rasa's name "facebook", so trackers, analytics and Rasa's docs agree.
Replies are sent with messaging_type RESPONSE: within 24 hours of the person's last message,
which is also the window in which staff can answer a handed-over conversation.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.channels import common, formatting
from sedorum.channels.base import Incoming, PlatformInput, PlatformOutput
from sedorum.channels.signatures import FORGED, Refusal, check_messenger, same_secret

NAME = "facebook"
DEFAULT_API_URL = "https://graph.facebook.com/v24.0"
RECEIVED = "EVENT_RECEIVED"


class MessengerOutput(PlatformOutput):
    """Sends with the Graph API Send API; needs only the page token (works for handoff)."""

    platform = NAME

    def __init__(self, page_access_token: str, api_url: str = DEFAULT_API_URL) -> None:
        self.url = f"{api_url.rstrip('/')}/me/messages"
        self.page_access_token = page_access_token
        self.deliveries = common.DeliveryLog()

    def render(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None) -> list[Any]:
        return formatting.messenger_messages(text, buttons)

    async def send_part(self, recipient_id: str, part: Any) -> bool:
        # The token goes in the query string, as Meta documents; it is never logged.
        result = await common.api_post(
            NAME,
            self.url + "?access_token=" + self.page_access_token,
            json={"recipient": {"id": recipient_id}, "messaging_type": "RESPONSE", "message": part},
        )
        self.deliveries.record(NAME, result)
        return result.ok

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        attachment = {"type": "image", "payload": {"url": image, "is_reusable": True}}
        await self.send_parts(recipient_id, [{"attachment": attachment}])

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom response is a Send API `message` object."""
        await self.send_parts(recipient_id, [dict(json_message)])


class MessengerChannel(PlatformInput):
    """Messenger webhook, authenticated by X-Hub-Signature-256 (HMAC of the body, app secret)."""

    platform = NAME
    credential_keys = ("page_access_token", "app_secret", "verify_token")
    api_url_variable = "SEDORUM_MESSENGER_API_URL"
    default_api_url = DEFAULT_API_URL
    blueprint_name = "sedorum_messenger"

    def __init__(self, page_access_token: str, app_secret: str, verify_token: str, api_url: str = DEFAULT_API_URL):
        self.page_access_token = page_access_token
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.api_url = api_url.rstrip("/")
        self.recent = common.RecentKeys()

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.page_access_token, self.api_url)

    def add_routes(self, hook: Blueprint) -> None:
        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            """Meta's subscription check: echo hub.challenge if the verify token is ours."""
            token = request.args.get("hub.verify_token") or ""
            if request.args.get("hub.mode") != "subscribe" or not same_secret(self.verify_token, token):
                return common.refuse(NAME, request, Refusal(FORGED, "wrong hub.verify_token"))
            return response.text(request.args.get("hub.challenge") or "")

    def authenticate(self, request: Request) -> Refusal | None:
        return check_messenger(self.app_secret, request.body or b"", request.headers.get("X-Hub-Signature-256"))

    def acknowledge(self) -> HTTPResponse:
        return response.text(RECEIVED)

    async def receive(self, request: Request) -> list[Incoming] | HTTPResponse:
        payload = common.json_body(request)
        if payload is None:
            return common.bad_request()
        if payload.get("object") != "page":
            return []  # another product's events: acknowledged, not ours
        received = []
        for entry in payload.get("entry") or []:
            for event in entry.get("messaging") or []:  # a batch may hold several events
                item = await self._incoming(request, event)
                if item is not None:
                    received.append(item)
        return received

    async def _incoming(self, request: Request, event: dict[str, Any]) -> Incoming | None:
        sender = str((event.get("sender") or {}).get("id") or "")
        message = event.get("message") or {}
        postback = event.get("postback") or {}
        if not sender or message.get("is_echo"):
            return None  # our own messages come back as echoes
        if self.recent.seen(message.get("mid") or postback.get("mid")):
            return None
        pressed = (message.get("quick_reply") or {}).get("payload") or postback.get("payload")
        if pressed:
            return Incoming(sender, str(pressed), self.get_output_channel(), pressed=True)
        if not message.get("text"):
            if message:
                common.logger.info("Ignored a Messenger message without text (attachment or sticker).")
            return None  # delivery and read receipts, reactions, attachments
        text = str(message["text"])
        if formatting.is_numbered_reply(text):
            # A typed number picks an option only when the options were shown numbered (over 13).
            shown = await common.latest_choices(request, sender)
            if formatting.messenger_needs_numbers(len(shown)):
                chosen = formatting.resolve_numbered_choice(text, shown)
                if chosen:
                    return Incoming(sender, chosen, self.get_output_channel(), pressed=True)
        typed = common.typed_text(text)
        return Incoming(sender, typed, self.get_output_channel()) if typed else None
