"""SMS and WhatsApp through Twilio: signed form webhook in, Messages API out, numbered options.

credentials.yml (`sedorum.channels.twilio.TwilioChannel`):
    account_sid   TWILIO_ACCOUNT_SID   Twilio console, Account Info
    auth_token    TWILIO_AUTH_TOKEN    Twilio console, Account Info (also signs the webhooks)
    number        TWILIO_NUMBER        the SMS number in E.164, e.g. +447700900123
Environment (optional):
    TWILIO_WHATSAPP_NUMBER     the WhatsApp sender, if not the SMS number
    SEDORUM_PUBLIC_BASE_URL    e.g. https://bot.example.com: the URL Twilio calls, as Twilio sees it
                               (behind a proxy the server sees another one, and the signature is
                               computed over the public URL)
    SEDORUM_SMS_MAX_CHARS      split SMS above this length (default and maximum 1600; Twilio
                               advises under 320 for delivery)
    SEDORUM_TWILIO_API_URL     default https://api.twilio.com
Webhook: POST /webhooks/twilio/webhook ("A message comes in" on the number / WhatsApp sender).

SMS and WhatsApp have no buttons here, so options are sent as "Reply 1 for ..., 2 for ..."
and a reply of a bare number is mapped to that option (common.latest_bot_buttons says why
through the tracker). The conversation id is the sender as Twilio gives it, so
"whatsapp:+44..." and "+44..." are separate conversations.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import aiohttp
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
from sedorum.channels.signatures import check_twilio

NAME = "twilio"
DEFAULT_API_URL = "https://api.twilio.com"
WHATSAPP = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio answers these itself on SMS and then blocks replies to the number (error 21610).
OPT_OUT_KEYWORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})


class TwilioOutput(PlatformOutput):
    """Sends SMS or WhatsApp (by the recipient's "whatsapp:" prefix) with the Messages API."""

    platform = NAME

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sms_from: str,
        whatsapp_from: str = "",
        api_url: str = DEFAULT_API_URL,
        sms_limit: int = formatting.TWILIO_BODY_LIMIT,
        reply_from: str = "",
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from or sms_from
        self.sms_limit = min(sms_limit, formatting.TWILIO_BODY_LIMIT)
        self.reply_from = reply_from  # the number the person wrote to, when answering a webhook
        self.deliveries = DeliveryLog()

    def sender_for(self, recipient: str) -> str:
        if self.reply_from:
            return self.reply_from
        if recipient.startswith(WHATSAPP):
            return self.whatsapp_from if self.whatsapp_from.startswith(WHATSAPP) else WHATSAPP + self.whatsapp_from
        return self.sms_from

    def limit_for(self, recipient: str) -> int:
        return formatting.TWILIO_BODY_LIMIT if recipient.startswith(WHATSAPP) else self.sms_limit

    def render(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None) -> list[Any]:
        return formatting.sms_bodies(text, buttons, self.limit_for(recipient_id))

    async def send_part(self, recipient_id: str, part: Any) -> bool:
        form = {"To": recipient_id, "From": self.sender_for(recipient_id), "Body": part}
        result = await api_post(NAME, self.url, form=form, auth=self.auth)
        self.deliveries.record(NAME, result)
        return result.ok

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        form = {"To": recipient_id, "From": self.sender_for(recipient_id), "MediaUrl": image}
        self.deliveries.record(NAME, await api_post(NAME, self.url, form=form, auth=self.auth))


class TwilioChannel(PlatformInput):
    """Twilio webhook for SMS and WhatsApp, authenticated by X-Twilio-Signature."""

    platform = NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwilioChannel:
        found = require(credentials, NAME, "account_sid", "auth_token", "number")
        return cls(
            found["account_sid"],
            found["auth_token"],
            found["number"],
            whatsapp_number=setting(credentials, "whatsapp_number", "TWILIO_WHATSAPP_NUMBER"),
            public_base_url=setting(credentials, "public_base_url", "SEDORUM_PUBLIC_BASE_URL"),
            api_url=setting(credentials, "api_url", "SEDORUM_TWILIO_API_URL", DEFAULT_API_URL),
            sms_limit=int(setting(credentials, "sms_max_chars", "SEDORUM_SMS_MAX_CHARS", "1600")),
        )

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        number: str,
        whatsapp_number: str = "",
        public_base_url: str = "",
        api_url: str = DEFAULT_API_URL,
        sms_limit: int = formatting.TWILIO_BODY_LIMIT,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        self.whatsapp_number = whatsapp_number
        self.public_base_url = public_base_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.sms_limit = sms_limit
        self.recent = RecentKeys()

    def get_output_channel(self, reply_from: str = "") -> TwilioOutput:
        return TwilioOutput(
            self.account_sid,
            self.auth_token,
            self.number,
            self.whatsapp_number,
            self.api_url,
            self.sms_limit,
            reply_from,
        )

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public base URL + our path, when one is configured."""
        if not self.public_base_url:
            return request.url
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{self.public_base_url}{request.path}{query}"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook = self.new_blueprint()

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            too_large = oversized(NAME, request)
            if too_large:
                return too_large
            # Parsed by hand: Twilio signs blank parameters too, which Sanic's form drops.
            params = parse_qs((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True)
            refusal = check_twilio(
                self.auth_token, self.signed_url(request), params, request.headers.get("X-Twilio-Signature")
            )
            if refusal:
                return refuse(NAME, request, refusal)
            form = {name: values[0] for name, values in params.items()}
            if not self.recent.seen(form.get("MessageSid") or form.get("SmsMessageSid")):
                message = await self._user_message(request, form)
                if message is not None:
                    await deliver(on_new_message, message, NAME)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return hook

    async def _user_message(self, request: Request, form: dict[str, str]) -> UserMessage | None:
        sender = form.get("From", "").strip()
        if not sender:
            return None
        body = form.get("Body", "")
        whatsapp = sender.startswith(WHATSAPP)
        if not whatsapp and body.strip().lower() in OPT_OUT_KEYWORDS:
            logger.info("An SMS opt-out keyword was left to Twilio; the assistant does not answer it.")
            return None
        text = form.get("ButtonPayload", "").strip()  # a WhatsApp quick-reply template button
        if not text:
            buttons = await latest_bot_buttons(request, sender) if formatting.is_numbered_reply(body) else []
            text = formatting.resolve_numbered_choice(body, buttons) or typed_text(body)
        if not text:
            return None  # a picture or a location without words: nothing to answer yet
        out = self.get_output_channel(reply_from=form.get("To", "").strip())
        metadata = {"twilio_message_sid": form.get("MessageSid", ""), "whatsapp": whatsapp}
        return UserMessage(text, out, sender, input_channel=NAME, metadata=metadata)
