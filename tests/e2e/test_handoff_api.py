"""Human handoff end to end on the running assistant (REST and socket.io visitors, console API).

Uses the shared `stack` (default stores, real office-hours schedule). The triggers come from
the custom actions; the console API is ours; together they must keep the handoff's
promises: a person is announced, staff see the transcript, only one of them can claim, the
assistant stays silent while staff have the conversation except for emergencies (S1), staff
replies reach the widget within a second, and the assistant answers again after hand back.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sedorum.handoff.accounts import hash_password
from sedorum.handoff.hours import office_status
from sedorum.handoff.store import HandoffStore, open_store
from sedorum.server.failover import PROCESS_HEADER
from sedorum.server.router import STATS_PATH
from sedorum.server.routing import CONVERSATION_PARAM, process_for
from sedorum.server.stack import RunningStack, running_stack
from tests.conftest import ARTIFACTS, Chat, stack_env
from tests.e2e.test_socketio import RawSocketIO, allowed_origin
from tests.ports import port

EMERGENCY_NUMBERS = ("999", "112", "911")
REDIS_DB = 6  # the Redis layout's own database (tests/e2e/test_faults.py uses 5)


def stack_store(stack: RunningStack) -> HandoffStore:
    """The handoff store the stack's processes use (same rule as sedorum.handoff.store.store_url)."""
    url = os.environ.get("SEDORUM_HANDOFF_DB_URL") or os.environ.get("SEDORUM_TRACKER_DB_URL")
    return open_store(url or f"sqlite:///{Path(stack.settings.var_dir) / 'handoff.db'}")


def add_staff(stack: RunningStack, name: str | None = None) -> tuple[str, str]:
    name = name or "staff" + uuid.uuid4().hex[:6]
    password = "pw-" + uuid.uuid4().hex
    stack_store(stack).put_staff(name, hash_password(password))
    return name, password


class StaffClient:
    """A logged-in staff member talking to the console API like the console page does."""

    def __init__(self, stack: RunningStack, name: str, password: str) -> None:
        self.base = stack.url
        self.name = name
        self.http = requests.Session()
        self.http.headers["Origin"] = stack.url
        reply = self.http.post(
            f"{self.base}/staff/login", data={"name": name, "password": password}, allow_redirects=False, timeout=30
        )
        assert reply.status_code == 303 and reply.headers["Location"] == "/staff/", reply.text

    @classmethod
    def new(cls, stack: RunningStack) -> StaffClient:
        return cls(stack, *add_staff(stack))

    def handoffs(self) -> list[dict]:
        reply = self.http.get(f"{self.base}/staff/api/handoffs", timeout=30)
        reply.raise_for_status()
        return reply.json()["handoffs"]

    def waiting_for(self, sender: str, timeout_s: float = 10) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [h for h in self.handoffs() if h["sender_id"] == sender]
            if found:
                return found[0]
            time.sleep(0.3)
        raise AssertionError(f"no open handoff for {sender}")

    def detail(self, handoff_id: int) -> dict:
        reply = self.http.get(f"{self.base}/staff/api/handoffs/{handoff_id}", timeout=30)
        reply.raise_for_status()
        return reply.json()

    def claim(self, handoff_id: int) -> requests.Response:
        return self.http.post(f"{self.base}/staff/api/handoffs/{handoff_id}/claim", timeout=30)

    def say(self, handoff_id: int, text: str) -> requests.Response:
        return self.http.post(f"{self.base}/staff/api/handoffs/{handoff_id}/messages", json={"text": text}, timeout=30)

    def release(self, handoff_id: int, close: bool = False) -> requests.Response:
        return self.http.post(f"{self.base}/staff/api/handoffs/{handoff_id}/release", json={"close": close}, timeout=30)


def assert_person_announced(reply: str) -> None:
    """In office hours: a person will answer, with the wait; outside: hours and a contact request."""
    status = office_status()
    if status.open:
        assert "person" in reply.lower() and str(status.wait_minutes) in reply, reply
    else:
        assert status.office_hours_text in reply and status.next_open_text in reply, reply
        assert "email" in reply.lower() or "phone" in reply.lower(), reply


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/staff/api/handoffs"), ("GET", "/staff/api/handoffs/1"), ("POST", "/staff/api/handoffs/1/claim")],
)
def test_unauthenticated_console_requests_are_refused(stack: RunningStack, method: str, path: str) -> None:
    reply = requests.request(method, stack.url + path, headers={"Origin": stack.url}, timeout=30)
    assert reply.status_code == 401


def test_console_page_needs_a_login(stack: RunningStack) -> None:
    reply = requests.get(stack.url + "/staff/", allow_redirects=False, timeout=30)
    assert reply.status_code in (302, 303) and reply.headers["Location"] == "/staff/login"
    wrong = requests.post(
        stack.url + "/staff/login",
        data={"name": "nobody", "password": "wrong-password"},
        headers={"Origin": stack.url},
        allow_redirects=False,
        timeout=30,
    )
    assert wrong.status_code == 303 and wrong.headers["Location"] == "/staff/login?error=1"


def test_state_change_from_a_foreign_origin_is_refused(stack: RunningStack) -> None:
    staff = StaffClient.new(stack)
    chat = Chat(stack.url)
    chat.say("I want to talk to a person")
    handoff = staff.waiting_for(chat.sender)
    reply = staff.http.post(
        f"{stack.url}/staff/api/handoffs/{handoff['id']}/claim", headers={"Origin": "http://evil.example"}, timeout=30
    )
    assert reply.status_code == 403
    assert staff.detail(handoff["id"])["handoff"]["status"] == "waiting"
    assert staff.release(handoff["id"], close=True).status_code == 200


# -- the handoff ---------------------------------------------------------------------------------


def test_handoff_silence_emergency_and_hand_back(stack: RunningStack) -> None:
    chat = Chat(stack.url)
    assert chat.say("hello")
    announced = chat.say("I want to talk to a real person")
    assert_person_announced(announced)
    assert chat.tracker()["slots"]["handoff"] == "waiting"

    alice, bob = StaffClient.new(stack), StaffClient.new(stack)
    waiting = alice.waiting_for(chat.sender)
    assert waiting["reason"] == "asked_for_person" and waiting["status"] == "waiting"
    transcript = alice.detail(waiting["id"])["transcript"]
    assert "I want to talk to a real person" in [e["text"] for e in transcript if e["who"] == "visitor"]
    assert any(e["who"] == "assistant" for e in transcript)

    assert alice.claim(waiting["id"]).status_code == 200
    refused = bob.claim(waiting["id"])
    assert refused.status_code == 409 and refused.json()["claimed_by"] == alice.name
    assert chat.tracker()["slots"]["handoff"] == "claimed"

    # While a person has the conversation the assistant says nothing...
    assert chat.send("what is magnesium good for?") == []
    time.sleep(1.1)  # the REST edge allows one message per second per sender
    # ...except the S1 emergency instruction.
    emergency = chat.say("I have crushing chest pain and I can't breathe")
    assert any(number in emergency for number in EMERGENCY_NUMBERS), emergency
    assert "sedorum" not in emergency.lower()
    assert alice.detail(waiting["id"])["handoff"]["reason"] == "emergency", "staff see the escalation"
    assert chat.tracker()["slots"]["handoff"] == "claimed", "the emergency does not end the staff's claim"

    assert alice.say(waiting["id"], "This is Alice. Please call 999 now; I'll stay here.").status_code == 200
    assert bob.say(waiting["id"], "Bob here").status_code == 409
    detail = alice.detail(waiting["id"])
    staff_lines = [e for e in detail["transcript"] if e["who"] == "staff"]
    assert [(e["staff"], e["text"]) for e in staff_lines] == [
        (alice.name, "This is Alice. Please call 999 now; I'll stay here.")
    ]
    actions = [(a["actor"], a["action"]) for a in detail["audit"]]
    assert (alice.name, "claimed") in actions and (alice.name, "message") in actions

    assert alice.release(waiting["id"]).status_code == 200
    assert chat.tracker()["slots"]["handoff"] is None
    time.sleep(1.1)
    answer = chat.say("What are the symptoms of restless legs syndrome?")
    assert answer.strip(), "the assistant answers again after hand back"
    trail = stack_store(stack).audit_trail(waiting["id"])
    assert [e.action for e in trail][-1] == "returned" and trail[-1].actor == alice.name


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        (["I paid for my order two weeks ago and it never arrived"], "order_problem"),
        # Two failed understandings in a row; "/nlu_fallback" is what the FallbackClassifier
        # produces for text it cannot place, given directly so the test does not hinge on
        # which gibberish the current model happens to misread.
        (["/nlu_fallback", "/nlu_fallback"], "not_understood"),
    ],
)
def test_other_triggers_hand_the_conversation_to_staff(stack: RunningStack, messages: list[str], reason: str) -> None:
    chat = Chat(stack.url)
    replies = []
    for message in messages:
        replies.append(chat.say(message))
        time.sleep(1.1)
    assert_person_announced(replies[-1])
    if len(replies) > 1:
        assert "support team" not in replies[0].lower(), "the first miss only asks to rephrase"
    staff = StaffClient.new(stack)
    handoff = staff.waiting_for(chat.sender)
    assert handoff["reason"] == reason
    assert staff.release(handoff["id"], close=True).status_code == 200


def test_an_emergency_hands_the_conversation_to_staff(stack: RunningStack) -> None:
    chat = Chat(stack.url)
    reply = chat.say("my husband fainted and is not breathing properly")
    assert any(number in reply for number in EMERGENCY_NUMBERS), reply
    staff = StaffClient.new(stack)
    handoff = staff.waiting_for(chat.sender)
    assert handoff["reason"] == "emergency"
    assert staff.release(handoff["id"], close=True).status_code == 200


def test_staff_reply_reaches_the_socketio_visitor_within_a_second(stack: RunningStack) -> None:
    session_id = "ws-handoff-" + uuid.uuid4().hex
    staff = StaffClient.new(stack)

    async def scenario() -> float:
        client = await RawSocketIO.connect(stack.url, stack.url)
        try:
            await client.start_session(session_id)
            await client.emit("user_uttered", {"message": "Can I speak to a human please?", "session_id": session_id})
            await client.wait_for("bot_uttered", 60)
            handoff = await asyncio.to_thread(staff.waiting_for, session_id)
            assert (await asyncio.to_thread(staff.claim, handoff["id"])).status_code == 200
            while staff.name not in (await client.wait_for("bot_uttered", 10)).get("text", ""):
                pass  # the rest of the handoff announcement, then "<name> has joined"
            text = "Hello from the support team " + uuid.uuid4().hex[:6]
            started = time.monotonic()
            assert (await asyncio.to_thread(staff.say, handoff["id"], text)).status_code == 200
            while (await client.wait_for("bot_uttered", 5)).get("text") != f"{staff.name} (support team): {text}":
                pass
            return time.monotonic() - started
        finally:
            await client.close()

    elapsed = asyncio.run(scenario())
    assert elapsed < 1.0, f"staff reply took {elapsed:.2f} s"


def served_turns(stack: RunningStack) -> list[int]:
    reply = requests.get(f"{stack.url}{STATS_PATH}", params={"token": stack.settings.auth_token}, timeout=30)
    reply.raise_for_status()
    return [sum(process["served"].values()) for process in reply.json()["processes"]]


def conversation_on(process: int, processes: int) -> str:
    while True:
        session_id = "widget-" + uuid.uuid4().hex
        if process_for(session_id, processes) == process:
            return session_id


async def _collect(client: RawSocketIO, into: list[str], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            name, data = await client.next_event(0.5)
        except TimeoutError:
            continue
        if name == "bot_uttered" and isinstance(data, dict):
            into.append(str(data.get("text") or ""))


def test_two_widget_visitors_on_different_processes_each_get_only_their_own_staff_reply(
    stack: RunningStack,
) -> None:
    two_visitors_each_get_only_their_own_staff_reply(stack)


@pytest.fixture(scope="module")
def redis_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The default layout with SEDORUM_REDIS_URL: locks and socket.io emits shared through Redis."""
    env = stack_env(
        tmp_path_factory.mktemp("redis-widget-var"),
        port(5905),
        port(5955),
        SEDORUM_REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        SEDORUM_PROCESSES="2",
    )
    with running_stack(env, log_dir=ARTIFACTS / "logs" / "redis-widget") as running:
        yield running


def test_with_redis_each_widget_visitor_still_gets_only_their_own_staff_reply(redis_stack: RunningStack) -> None:
    two_visitors_each_get_only_their_own_staff_reply(redis_stack)


def two_visitors_each_get_only_their_own_staff_reply(stack: RunningStack) -> None:
    processes = stack.settings.process_count
    sessions = [conversation_on(0, processes), conversation_on(processes - 1, processes)]
    # The router puts each conversation's sockets on its own process (the handshake says which).
    for session_id, process in zip(sessions, (0, processes - 1), strict=True):
        handshake = requests.get(
            f"{stack.url}/socket.io/",
            params={"EIO": "4", "transport": "polling", CONVERSATION_PARAM: session_id},
            headers={"Origin": allowed_origin(stack)},
            timeout=10,
        )
        assert handshake.status_code == 200 and handshake.headers[PROCESS_HEADER] == str(process)
    staff = StaffClient.new(stack)
    replies = {session_id: f"Hello {session_id[-6:]}, your parcel is on its way." for session_id in sessions}
    served_before = served_turns(stack)

    async def scenario() -> dict[str, list[str]]:
        clients = [await RawSocketIO.connect(stack.url, allowed_origin(stack), s) for s in sessions]
        seen: dict[str, list[str]] = {s: [] for s in sessions}
        stop = asyncio.Event()
        try:
            for client, session_id in zip(clients, sessions, strict=True):
                await client.start_session(session_id)
            readers = [
                asyncio.ensure_future(_collect(c, seen[s], stop)) for c, s in zip(clients, sessions, strict=True)
            ]
            for client, session_id in zip(clients, sessions, strict=True):
                await client.emit("user_uttered", {"message": "I want to talk to a person", "session_id": session_id})
            for session_id in sessions:
                handoff = await asyncio.to_thread(staff.waiting_for, session_id, 60)
                assert (await asyncio.to_thread(staff.claim, handoff["id"])).status_code == 200
                assert (await asyncio.to_thread(staff.say, handoff["id"], replies[session_id])).status_code == 200
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while loop.time() < deadline and not all(any(replies[s] in text for text in seen[s]) for s in sessions):
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # anything sent to the wrong visitor would arrive by now
            stop.set()
            await asyncio.gather(*readers)
        finally:
            for client in clients:
                await client.close()
        return seen

    seen = asyncio.run(scenario())
    # Each visitor's message went through its process's fair queue, as a REST turn does.
    served_after = served_turns(stack)
    for process in {0, processes - 1}:
        assert served_after[process] > served_before[process], (served_before, served_after)
    for session_id in sessions:
        other = next(s for s in sessions if s != session_id)
        assert any(text == f"{staff.name} (support team): {replies[session_id]}" for text in seen[session_id]), seen
        assert not any(replies[other] in text for text in seen[session_id]), seen
