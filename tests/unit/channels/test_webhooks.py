"""Each channel's webhook against its platform's real wire format, without a trained model.

The channels run in a real Sanic server, registered the way Rasa registers them; a scripted
stand-in for Rasa's agent answers through the message's output channel, and local fakes of
the platform APIs record what was sent (tests/fakes). Refused requests must reach neither.
The same behaviours are checked against the real assistant in tests/e2e/test_channels_*.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests
from rasa.shared.core.events import BotUttered

from sedorum.channels.messenger import MessengerChannel
from sedorum.channels.slack import SlackChannel
from sedorum.channels.telegram import TelegramChannel
from sedorum.channels.twilio import TwilioChannel
from tests.fakes import webhooks as wh
from tests.fakes.messenger import FakeMessenger
from tests.fakes.rasa_app import ChannelApp, StubAgent
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio

TG_TOKEN, TG_SECRET = "7000000001:AAH-test-token", "tg_secret-123"
TW_SID, TW_TOKEN, TW_NUMBER = "AC" + "a" * 32, "twilio-auth-token", "+447700900999"
FB_TOKEN, FB_SECRET, FB_VERIFY = "EAAG-page-token", "fb-app-secret", "verify-me"
SL_TOKEN, SL_SECRET = "xoxb-test-token", "slack-signing-secret"

BUTTONS = [
    {"title": "Side effects", "payload": "/ask_side_effects"},
    {"title": "Who should not take it", "payload": "/check_safety"},
    {"title": "Talk to a person", "payload": "/request_human"},
]
MANY = [{"title": f"Option {n}", "payload": f"/option_{n}"} for n in range(1, 15)]


def script(message) -> list[dict]:
    if message.text == "many options":
        return [{"text": "Pick one", "buttons": MANY}]
    if message.text == "long answer":
        return [{"text": "\n".join(f"Line {n}: " + "magnesium " * 20 for n in range(30))}]
    return [{"text": f"You said: {message.text}", "buttons": BUTTONS}]


class Harness:
    def __init__(self) -> None:
        self.telegram = FakeTelegram(TG_TOKEN).start()
        self.twilio = FakeTwilio(TW_SID, TW_TOKEN).start()
        self.messenger = FakeMessenger(FB_TOKEN).start()
        self.slack = FakeSlack(SL_TOKEN).start()
        self.agent = StubAgent(script)
        channels = [
            TelegramChannel(TG_TOKEN, TG_SECRET, api_url=self.telegram.url),
            TwilioChannel(TW_SID, TW_TOKEN, TW_NUMBER, api_url=self.twilio.url, sms_limit=320),
            MessengerChannel(FB_TOKEN, FB_SECRET, FB_VERIFY, api_url=self.messenger.url + "/v24.0"),
            SlackChannel(SL_TOKEN, SL_SECRET, api_url=self.slack.url),
        ]
        self.app = ChannelApp(channels, self.agent).start()

    def fakes(self):
        return (self.telegram, self.twilio, self.messenger, self.slack)

    def hook(self, name: str) -> str:
        return f"{self.app.url}/webhooks/{name}/webhook"

    def stop(self) -> None:
        self.app.stop()
        for fake in self.fakes():
            fake.stop()


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    running = Harness()
    yield running
    running.stop()


@pytest.fixture
def h(harness: Harness) -> Harness:
    harness.agent.received.clear()
    for fake in harness.fakes():
        fake.clear()
    return harness


# --- Telegram --------------------------------------------------------------------------------


def post_telegram(h: Harness, update: dict, secret: str | None = TG_SECRET) -> requests.Response:
    return requests.post(h.hook("telegram"), json=update, headers=wh.telegram_headers(secret), timeout=10)


def test_telegram_text_gets_an_answer_with_an_inline_keyboard(h: Harness) -> None:
    assert post_telegram(h, wh.telegram_text(501, "what is RLS?")).status_code == 200
    assert h.agent.texts("501") == ["what is RLS?"]
    (sent,) = h.telegram.sent(501)
    assert sent["text"] == "You said: what is RLS?"
    assert sent["reply_markup"]["inline_keyboard"][1] == [
        {"text": "Who should not take it", "callback_data": "/check_safety"}
    ]


def test_telegram_button_tap_sends_the_payload_and_stops_the_spinner(h: Harness) -> None:
    update = wh.telegram_button(502, "/ask_side_effects")
    assert post_telegram(h, update).status_code == 200
    assert h.agent.texts("502") == ["/ask_side_effects"]
    answered = [c for c in h.telegram.snapshot() if c.path.endswith("/answerCallbackQuery")]
    assert answered and answered[0].params["callback_query_id"] == update["callback_query"]["id"]


def test_telegram_long_payload_index_is_mapped_back_through_the_tracker(h: Harness) -> None:
    long_payload = '/inform{"medication": "' + "x" * 80 + '"}'
    h.agent.tracker_store.events["503"] = []
    h.agent.tracker_store.events["503"].append(
        BotUttered("Which one?", data={"buttons": [BUTTONS[0], {"title": "That one", "payload": long_payload}]})
    )
    post_telegram(h, wh.telegram_button(503, "#2"))
    assert h.agent.texts("503") == [long_payload]


def test_telegram_start_greets_and_typed_intents_go_through_nlu(h: Harness) -> None:
    post_telegram(h, wh.telegram_text(504, "/start"))
    post_telegram(h, wh.telegram_text(504, '/ask_dosage{"dose": "900 mg"}'))
    assert h.agent.texts("504") == ["/greet", 'ask_dosage{"dose": "900 mg"}']


def test_telegram_group_chats_edits_and_duplicates_are_not_answered(h: Harness) -> None:
    post_telegram(h, wh.telegram_text(505, "in a group", chat_type="group"))
    edited = wh.telegram_text(505, "edited")
    edited["edited_message"] = edited.pop("message")
    post_telegram(h, edited)
    update = wh.telegram_text(506, "once")
    post_telegram(h, update)
    post_telegram(h, update)  # Telegram redelivers when it did not see our 200
    assert h.agent.texts() == ["once"]


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong-secret", 403), ("", 401)])
def test_telegram_unsigned_or_forged_requests_are_refused(
    h: Harness, secret: str | None, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    reply = post_telegram(h, wh.telegram_text(507, "my secret health question"), secret=secret)
    assert reply.status_code == status
    assert h.agent.received == [] and h.telegram.snapshot() == []
    assert "Refused a telegram webhook" in caplog.text and "my secret health question" not in caplog.text


def test_telegram_signed_garbage_is_a_bad_request(h: Harness) -> None:
    reply = requests.post(h.hook("telegram"), data=b"{not json", headers=wh.telegram_headers(TG_SECRET), timeout=10)
    assert reply.status_code == 400 and h.agent.received == []


# --- Twilio ----------------------------------------------------------------------------------


def post_twilio(h: Harness, params: dict[str, str], token: str | None = TW_TOKEN, url: str | None = None):
    hook = h.hook("twilio")
    return requests.post(
        hook, data=wh.form_body(params), headers=wh.twilio_headers(token, url or hook, params), timeout=10
    )


def test_sms_reply_has_numbered_options_and_a_number_picks_one(h: Harness) -> None:
    sender = "+447700900501"
    reply = post_twilio(h, wh.twilio_sms(sender, "Is magnesium safe?", TW_NUMBER, TW_SID))
    assert reply.status_code == 200 and "<Response>" in reply.text
    (sms,) = h.twilio.sent(sender)
    assert sms["From"] == TW_NUMBER
    assert sms["Body"] == (
        "You said: Is magnesium safe?\n\n"
        "Reply 1 for Side effects, 2 for Who should not take it, 3 for Talk to a person."
    )
    post_twilio(h, wh.twilio_sms(sender, "2", TW_NUMBER, TW_SID))
    post_twilio(h, wh.twilio_sms(sender, "7", TW_NUMBER, TW_SID))  # not an option: stays text
    assert h.agent.texts(sender) == ["Is magnesium safe?", "/check_safety", "7"]


def test_a_number_without_options_on_screen_is_just_text(h: Harness) -> None:
    post_twilio(h, wh.twilio_sms("+447700900502", "2", TW_NUMBER, TW_SID))
    assert h.agent.texts("+447700900502") == ["2"]


def test_whatsapp_is_answered_from_the_whatsapp_sender(h: Harness) -> None:
    params = wh.twilio_whatsapp("+447700900503", "hello", "+14155238886", TW_SID)
    post_twilio(h, params)
    assert h.agent.received[0].sender_id == "whatsapp:+447700900503"
    (message,) = h.twilio.sent("whatsapp:+447700900503")
    assert message["From"] == "whatsapp:+14155238886" and message["Body"].startswith("You said: hello")


def test_long_sms_is_split_at_the_configured_limit(h: Harness) -> None:
    post_twilio(h, wh.twilio_sms("+447700900504", "long answer", TW_NUMBER, TW_SID))
    bodies = [m["Body"] for m in h.twilio.sent("+447700900504")]
    assert len(bodies) > 5 and all(len(b) <= 320 for b in bodies)
    assert bodies[0].startswith("Line 0:") and bodies[-1].startswith("Line ") and "Line 29:" in bodies[-1]


def test_sms_opt_out_keywords_and_duplicates_are_left_alone(h: Harness) -> None:
    post_twilio(h, wh.twilio_sms("+447700900505", "STOP", TW_NUMBER, TW_SID))
    params = wh.twilio_sms("+447700900505", "hello once", TW_NUMBER, TW_SID)
    post_twilio(h, params)
    post_twilio(h, params)
    assert h.agent.texts() == ["hello once"]


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("not-the-auth-token", 403)])
def test_twilio_unsigned_or_forged_requests_are_refused(h: Harness, token: str | None, status: int) -> None:
    reply = post_twilio(h, wh.twilio_sms("+447700900506", "hi", TW_NUMBER, TW_SID), token=token)
    assert reply.status_code == status and h.agent.received == [] and h.twilio.snapshot() == []


def test_twilio_signature_over_another_url_is_refused(h: Harness) -> None:
    params = wh.twilio_sms("+447700900507", "hi", TW_NUMBER, TW_SID)
    reply = post_twilio(h, params, url="https://evil.example.com/webhooks/twilio/webhook")
    assert reply.status_code == 403 and h.agent.received == []


def test_twilio_behind_a_proxy_validates_against_the_public_url(h: Harness) -> None:
    """The URL Twilio signs is the public one; the server sees its own. SEDORUM_PUBLIC_BASE_URL bridges them."""
    channel = next(c for c in h.app.channels if c.name() == "twilio")
    public = "https://bot.example.com"
    params = wh.twilio_sms("+447700900508", "via the proxy", TW_NUMBER, TW_SID)
    signed_public = wh.twilio_headers(TW_TOKEN, public + "/webhooks/twilio/webhook", params)
    assert (
        requests.post(h.hook("twilio"), data=wh.form_body(params), headers=signed_public, timeout=10).status_code == 403
    )
    channel.public_base_url = public
    try:
        reply = requests.post(h.hook("twilio"), data=wh.form_body(params), headers=signed_public, timeout=10)
    finally:
        channel.public_base_url = ""
    assert reply.status_code == 200 and h.agent.texts() == ["via the proxy"]


# --- Messenger -------------------------------------------------------------------------------


def post_messenger(h: Harness, payload: dict, secret: str | None = FB_SECRET) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(h.hook("facebook"), data=body, headers=wh.messenger_headers(secret, body), timeout=10)


def test_messenger_subscription_check(h: Harness) -> None:
    ok = requests.get(
        h.hook("facebook"),
        params={"hub.mode": "subscribe", "hub.verify_token": FB_VERIFY, "hub.challenge": "1158201444"},
        timeout=10,
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = requests.get(
        h.hook("facebook"),
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
        timeout=10,
    )
    assert bad.status_code == 403 and "1158201444" not in bad.text


def test_messenger_text_gets_quick_replies(h: Harness) -> None:
    assert post_messenger(h, wh.messenger_text("2411001", "hello")).status_code == 200
    (message,) = h.messenger.sent("2411001")
    assert message["text"] == "You said: hello"
    assert [(q["title"], q["payload"]) for q in message["quick_replies"]] == [
        ("Side effects", "/ask_side_effects"),
        ("Who should not take…", "/check_safety"),
        ("Talk to a person", "/request_human"),
    ]


def test_messenger_quick_reply_postback_batch_and_echo(h: Harness) -> None:
    post_messenger(h, wh.messenger_quick_reply("2411002", "Side effects", "/ask_side_effects"))
    batch = wh.messenger_webhook(
        wh.messenger_event("2411002", postback={"title": "Get Started", "payload": "/greet"}),
        wh.messenger_event("2411002", {"text": "echo of our own message", "is_echo": True}),
        wh.messenger_event("2411002", {"text": "and a question"}),
    )
    post_messenger(h, batch)
    assert h.agent.texts("2411002") == ["/ask_side_effects", "/greet", "and a question"]


def test_messenger_more_than_13_options_are_numbered_and_picked_by_number(h: Harness) -> None:
    post_messenger(h, wh.messenger_text("2411003", "many options"))
    (message,) = h.messenger.sent("2411003")
    assert "quick_replies" not in message and "14 for Option 14" in message["text"]
    post_messenger(h, wh.messenger_text("2411003", "14"))
    assert h.agent.texts("2411003")[-1] == "/option_14"


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong-app-secret", 403)])
def test_messenger_unsigned_or_forged_requests_are_refused(h: Harness, secret: str | None, status: int) -> None:
    reply = post_messenger(h, wh.messenger_text("2411004", "hi"), secret=secret)
    assert reply.status_code == status and h.agent.received == [] and h.messenger.snapshot() == []


# --- Slack -----------------------------------------------------------------------------------


def post_slack(h: Harness, body: bytes, content_type: str = "application/json", **kwargs) -> requests.Response:
    secret = kwargs.pop("secret", SL_SECRET)
    headers = wh.slack_headers(secret, body, content_type, timestamp=kwargs.pop("timestamp", None))
    headers.update(kwargs.pop("extra", {}))
    return requests.post(h.hook("slack"), data=body, headers=headers, timeout=10)


def test_slack_url_verification_needs_a_signature(h: Harness) -> None:
    body = json.dumps(wh.slack_url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")).encode()
    reply = post_slack(h, body)
    assert reply.status_code == 200 and reply.json() == {
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    }
    assert post_slack(h, body, secret=None).status_code == 401


def test_slack_direct_message_is_answered_in_the_dm_with_buttons(h: Harness) -> None:
    post_slack(h, json.dumps(wh.slack_dm("U0PAT1", "what is RLS?", channel="D0PAT1")).encode())
    calls = h.slack.wait_for(lambda calls: len(calls) >= 1)
    (sent,) = [c.params for c in calls]
    assert h.agent.texts("U0PAT1") == ["what is RLS?"]
    assert sent["channel"] == "D0PAT1" and "thread_ts" not in sent
    assert [e["value"] for e in sent["blocks"][1]["elements"]] == [b["payload"] for b in BUTTONS]


def test_slack_mention_is_cleaned_and_answered_in_a_thread(h: Harness) -> None:
    event = wh.slack_mention("U0PAT2", "can I take magnesium?", channel="C0GENERAL")
    post_slack(h, json.dumps(event).encode())
    (call,) = h.slack.wait_for(lambda calls: len(calls) >= 1)
    assert h.agent.texts("U0PAT2") == ["can I take magnesium?"]
    assert call.params["channel"] == "C0GENERAL" and call.params["thread_ts"] == event["event"]["ts"]


def test_slack_button_click_sends_the_payload(h: Harness) -> None:
    post_slack(
        h,
        wh.slack_button_click("U0PAT3", "/ask_side_effects", "Side effects").encode(),
        "application/x-www-form-urlencoded",
    )
    h.slack.wait_for(lambda calls: len(calls) >= 1)
    assert h.agent.texts("U0PAT3") == ["/ask_side_effects"]


def test_slack_bot_messages_and_retries_are_ignored(h: Harness) -> None:
    assert post_slack(h, json.dumps(wh.slack_bot_echo("You said: hi")).encode()).status_code == 200
    retry = post_slack(
        h,
        json.dumps(wh.slack_dm("U0PAT4", "again")).encode(),
        extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200 and retry.headers.get("X-Slack-No-Retry") == "1"
    time.sleep(0.5)
    assert h.agent.received == [] and h.slack.snapshot() == []


def test_slack_retry_of_a_delivery_we_never_saw_is_handled_once(h: Harness) -> None:
    """Down during a restart, we never saw the first delivery: the retry is the message."""
    body = json.dumps(wh.slack_dm("U0PAT6", "are you there?")).encode()
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "connection_failed"}
    post_slack(h, body, extra=retry)
    post_slack(h, body, extra={**retry, "X-Slack-Retry-Num": "2"})
    h.slack.wait_for(lambda calls: len(calls) >= 1)
    assert h.agent.texts("U0PAT6") == ["are you there?"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [({"secret": None}, 401), ({"secret": "wrong-secret"}, 403), ({"timestamp": 1_500_000_000}, 403)],
    ids=["unsigned", "forged", "replayed"],
)
def test_slack_unsigned_forged_or_replayed_requests_are_refused(h: Harness, kwargs: dict, status: int) -> None:
    reply = post_slack(h, json.dumps(wh.slack_dm("U0PAT5", "hi")).encode(), **kwargs)
    time.sleep(0.3)
    assert reply.status_code == status and h.agent.received == [] and h.slack.snapshot() == []


@pytest.mark.parametrize("channel", ["telegram", "twilio", "facebook", "slack"])
def test_oversized_bodies_are_refused_before_any_work(h: Harness, channel: str) -> None:
    body = json.dumps(wh.telegram_text(508, "x" * 300_000)).encode()
    headers = {
        **wh.telegram_headers(TG_SECRET),
        **wh.messenger_headers(FB_SECRET, body),
        **wh.slack_headers(SL_SECRET, body),
    }
    reply = requests.post(h.hook(channel), data=body, headers=headers, timeout=10)
    assert reply.status_code == 413 and h.agent.received == []
