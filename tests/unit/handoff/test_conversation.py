"""A staff reply sent from the console reaches a messaging user signed exactly once.

The console's own path in the Rasa process (ConversationBridge.staff_message: the event is
stored, then sent through the conversation's latest input channel), with the real output
channels of the four messaging platforms talking to their local fakes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.channels.channel import InputChannel
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from fakes.messenger import FakeMessenger
from fakes.slack import FakeSlack
from fakes.telegram import FakeTelegram
from fakes.twilio import FakeTwilio
from sedorum.channels.common import close_sessions
from sedorum.channels.messenger import MessengerChannel
from sedorum.channels.slack import SlackChannel
from sedorum.channels.telegram import TelegramChannel
from sedorum.channels.twilio import TwilioChannel
from sedorum.handoff.conversation import ConversationBridge

REPLY = "Your parcel left our warehouse this morning."
SIGNED = f"Sam (support team): {REPLY}"


class Agent:
    """The parts of Rasa's Agent the bridge uses, with Rasa's own in-memory stores."""

    def __init__(self) -> None:
        self.domain = Domain.empty()
        self.lock_store = InMemoryLockStore()
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.processor = self

    async def get_tracker(self, sender_id: str) -> DialogueStateTracker:
        return await self.tracker_store.get_or_create_tracker(sender_id)


async def console_reply(channel: InputChannel, sender: str) -> list[str]:
    """A visitor writes on `channel`; staff answer from the console. Returns the stored bot texts."""
    agent = Agent()
    tracker = await agent.get_tracker(sender)
    tracker.update(UserUttered("I want to talk to a person", input_channel=channel.name()))
    await agent.tracker_store.save(tracker)
    bridge = ConversationBridge(agent, [channel])
    try:
        await bridge.staff_message(sender, "Sam", REPLY)
    finally:
        await close_sessions()
    stored = await agent.tracker_store.retrieve(sender)
    assert stored is not None
    return [e.text for e in stored.events if e.type_name == "bot"]


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Any]]:
    started = {
        "telegram": FakeTelegram("7000000001:AAH-token").start(),
        "twilio": FakeTwilio("AC" + "c" * 32, "twilio-token").start(),
        "messenger": FakeMessenger("EAAG-token").start(),
        "slack": FakeSlack("xoxb-token").start(),
    }
    yield started
    for fake in started.values():
        fake.stop()


def test_console_reply_on_telegram_is_signed_once(fakes: dict[str, Any]) -> None:
    channel = TelegramChannel("7000000001:AAH-token", "s3cret", api_url=fakes["telegram"].url)
    assert asyncio.run(console_reply(channel, "900777")) == [SIGNED]
    assert [m["text"] for m in fakes["telegram"].sent("900777")] == [SIGNED]


def test_console_reply_on_sms_is_signed_once(fakes: dict[str, Any]) -> None:
    channel = TwilioChannel("AC" + "c" * 32, "twilio-token", "+447700900999", api_url=fakes["twilio"].url)
    assert asyncio.run(console_reply(channel, "+447700900777")) == [SIGNED]
    assert [m["Body"] for m in fakes["twilio"].sent("+447700900777")] == [SIGNED]


def test_console_reply_on_messenger_is_signed_once(fakes: dict[str, Any]) -> None:
    channel = MessengerChannel("EAAG-token", "secret", "verify", api_url=fakes["messenger"].url + "/v24.0")
    assert asyncio.run(console_reply(channel, "2411777")) == [SIGNED]
    assert [m["text"] for m in fakes["messenger"].sent("2411777")] == [SIGNED]


def test_console_reply_on_slack_is_signed_once(fakes: dict[str, Any]) -> None:
    channel = SlackChannel("xoxb-token", "secret", api_url=fakes["slack"].url)
    assert asyncio.run(console_reply(channel, "U0PAT77")) == [SIGNED]
    assert [m["text"] for m in fakes["slack"].sent("U0PAT77")] == [SIGNED]
