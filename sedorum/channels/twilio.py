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
    TWILIO_WHATSAPP_VOTE_CONTENT_SID   the vote buttons' content template on WhatsApp, made once with
                               python -m sedorum.channels.twilio vote-template
                               (SEDORUM_TWILIO_CONTENT_API_URL, default https://content.twilio.com)
Webhook: POST /webhooks/twilio/webhook ("A message comes in" on the number / WhatsApp sender).

Options are sent as "Reply 1 for ..., 2 for ..." and a reply of a bare number is mapped to
that option (common.latest_choices says why through the tracker). The vote buttons are two
more numbers ("3 if this helped, 4 if not"), except on WhatsApp with the vote template, where
"Was this answer helpful?" follows the answer with two WhatsApp quick-reply buttons (Twilio
sends WhatsApp buttons only from a content template). The conversation id is the sender as
Twilio gives it, so "whatsapp:+44..." and "+44..." are separate conversations.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.channels import common, formatting, votes
from sedorum.channels.base import Incoming, PlatformInput, PlatformOutput
from sedorum.channels.signatures import Refusal, check_twilio

NAME = "twilio"
DEFAULT_API_URL = "https://api.twilio.com"
DEFAULT_CONTENT_API_URL = "https://content.twilio.com"
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
        vote_content_sid: str = "",
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from or sms_from
        self.sms_limit = min(sms_limit, formatting.TWILIO_BODY_LIMIT)
        self.reply_from = reply_from  # the number the person wrote to, when answering a webhook
        self.vote_content_sid = vote_content_sid  # WhatsApp's vote buttons (a content template)
        self.deliveries = common.DeliveryLog()

    def sender_for(self, recipient: str) -> str:
        if self.reply_from:
            return self.reply_from
        if recipient.startswith(WHATSAPP):
            return self.whatsapp_from if self.whatsapp_from.startswith(WHATSAPP) else WHATSAPP + self.whatsapp_from
        return self.sms_from

    def render(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None) -> list[Any]:
        if recipient_id.startswith(WHATSAPP):
            return formatting.whatsapp_messages(text, buttons, self.vote_content_sid)
        return formatting.sms_bodies(text, buttons, self.sms_limit)

    async def send_part(self, recipient_id: str, part: Any) -> bool:
        """A body, or a content template's fields (WhatsApp's vote buttons)."""
        fields = dict(part) if isinstance(part, dict) else {"Body": part}
        form = {"To": recipient_id, "From": self.sender_for(recipient_id), **fields}
        result = await common.api_post(NAME, self.url, form=form, auth=self.auth)
        self.deliveries.record(NAME, result)
        return result.ok

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_part(recipient_id, {"MediaUrl": image})

    async def acknowledge_vote(self, recipient_id: str, value: str, saved: bool) -> None:
        """In words only: the offer is not stored in the conversation, so a number could not pick it."""
        said = votes.acknowledgement(value, saved, votes.TYPED_OFFER)
        await self.send_parts(recipient_id, self.render(recipient_id, said, None))


class TwilioChannel(PlatformInput):
    """Twilio webhook for SMS and WhatsApp, authenticated by X-Twilio-Signature."""

    platform = NAME
    credential_keys = ("account_sid", "auth_token", "number")
    api_url_variable = "SEDORUM_TWILIO_API_URL"
    default_api_url = DEFAULT_API_URL

    @classmethod
    def options(cls, credentials: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "whatsapp_number": common.setting(credentials, "whatsapp_number", "TWILIO_WHATSAPP_NUMBER"),
            "public_base_url": common.setting(credentials, "public_base_url", "SEDORUM_PUBLIC_BASE_URL"),
            "sms_limit": int(common.setting(credentials, "sms_max_chars", "SEDORUM_SMS_MAX_CHARS", "1600")),
            "vote_content_sid": common.setting(
                credentials, "whatsapp_vote_content_sid", "TWILIO_WHATSAPP_VOTE_CONTENT_SID"
            ),
        }

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        number: str,
        whatsapp_number: str = "",
        public_base_url: str = "",
        api_url: str = DEFAULT_API_URL,
        sms_limit: int = formatting.TWILIO_BODY_LIMIT,
        vote_content_sid: str = "",
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        self.whatsapp_number = whatsapp_number
        self.public_base_url = public_base_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.sms_limit = sms_limit
        self.vote_content_sid = vote_content_sid
        self.recent = common.RecentKeys()

    def get_output_channel(self, reply_from: str = "") -> TwilioOutput:
        return TwilioOutput(
            self.account_sid,
            self.auth_token,
            self.number,
            self.whatsapp_number,
            self.api_url,
            self.sms_limit,
            reply_from,
            self.vote_content_sid,
        )

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public base URL + our path, when one is configured."""
        if not self.public_base_url:
            return request.url
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{self.public_base_url}{request.path}{query}"

    @staticmethod
    def _params(request: Request) -> dict[str, list[str]]:
        """The form, parsed by hand: Twilio signs blank parameters too, which Sanic's form drops."""
        if not hasattr(request.ctx, "twilio_params"):
            body = (request.body or b"").decode("utf-8", "replace")
            request.ctx.twilio_params = parse_qs(body, keep_blank_values=True)
        return request.ctx.twilio_params

    def authenticate(self, request: Request) -> Refusal | None:
        return check_twilio(
            self.auth_token, self.signed_url(request), self._params(request), request.headers.get("X-Twilio-Signature")
        )

    def acknowledge(self) -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def receive(self, request: Request) -> list[Incoming] | HTTPResponse:
        form = {name: values[0] for name, values in self._params(request).items()}
        if self.recent.seen(form.get("MessageSid") or form.get("SmsMessageSid")):
            return []
        sender = form.get("From", "").strip()
        if not sender:
            return []
        body = form.get("Body", "")
        whatsapp = sender.startswith(WHATSAPP)
        if not whatsapp and body.strip().lower() in OPT_OUT_KEYWORDS:
            common.logger.info("An SMS opt-out keyword was left to Twilio; the assistant does not answer it.")
            return []
        text = form.get("ButtonPayload", "").strip()  # a WhatsApp quick-reply button (a vote's, or a template's)
        pressed = bool(text)
        if not text and formatting.is_numbered_reply(body):
            text = formatting.resolve_numbered_choice(body, await self._numbered(request, sender)) or ""
            pressed = bool(text)
        text = text or common.typed_text(body)
        if not text:
            return []  # a picture or a location without words: nothing to answer yet
        out = self.get_output_channel(reply_from=form.get("To", "").strip())
        metadata = {"twilio_message_sid": form.get("MessageSid", ""), "whatsapp": whatsapp}
        return [Incoming(sender, text, out, pressed=pressed, metadata=metadata)]

    async def _numbered(self, request: Request, sender: str) -> list[Any]:
        """The choices a typed number picks from: as shown, so without the votes where WhatsApp
        showed them as buttons."""
        shown = await common.latest_choices(request, sender)
        if sender.startswith(WHATSAPP) and self.vote_content_sid:
            return votes.options_only(shown)
        return shown


# --- WhatsApp's vote buttons: a content template, made once per Twilio account -------------


def vote_template() -> dict[str, Any]:
    """The Content API resource: "Was this answer helpful?" with the two vote buttons, whose
    ids carry the answer's key (variable 1). In session, WhatsApp takes it unapproved."""
    return {
        "friendly_name": "sedorum_answer_vote",
        "language": "en",
        "variables": {"1": "0123456789abcdef"},
        "types": {
            "twilio/quick-reply": {
                "body": votes.QUESTION,
                "actions": [
                    {"title": votes.TITLES[value], "id": f"{votes.PREFIX}{value}:{{{{1}}}}"}
                    for value in (votes.UP, votes.DOWN)
                ],
            },
        },
    }


async def create_vote_template(
    account_sid: str, auth_token: str, content_api_url: str = DEFAULT_CONTENT_API_URL
) -> tuple[str, str]:
    """Creates the vote template with Twilio's Content API: (its HX sid, "") or ("", the error)."""
    result = await common.api_post(
        NAME,
        f"{content_api_url.rstrip('/')}/v1/Content",
        json=vote_template(),
        auth=aiohttp.BasicAuth(account_sid, auth_token),
    )
    await common.close_sessions()
    sid = result.body.get("sid") if result.ok and isinstance(result.body, dict) else None
    return (str(sid), "") if sid else ("", result.error or f"HTTP {result.status}")


def main(argv: Sequence[str]) -> int:
    """python -m sedorum.channels.twilio vote-template"""
    import os

    from sedorum.settings import PROJECT_ROOT, ensure_env_file

    if (PROJECT_ROOT / ".env").exists():
        ensure_env_file(PROJECT_ROOT / ".env")  # the same variables `make run` uses
    if argv[1:] != ["vote-template"]:
        print(main.__doc__, file=sys.stderr)
        return 2
    sid, token = os.environ.get("TWILIO_ACCOUNT_SID", ""), os.environ.get("TWILIO_AUTH_TOKEN", "")
    if not sid or not token:
        print("Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN first.", file=sys.stderr)
        return 2
    content_url = common.env_url("SEDORUM_TWILIO_CONTENT_API_URL", DEFAULT_CONTENT_API_URL)
    created, error = asyncio.run(create_vote_template(sid, token, content_url))
    if not created:
        print(f"Creating the template failed: {error}", file=sys.stderr)
        return 1
    print(f"Template created. Set TWILIO_WHATSAPP_VOTE_CONTENT_SID={created}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
