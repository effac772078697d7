"""Slack end to end: signed Events API and interactivity posts to the running assistant,
replies captured on a fake Slack Web API (handled in the background: poll the fake)."""

from __future__ import annotations

import json
import time
import uuid

import requests

from sedorum.channels.formatting import slack_escape
from tests.e2e.test_handoff_api import StaffClient
from tests.fakes import webhooks as wh
from tests.fakes.e2e_support import (
    CREDENTIALS,
    EMERGENCY_MESSAGE,
    KIDNEY_QUESTION,
    OFFER,
    RLS_QUESTION,
    ChannelStack,
    check_emergency_first,
    check_kidney_reply,
    domain_response,
    vote_added,
    vote_data,
)

pytest_plugins = ["tests.fakes.channel_stack"]

SECRET = CREDENTIALS["SLACK_SIGNING_SECRET"]


def new_user() -> str:
    return "U0" + uuid.uuid4().hex[:9].upper()


def post(
    cs: ChannelStack,
    body: bytes,
    content_type: str = "application/json",
    secret: str | None = SECRET,
    timestamp: int | None = None,
    extra: dict[str, str] | None = None,
) -> requests.Response:
    headers = {**wh.slack_headers(secret, body, content_type, timestamp), **(extra or {})}
    return requests.post(cs.hook("slack"), data=body, headers=headers, timeout=60)


def event(cs: ChannelStack, payload: dict, **kwargs) -> requests.Response:
    return post(cs, json.dumps(payload).encode(), **kwargs)


def replies(cs: ChannelStack, channel: str, at_least: int = 1) -> list[dict]:
    cs.slack.wait_for(lambda _: len(cs.slack.sent(channel)) >= at_least)
    return cs.slack.sent(channel)


def test_url_verification_challenge(channel_stack: ChannelStack) -> None:
    reply = event(channel_stack, wh.slack_url_verification("challenge-3eZbrw1aBm2"))
    assert reply.status_code == 200 and reply.json() == {"challenge": "challenge-3eZbrw1aBm2"}


def test_direct_message_greeting_comes_with_block_kit_buttons(channel_stack: ChannelStack) -> None:
    user, dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    assert event(channel_stack, wh.slack_dm(user, "Hello", channel=dm)).status_code == 200
    greet = domain_response("utter_greet")
    (message,) = [m for m in replies(channel_stack, dm) if m["text"] == slack_escape(greet["text"].strip())]
    section, actions, ballot = message["blocks"]
    assert section["text"]["text"] == message["text"]
    assert [(e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        (b["title"], b["payload"]) for b in greet["buttons"]
    ]
    assert [e["text"]["text"] for e in ballot["elements"]] == ["👍 Helpful", "👎 Not helpful"]
    assert "thread_ts" not in message


def test_a_vote_click_is_counted_by_channel_and_not_helpful_offers_a_person(channel_stack: ChannelStack) -> None:
    user, dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    event(channel_stack, wh.slack_dm(user, RLS_QUESTION, channel=dm))
    answer = domain_response("utter_rls_overview")["text"].strip()
    (message,) = [m for m in replies(channel_stack, dm) if m["text"] == slack_escape(answer)]
    ballot = message["blocks"][-1]
    assert ballot["block_id"] == "sedorum_vote"
    down = ballot["elements"][1]
    assert (down["value"], down["action_id"]) == (vote_data("down", answer), "sedorum_vote_down")
    staff = StaffClient.new(channel_stack.stack)
    before = channel_stack.votes(staff.http)
    click = wh.slack_button_click(user, down["value"], "👎 Not helpful", channel=dm, action_id=down["action_id"])
    assert post(channel_stack, click.encode(), "application/x-www-form-urlencoded").status_code == 200
    channel_stack.slack.wait_for(lambda _: bool(channel_stack.slack.ephemeral(dm)))
    (offer,) = channel_stack.slack.ephemeral(dm)
    assert offer["user"] == user and offer["text"] == f"Thanks for telling us. {OFFER}"
    (button,) = offer["blocks"][1]["elements"]
    assert (button["text"]["text"], button["value"]) == ("Talk to a person", "/request_human")
    vote_added(channel_stack, staff.http, before, "utter_rls_overview", "slack", "down")
    assert channel_stack.user_texts(user) == [RLS_QUESTION]  # the vote never reached the assistant
    person = wh.slack_button_click(user, button["value"], "Talk to a person", channel=dm, ephemeral=True)
    post(channel_stack, person.encode(), "application/x-www-form-urlencoded")
    assert staff.waiting_for(user, timeout_s=30)["sender_id"] == user


def test_a_button_click_sends_its_payload(channel_stack: ChannelStack) -> None:
    user, dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    body = wh.slack_button_click(user, "/ask_side_effects", "Side effects", channel=dm).encode()
    assert post(channel_stack, body, "application/x-www-form-urlencoded").status_code == 200
    texts = [m["text"] for m in replies(channel_stack, dm)]
    assert slack_escape(domain_response("utter_side_effects")["text"].strip()) in texts
    assert channel_stack.user_texts(user) == ["/ask_side_effects"]


def test_a_mention_in_a_channel_is_answered_in_its_thread(channel_stack: ChannelStack) -> None:
    user, channel = new_user(), "C" + uuid.uuid4().hex[:9].upper()
    payload = wh.slack_mention(user, "what is restless legs syndrome?", channel=channel)
    event(channel_stack, payload)
    sent = replies(channel_stack, channel)
    assert all(m["thread_ts"] == payload["event"]["ts"] for m in sent)
    assert channel_stack.user_texts(user) == ["what is restless legs syndrome?"]


def test_safety_kidney_question_and_emergency(channel_stack: ChannelStack) -> None:
    kidney, kidney_dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    event(channel_stack, wh.slack_dm(kidney, KIDNEY_QUESTION, channel=kidney_dm))
    check_kidney_reply([m["text"] for m in replies(channel_stack, kidney_dm)])
    emergency, emergency_dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    event(channel_stack, wh.slack_dm(emergency, EMERGENCY_MESSAGE, channel=emergency_dm))
    sent = replies(channel_stack, emergency_dm)
    check_emergency_first([m["text"] for m in sent])
    assert "blocks" not in sent[0], "no vote under the emergency instruction"


def test_unsigned_forged_replayed_and_retried_events_never_reach_the_assistant(channel_stack: ChannelStack) -> None:
    user, dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    assert event(channel_stack, wh.slack_dm(user, "hello", channel=dm), secret=None).status_code == 401
    assert event(channel_stack, wh.slack_dm(user, "hello", channel=dm), secret="not-the-secret").status_code == 403
    stale = int(time.time()) - 600
    assert event(channel_stack, wh.slack_dm(user, "hello", channel=dm), timestamp=stale).status_code == 403
    timed_out = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    retry = event(channel_stack, wh.slack_dm(user, "hello", channel=dm), extra=timed_out)
    assert retry.status_code == 200 and retry.headers.get("X-Slack-No-Retry") == "1"
    event(channel_stack, wh.slack_bot_echo("an echo of our own message", channel=dm))
    time.sleep(2)  # handled in the background: give a wrongly accepted event time to show
    assert channel_stack.user_texts(user) == [] and channel_stack.slack.sent(dm) == []


def test_a_staff_reply_reaches_the_user_by_direct_message(channel_stack: ChannelStack) -> None:
    user, dm = new_user(), "D" + uuid.uuid4().hex[:9].upper()
    event(channel_stack, wh.slack_dm(user, "I want to talk to a person", channel=dm))
    replies(channel_stack, dm)
    channel_stack.staff_reply(user, "Hi, Sam here from the shop.")
    (sent,) = replies(channel_stack, user)  # posted to the user id: Slack delivers it as their DM
    assert sent["text"] == "Sam (support team): Hi, Sam here from the shop."
