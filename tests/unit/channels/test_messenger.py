"""Messenger's webhook (sedorum.channels.messenger) with real page events, without a trained model;
the fake Send API records what was sent (harness.py). The same behaviours are checked against the
real assistant in tests/e2e/test_channels_messenger.py.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.fakes import webhooks as wh
from tests.unit.channels.harness import FB_SECRET, FB_VERIFY, Harness, said, vote_data

pytestmark = pytest.mark.usefixtures("h")


def post(h: Harness, payload: dict, secret: str | None = FB_SECRET) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(h.hook("facebook"), data=body, headers=wh.messenger_headers(secret, body), timeout=10)


def test_subscription_check(h: Harness) -> None:
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


def test_text_gets_its_options_and_the_votes_as_quick_replies(h: Harness) -> None:
    assert post(h, wh.messenger_text("2411001", "hello")).status_code == 200
    (message,) = h.messenger.sent("2411001")
    assert message["text"] == said("hello")
    assert [(q["title"], q["payload"]) for q in message["quick_replies"]] == [
        ("Side effects", "/ask_side_effects"),
        ("Who should not take…", "/check_safety"),
        ("Talk to a person", "/request_human"),
        ("👍 Helpful", vote_data("up", said("hello"))),
        ("👎 Not helpful", vote_data("down", said("hello"))),
    ]


def test_a_vote_quick_reply_is_recorded_and_not_helpful_offers_a_person(h: Harness) -> None:
    post(h, wh.messenger_text("2411010", "hello"))
    h.messenger.clear()
    post(h, wh.messenger_quick_reply("2411010", "👍 Helpful", vote_data("up", said("hello"))))
    assert h.votes("2411010") == [("utter_echo", "up")]
    assert h.messenger.sent("2411010") == [{"text": "Thanks for telling us."}]
    h.messenger.clear()
    post(h, wh.messenger_quick_reply("2411010", "👎 Not helpful", vote_data("down", said("hello"))))
    assert h.votes("2411010") == [("utter_echo", "down")]
    (offer,) = h.messenger.sent("2411010")
    assert offer["text"] == "Thanks for telling us. Would you like to talk to a person from our support team?"
    assert [(q["title"], q["payload"]) for q in offer["quick_replies"]] == [("Talk to a person", "/request_human")]
    post(h, wh.messenger_quick_reply("2411010", "Talk to a person", "/request_human"))
    assert h.agent.texts("2411010") == ["hello", "/request_human"]


def test_no_votes_under_the_emergency_instruction(h: Harness) -> None:
    post(h, wh.messenger_text("2411011", "chest pain"))
    (message,) = h.messenger.sent("2411011")
    assert "quick_replies" not in message


def test_quick_reply_postback_batch_and_echo(h: Harness) -> None:
    post(h, wh.messenger_quick_reply("2411002", "Side effects", "/ask_side_effects"))
    batch = wh.messenger_webhook(
        wh.messenger_event("2411002", postback={"title": "Get Started", "payload": "/greet"}),
        wh.messenger_event("2411002", {"text": "echo of our own message", "is_echo": True}),
        wh.messenger_event("2411002", {"text": "and a question"}),
    )
    post(h, batch)
    assert h.agent.texts("2411002") == ["/ask_side_effects", "/greet", "and a question"]


def test_more_than_13_choices_are_numbered_and_picked_by_number(h: Harness) -> None:
    post(h, wh.messenger_text("2411003", "many options"))
    (message,) = h.messenger.sent("2411003")
    assert "quick_replies" not in message and "14 for Option 14, 15 if this helped, 16 if not." in message["text"]
    post(h, wh.messenger_text("2411003", "16"))  # a vote is no message: the same choices stay on screen
    assert h.votes("2411003") == [("utter_many", "down")]
    post(h, wh.messenger_text("2411003", "14"))
    assert h.agent.texts("2411003") == ["many options", "/option_14"]


def test_a_typed_number_is_text_while_the_choices_are_quick_replies(h: Harness) -> None:
    post(h, wh.messenger_text("2411012", "hello"))
    post(h, wh.messenger_text("2411012", "4"))
    assert h.agent.texts("2411012") == ["hello", "4"] and h.votes("2411012") == []


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong-app-secret", 403)])
def test_unsigned_or_forged_requests_are_refused(h: Harness, secret: str | None, status: int) -> None:
    reply = post(h, wh.messenger_text("2411004", "hi"), secret=secret)
    assert reply.status_code == status and h.agent.received == [] and h.messenger.snapshot() == []
