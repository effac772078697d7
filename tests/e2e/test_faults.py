"""Fault suite: action server, PostgreSQL and Redis fail under a load of 24 conversations.

The stack (ports 5431/5481) uses the PostgreSQL tracker store (a fresh database) and the Redis
lock store. While 24 REST conversations run concurrently, the test kills the action server (the
supervisor starts it again), freezes it (slow: calls time out after SEDORUM_ACTION_TIMEOUT_S), restarts
PostgreSQL and restarts Redis. The client retries a message only when the server refused it
before accepting it (503 with Retry-After, or no connection). Then every message that was
answered with HTTP 200 must be in its tracker exactly once, followed by a bot reply, and no
reply may be empty. Services are restored at the end whatever happens.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
import requests

from sedorum.server.stack import RunningStack, running_stack, wait_for_http
from tests.conftest import ARTIFACTS, stack_env
from tests.ports import port

CONVERSATIONS = 24
MAX_TURNS = 24
PAUSE_S = 1.0
REDIS_DB = 5
LOG_DIR = ARTIFACTS / "logs" / "faults"
SCRIPT = [
    "/greet",
    "/ask_dosage",
    "what is restless legs syndrome?",
    "/ask_magnesium_overview",
    "/ask_product_purchase",
    "what foods have magnesium?",
    "/ask_dosage",
    "thanks",
]
TROUBLE = "something went wrong on our side"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def pg_cluster(action: str) -> subprocess.CompletedProcess[str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        capture_output=True,
        text=True,
        timeout=120,
    )


def pg_ready() -> bool:
    try:
        psycopg2.connect(dbname="postgres", connect_timeout=2, **PG).close()
        return True
    except psycopg2.OperationalError:
        return False


def redis_ready() -> bool:
    done = subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, text=True, timeout=10)
    return done.stdout.strip() == "PONG"


def wait_until(check, timeout_s: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


def restore_services() -> None:
    """Whatever happened, PostgreSQL and Redis are running when the test ends."""
    if not pg_ready():
        pg_cluster("start")
        wait_until(pg_ready, 60)
    if not redis_ready():
        subprocess.run(REDIS_START, capture_output=True, timeout=30)
        wait_until(redis_ready, 30)


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    restore_services()
    name = "sedorum_faults_" + uuid.uuid4().hex[:8]
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    try:
        yield name
    finally:
        restore_services()
        admin = psycopg2.connect(dbname="postgres", **PG)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="module")
def faulty(trained_model: Path, database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], capture_output=True, timeout=10)
    var = tmp_path_factory.mktemp("faults-var")
    env = stack_env(
        var,
        port(5431),
        port(5481),
        SEDORUM_TRACKER_DB_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
        SEDORUM_REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        SEDORUM_ACTION_TIMEOUT_S="3",
        SEDORUM_RATE_IP_PER_S="0",
        SEDORUM_RATE_SENDER_PER_S="0",
    )
    with running_stack(env, log_dir=LOG_DIR) as running:
        yield running


@dataclass
class Conversation:
    """One simulated visitor: sends, retries only what was refused, remembers what was accepted."""

    url: str
    sender: str = field(default_factory=lambda: "fault-" + uuid.uuid4().hex[:10])
    accepted: list[str] = field(default_factory=list)
    replies: list[list[dict]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    refused_connections: int = 0
    gave_up: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    def send(self, session: requests.Session, text: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                reply = session.post(
                    f"{self.url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text}, timeout=60
                )
            except requests.ConnectionError:
                self.refused_connections += 1  # never reached the server: safe to retry
                time.sleep(1)
                continue
            except requests.Timeout:
                self.ambiguous.append(text)  # may or may not have been stored: do not retry
                return
            self.statuses.append(reply.status_code)
            if reply.status_code == 200:
                self.accepted.append(text)
                self.replies.append(reply.json())
                return
            if reply.status_code in (429, 503):
                time.sleep(float(reply.headers.get("Retry-After", "1")))
                continue
            self.gave_up.append(f"{text!r}: HTTP {reply.status_code} {reply.text[:200]}")
            return
        self.gave_up.append(f"{text!r}: no answer within 120 s")

    def run(self, stop: threading.Event) -> None:
        with requests.Session() as session:
            for turn in range(MAX_TURNS):
                if stop.is_set():
                    break
                self.send(session, SCRIPT[turn % len(SCRIPT)])
                time.sleep(PAUSE_S)


def restart_action_server(stack: RunningStack) -> None:
    """Kills the action server outright; the supervisor starts it again (sedorum/server/supervisor.py)."""
    killed = stack.process("actions")
    os.killpg(killed.pid, signal.SIGKILL)
    assert wait_until(lambda: stack.process("actions").pid != killed.pid, 30)
    wait_for_http(f"http://127.0.0.1:{stack.settings.action_port}/health", 180)


def freeze_action_server(stack: RunningStack, seconds: float) -> None:
    """A slow action server: it accepts connections but answers nothing."""
    pid = stack.process("actions").pid
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        os.kill(pid, signal.SIGCONT)


def restart_postgres() -> None:
    done = pg_cluster("restart")
    assert done.returncode == 0, done.stderr
    assert wait_until(pg_ready, 60)


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, timeout=30)
    time.sleep(2)
    subprocess.run(REDIS_START, capture_output=True, timeout=30, check=True)
    assert wait_until(redis_ready, 30)


def tracker_events(stack: RunningStack, sender: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {stack.settings.auth_token}"}
    for _ in range(30):
        reply = requests.get(
            f"{stack.url}/conversations/{sender}/tracker",
            params={"include_events": "ALL"},
            headers=headers,
            timeout=60,
        )
        if reply.status_code == 200:
            return reply.json()["events"]
        time.sleep(1)
    raise AssertionError(f"tracker of {sender} unavailable: HTTP {reply.status_code}")


def test_every_accepted_message_survives_faults_under_load(faulty: RunningStack) -> None:
    stop = threading.Event()
    conversations = [Conversation(faulty.url) for _ in range(CONVERSATIONS)]
    threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in conversations]
    try:
        for thread in threads:
            thread.start()
        time.sleep(4)
        restart_action_server(faulty)
        time.sleep(3)
        freeze_action_server(faulty, 6)
        time.sleep(3)
        restart_postgres()
        time.sleep(4)
        restart_redis()
        time.sleep(4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=240)
        restore_services()

    assert not any(thread.is_alive() for thread in threads), "a conversation hung"
    problems = [p for c in conversations for p in c.gave_up]
    assert not problems, problems[:5]
    assert not [t for c in conversations for t in c.ambiguous], "a request timed out after it was sent"
    statuses = [s for c in conversations for s in c.statuses]
    assert sum(1 for s in statuses if s == 200) >= CONVERSATIONS * 5
    assert all(s in (200, 429, 503) for s in statuses), sorted(set(statuses))
    assert 503 in statuses, "the faults should have refused some messages (did they happen?)"
    assert all(reply for c in conversations for reply in c.replies), "an accepted message got an empty reply"
    all_text = " ".join(m.get("text", "") for c in conversations for reply in c.replies for m in reply)
    assert TROUBLE in all_text, "the action-server outage should have produced the service-trouble reply"

    for conversation in conversations:
        events = tracker_events(faulty, conversation.sender)
        stored = [event["text"] for event in events if event["event"] == "user"]
        assert stored == conversation.accepted, f"{conversation.sender}: stored {stored} != accepted"
        turns: list[list[str]] = []
        for event in events:
            if event["event"] == "user":
                turns.append([])
            elif event["event"] == "bot" and turns:
                turns[-1].append(event.get("text") or "")
        assert all(turns), f"{conversation.sender}: a stored message has no bot reply after it"
