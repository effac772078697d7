"""Fuzzing the REST and socket.io channels: over 1,000 generated inputs, zero 5xx, zero crashes.

Hypothesis drives the real servers (ports 5441/5491) with a fixed seed (`derandomize`), so a
failure reproduces. Rate limits are off for this stack: the fuzzer is one client sending fast.
Afterwards the server must still answer normally on both channels, and Rasa's log must show
no handler that crashed on a socket.io event.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sedorum.server.stack import RunningStack, running_stack
from tests.conftest import ARTIFACTS, stack_env
from tests.ports import port

LOG_DIR = ARTIFACTS / "logs" / "fuzz"
FUZZ = settings(derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SENDERS = [f"fuzz-{i}" for i in range(16)]
NASTY = [
    "",
    " ",
    "\x00",
    "\ud800",
    "\u202e",
    "/",
    "/greet",
    '/inform{"age": "x"}',
    "/nonexistent_intent",
    '/greet{"a": [1, {"b": null}]}',
    "{{slot}}",
    "%s%s%n",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "a" * 2001,
    "💊" * 700,
    "\n" * 50,
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=300), st.text(min_size=1900, max_size=2600))


@pytest.fixture(scope="module")
def target(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("fuzz-var")
    for log in LOG_DIR.glob("rasa*.log"):  # one per Rasa process (rasa.log without the router)
        log.unlink()
    env = stack_env(var, port(5441), port(5491), SEDORUM_RATE_IP_PER_S="0", SEDORUM_RATE_SENDER_PER_S="0")
    with running_stack(env, log_dir=LOG_DIR) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def post(http: requests.Session, target: RunningStack, **kwargs: Any) -> requests.Response:
    reply = http.post(f"{target.url}/webhooks/rest/webhook", timeout=60, **kwargs)
    assert reply.status_code < 500, f"{reply.status_code}: {reply.text[:300]}"
    return reply


def test_rest_messages(target: RunningStack, http: requests.Session) -> None:
    # 300 whole turns (each through the NLU, the policies and the action server): the kinds of
    # text in `texts` are all drawn well within that, and more only lengthens CI.
    @settings(FUZZ, max_examples=300)
    @given(text=texts, sender=st.sampled_from(SENDERS))
    def run(text: str, sender: str) -> None:
        reply = post(http, target, json={"sender": sender, "message": text})
        assert reply.status_code == 200
        assert isinstance(reply.json(), list) and reply.json(), "every accepted message gets a reply"

    run()


def test_rest_senders(target: RunningStack, http: requests.Session) -> None:
    @settings(FUZZ, max_examples=150)
    @given(sender=st.one_of(st.text(max_size=200), st.integers(), st.none(), st.lists(st.text(max_size=5))))
    def run(sender: object) -> None:
        reply = post(http, target, json={"sender": sender, "message": "hi"})
        assert reply.status_code in (200, 400)

    run()


def test_rest_raw_bodies_and_content_types(target: RunningStack, http: requests.Session) -> None:
    content_types = st.sampled_from(
        ["application/json", "application/json; charset=latin-1", "text/plain", "", "multipart/form-data", "*/*"]
    )

    @settings(FUZZ, max_examples=250)
    @given(
        body=st.one_of(st.binary(max_size=3000), json_values.map(lambda v: json.dumps(v).encode())), ctype=content_types
    )
    def run(body: bytes, ctype: str) -> None:
        post(http, target, data=body, headers={"Content-Type": ctype} if ctype else {})

    run()


def test_rest_json_shapes(target: RunningStack, http: requests.Session) -> None:
    keys = st.sampled_from(["sender", "message", "metadata", "input_channel", "stream", "customData", "x"])

    @settings(FUZZ, max_examples=150)
    @given(body=st.dictionaries(keys, json_values, max_size=5))
    def run(body: dict) -> None:
        post(http, target, json=body)

    run()


socketio_payloads = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"message": st.one_of(texts, json_values)},
        optional={
            "session_id": st.one_of(st.just("fuzz-sio"), st.text(max_size=200), json_values),
            "customData": st.one_of(json_values, st.text(max_size=40)),
            "metadata": json_values,
        },
    ),
)


def test_socketio_user_uttered(target: RunningStack) -> None:
    import socketio

    loop = asyncio.new_event_loop()
    client = socketio.AsyncClient(reconnection=False)
    session = "fuzz-sio-" + uuid.uuid4().hex[:8]
    replies: list[dict] = []
    client.on("bot_uttered", lambda data: replies.append(data))
    loop.run_until_complete(client.connect(target.url, transports=["polling"], wait_timeout=20))
    loop.run_until_complete(client.emit("session_request", {"session_id": session}))
    loop.run_until_complete(client.emit("session_request", "not a dict"))

    @settings(FUZZ, max_examples=260)
    @given(payload=socketio_payloads)
    def run(payload: object) -> None:
        async def send() -> None:
            await client.emit("user_uttered", payload)
            await asyncio.sleep(0.02)

        loop.run_until_complete(send())

    try:
        run()
        loop.run_until_complete(client.emit("user_uttered"))  # no payload at all
        loop.run_until_complete(client.emit("user_uttered", ({"message": "hi"}, "extra")))

        async def still_answers() -> bool:
            replies.clear()
            await client.emit("user_uttered", {"message": "hello", "session_id": session})
            for _ in range(600):
                if replies:
                    return True
                await asyncio.sleep(0.1)
            return False

        assert loop.run_until_complete(still_answers()), "the socket.io channel stopped answering"
    finally:
        loop.run_until_complete(client.disconnect())
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()


def test_no_crash_and_the_server_still_answers(target: RunningStack, http: requests.Session) -> None:
    reply = post(http, target, json={"sender": "after-fuzz", "message": "hello"})
    assert reply.status_code == 200 and reply.json()
    logs = sorted(LOG_DIR.glob("rasa*.log"))
    assert logs, f"no Rasa server log in {LOG_DIR}"
    log = "".join(path.read_text(errors="replace") for path in logs)
    assert "handler error" not in log  # python-socketio's message when an event handler raised
    assert "Exception occurred while handling uri" not in log  # Sanic's message for a 500
    assert all(proc.poll() is None for proc in target.processes)
    assert not target.restarts, f"a process died during the fuzzing and was started again: {target.restarts}"
