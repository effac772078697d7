"""Real-format inbound webhooks of each platform, signed (or not) as the platform signs them.

Shapes follow each platform's documentation: Telegram `Update`, Twilio's incoming-message
form parameters (SMS and WhatsApp), Messenger's `page` webhook, Slack's Events API
`event_callback` and interactivity `block_actions`. Signatures are computed independently of
the code under test (Twilio's own RequestValidator; hashlib for the others).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from fakes import telegram

_update_ids = itertools.count(int(time.time()) % 1_000_000 * 100)
_message_ids = itertools.count(1000)

# --- Telegram --------------------------------------------------------------------------------


def telegram_text(chat_id: int, text: str, chat_type: str = "private") -> dict[str, Any]:
    """A typed message's `Update` (fakes/telegram.py builds it), with fresh ids."""
    return telegram.text_update(next(_update_ids), next(_message_ids), chat_id, text, int(time.time()), chat_type)


def telegram_button(chat_id: int, data: str, keyboard: list[list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """A tap on an inline keyboard button of a message the bot sent."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(uuid.uuid4().int)[:19],
            "from": telegram.user(chat_id),
            "message": {
                "message_id": next(_message_ids),
                "from": {"id": 7000000001, "is_bot": True, "first_name": "Sedorum", "username": "sedorum_test_bot"},
                "chat": {"id": chat_id, "first_name": "Pat", "type": "private"},
                "date": int(time.time()),
                "text": "Anything else I can help with?",
                "reply_markup": {"inline_keyboard": keyboard or [[{"text": "Option", "callback_data": data}]]},
            },
            "chat_instance": "-6129339123012345678",
            "data": data,
        },
    }


def telegram_headers(secret: str | None) -> dict[str, str]:
    return telegram.webhook_headers(secret)


# --- Twilio ------------------------------------------------------------------------------------


def twilio_sms(sender: str, body: str, to: str, account_sid: str) -> dict[str, str]:
    """The parameters Twilio posts for an incoming SMS (blank ones included, as Twilio sends them)."""
    sid = "SM" + uuid.uuid4().hex
    return {
        "ToCountry": "GB",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "GB",
        "To": to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def twilio_whatsapp(sender_number: str, body: str, to_number: str, account_sid: str) -> dict[str, str]:
    sid = "SM" + uuid.uuid4().hex
    return {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Pat",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": sender_number.lstrip("+"),
        "SmsStatus": "received",
        "Body": body,
        "To": f"whatsapp:{to_number}",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": f"whatsapp:{sender_number}",
        "ApiVersion": "2010-04-01",
    }


def twilio_whatsapp_button(
    sender_number: str, title: str, payload: str, to_number: str, account_sid: str
) -> dict[str, str]:
    """What Twilio posts when a WhatsApp user taps a quick-reply button: the title as Body and
    ButtonText, the button's id as ButtonPayload, and the message it answers."""
    params = twilio_whatsapp(sender_number, title, to_number, account_sid)
    params.update(
        {
            "MessageType": "button",
            "ButtonText": title,
            "ButtonPayload": payload,
            "OriginalRepliedMessageSender": f"whatsapp:{to_number}",
            "OriginalRepliedMessageSid": "SM" + uuid.uuid4().hex,
        }
    )
    return params


def twilio_headers(auth_token: str | None, url: str, params: dict[str, str]) -> dict[str, str]:
    """Signed with Twilio's own algorithm over the URL Twilio called (None: unsigned)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "I-Twilio-Idempotency-Token": uuid.uuid4().hex}
    if auth_token is not None:
        headers["X-Twilio-Signature"] = RequestValidator(auth_token).compute_signature(url, params)
    return headers


def form_body(params: dict[str, str]) -> str:
    return urlencode(params)


# --- Messenger ---------------------------------------------------------------------------------

PAGE_ID = "105000000000001"


def messenger_event(psid: str, message: dict[str, Any] | None = None, postback: dict[str, Any] | None = None) -> dict:
    event: dict[str, Any] = {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
    }
    if message is not None:
        event["message"] = {"mid": "m_" + uuid.uuid4().hex, **message}
    if postback is not None:
        event["postback"] = {"mid": "m_" + uuid.uuid4().hex, **postback}
    return event


def messenger_webhook(*events: dict[str, Any]) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": int(time.time() * 1000), "messaging": list(events)}]}


def messenger_text(psid: str, text: str) -> dict[str, Any]:
    return messenger_webhook(messenger_event(psid, {"text": text}))


def messenger_quick_reply(psid: str, title: str, payload: str) -> dict[str, Any]:
    return messenger_webhook(messenger_event(psid, {"text": title, "quick_reply": {"payload": payload}}))


def messenger_headers(app_secret: str | None, body: bytes) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if app_secret is not None:
        digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
        headers["X-Hub-Signature"] = "sha1=" + hmac.new(app_secret.encode(), body, hashlib.sha1).hexdigest()
    return headers


# --- Slack -------------------------------------------------------------------------------------

BOT_USER = "U0SEDORUM"
TEAM = "T0SHOP"


def _slack_envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "verification-token-unused",
        "team_id": TEAM,
        "api_app_id": "A0SEDORUM",
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def _ts() -> str:
    return f"{time.time():.6f}"


def slack_dm(user: str, text: str, channel: str = "D0DIRECT1") -> dict[str, Any]:
    ts = _ts()
    return _slack_envelope(
        {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
            "client_msg_id": str(uuid.uuid4()),
        }
    )


def slack_mention(user: str, text: str, channel: str = "C0GENERAL") -> dict[str, Any]:
    ts = _ts()
    return _slack_envelope(
        {
            "type": "app_mention",
            "user": user,
            "text": f"<@{BOT_USER}> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
    )


def slack_bot_echo(text: str, channel: str = "D0DIRECT1") -> dict[str, Any]:
    ts = _ts()
    return _slack_envelope(
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0SEDORUM",
            "channel": channel,
            "text": text,
            "ts": ts,
            "channel_type": "im",
        }
    )


def slack_url_verification(challenge: str) -> dict[str, Any]:
    return {"token": "verification-token-unused", "challenge": challenge, "type": "url_verification"}


def slack_button_click(
    user: str,
    value: str,
    title: str,
    channel: str = "D0DIRECT1",
    action_id: str = "sedorum_button_1",
    block_id: str = "b1",
    ephemeral: bool = False,
) -> str:
    """The form body Slack posts when a Block Kit button is clicked (payload=<JSON>); a click in
    an ephemeral message carries no `message` (Slack does not keep one)."""
    message_ts = _ts()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "pat", "name": "pat", "team_id": TEAM},
        "api_app_id": "A0SEDORUM",
        "token": "verification-token-unused",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": ephemeral},
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
        "team": {"id": TEAM, "domain": "shop"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {
            "type": "message",
            "user": BOT_USER,
            "bot_id": "B0SEDORUM",
            "text": "Anything else?",
            "ts": message_ts,
        },
        "response_url": "https://hooks.slack.com/actions/T0SHOP/1/abc",
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": title, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": _ts(),
            }
        ],
    }
    if ephemeral:
        del payload["message"]
    return urlencode({"payload": json.dumps(payload)})


def slack_headers(
    signing_secret: str | None, body: bytes, content_type: str = "application/json", timestamp: int | None = None
) -> dict[str, str]:
    headers = {"Content-Type": content_type}
    if signing_secret is not None:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + stamp.encode() + b":" + body
        headers["X-Slack-Request-Timestamp"] = stamp
        headers["X-Slack-Signature"] = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return headers
