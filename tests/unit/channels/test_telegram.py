"""Telegram's webhook (sedorum.channels.telegram) with real Update JSON, without a trained model.

The channel runs in a real Sanic server; the fake Bot API records what was sent (harness.py).
The same behaviours are checked against the real assistant in tests/e2e/test_channels_telegram.py.
"""

from __future__ import annotations

import pytest
import requests

from tests.fakes import webhooks as wh
from tests.unit.channels.harness import BUTTONS, TG_SECRET, Harness, said, vote_data

pytestmark = pytest.mark.usefixtures("h")


def post(h: Harness, update: dict, secret: str | None = TG_SECRET) -> requests.Response:
    return requests.post(h.hook("telegram"), json=update, headers=wh.telegram_headers(secret), timeout=10)


def test_text_gets_an_answer_with_its_options_and_the_vote_row(h: Harness) -> None:
    assert post(h, wh.telegram_text(501, "what is RLS?")).status_code == 200
    assert h.agent.texts("501") == ["what is RLS?"]
    (sent,) = h.telegram.sent(501)
    assert sent["text"] == said("what is RLS?")
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert keyboard[:3] == [[{"text": b["title"], "callback_data": b["payload"]}] for b in BUTTONS]
    assert keyboard[3] == [
        {"text": "👍 Helpful", "callback_data": vote_data("up", said("what is RLS?"))},
        {"text": "👎 Not helpful", "callback_data": vote_data("down", said("what is RLS?"))},
    ]


def test_the_emergency_instruction_comes_without_vote_buttons(h: Harness) -> None:
    post(h, wh.telegram_text(509, "chest pain"))
    (sent,) = h.telegram.sent(509)
    assert "reply_markup" not in sent


def test_helpful_is_recorded_thanked_in_the_tap_notice_and_never_reaches_the_assistant(h: Harness) -> None:
    post(h, wh.telegram_text(510, "hello"))
    h.telegram.clear()
    tap = wh.telegram_button(510, vote_data("up", said("hello")))
    assert post(h, tap).status_code == 200
    assert h.votes("510") == [("utter_echo", "up")]
    assert h.telegram.answered() == [
        {"callback_query_id": tap["callback_query"]["id"], "text": "Thanks for telling us."}
    ]
    assert h.agent.texts("510") == ["hello"] and h.telegram.sent(510) == []


def test_not_helpful_replaces_the_vote_and_offers_a_person(h: Harness) -> None:
    post(h, wh.telegram_text(511, "hello"))
    post(h, wh.telegram_button(511, vote_data("up", said("hello"))))
    h.telegram.clear()
    post(h, wh.telegram_button(511, vote_data("down", said("hello"))))
    assert h.votes("511") == [("utter_echo", "down")]  # voting again replaces the vote
    (offer,) = h.telegram.sent(511)
    assert offer["text"] == "Would you like to talk to a person from our support team?"
    assert offer["reply_markup"]["inline_keyboard"] == [
        [{"text": "Talk to a person", "callback_data": "/request_human"}]
    ]
    post(h, wh.telegram_button(511, "/request_human"))
    assert h.agent.texts("511") == ["hello", "/request_human"]


def test_a_vote_on_an_answer_never_sent_is_refused_politely(h: Harness) -> None:
    post(h, wh.telegram_text(512, "hello"))
    post(h, wh.telegram_button(512, vote_data("up", "An answer this chat never saw")))
    assert h.votes("512") == []
    assert h.telegram.answered()[-1]["text"] == "Sorry, your vote could not be saved."
    assert h.agent.texts("512") == ["hello"]


def test_button_tap_sends_the_payload_and_stops_the_spinner(h: Harness) -> None:
    update = wh.telegram_button(502, "/ask_side_effects")
    assert post(h, update).status_code == 200
    assert h.agent.texts("502") == ["/ask_side_effects"]
    assert h.telegram.answered() == [{"callback_query_id": update["callback_query"]["id"]}]


def test_long_payload_index_is_mapped_back_through_the_tracker(h: Harness) -> None:
    long_payload = '/inform{"medication": "' + "x" * 80 + '"}'
    h.agent.said("503", {"text": "Which one?", "buttons": [BUTTONS[0], {"title": "That one", "payload": long_payload}]})
    post(h, wh.telegram_button(503, "#2"))
    assert h.agent.texts("503") == [long_payload]


def test_start_greets_and_typed_intents_go_through_nlu(h: Harness) -> None:
    post(h, wh.telegram_text(504, "/start"))
    post(h, wh.telegram_text(504, '/ask_dosage{"dose": "900 mg"}'))
    assert h.agent.texts("504") == ["/greet", 'ask_dosage{"dose": "900 mg"}']


def test_typed_vote_data_is_text_not_a_vote(h: Harness) -> None:
    post(h, wh.telegram_text(513, "hello"))
    post(h, wh.telegram_text(513, vote_data("down", said("hello"))))
    assert h.votes("513") == [] and len(h.agent.texts("513")) == 2


def test_group_chats_edits_and_duplicates_are_not_answered(h: Harness) -> None:
    post(h, wh.telegram_text(505, "in a group", chat_type="group"))
    edited = wh.telegram_text(505, "edited")
    edited["edited_message"] = edited.pop("message")
    post(h, edited)
    update = wh.telegram_text(506, "once")
    post(h, update)
    post(h, update)  # Telegram redelivers when it did not see our 200
    assert h.agent.texts() == ["once"]


@pytest.mark.parametrize(("secret", "status"), [(None, 401), ("wrong-secret", 403), ("", 401)])
def test_unsigned_or_forged_requests_are_refused(
    h: Harness, secret: str | None, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    reply = post(h, wh.telegram_text(507, "my secret health question"), secret=secret)
    assert reply.status_code == status
    assert h.agent.received == [] and h.telegram.snapshot() == []
    assert "Refused a telegram webhook" in caplog.text and "my secret health question" not in caplog.text


def test_signed_garbage_is_a_bad_request(h: Harness) -> None:
    reply = requests.post(h.hook("telegram"), data=b"{not json", headers=wh.telegram_headers(TG_SECRET), timeout=10)
    assert reply.status_code == 400 and h.agent.received == []
