"""A staff reply typed in the console reaches a messaging user signed once with the staff name.

The console's own path (log in, claim the waiting conversation, reply), not Rasa's HTTP API:
the visitor must read "Sam (support team): ..." exactly once, whichever platform they use.
"""

from __future__ import annotations

import uuid

from tests.e2e.test_channels_messenger import new_psid
from tests.e2e.test_channels_messenger import post as messenger_post
from tests.e2e.test_channels_messenger import replies as messenger_replies
from tests.e2e.test_channels_slack import event as slack_event
from tests.e2e.test_channels_slack import new_user
from tests.e2e.test_channels_slack import replies as slack_replies
from tests.e2e.test_channels_telegram import new_chat
from tests.e2e.test_channels_telegram import post as telegram_post
from tests.e2e.test_channels_telegram import replies as telegram_replies
from tests.e2e.test_channels_twilio import bodies as twilio_bodies
from tests.e2e.test_channels_twilio import new_number, sms
from tests.e2e.test_handoff_api import StaffClient, add_staff
from tests.fakes import webhooks as wh
from tests.fakes.e2e_support import ChannelStack

pytest_plugins = ["tests.fakes.channel_stack"]

ASK_FOR_A_PERSON = "I want to talk to a person"
REPLY = "Hello, your parcel left our warehouse today."


def through_the_console(cs: ChannelStack, sender: str) -> StaffClient:
    """Claims the visitor's waiting conversation in the console and replies to it."""
    name, password = add_staff(cs.stack, "Sam")
    staff = StaffClient(cs.stack, name, password)
    handoff = staff.waiting_for(sender, timeout_s=30)
    assert staff.claim(handoff["id"]).status_code == 200
    assert staff.say(handoff["id"], REPLY).status_code == 200
    return staff


def assert_signed_once(texts: list[str]) -> None:
    assert texts[-1] == f"Sam (support team): {REPLY}", texts[-1]
    assert texts[-1].count("(support team)") == 1


def test_console_reply_on_telegram_is_signed_once(channel_stack: ChannelStack) -> None:
    chat = new_chat()
    telegram_post(channel_stack, wh.telegram_text(chat, ASK_FOR_A_PERSON))
    before = len(telegram_replies(channel_stack, chat))
    through_the_console(channel_stack, str(chat))
    # The claim announcement, then the reply.
    assert_signed_once([m["text"] for m in telegram_replies(channel_stack, chat, before + 2)])


def test_console_reply_on_sms_is_signed_once(channel_stack: ChannelStack) -> None:
    number = new_number()
    sms(channel_stack, number, ASK_FOR_A_PERSON)
    before = len(twilio_bodies(channel_stack, number))
    through_the_console(channel_stack, number)
    assert_signed_once(twilio_bodies(channel_stack, number, before + 2))


def test_console_reply_on_messenger_is_signed_once(channel_stack: ChannelStack) -> None:
    psid = new_psid()
    messenger_post(channel_stack, wh.messenger_text(psid, ASK_FOR_A_PERSON))
    before = len(messenger_replies(channel_stack, psid))
    through_the_console(channel_stack, psid)
    assert_signed_once([m["text"] for m in messenger_replies(channel_stack, psid, before + 2)])


def test_console_reply_on_slack_is_signed_once(channel_stack: ChannelStack) -> None:
    user, dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    slack_event(channel_stack, wh.slack_dm(user, ASK_FOR_A_PERSON, channel=dm))
    slack_replies(channel_stack, dm)  # the assistant answers in the DM channel it was written in
    through_the_console(channel_stack, user)
    # Posted to the user id (Slack delivers it as their DM): the claim announcement, then the reply.
    assert_signed_once([m["text"] for m in slack_replies(channel_stack, user, 2)])
