"""Output channels outside any webhook request: how a staff reply reaches a messaging user.

The staff console (handoff) and Rasa's HTTP API (`output_channel=latest`) find the input
channel of the conversation's latest message and call its get_output_channel(), with no
request in flight. These tests build each channel the way the server does (from the
credentials.yml values), take its output channel and send to the local platform fakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest

from fakes.messenger import FakeMessenger
from fakes.slack import FakeSlack
from fakes.telegram import FakeTelegram
from fakes.twilio import FakeTwilio
from sedorum.channels.common import close_sessions
from sedorum.channels.formatting import text_length
from sedorum.channels.messenger import MessengerChannel
from sedorum.channels.slack import SlackChannel
from sedorum.channels.telegram import TelegramChannel
from sedorum.channels.twilio import TwilioChannel

LINK = "https://shop.example.com/help/orders/12345?utm_source=assistant"
STAFF_REPLY = (
    "Hello, this is Sam from the support team. I have read your conversation.\n\n"
    + " ".join(["Your order left our warehouse this morning and should arrive tomorrow."] * 40)
    + f"\n\nYou can follow it here: {LINK}\n\nIf this is an emergency, call 911, 999 or 112 now."
)
RETURNED = {
    "text": "You're back with the automated assistant. How else can I help?",
    "buttons": [
        {"title": "Restless legs", "payload": "/ask_rls_overview"},
        {"title": "Magnesium", "payload": "/ask_magnesium_overview"},
    ],
}


def run(work: Coroutine[Any, Any, Any]) -> Any:
    async def with_cleanup() -> Any:
        try:
            return await work
        finally:
            await close_sessions()

    return asyncio.run(with_cleanup())


def words(texts: list[str]) -> list[str]:
    return " ".join(texts).split()


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram("7000000001:AAH-token") as fake:
        yield fake


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio("AC" + "b" * 32, "twilio-token") as fake:
        yield fake


@pytest.fixture(scope="module")
def messenger() -> Iterator[FakeMessenger]:
    with FakeMessenger("EAAG-token") as fake:
        yield fake


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack("xoxb-token") as fake:
        yield fake


def test_telegram_staff_reply_outside_a_request(telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    telegram.clear()
    monkeypatch.setenv("SEDORUM_TELEGRAM_API_URL", telegram.url)
    channel = TelegramChannel.from_credentials({"bot_token": "7000000001:AAH-token", "secret_token": "s3cret"})
    out = channel.get_output_channel()
    run(out.send_text_message("900001", STAFF_REPLY))
    run(out.send_response("900001", dict(RETURNED)))
    sent = telegram.sent("900001")
    texts = [m["text"] for m in sent]
    assert len(texts) == 2 and words(texts[:1]) == STAFF_REPLY.split()  # under 4,096: one message
    assert sent[-1]["reply_markup"]["inline_keyboard"][0] == [
        {"text": "Restless legs", "callback_data": "/ask_rls_overview"}
    ]
    assert out.deliveries.failures == []


def test_sms_and_whatsapp_staff_replies_outside_a_request(twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> None:
    twilio.clear()
    monkeypatch.setenv("SEDORUM_TWILIO_API_URL", twilio.url)
    monkeypatch.setenv("TWILIO_WHATSAPP_NUMBER", "+14155238886")
    channel = TwilioChannel.from_credentials(
        {"account_sid": "AC" + "b" * 32, "auth_token": "twilio-token", "number": "+447700900999"}
    )
    out = channel.get_output_channel()
    run(out.send_text_message("+447700900111", STAFF_REPLY))
    run(out.send_text_message("whatsapp:+447700900222", "Hello from Sam."))
    sms = twilio.sent("+447700900111")
    assert len(STAFF_REPLY) > 3000
    assert len(sms) == 2 and all(m["From"] == "+447700900999" for m in sms)
    assert all(text_length(m["Body"]) <= 1600 for m in sms) and words([m["Body"] for m in sms]) == STAFF_REPLY.split()
    assert sum(LINK in m["Body"] for m in sms) == 1
    (whatsapp,) = twilio.sent("whatsapp:+447700900222")
    assert whatsapp["From"] == "whatsapp:+14155238886" and whatsapp["Body"] == "Hello from Sam."


def test_messenger_staff_reply_outside_a_request(messenger: FakeMessenger, monkeypatch: pytest.MonkeyPatch) -> None:
    messenger.clear()
    monkeypatch.setenv("SEDORUM_MESSENGER_API_URL", messenger.url + "/v24.0")
    channel = MessengerChannel.from_credentials(
        {"page_access_token": "EAAG-token", "app_secret": "secret", "verify_token": "verify"}
    )
    out = channel.get_output_channel()
    run(out.send_text_message("2411999", STAFF_REPLY))
    run(out.send_response("2411999", dict(RETURNED)))
    sent = messenger.sent("2411999")
    texts = [m["text"] for m in sent[:-1]]
    assert len(texts) == 2 and all(len(t) <= 2000 for t in texts) and words(texts) == STAFF_REPLY.split()
    assert [q["payload"] for q in sent[-1]["quick_replies"]] == ["/ask_rls_overview", "/ask_magnesium_overview"]
    assert all(call.query["access_token"] == "EAAG-token" for call in messenger.snapshot())


def test_slack_staff_reply_goes_to_the_users_dm(slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    slack.clear()
    monkeypatch.setenv("SEDORUM_SLACK_API_URL", slack.url)
    channel = SlackChannel.from_credentials({"bot_token": "xoxb-token", "signing_secret": "secret"})
    out = channel.get_output_channel()
    run(out.send_text_message("U0PAT9", STAFF_REPLY))
    sent = slack.sent()
    assert len(sent) == 2 and all(m["channel"] == "U0PAT9" and "thread_ts" not in m for m in sent)
    assert all(len(m["text"]) <= 3000 for m in sent)
    assert words([m["text"] for m in sent]) == STAFF_REPLY.split()


def test_a_rejected_send_is_recorded_and_logged_not_raised(
    telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.clear()
    channel = TelegramChannel("7000000001:WRONG", "s3cret", api_url=telegram.url)
    out = channel.get_output_channel()
    run(out.send_text_message("900002", "x " * 3000))  # two parts; the second is not attempted
    assert len(telegram.snapshot()) == 1 and telegram.sent() == []
    (failure,) = out.deliveries.failures
    assert failure.status == 401 and failure.error == "Unauthorized"
    assert "Sending to telegram sendMessage failed: HTTP 401 Unauthorized" in caplog.text
    assert "WRONG" not in caplog.text  # the token is part of the URL and must not be logged


def test_an_unreachable_platform_is_reported_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    out = SlackChannel("xoxb-token", "secret", api_url="http://127.0.0.1:9").get_output_channel()
    run(out.send_text_message("U0PAT9", "hello"))
    assert out.deliveries.failures[0].error.startswith("connection failed")


def test_a_staff_message_is_sent_signed_once_on_every_channel(
    telegram: FakeTelegram, twilio: FakeTwilio, messenger: FakeMessenger, slack: FakeSlack
) -> None:
    """As the staff console stores it: signed once, with the staff name in the metadata."""
    from rasa.shared.core.events import BotUttered

    from sedorum.handoff.signature import sign_staff_reply

    text = "Your parcel is on its way."
    message = BotUttered(sign_staff_reply("Sam", text), metadata={"staff": "Sam", "staff_text": text}).message()
    outputs = [
        (TelegramChannel("7000000001:AAH-token", "s3cret", api_url=telegram.url), "900003"),
        (TwilioChannel("AC" + "b" * 32, "twilio-token", "+447700900999", api_url=twilio.url), "+447700900333"),
        (MessengerChannel("EAAG-token", "secret", "verify", api_url=messenger.url + "/v24.0"), "2411333"),
        (SlackChannel("xoxb-token", "secret", api_url=slack.url), "U0PAT33"),
    ]
    for channel, recipient in outputs:
        run(channel.get_output_channel().send_response(recipient, dict(message)))
    expected = "Sam (support team): Your parcel is on its way."
    assert telegram.sent("900003")[-1]["text"] == expected
    assert twilio.sent("+447700900333")[-1]["Body"] == expected
    assert messenger.sent("2411333")[-1]["text"] == expected
    assert slack.sent("U0PAT33")[-1]["text"] == expected


def test_telegram_webhook_registration_sends_the_secret_and_update_types(telegram: FakeTelegram) -> None:
    from sedorum.channels.telegram import register_webhook

    telegram.clear()
    url = "https://bot.example.com/webhooks/telegram/webhook"
    ok, _ = asyncio.run(register_webhook("7000000001:AAH-token", "s3cret_x", url, telegram.url))
    assert ok
    (call,) = telegram.snapshot()
    assert call.path.endswith("/setWebhook")
    assert call.params == {"url": url, "secret_token": "s3cret_x", "allowed_updates": ["message", "callback_query"]}
    ok, error = asyncio.run(register_webhook("7000000001:WRONG", "s3cret_x", url, telegram.url))
    assert not ok and error == "Unauthorized"
