"""The four messaging channels in a real Sanic server, against local fakes of their platforms.

The channels are registered the way Rasa registers them; a scripted stand-in for Rasa's agent
answers through each message's output channel and keeps the conversation in the project's SQL
tracker store, in the same database the votes are recorded in (tests/fakes/rasa_app.py). One
server for every test module of this folder (tests/unit/channels/conftest.py).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fakes.messenger import FakeMessenger
from fakes.slack import FakeSlack
from fakes.telegram import FakeTelegram
from fakes.twilio import FakeTwilio
from sedorum.channels.messenger import MessengerChannel
from sedorum.channels.slack import SlackChannel
from sedorum.channels.telegram import TelegramChannel
from sedorum.channels.twilio import TwilioChannel
from sedorum.insights.db import make_engine
from sedorum.insights.schema import feedback
from tests.fakes.rasa_app import ChannelApp, StubAgent

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
EMERGENCY = "Call 999 now, or go to the nearest emergency department. Don't wait."


def script(message: Any) -> list[dict[str, Any]]:
    """The stand-in's answers: by the message, like a tiny domain."""
    if message.text == "many options":
        return [{"text": "Pick one", "buttons": MANY, "utter_action": "utter_many"}]
    if message.text == "long answer":
        return [{"text": "\n".join(f"Line {n}: " + "magnesium " * 20 for n in range(30)), "utter_action": "utter_long"}]
    if message.text == "chest pain":
        return [{"text": EMERGENCY, "utter_action": "utter_emergency"}]
    if message.text == "plain":
        return [{"text": "Magnesium is a mineral.", "utter_action": "utter_magnesium_overview"}]
    return [{"text": f"You said: {message.text}", "buttons": BUTTONS, "utter_action": "utter_echo"}]


def said(message: str) -> str:
    """The answer text the stand-in gives to `message` (most tests)."""
    return f"You said: {message}"


class Harness:
    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.telegram = FakeTelegram(TG_TOKEN)
        self.twilio = FakeTwilio(TW_SID, TW_TOKEN)
        self.messenger = FakeMessenger(FB_TOKEN)
        self.slack = FakeSlack(SL_TOKEN)
        for fake in self.fakes():
            fake.start()
        self.agent = StubAgent(var_dir / "tracker.db", script)
        self.engine = make_engine(f"sqlite:///{var_dir / 'tracker.db'}")
        channels = [
            TelegramChannel(TG_TOKEN, TG_SECRET, api_url=self.telegram.url),
            TwilioChannel(TW_SID, TW_TOKEN, TW_NUMBER, api_url=self.twilio.url, sms_limit=320),
            MessengerChannel(FB_TOKEN, FB_SECRET, FB_VERIFY, api_url=self.messenger.url + "/v24.0"),
            SlackChannel(SL_TOKEN, SL_SECRET, api_url=self.slack.url),
        ]
        self.app = ChannelApp(channels, self.agent).start()

    def fakes(self) -> tuple[FakeTelegram, FakeTwilio, FakeMessenger, FakeSlack]:
        return (self.telegram, self.twilio, self.messenger, self.slack)

    def channel(self, name: str) -> Any:
        return next(c for c in self.app.channels if c.name() == name)

    def hook(self, name: str) -> str:
        return f"{self.app.url}/webhooks/{name}/webhook"

    def votes(self, sender: str) -> list[tuple[str, str]]:
        """(answer name, value) of the votes stored for a conversation, as the insights count them."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(feedback.c.answer, feedback.c.value).where(feedback.c.sender_id == sender))
            return [(answer, value) for answer, value in rows]

    def stop(self) -> None:
        self.app.stop()
        for fake in self.fakes():
            fake.stop()


def vote_data(value: str, text: str) -> str:
    """A vote button's data, computed here from its documented form "vote:<value>:<key>", the key
    being the first 16 hex digits of SHA-256 over the answer's letters and digits, lower-cased."""
    key = hashlib.sha256(re.sub(r"[^0-9a-z]+", "", text.lower()).encode()).hexdigest()[:16]
    return f"vote:{value}:{key}"
