"""Privacy on PostgreSQL: user text stays out of the logs, "delete my data" (S12) and retention erase.

Runs the real servers on ports 5405/5455 with the PostgreSQL tracker store (a fresh database,
dropped afterwards) and DEBUG logging, the level at which Rasa 3.6 prints user text.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import requests

from sedorum.server.stack import RunningStack, running_stack
from sedorum.settings import PROJECT_ROOT
from tests.conftest import ARTIFACTS, stack_env
from tests.ports import port

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
LOG_DIR = ARTIFACTS / "logs" / "privacy"
SECRETS = ("Zelda", "Quigley", "zelda.quigley@example.org", "7700 900461", "dialysis", "digoxin", "myasthenia")
PERSONAL_MESSAGE = (
    "My name is Zelda Quigley, email zelda.quigley@example.org, phone +44 7700 900461. "
    "I am on dialysis, I take digoxin and I have myasthenia gravis. Can I take magnesium?"
)


def admin_connection() -> psycopg2.extensions.connection:
    connection = psycopg2.connect(dbname="postgres", **PG)
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    name = "sedorum_privacy_" + uuid.uuid4().hex[:8]
    connection = admin_connection()  # not `with connection`: that opens a transaction block
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    try:
        yield name
    finally:
        connection = admin_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.close()


@pytest.fixture(scope="module")
def private(trained_model: Path, database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("privacy-var")
    for path in [*LOG_DIR.glob("rasa*.log"), LOG_DIR / "actions.log", LOG_DIR / "router.log"]:
        path.unlink(missing_ok=True)
    env = stack_env(
        var,
        port(5405),
        port(5455),
        SEDORUM_TRACKER_DB_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
        SEDORUM_LOG_LEVEL="DEBUG",
    )
    with running_stack(env, log_dir=LOG_DIR) as running:
        yield running


def say(stack: RunningStack, sender: str, text: str) -> list[dict]:
    reply = requests.post(f"{stack.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def stored_events(database: str, sender: str) -> int:
    with psycopg2.connect(dbname=database, **PG) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s", (sender,))
        return cursor.fetchone()[0]


def test_user_text_never_reaches_the_logs(private: RunningStack) -> None:
    sender = "priv-" + uuid.uuid4().hex[:8]
    say(private, sender, PERSONAL_MESSAGE)
    say(private, sender, "/ask_dosage")  # the action server receives the whole tracker
    say(private, sender, "I am 71 and my name is Zelda")
    time.sleep(1)
    # One log per Rasa process behind the router (rasa.log without it), read as one.
    rasa_logs = sorted(LOG_DIR.glob("rasa*.log"))
    logs = {
        "rasa.log": "".join(path.read_text(errors="replace") for path in rasa_logs),
        **{path.name: path.read_text(errors="replace") for path in LOG_DIR.glob("*.log") if path not in rasa_logs},
    }
    assert " DEBUG " in logs["rasa.log"], "the test needs DEBUG logging to mean anything"
    for name, text in logs.items():
        leaked = [secret for secret in SECRETS if secret.lower() in text.lower()]
        assert not leaked, f"{name} contains {leaked}"
    assert sender in logs["rasa.log"]  # conversation ids are logged: that is how errors are traced


def test_delete_my_data_erases_the_conversation_from_postgresql(private: RunningStack, database: str) -> None:
    sender = "erase-" + uuid.uuid4().hex[:8]
    say(private, sender, PERSONAL_MESSAGE)
    say(private, sender, "I am 71")
    assert stored_events(database, sender) > 0
    asked = say(private, sender, "/delete_data")
    assert asked and stored_events(database, sender) > 0, "asked once before anything is erased"
    reply = say(private, sender, "/affirm")
    assert reply, "the user is told their data was deleted"
    assert stored_events(database, sender) == 0


def test_retention_erases_only_expired_conversations_on_postgresql(private: RunningStack, database: str) -> None:
    old, recent = "old-" + uuid.uuid4().hex[:8], "recent-" + uuid.uuid4().hex[:8]
    say(private, old, "hello")
    say(private, recent, "hello")
    with psycopg2.connect(dbname=database, **PG) as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = %s", (old,))
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "SEDORUM_TRACKER_DB_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "SEDORUM_RETENTION_DAYS": "30",
    }
    done = subprocess.run(
        [sys.executable, "-m", "sedorum.stores.retention"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "idle for more than 30 days" in done.stdout
    assert stored_events(database, old) == 0
    assert stored_events(database, recent) > 0
