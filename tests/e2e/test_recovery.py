"""One process dies, nothing is lost and nothing stops: `make run`'s embedded layout.

Own stack (router on port 5525, action server 5575, two Rasa processes behind the router,
SQLite and in-memory locks), started by the same supervisor as `make run`:

- SIGKILL of one Rasa process while eight conversations keep writing: every message is
  answered, no client ever sees a refused or reset connection (at most a 503 with
  Retry-After), a visitor who said they have kidney disease seven messages before the kill is
  answered by the other process and still gets no dose figure, the supervisor starts the killed process
  again and its conversations return to it, and every answered message is stored once, in
  order, with its reply;
- SIGKILL of the action server: the next dose question still gets the real answer (the call
  waits for the restarted action server), not the service-trouble reply;
- SIGKILL of the router: a message sent while it restarts waits in the listening socket the
  supervisor holds and is answered, with the visitor's pregnancy still counted;
- the website widget in Chromium: the process serving its socket.io connection is killed
  during a turn; the widget says it is reconnecting, reconnects to the other process, sends
  the unanswered message again and shows the answer; the message is stored once.

Not timed (the restart times are in bench/results/chaos.json, `make bench-chaos`).
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from sedorum.server.router import PROCESS_HEADER
from sedorum.server.routing import process_for
from sedorum.server.stack import RunningStack, running_stack
from tests.conftest import ARTIFACTS, TEST_TOKEN, stack_env
from tests.ports import port

LOG_DIR = ARTIFACTS / "logs" / "recovery"
DOSE = "how much magnesium can I take a day?"
DOSE_FIGURE = re.compile(r"\d+\s*mg", re.IGNORECASE)
TROUBLE = "something went wrong on our side"
SCRIPT = (
    "hi",
    "what is restless legs syndrome?",
    DOSE,
    "which foods contain magnesium?",
    "what are the side effects of magnesium?",
    "thanks",
)
BACK_WITHIN_S = 120  # generous: a busy shared machine loads the model slowly


@pytest.fixture(scope="module")
def recovery_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("recovery-var")
    env = stack_env(
        var,
        port(5525),
        port(5575),
        SEDORUM_PROCESSES="2",
        SEDORUM_OFFICE_HOURS_ALWAYS_OPEN="1",
    )
    with running_stack(env, log_dir=LOG_DIR) as running:
        yield running


def sender_on(process: int, prefix: str) -> str:
    while True:
        sender = f"{prefix}-{uuid.uuid4().hex[:10]}"
        if process_for(sender, 2) == process:
            return sender


def post(url: str, sender: str, text: str, timeout_s: float = 120) -> requests.Response:
    return requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout_s)


def text_of(reply: requests.Response) -> str:
    return "\n".join(message.get("text", "") for message in reply.json())


def stored_turns(url: str, sender: str) -> list[tuple[str, int]]:
    """(user text, bot messages after it) for every stored user message of the conversation."""
    reply = requests.get(f"{url}/conversations/{sender}/tracker", params={"token": TEST_TOKEN}, timeout=60)
    reply.raise_for_status()
    turns: list[tuple[str, int]] = []
    for event in reply.json()["events"]:
        if event["event"] == "user":
            turns.append((event["text"], 0))
        elif event["event"] == "bot" and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def wait_until(check, timeout_s: float, pause_s: float = 0.5) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(pause_s)
    return False


@dataclass
class Visitor:
    """Sends the script; retries only what the server refused with 503/429 and Retry-After."""

    url: str
    sender: str = field(default_factory=lambda: "visitor-" + uuid.uuid4().hex[:10])
    answered: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    connection_errors: list[str] = field(default_factory=list)

    def send(self, text: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                reply = post(self.url, self.sender, text, timeout_s=60)
            except requests.RequestException as error:
                self.connection_errors.append(f"{text!r}: {type(error).__name__}")
                return  # may or may not have been stored: not sent again
            self.statuses.append(reply.status_code)
            if reply.status_code == 200 and reply.json():
                self.answered.append(text)
                return
            if reply.status_code in (429, 503):
                time.sleep(float(reply.headers.get("Retry-After", "1")))
                continue
            return

    def run(self, stop: threading.Event) -> None:
        turn = 0
        while not stop.is_set():
            self.send(SCRIPT[turn % len(SCRIPT)])
            turn += 1
            time.sleep(0.5)


def test_a_killed_rasa_process_stops_nothing_loses_nothing_and_comes_back(recovery_stack: RunningStack) -> None:
    stack = recovery_stack
    kidney = sender_on(1, "kidney")  # lives on the process that is killed
    told = post(stack.url, kidney, "I have chronic kidney disease")
    assert told.status_code == 200 and told.headers[PROCESS_HEADER] == "1"
    for text in SCRIPT[1:] + ("what causes rls?",):  # the fact is seven messages back at the dose question
        reply = post(stack.url, kidney, text)
        assert reply.status_code == 200
        assert text != DOSE or not DOSE_FIGURE.search(text_of(reply)), text_of(reply)

    stop = threading.Event()
    visitors = [Visitor(stack.url) for _ in range(8)]
    threads = [threading.Thread(target=v.run, args=(stop,), daemon=True) for v in visitors]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        killed = stack.process("rasa-2")
        os.kill(killed.pid, signal.SIGKILL)

        dose = post(stack.url, kidney, DOSE)
        assert dose.status_code == 200, dose.text
        assert dose.headers[PROCESS_HEADER] == "0", "served by the live process"
        answer = text_of(dose)
        assert "kidney doctor" in answer and not DOSE_FIGURE.search(answer), answer  # the fact was kept

        assert wait_until(lambda: stack.supervisor.record("rasa-2").restarts == 1, 30)
        assert wait_until(lambda: stack.supervisor.record("rasa-2").ready_at is not None, BACK_WITHIN_S)
        assert stack.process("rasa-2").pid != killed.pid
        assert wait_until(lambda: post(stack.url, kidney, "thanks").headers.get(PROCESS_HEADER) == "1", 30), (
            "its conversations return to the restarted process"
        )
        again = post(stack.url, kidney, DOSE)
        assert again.headers[PROCESS_HEADER] == "1" and not DOSE_FIGURE.search(text_of(again))
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=180)

    assert not any(thread.is_alive() for thread in threads), "a conversation hung"
    errors = [error for v in visitors for error in v.connection_errors]
    assert not errors, f"dropped connections: {errors[:5]}"
    statuses = {status for v in visitors for status in v.statuses}
    assert statuses <= {200, 503}, statuses
    assert sum(len(v.answered) for v in visitors) >= 40
    for visitor in visitors:
        turns = stored_turns(stack.url, visitor.sender)
        assert [text for text, _ in turns] == visitor.answered, f"{visitor.sender}: every answer stored once"
        assert all(replies >= 1 for _, replies in turns), turns
    kidney_turns = [text for text, _ in stored_turns(stack.url, kidney)]
    assert kidney_turns.count("I have chronic kidney disease") == 1 and kidney_turns.count(DOSE) == 3


def test_a_killed_action_server_is_restarted_and_the_visitor_gets_the_real_answer(
    recovery_stack: RunningStack,
) -> None:
    stack = recovery_stack
    sender = "actions-" + uuid.uuid4().hex[:10]
    assert post(stack.url, sender, "I have kidney disease").status_code == 200
    killed = stack.process("actions")
    os.kill(killed.pid, signal.SIGKILL)
    dose = post(stack.url, sender, DOSE)  # the custom action waits for the restarted server
    assert dose.status_code == 200
    answer = text_of(dose)
    assert TROUBLE not in answer, answer
    assert "kidney doctor" in answer and not DOSE_FIGURE.search(answer), answer
    assert stack.process("actions").pid != killed.pid


def test_a_killed_router_is_restarted_and_a_message_sent_meanwhile_is_answered(recovery_stack: RunningStack) -> None:
    stack = recovery_stack
    sender = "router-" + uuid.uuid4().hex[:10]
    assert post(stack.url, sender, "I'm pregnant").status_code == 200
    killed = stack.process("router")
    os.kill(killed.pid, signal.SIGKILL)
    assert wait_until(lambda: stack.process("router").pid != killed.pid, 30, pause_s=0.05)
    # The new router may still be starting: the connection waits in the socket the supervisor holds.
    dose = post(stack.url, sender, DOSE)
    assert dose.status_code == 200, dose.text
    answer = text_of(dose)
    assert "pregnan" in answer.lower() and not DOSE_FIGURE.search(answer), answer
    assert [text for text, _ in stored_turns(stack.url, sender)] == ["I'm pregnant", DOSE]


@pytest.mark.browser
def test_the_widget_says_it_is_reconnecting_and_sends_the_unanswered_message_again(
    recovery_stack: RunningStack,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.test_widget_browser import CHROMIUM, CHROMIUM_ARGS, open_widget, session_id, wait_for_bot

    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (scripts/install.sh installs it as root)")
    stack = recovery_stack
    assert wait_until(lambda: stack.supervisor.record("rasa-1").ready_at is not None, BACK_WITHIN_S)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(stack.url + "/shop/")
            open_widget(page)
            wait_for_bot(page, "not a doctor")
            page.wait_for_timeout(1500)
            # Every state the connection notice takes, recorded in the page as it happens.
            page.evaluate(
                """() => {
                    window.connectionStates = [];
                    const notice = document.querySelector('.sedorum-connection');
                    new MutationObserver(() => window.connectionStates.push(notice.dataset.state))
                        .observe(notice, {attributes: true});
                }"""
            )
            served_by = stack.process("rasa-1")  # socket.io lives on process 0 (rasa-1)
            os.kill(served_by.pid, signal.SIGSTOP)  # frozen: the message arrives, no answer comes
            text = "What is restless legs syndrome?"
            box = page.locator(".rw-new-message")
            box.fill(text)
            box.press("Enter")
            page.wait_for_timeout(1000)
            os.kill(served_by.pid, signal.SIGKILL)  # dies during the turn
            expect(page.locator(".sedorum-connection[data-state='reconnecting']")).to_contain_text(
                "Reconnecting", timeout=15_000
            )
            wait_for_bot(page, "Willis-Ekbom")
            states = page.evaluate("window.connectionStates")
            assert "reconnecting" in states and "reconnected" in states, states
            visitor = session_id(page)
        finally:
            browser.close()
    turns = stored_turns(stack.url, visitor)
    assert [t for t, _ in turns].count(text) == 1, turns
