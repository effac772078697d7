"""Bad input on the REST channel: every request gets a defined answer or a 4xx, never a 5xx.

Runs against the real servers (sedorum.server.stack) on ports 5411/5461. What each input gets is the
promise in docs/security-and-privacy.md ("Bad input"); the server must still answer normally afterwards.
"""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

import pytest
import requests

from sedorum.server.stack import RunningStack

EMPTY_PROMPT = "Please type a question"


@pytest.fixture(scope="module")
def edge(stack: RunningStack) -> RunningStack:
    """The session's assistant, with the default settings: bad input needs no stack of its own,
    and a stack that survives it is what every later test in the session then talks to."""
    return stack


def webhook(edge: RunningStack) -> str:
    return f"{edge.url}/webhooks/rest/webhook"


def post_json(edge: RunningStack, body: Any, **kwargs: Any) -> requests.Response:
    return requests.post(webhook(edge), json=body, timeout=60, **kwargs)


def sender() -> str:
    return "bad-" + uuid.uuid4().hex[:12]


def texts(reply: requests.Response) -> str:
    return "\n".join(message.get("text", "") for message in reply.json())


@pytest.mark.parametrize("message", ["", " ", "   \t\n  ", "\x00\x01\x1b", "\r\n"])
def test_empty_or_whitespace_messages_get_a_prompt(edge: RunningStack, message: str) -> None:
    reply = post_json(edge, {"sender": sender(), "message": message})
    assert reply.status_code == 200
    assert EMPTY_PROMPT in texts(reply)


def test_a_100_kb_message_is_refused_at_the_edge_quickly(edge: RunningStack) -> None:
    reply = post_json(edge, {"sender": sender(), "message": "a" * 100_000})
    assert reply.status_code == 413
    assert reply.json()["error"] == "payload_too_large"
    assert reply.elapsed.total_seconds() < 2


def test_a_long_message_gets_a_polite_reply_without_the_model(edge: RunningStack) -> None:
    reply = post_json(edge, {"sender": sender(), "message": "my legs " * 600})  # 4,800 characters
    assert reply.status_code == 200
    text = texts(reply)
    assert "shorter" in text and "2,000" in text and "911" in text
    assert reply.elapsed.total_seconds() < 2


def test_control_characters_are_stripped_and_the_message_answered(edge: RunningStack) -> None:
    conversation = sender()
    reply = post_json(edge, {"sender": conversation, "message": "what is\x00 restless\x07 legs \u202esyndrome?"})
    assert reply.status_code == 200 and reply.json()
    tracker = requests.get(
        f"{edge.url}/conversations/{conversation}/tracker",
        headers={"Authorization": f"Bearer {edge.settings.auth_token}"},
        timeout=30,
    ).json()
    user_texts = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert user_texts == ["what is restless legs syndrome?"]


@pytest.mark.parametrize(
    "message",
    [
        "💊🦵😴?",
        "magnesium 👩‍⚕️",
        "Что такое синдром беспокойных ног?",
        "マグネシウムは安全ですか",
        "ما هو المغنيسيوم؟",
        "𝔪𝔞𝔤𝔫𝔢𝔰𝔦𝔲𝔪",
    ],
)
def test_emoji_and_other_scripts_get_an_answer(edge: RunningStack, message: str) -> None:
    reply = post_json(edge, {"sender": sender(), "message": message})
    assert reply.status_code == 200
    assert reply.json(), "every message gets at least one reply"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"", "application/json", 400),
        (b"{", "application/json", 400),
        (b"null", "application/json", 400),
        (b'"hello"', "application/json", 400),
        (b"[]", "application/json", 400),
        (b"\xff\xfe\x00", "application/json", 400),
        (b'{"sender": "x", "message": "hi"}', "text/plain", 415),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415),
        (b'{"sender": "x", "message": "hi"}', "", 415),
        (b'{"message": "hi"}', "application/json", 400),
        (b'{"sender": null, "message": "hi"}', "application/json", 400),
        (b'{"sender": "x"}', "application/json", 400),
        (b'{"sender": "x", "message": 42}', "application/json", 400),
        (b'{"sender": "x", "message": "hi", "metadata": [1]}', "application/json", 400),
        (("[" * 5000).encode(), "application/json", 400),
    ],
)
def test_malformed_requests_get_a_4xx(edge: RunningStack, body: bytes, content_type: str, status: int) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    reply = requests.post(webhook(edge), data=body, headers=headers, timeout=30)
    assert reply.status_code == status, reply.text
    assert reply.json()["status"] == status


@pytest.mark.parametrize("bad_sender", ["", "x" * 129, "x" * 10_000, "a b", "tab\there", "nul\x00", "ünïcode", 7])
def test_missing_odd_or_very_long_senders_get_a_400(edge: RunningStack, bad_sender: object) -> None:
    reply = post_json(edge, {"sender": bad_sender, "message": "hello"})
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_sender"


def test_a_128_character_sender_is_accepted(edge: RunningStack) -> None:
    reply = post_json(edge, {"sender": "s" * 120 + uuid.uuid4().hex[:8], "message": "hello"})
    assert reply.status_code == 200 and reply.json()


def test_a_client_cannot_claim_another_input_channel(edge: RunningStack) -> None:
    conversation = sender()
    post_json(edge, {"sender": conversation, "message": "hello", "input_channel": "staff"})
    tracker = requests.get(
        f"{edge.url}/conversations/{conversation}/tracker",
        headers={"Authorization": f"Bearer {edge.settings.auth_token}"},
        timeout=30,
    ).json()
    assert {e.get("input_channel") for e in tracker["events"] if e["event"] == "user"} == {"rest"}


def test_wrong_method_and_declared_oversize_bodies_are_4xx(edge: RunningStack) -> None:
    assert requests.get(webhook(edge), timeout=30).status_code == 405
    # A Content-Length above the server's maximum is refused before the body is read.
    with socket.create_connection(("127.0.0.1", edge.settings.rasa_port), timeout=30) as sock:
        sock.sendall(
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n{"
        )
        status_line = sock.recv(200).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line


def test_bad_input_in_the_middle_of_a_conversation_loses_nothing(edge: RunningStack) -> None:
    """A visitor's fact, then every kind of bad input, then a question that needs the fact."""
    conversation = sender()
    assert "kidney" in texts(post_json(edge, {"sender": conversation, "message": "I have CKD stage 3"})).lower()

    refused = [
        post_json(edge, {"sender": conversation, "message": "a" * 100_000}),
        post_json(edge, {"sender": conversation, "message": 42}),
        requests.post(
            webhook(edge),
            data=json.dumps({"sender": conversation, "message": "hi"})[:-1].encode(),
            headers={"Content-Type": "application/json"},
            timeout=30,
        ),
    ]
    assert [reply.status_code for reply in refused] == [413, 400, 400]
    assert EMPTY_PROMPT in texts(post_json(edge, {"sender": conversation, "message": " \x00 "}))
    assert "shorter" in texts(post_json(edge, {"sender": conversation, "message": "my legs " * 600}))

    reply = post_json(edge, {"sender": conversation, "message": "so how much magnesium can I take per day?"})
    assert reply.status_code == 200
    answer = texts(reply).lower()
    assert "kidney" in answer and "350" not in answer, answer
    tracker = requests.get(
        f"{edge.url}/conversations/{conversation}/tracker",
        headers={"Authorization": f"Bearer {edge.settings.auth_token}"},
        timeout=30,
    ).json()
    user_texts = [event["text"] for event in tracker["events"] if event["event"] == "user"]
    assert user_texts[0] == "I have CKD stage 3"
    assert user_texts[-1] == "so how much magnesium can I take per day?"
    assert not [text for text in user_texts if text == "hi" or len(text) > 5000], "a refused request was stored"
