"""The assistant through its REST channel: topics, sources, buttons, memory, handoff silence.

Talks to the real running Rasa server and action server (the `stack` fixture).
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import TEST_TOKEN, Chat

TOPIC_QUESTIONS = {
    "what is restless legs syndrome?": "Source:",
    "which foods are rich in magnesium": "Source:",
    "what side effects can magnesium have": "Source:",
    "does magnesium actually help restless legs": "Source:",
    "what is in sedorum": "Source:",
}


def test_greeting_says_what_it_is_and_that_it_is_not_a_doctor(chat: Chat) -> None:
    messages = chat.send("hello")
    text = " ".join(m.get("text", "") for m in messages)
    assert re.search(r"not a doctor", text, re.IGNORECASE)
    assert "911" in text and "999" in text and "112" in text
    assert any(m.get("buttons") for m in messages)


@pytest.mark.parametrize("question", list(TOPIC_QUESTIONS))
def test_topic_answers_carry_a_source_line(chat: Chat, question: str) -> None:
    reply = chat.say(question)
    assert TOPIC_QUESTIONS[question] in reply, reply


def test_product_answer_offers_follow_up_buttons(chat: Chat) -> None:
    messages = chat.send("tell me about the sedorum supplement")
    payloads = {b["payload"] for m in messages for b in m.get("buttons", [])}
    assert "/request_human" in payloads or "/check_safety" in payloads, messages


def test_buttons_payloads_are_understood(chat: Chat) -> None:
    reply = chat.say("/ask_side_effects")
    assert "Source:" in reply


def test_remembered_kidney_disease_withholds_the_dose_later(chat: Chat) -> None:
    assert "kidney" in chat.say("I have CKD stage 3").lower()
    chat.say("what foods have magnesium")
    reply = chat.say("so how much magnesium can I take per day?")
    assert "kidney" in reply.lower()
    assert "350" not in reply


def test_screening_asks_only_what_it_does_not_know(chat: Chat) -> None:
    first = chat.say("I'm 45 and not pregnant, can I take sedorum?")
    assert "how old" not in first.lower()
    assert "kidney" in first.lower(), first


def test_deletion_erases_the_stored_conversation(chat: Chat) -> None:
    chat.say("I have kidney disease and I'm on dialysis")
    assert any(e.get("event") == "user" for e in chat.tracker()["events"])
    asked = chat.say("please delete my data")
    assert re.search(r"erase", asked, re.IGNORECASE) and "Yes, erase it" in asked  # asked once first
    assert any("dialysis" in (e.get("text") or "") for e in chat.tracker()["events"])  # nothing erased yet
    reply = chat.say("yes")
    assert re.search(r"delet|eras", reply, re.IGNORECASE)
    events = chat.tracker()["events"]
    assert not any("dialysis" in (e.get("text") or "") for e in events), events


def test_a_deletion_called_off_keeps_the_conversation(chat: Chat) -> None:
    chat.say("I'm on dialysis")
    chat.say("delete my data")
    reply = chat.say("no")
    assert re.search(r"nothing was erased", reply, re.IGNORECASE)
    assert any("dialysis" in (e.get("text") or "") for e in chat.tracker()["events"])


def set_handoff(chat: Chat, value: str | None) -> None:
    reply = requests.post(
        f"{chat.base_url}/conversations/{chat.sender}/tracker/events",
        params={"token": TEST_TOKEN},
        json=[{"event": "slot", "name": "handoff", "value": value}],
        timeout=30,
    )
    assert reply.status_code == 200, reply.text


def test_assistant_is_silent_while_staff_have_the_conversation_except_for_emergencies(chat: Chat) -> None:
    chat.say("hello")
    set_handoff(chat, "claimed")
    assert chat.send("what is the dose of magnesium?") == []
    emergency = chat.send("I have severe chest pain and can't breathe")
    assert emergency, "the S1 reply must come even during a handoff"
    assert all(number in emergency[0]["text"] for number in ("911", "999", "112"))
    set_handoff(chat, None)
    assert "Source:" in chat.say("what foods contain magnesium")


def test_unknown_api_calls_need_the_token(chat: Chat) -> None:
    reply = requests.get(f"{chat.base_url}/conversations/{chat.sender}/tracker", timeout=30)
    assert reply.status_code == 401
