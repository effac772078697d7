"""The scaled-out stores: PostgreSQL tracker store, Redis lock store, RabbitMQ event broker.

Switched on only by environment variables (sedorum/stores/endpoints.py), against the local
services (also on CI), with a fresh database and queue created and removed here:

- a conversation survives a restart of the Rasa server with every event kept, and what the
  user said before the restart still shapes the answers after it (a kidney-disease mention
  withholds the dose, S2);
- every stored event also arrives in the RabbitMQ queue, in order, for analytics consumers;
- the Redis lock of a conversation is gone once its turns are answered.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import redis

from sedorum.server.stack import running_stack
from tests.conftest import ARTIFACTS, Chat, stack_env
from tests.ports import port

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
REDIS_URL = "redis://127.0.0.1:6379/0"
DOSE_QUESTION = "how much magnesium can I take a day?"


def _admin(sql: str) -> None:
    connection = psycopg2.connect(PG_ADMIN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    name = "sedorum_stores_" + uuid.uuid4().hex[:10]
    _admin(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        _admin(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(scope="module")
def queue() -> Iterator[str]:
    name = "sedorum_test_" + uuid.uuid4().hex[:10]
    yield name

    async def delete() -> None:
        import aio_pika

        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(name)

    asyncio.run(delete())


def queued_events(queue: str, sender: str, expected: int, timeout_s: float = 15) -> list[dict[str, Any]]:
    """The events of `sender` in the queue, waiting until `expected` arrived (or the timeout)."""
    import aio_pika

    async def consume() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        connection = await aio_pika.connect_robust(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, durable=True, passive=True)
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and len(found) < expected:
                message = await declared.get(no_ack=True, fail=False)
                if message is None:
                    await asyncio.sleep(0.2)
                    continue
                event = json.loads(message.body)
                if event.get("sender_id") == sender:
                    found.append(event)
        return found

    return asyncio.run(consume())


def event_keys(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["event"], e.get("timestamp"), e.get("name"), e.get("text")) for e in events]


def full_tracker(chat: Chat) -> list[dict[str, Any]]:
    return chat.tracker()["events"]


def test_conversation_survives_restart_and_streams_to_rabbitmq(
    trained_model: Path, database: str, queue: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = stack_env(
        tmp_path_factory.mktemp("stores"),
        port(5805),
        port(5855),
        SEDORUM_TRACKER_DB_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
        SEDORUM_REDIS_URL=REDIS_URL,
        SEDORUM_RABBITMQ_URL=RABBITMQ_URL,
        SEDORUM_RABBITMQ_QUEUE=queue,
    )
    logs = ARTIFACTS / "logs" / "stores"
    sender = "stores-" + uuid.uuid4().hex[:10]

    with running_stack(env, log_dir=logs) as stack:
        chat = Chat(stack.url, sender)
        assert chat.say("hi")
        assert chat.say("I have chronic kidney disease")
        withheld = chat.say(DOSE_QUESTION)
        assert "kidney" in withheld.lower(), withheld  # S2: no dose, ask the kidney doctor
        before = full_tracker(chat)
        assert not list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{sender}*")), "no lock left behind"

    with running_stack(env, log_dir=logs) as stack:
        chat = Chat(stack.url, sender)
        after_restart = full_tracker(chat)
        assert after_restart == before, "every event kept across the restart, unchanged"
        assert chat.say(DOSE_QUESTION) == withheld, "the kidney disease mentioned before the restart still counts"
        after = full_tracker(chat)
        assert after[: len(before)] == before
        assert [e["text"] for e in after if e["event"] == "user"][-1] == DOSE_QUESTION

        connection = psycopg2.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}")
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s", (sender,))
                (stored,) = cursor.fetchone()
        finally:
            connection.close()
        assert stored == len(after), "PostgreSQL holds exactly the tracker's events"

        streamed = queued_events(queue, sender, expected=len(after))
        assert event_keys(streamed) == event_keys(after), "every event reached RabbitMQ, in order"
