"""Messenger end to end: signed page webhooks to the running assistant, replies captured on a
fake Graph Send API."""

from __future__ import annotations

import json
import random

import requests

from sedorum.channels.formatting import MESSENGER_QUICK_REPLY_TITLE, shorten
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

SECRET = CREDENTIALS["MESSENGER_APP_SECRET"]


def new_psid() -> str:
    return str(random.randint(10**15, 10**16 - 1))


def post(cs: ChannelStack, payload: dict, secret: str | None = SECRET) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(cs.hook("facebook"), data=body, headers=wh.messenger_headers(secret, body), timeout=60)


def replies(cs: ChannelStack, psid: str, at_least: int = 1) -> list[dict]:
    cs.messenger.wait_for(lambda _: len(cs.messenger.sent(psid)) >= at_least)
    return cs.messenger.sent(psid)


def test_webhook_subscription_check(channel_stack: ChannelStack) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": CREDENTIALS["MESSENGER_VERIFY_TOKEN"], "hub.challenge": "42"}
    ok = requests.get(channel_stack.hook("facebook"), params=params, timeout=30)
    assert ok.status_code == 200 and ok.text == "42"
    wrong = requests.get(channel_stack.hook("facebook"), params={**params, "hub.verify_token": "guess"}, timeout=30)
    assert wrong.status_code == 403


def test_greeting_buttons_become_quick_replies(channel_stack: ChannelStack) -> None:
    psid = new_psid()
    assert post(channel_stack, wh.messenger_text(psid, "Hello")).status_code == 200
    greet = domain_response("utter_greet")
    (message,) = [m for m in replies(channel_stack, psid) if m["text"] == greet["text"].strip()]
    assert [(q["title"], q["payload"]) for q in message["quick_replies"]] == [
        (shorten(b["title"], MESSENGER_QUICK_REPLY_TITLE), b["payload"]) for b in greet["buttons"]
    ] + [
        ("👍 Helpful", vote_data("up", greet["text"].strip())),
        ("👎 Not helpful", vote_data("down", greet["text"].strip())),
    ]


def test_a_vote_quick_reply_is_counted_by_channel_and_not_helpful_offers_a_person(
    channel_stack: ChannelStack,
) -> None:
    psid = new_psid()
    post(channel_stack, wh.messenger_text(psid, RLS_QUESTION))
    answer = domain_response("utter_rls_overview")["text"].strip()
    (message,) = [m for m in replies(channel_stack, psid) if m["text"] == answer]
    down = message["quick_replies"][-1]
    assert (down["title"], down["payload"]) == ("👎 Not helpful", vote_data("down", answer))
    staff = StaffClient.new(channel_stack.stack)
    before, sent_before = channel_stack.votes(staff.http), len(channel_stack.messenger.sent(psid))
    post(channel_stack, wh.messenger_quick_reply(psid, down["title"], down["payload"]))
    offer = replies(channel_stack, psid, sent_before + 1)[-1]
    assert offer["text"] == f"Thanks for telling us. {OFFER}"
    assert [(q["title"], q["payload"]) for q in offer["quick_replies"]] == [("Talk to a person", "/request_human")]
    vote_added(channel_stack, staff.http, before, "utter_rls_overview", "facebook", "down")
    assert channel_stack.user_texts(psid) == [RLS_QUESTION]  # the vote never reached the assistant
    post(channel_stack, wh.messenger_quick_reply(psid, "Talk to a person", "/request_human"))
    assert staff.waiting_for(psid, timeout_s=30)["sender_id"] == psid


def test_a_quick_reply_tap_sends_its_payload(channel_stack: ChannelStack) -> None:
    psid = new_psid()
    post(channel_stack, wh.messenger_quick_reply(psid, "Side effects", "/ask_side_effects"))
    texts = [m["text"] for m in replies(channel_stack, psid)]
    assert domain_response("utter_side_effects")["text"].strip() in texts
    assert channel_stack.user_texts(psid) == ["/ask_side_effects"]


def test_safety_kidney_question_and_emergency(channel_stack: ChannelStack) -> None:
    kidney, emergency = new_psid(), new_psid()
    post(channel_stack, wh.messenger_text(kidney, KIDNEY_QUESTION))
    check_kidney_reply([m["text"] for m in replies(channel_stack, kidney)])
    post(channel_stack, wh.messenger_text(emergency, EMERGENCY_MESSAGE))
    sent = replies(channel_stack, emergency)
    check_emergency_first([m["text"] for m in sent])
    assert "quick_replies" not in sent[0], "no vote under the emergency instruction"


def test_unsigned_and_forged_webhooks_never_reach_the_assistant(channel_stack: ChannelStack) -> None:
    psid = new_psid()
    assert post(channel_stack, wh.messenger_text(psid, "hello"), secret=None).status_code == 401
    assert post(channel_stack, wh.messenger_text(psid, "hello"), secret="not-the-app-secret").status_code == 403
    assert channel_stack.user_texts(psid) == [] and channel_stack.messenger.sent(psid) == []


def test_a_staff_reply_goes_back_over_messenger(channel_stack: ChannelStack) -> None:
    psid = new_psid()
    post(channel_stack, wh.messenger_text(psid, "I want to talk to a person"))
    before = len(replies(channel_stack, psid))
    channel_stack.staff_reply(psid, "Hi, Sam here from the shop.")
    assert replies(channel_stack, psid, before + 1)[-1]["text"] == "Sam (support team): Hi, Sam here from the shop."
