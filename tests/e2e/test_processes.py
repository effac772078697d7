"""`make run`'s process layout: the router in front of one Rasa process per core.

Against the real stack (tests/conftest.py `stack`, the same supervisor as `make run`):

- many conversations sent at once and interleaved: each conversation is answered by one
  process only, every process serves some, and each stored conversation holds every user
  message once, in order, each with its reply (the in-memory lock of that process did its job);
- an emergency message sent while 50 ordinary messages wait for the same process is answered
  before them, with the emergency reply (S1);
- before the stack said it was ready, every Rasa process answered one real message (a dose
  question, so the action server answered a call too), and that message was not stored.

Not timed: the ordering is checked, not the milliseconds (those are in bench/results/load.json).
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from sedorum.server.router import PROCESS_HEADER, STATS_PATH
from sedorum.server.routing import process_for
from sedorum.server.stack import RunningStack
from sedorum.stores.warm_up import warm_up_sender
from tests.conftest import TEST_TOKEN

SCRIPT = ("hi", "what is restless legs syndrome?", "how much magnesium can I take a day?", "thanks")
# A turn with a custom action, like the emergency's: on an idle machine a turn without one is
# so much cheaper that fifty of them could finish before any emergency turn, queue or not.
ORDINARY = "I'm 70 and take omeprazole, how much magnesium can I take?"
EMERGENCY = "I can't breathe and my chest hurts"


def post(stack: RunningStack, sender: str, text: str) -> requests.Response:
    reply = requests.post(f"{stack.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply


def converse(stack: RunningStack, sender: str) -> set[str]:
    return {post(stack, sender, text).headers[PROCESS_HEADER] for text in SCRIPT}


def user_turns(stack: RunningStack, sender: str) -> list[tuple[str, int]]:
    """(user text, number of bot messages after it) for every user message of the conversation."""
    tracker = requests.get(
        f"{stack.url}/conversations/{sender}/tracker", params={"token": TEST_TOKEN}, timeout=30
    ).json()
    turns: list[tuple[str, int]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            turns.append((event["text"], 0))
        elif event["event"] == "bot" and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def stats(stack: RunningStack) -> list[dict[str, Any]]:
    reply = requests.get(f"{stack.url}{STATS_PATH}", params={"token": TEST_TOKEN}, timeout=30)
    reply.raise_for_status()
    return reply.json()["processes"]


def test_each_conversation_stays_on_one_process_and_every_process_serves(stack: RunningStack) -> None:
    processes = stack.settings.process_count
    assert len(stats(stack)) == processes
    senders = [f"route-{uuid.uuid4().hex[:10]}" for _ in range(24)]
    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        answered_by = dict(zip(senders, pool.map(lambda s: converse(stack, s), senders), strict=True))
    for sender, used in answered_by.items():
        assert used == {str(process_for(sender, processes))}, (sender, used)
    assert set().union(*answered_by.values()) == {str(index) for index in range(processes)}
    for sender in senders:
        turns = user_turns(stack, sender)
        assert [text for text, _ in turns] == list(SCRIPT), sender
        assert all(replies >= 1 for _, replies in turns), (sender, turns)


def test_every_process_answered_a_first_message_before_ready_and_stored_none_of_it(stack: RunningStack) -> None:
    names = {f"rasa-{index}" for index in range(1, stack.settings.process_count + 1)}
    assert set(stack.warm_ups) == names
    for result in stack.warm_ups.values():
        assert result.answered, result  # a proper answer: the custom action ran, no service-trouble reply
    warm = warm_up_sender(TEST_TOKEN)
    for port in stack.settings.worker_ports:
        tracker = requests.get(
            f"http://127.0.0.1:{port}/conversations/{warm}/tracker", params={"token": TEST_TOKEN}, timeout=30
        ).json()
        assert not [event for event in tracker["events"] if event["event"] in ("user", "bot")], (port, tracker)
    # The same conversation id without the token's blessing is an ordinary, stored one.
    guessed = warm_up_sender("not-the-token")
    post(stack, guessed, "hi")
    turns = user_turns(stack, guessed)
    assert [text for text, _ in turns] == ["hi"] and turns[0][1] >= 1, turns


def test_an_emergency_behind_fifty_queued_messages_is_answered_first(stack: RunningStack) -> None:
    processes = stack.settings.process_count
    target = 0

    def sender_on_target(prefix: str) -> str:
        while True:
            sender = f"{prefix}-{uuid.uuid4().hex[:10]}"
            if process_for(sender, processes) == target:
                return sender

    finished: list[str] = []

    def ordinary(sender: str) -> None:
        post(stack, sender, ORDINARY)
        finished.append("ordinary")

    with ThreadPoolExecutor(max_workers=51) as pool:
        queued = [pool.submit(ordinary, sender_on_target("queued")) for _ in range(50)]
        # Wait until the router holds most of them back: the process is saturated.
        for _ in range(600):
            if stats(stack)[target]["waiting"] >= 40:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"the ordinary messages never queued up: {stats(stack)}")
        emergency = post(stack, sender_on_target("sos"), EMERGENCY)
        finished.append("emergency")
        for future in queued:
            future.result()

    text = " ".join(message.get("text", "") for message in emergency.json())
    # The emergency reply (S1), led by the default locale's number.
    assert text.startswith("Call 999 now, or go to A&E"), text
    ahead = finished.index("emergency")
    # It waits for one busy slot of its process, not for the queue: at least 40 ordinary
    # messages were waiting when it was sent, and without the emergency lane all of them would
    # be answered before it. While it runs, the process's other slots keep answering ordinary
    # messages, so a few (shorter) ones may still finish first.
    assert ahead <= 20, (ahead, finished)
    assert finished.count("ordinary") == 50
