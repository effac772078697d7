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

from rasa.core.channels.channel import UserMessage
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
    deliver,
    latest_bot_buttons,
    logger,
    oversized,
    refuse,
    require,
    setting,
    typed_text,
)
from sedorum.channels.signatures import FORGED, Refusal, check_messenger, same_secret

NAME = "facebook"
DEFAULT_API_URL = "https://graph.facebook.com/v24.0"


class MessengerOutput(PlatformOutput):
    """Sends with the Graph API Send API; needs only the page token (works for handoff)."""

    platform = NAME

    def __init__(self, page_access_token: str, api_url: str = DEFAULT_API_URL) -> None:
        self.url = f"{api_url.rstrip('/')}/me/messages"
        self.page_access_token = page_access_token
        self.deliveries = DeliveryLog()

    async def post(self, recipient_id: str, fields: dict[str, Any]) -> bool:
        # The token goes in the query string, as Meta documents; it is never logged.
        result = await api_post(
            NAME,
            self.url + "?access_token=" + self.page_access_token,
            json={"recipient": {"id": recipient_id}, **fields},
        )
        self.deliveries.record(NAME, result)
        return result.ok

    def render(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None) -> list[Any]:
        return formatting.messenger_messages(text, buttons)

    async def send_part(self, recipient_id: str, part: Any) -> bool:
        return await self.post(recipient_id, {"messaging_type": "RESPONSE", "message": part})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        attachment = {"type": "image", "payload": {"url": image, "is_reusable": True}}
        await self.send_parts(recipient_id, [{"attachment": attachment}])

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom response is a Send API `message` object."""
        await self.send_parts(recipient_id, [dict(json_message)])


class MessengerChannel(PlatformInput):
    """Messenger webhook, authenticated by X-Hub-Signature-256 (HMAC of the body, app secret)."""

    platform = NAME
    blueprint_name = "sedorum_messenger"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> MessengerChannel:
        found = require(credentials, "Messenger", "page_access_token", "app_secret", "verify_token")
        return cls(
            found["page_access_token"],
            found["app_secret"],
            found["verify_token"],
            api_url=setting(credentials, "api_url", "SEDORUM_MESSENGER_API_URL", DEFAULT_API_URL),
        )

    def __init__(self, page_access_token: str, app_secret: str, verify_token: str, api_url: str = DEFAULT_API_URL):
        self.page_access_token = page_access_token
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.api_url = api_url.rstrip("/")
        self.recent = RecentKeys()

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.page_access_token, self.api_url)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook = self.new_blueprint()

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            """Meta's subscription check: echo hub.challenge if the verify token is ours."""
            token = request.args.get("hub.verify_token") or ""
            if request.args.get("hub.mode") != "subscribe" or not same_secret(self.verify_token, token):
                return refuse(NAME, request, Refusal(FORGED, "wrong hub.verify_token"))
            return response.text(request.args.get("hub.challenge") or "")

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            too_large = oversized(NAME, request)
            if too_large:
                return too_large
            refusal = check_messenger(self.app_secret, request.body or b"", request.headers.get("X-Hub-Signature-256"))
            if refusal:
                return refuse(NAME, request, refusal)
            try:
                payload = request.json
            except Exception:  # noqa: BLE001
                payload = None
            if not isinstance(payload, dict):
                return response.json({"error": "bad request"}, status=400)
            if payload.get("object") != "page":
                return response.text("EVENT_RECEIVED")  # another product's events: acknowledged, not ours
            for entry in payload.get("entry") or []:
                for event in entry.get("messaging") or []:  # a batch may hold several events
                    message = await self._user_message(request, event)
                    if message is not None:
                        await deliver(on_new_message, message, NAME)
            return response.text("EVENT_RECEIVED")

        return hook

    async def _user_message(self, request: Request, event: dict[str, Any]) -> UserMessage | None:
        sender = str((event.get("sender") or {}).get("id") or "")
        message = event.get("message") or {}
        postback = event.get("postback") or {}
        if not sender or message.get("is_echo"):
            return None  # our own messages come back as echoes
        if self.recent.seen(message.get("mid") or postback.get("mid")):
            return None
        if (message.get("quick_reply") or {}).get("payload"):
            text = str(message["quick_reply"]["payload"])
        elif postback.get("payload"):
            text = str(postback["payload"])
        elif message.get("text"):
            text = await self._typed_or_numbered(request, sender, str(message["text"]))
        else:
            if message:
                logger.info("Ignored a Messenger message without text (attachment or sticker).")
            return None  # delivery and read receipts, reactions, attachments
        if not text:
            return None
        return UserMessage(text, self.get_output_channel(), sender, input_channel=NAME)

    async def _typed_or_numbered(self, request: Request, sender: str, text: str) -> str:
        """A typed number picks an option only when the options were shown numbered (over 13)."""
        if formatting.is_numbered_reply(text):
            buttons = await latest_bot_buttons(request, sender)
            if formatting.messenger_needs_numbers(len(buttons)):
                return formatting.resolve_numbered_choice(text, buttons) or typed_text(text)
        return typed_text(text)
