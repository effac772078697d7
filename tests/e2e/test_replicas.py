"""Two Rasa servers and two action servers behind nginx, sharing PostgreSQL and Redis.

The deployment of docs/scaling.md, started by the same launcher (sedorum.server.replicas),
with a fresh PostgreSQL database created and dropped here and the Redis lock store:

- REST: many conversations sent at the same time, interleaved, through nginx. Every
  conversation stays on one replica (consistent hash of ?sender=), both replicas get some,
  and each stored conversation - read back from the *other* replica, so from PostgreSQL -
  holds every user message once, in order, each followed by its reply.
- nginx's own check (`nginx -t`) accepts the rendered configuration.
- socket.io: Engine.IO long-polling needs every request of a session on the replica that
  created it; nginx's cookie keeps each browser on one replica, and the whole exchange works
  (connect, session_request, user_uttered -> bot_uttered).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import requests

from sedorum.server.replicas import Layout, RunningReplicas, find_nginx, render_nginx_config, running_replicas
from tests.conftest import ARTIFACTS, TEST_TOKEN, stack_env
from tests.ports import port

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
LAYOUT = Layout(
    proxy_port=port(5790),
    rasa_ports=(port(5701), port(5702)),
    action_ports=(port(5751), port(5752)),
    action_proxy_port=port(5750),
)
CONVERSATIONS = 24
SCRIPT = (
    "hi",
    "what is restless legs syndrome?",
    "how much magnesium can I take a day?",  # a custom action, through nginx to an action server
    "which foods contain magnesium?",
    "thanks",
)


def _admin(sql: str) -> None:
    connection = psycopg2.connect(PG_ADMIN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def fresh_database() -> Iterator[str]:
    name = "sedorum_replicas_" + uuid.uuid4().hex[:10]
    _admin(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        _admin(f"DROP DATABASE IF EXISTS {name}")


def test_the_rendered_configuration_passes_nginx_own_check(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_nginx_config(LAYOUT, tmp_path, access_log=True), encoding="utf-8")
    result = subprocess.run(
        [find_nginx(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


@pytest.fixture(scope="module")
def replicas(
    trained_model: Path, fresh_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningReplicas]:
    var = tmp_path_factory.mktemp("replicas")
    env = stack_env(
        var,
        LAYOUT.rasa_ports[0],
        LAYOUT.action_ports[0],
        SEDORUM_TRACKER_DB_URL=fresh_database,
        SEDORUM_REDIS_URL="redis://127.0.0.1:6379/0",
    )
    run_dir = ARTIFACTS / "logs" / "replicas"
    with running_replicas(LAYOUT, env=env, run_dir=run_dir) as running:
        yield running


def converse(base_url: str, sender: str) -> list[str]:
    """Sends the script through nginx; returns the replica (X-Upstream) of every turn."""
    upstreams = []
    with requests.Session() as http:
        for text in SCRIPT:
            reply = http.post(
                f"{base_url}/webhooks/rest/webhook",
                params={"sender": sender},
                json={"sender": sender, "message": text},
                timeout=60,
            )
            assert reply.status_code == 200, reply.text
            assert reply.json(), f"no reply to {text!r} in {sender}"
            upstreams.append(reply.headers["X-Upstream"])
    return upstreams


def stored_turns(rasa_port: int, sender: str) -> list[tuple[str, int]]:
    """(user text, replies before the next user message) from one replica's tracker API."""
    reply = requests.get(
        f"http://127.0.0.1:{rasa_port}/conversations/{sender}/tracker", params={"token": TEST_TOKEN}, timeout=30
    )
    reply.raise_for_status()
    turns: list[tuple[str, int]] = []
    for event in reply.json()["events"]:
        if event["event"] == "user":
            turns.append((event["text"], 0))
        elif event["event"] == "bot" and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def test_rest_conversations_stick_to_one_replica_and_are_stored_whole(replicas: RunningReplicas) -> None:
    senders = [f"replica-{index}-{uuid.uuid4().hex[:8]}" for index in range(CONVERSATIONS)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        routes = dict(zip(senders, pool.map(lambda s: converse(replicas.url, s), senders), strict=True))

    for sender, upstreams in routes.items():
        assert len(set(upstreams)) == 1, f"{sender} moved between replicas: {upstreams}"
    used = {upstreams[0] for upstreams in routes.values()}
    assert used == {f"127.0.0.1:{port}" for port in LAYOUT.rasa_ports}, "both replicas serve conversations"

    port_of = {f"127.0.0.1:{port}": port for port in LAYOUT.rasa_ports}
    for sender, upstreams in routes.items():
        other = next(port for address, port in port_of.items() if address != upstreams[0])
        turns = stored_turns(other, sender)  # the replica that never saw it: read from PostgreSQL
        assert [text for text, _ in turns] == list(SCRIPT), f"{sender}: every message once, in order"
        assert all(replies >= 1 for _, replies in turns), f"{sender}: every message has its reply: {turns}"


class PollingClient:
    """Engine.IO 4 long-polling by hand, with a cookie jar like a browser's."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/socket.io/"
        self.http = requests.Session()
        self.sid = ""
        self.upstreams: list[str] = []

    def _record(self, reply: requests.Response) -> requests.Response:
        assert reply.status_code == 200, f"{reply.status_code} {reply.text[:200]}"
        self.upstreams.append(reply.headers.get("X-Upstream", ""))
        return reply

    def handshake(self) -> None:
        reply = self._record(self.http.get(self.url, params={"EIO": "4", "transport": "polling"}, timeout=30))
        assert reply.text.startswith("0"), reply.text
        self.sid = json.loads(reply.text[1:])["sid"]

    def send(self, packet: str) -> None:
        params = {"EIO": "4", "transport": "polling", "sid": self.sid}
        reply = self._record(self.http.post(self.url, params=params, data=packet.encode(), timeout=30))
        assert reply.text.lower() == "ok", reply.text

    def receive_until(self, prefix: str, attempts: int = 10) -> list[str]:
        """Polls until a packet starting with `prefix` arrives; returns every packet seen."""
        seen: list[str] = []
        params = {"EIO": "4", "transport": "polling", "sid": self.sid}
        for _ in range(attempts):
            reply = self._record(self.http.get(self.url, params=params, timeout=60))
            packets = reply.text.split("\x1e")
            seen.extend(packets)
            if any(packet.startswith(prefix) for packet in packets):
                return seen
        raise AssertionError(f"no {prefix!r} packet in {seen}")


def socketio_exchange(base_url: str) -> tuple[list[str], list[str]]:
    client = PollingClient(base_url)
    session_id = uuid.uuid4().hex
    client.handshake()
    client.send("40")
    client.receive_until("40")
    client.send("42" + json.dumps(["session_request", {"session_id": session_id}]))
    client.receive_until('42["session_confirm"')
    client.send("42" + json.dumps(["user_uttered", {"message": "hi", "session_id": session_id}]))
    packets = client.receive_until('42["bot_uttered"')
    return client.upstreams, packets


def test_socketio_sessions_are_sticky_and_work(replicas: RunningReplicas) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: socketio_exchange(replicas.url), range(8)))
    for upstreams, packets in results:
        assert len(upstreams) >= 6
        assert len(set(upstreams)) == 1, f"a socket.io session moved between replicas: {upstreams}"
        bot: list[Any] = [json.loads(p[2:])[1] for p in packets if p.startswith('42["bot_uttered"')]
        assert bot and bot[0].get("text"), packets
