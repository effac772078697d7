"""Telegram end to end: real Update JSON to the running assistant, replies captured on a fake Bot API."""

from __future__ import annotations

import random

import requests

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

SECRET = CREDENTIALS["TELEGRAM_SECRET_TOKEN"]


def new_chat() -> int:
    return random.randint(10**8, 10**9)


def post(cs: ChannelStack, update: dict, secret: str | None = SECRET) -> requests.Response:
    return requests.post(cs.hook("telegram"), json=update, headers=wh.telegram_headers(secret), timeout=60)


def replies(cs: ChannelStack, chat: int, at_least: int = 1) -> list[dict]:
    cs.telegram.wait_for(lambda _: len(cs.telegram.sent(chat)) >= at_least)
    return cs.telegram.sent(chat)


def test_greeting_arrives_with_its_buttons_as_an_inline_keyboard(channel_stack: ChannelStack) -> None:
    chat = new_chat()
    assert post(channel_stack, wh.telegram_text(chat, "Hello")).status_code == 200
    greet = domain_response("utter_greet")
    (message,) = [m for m in replies(channel_stack, chat) if m["text"] == greet["text"].strip()]
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert keyboard[:-1] == [[{"text": b["title"], "callback_data": b["payload"]}] for b in greet["buttons"]]
    assert [key["text"] for key in keyboard[-1]] == ["👍 Helpful", "👎 Not helpful"]


def test_a_vote_under_an_answer_is_counted_by_channel_and_not_helpful_offers_a_person(
    channel_stack: ChannelStack,
) -> None:
    chat = new_chat()
    post(channel_stack, wh.telegram_text(chat, RLS_QUESTION))
    answer = domain_response("utter_rls_overview")["text"].strip()
    (message,) = [m for m in replies(channel_stack, chat) if m["text"] == answer]
    ballot = message["reply_markup"]["inline_keyboard"][-1]
    assert ballot == [
        {"text": "👍 Helpful", "callback_data": vote_data("up", answer)},
        {"text": "👎 Not helpful", "callback_data": vote_data("down", answer)},
    ]
    staff = StaffClient.new(channel_stack.stack)
    before, sent_before = channel_stack.votes(staff.http), len(channel_stack.telegram.sent(chat))
    tap = wh.telegram_button(chat, ballot[1]["callback_data"])
    assert post(channel_stack, tap).status_code == 200
    offer = replies(channel_stack, chat, sent_before + 1)[-1]
    assert offer["text"] == OFFER
    assert offer["reply_markup"]["inline_keyboard"] == [
        [{"text": "Talk to a person", "callback_data": "/request_human"}]
    ]
    toast = {"callback_query_id": tap["callback_query"]["id"], "text": "Thanks for telling us."}
    assert toast in channel_stack.telegram.answered()
    vote_added(channel_stack, staff.http, before, "utter_rls_overview", "telegram", "down")
    assert channel_stack.user_texts(str(chat)) == [RLS_QUESTION]  # the vote never reached the assistant
    post(channel_stack, wh.telegram_button(chat, "/request_human"))
    assert staff.waiting_for(str(chat), timeout_s=30)["sender_id"] == str(chat)


def test_a_button_tap_answers_that_topic(channel_stack: ChannelStack) -> None:
    chat = new_chat()
    update = wh.telegram_button(chat, "/ask_side_effects")
    assert post(channel_stack, update).status_code == 200
    texts = [m["text"] for m in replies(channel_stack, chat)]
    assert domain_response("utter_side_effects")["text"].strip() in texts
    answered = [c.params for c in channel_stack.telegram.snapshot() if c.path.endswith("/answerCallbackQuery")]
    assert {"callback_query_id": update["callback_query"]["id"]} in answered
    assert channel_stack.user_texts(str(chat)) == ["/ask_side_effects"]


def test_safety_kidney_question_and_emergency(channel_stack: ChannelStack) -> None:
    kidney_chat, emergency_chat = new_chat(), new_chat()
    post(channel_stack, wh.telegram_text(kidney_chat, KIDNEY_QUESTION))
    check_kidney_reply([m["text"] for m in replies(channel_stack, kidney_chat)])
    post(channel_stack, wh.telegram_text(emergency_chat, EMERGENCY_MESSAGE))
    sent = replies(channel_stack, emergency_chat)
    check_emergency_first([m["text"] for m in sent])
    assert "reply_markup" not in sent[0], "no vote under the emergency instruction"


def test_unsigned_and_forged_updates_never_reach_the_assistant(channel_stack: ChannelStack) -> None:
    chat = new_chat()
    assert post(channel_stack, wh.telegram_text(chat, "hello"), secret=None).status_code == 401
    assert post(channel_stack, wh.telegram_text(chat, "hello"), secret="not_the_secret").status_code == 403
    assert channel_stack.user_texts(str(chat)) == []
    assert channel_stack.telegram.sent(chat) == []


def test_a_staff_reply_goes_back_to_the_telegram_chat(channel_stack: ChannelStack) -> None:
    chat = new_chat()
    post(channel_stack, wh.telegram_text(chat, "I want to talk to a person"))
    before = len(replies(channel_stack, chat))
    channel_stack.staff_reply(str(chat), "Hi, I'm Sam. How can I help?")
    sent = replies(channel_stack, chat, before + 1)
    assert sent[-1]["text"] == "Sam (support team): Hi, I'm Sam. How can I help?"
