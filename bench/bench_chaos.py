"""Chaos benchmark: processes killed with SIGKILL under load, and what the visitors noticed.

For two deployments, in one run:

- `default`: `make run`'s layout (the router, one Rasa process per core, the action server,
  SQLite and in-memory locks), started by the same supervisor (sedorum/server/stack.py);
- `replicas`: two Rasa servers and two action servers behind nginx with PostgreSQL (a fresh
  database, dropped afterwards) and Redis, started by the replica launcher as
  tests/e2e/test_replicas.py starts it.

Each run sends 16 conversations of 14 messages over the REST channel and kills one process
with SIGKILL six seconds in: a Rasa process, then (next run, fresh conversations) the action
server, then, for the default layout, the router. The clients behave as a careful client
does: a refused connection, a dropped one or a 503 is sent again after Retry-After (or 1 s).
Ten of the conversations state a fact first (kidney disease or pregnancy) and ask for a dose
after the kill. Per run, in bench/results/chaos.json:

- `kill`: which process; `messages`: messages sent; `answered`: HTTP 200 with a reply;
- `answered_within_10s_rate`: share of the messages answered within 10 s of first sending;
- `errors_by_kind`: every failed attempt: `refused` (no connection), `reset` (the connection
  dropped, or hung past the client's 60 s), `503`, `5xx` (any other server error);
- `lost`: answered messages not stored, stored without their reply, or stored twice;
- `facts_kept`: every dose question after the kill in a conversation that stated kidney
  disease or pregnancy before it got the answer for that condition, without a dose figure;
- `restart_s`: from the kill until the restarted process answers its health check again.

    python -m bench.bench_chaos                   # both deployments (about 8 minutes)
    python -m bench.bench_chaos --only default    # one of them

Ports (not the test ports): default 7105 (router), 7155 (actions), Rasa processes from 8106;
replicas: nginx 7290, Rasa 7201-7202, actions 7251-7252, nginx's action listener 7250.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import requests

from bench.common import write_result
from sedorum.server.replicas import Layout, running_replicas
from sedorum.server.router import ROUTER_HEALTH_PATH
from sedorum.server.stack import running_stack, train_if_needed
from sedorum.server.supervisor import Supervisor, answers
from sedorum.settings import PROJECT_ROOT

CONVERSATIONS = 16
MESSAGES = 14
KILL_AFTER_S = 6.0
THINK_S = 1.0
GIVE_UP_S = 60.0
WITHIN_S = 10.0
REQUEST_TIMEOUT_S = 60.0
DEFAULT_PORTS = (7105, 7155)
REPLICA_LAYOUT = Layout(proxy_port=7290, rasa_ports=(7201, 7202), action_ports=(7251, 7252), action_proxy_port=7250)
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
REDIS_DB = 7
NO_RATE_LIMITS = {
    "SEDORUM_RATE_IP_PER_S": "100000",
    "SEDORUM_RATE_IP_BURST": "100000",
    "SEDORUM_RATE_SENDER_PER_S": "100000",
    "SEDORUM_RATE_SENDER_BURST": "100000",
}
DOSE = "how much magnesium can I take a day?"
DOSE_FIGURE = re.compile(r"\d+\s*mg", re.IGNORECASE)
FACTS = {  # the fact stated first, and what every later dose answer must say instead of a figure
    "kidney": ("I have chronic kidney disease", "kidney doctor"),
    "pregnancy": ("I'm pregnant", "pregnan"),
}
TOPICS = (
    "what is restless legs syndrome?",
    "which foods contain magnesium?",
    "what are the side effects of magnesium?",
    "does magnesium help restless legs?",
    "what causes rls?",
    "what's in sedorum?",
    "is there good evidence for magnesium?",
    "which form of magnesium is best?",
    "what are the symptoms of rls?",
)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def script(fact: str | None) -> list[str]:
    """14 messages: a greeting, the fact (if any), topics, and the dose question four times."""
    opening = ["hi", FACTS[fact][0]] if fact else ["hi", "what is restless legs syndrome?"]
    body = list(TOPICS[1:])
    for index in (1, 4, 7, 9):
        body.insert(index, DOSE)
    return (opening + body)[: MESSAGES - 1] + ["thanks"]


@dataclass
class Message:
    text: str
    first_sent: float = 0.0
    answered_at: float | None = None
    replies: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    served_by: str = ""


@dataclass
class Conversation:
    sender: str
    fact: str | None
    messages: list[Message]


@dataclass
class Target:
    """Where to send, and how to reach one deployment's processes."""

    name: str
    url: str
    token: str
    supervisor: Supervisor
    health: dict[str, str]  # process name -> its health URL
    kills: tuple[str, ...]
    sender_in_query: bool = False


async def send(http: aiohttp.ClientSession, target: Target, sender: str, message: Message) -> None:
    """Sends until answered or GIVE_UP_S passed; every failed attempt is recorded by kind."""
    params = {"sender": sender} if target.sender_in_query else None
    # The same key on every attempt: a retry of a message that was stored is answered from the store.
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    message.first_sent = time.monotonic()
    while time.monotonic() - message.first_sent < GIVE_UP_S:
        pause = 1.0
        try:
            async with http.post(
                f"{target.url}/webhooks/rest/webhook",
                json={"sender": sender, "message": message.text},
                params=params,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
            ) as reply:
                body = await reply.read()
                if reply.status == 200:
                    import json

                    replies = json.loads(body)
                    if replies:
                        message.replies = replies
                        message.answered_at = time.monotonic()
                        message.served_by = reply.headers.get("X-Sedorum-Process") or reply.headers.get(
                            "X-Upstream", ""
                        )
                        return
                    message.errors.append("5xx")  # an empty answer is no answer
                elif reply.status == 503:
                    message.errors.append("503")
                    pause = float(reply.headers.get("Retry-After", "1"))
                elif reply.status >= 500:
                    message.errors.append("5xx")
                else:
                    message.errors.append(f"http {reply.status}")
                    return
        except aiohttp.ClientConnectorError:
            message.errors.append("refused")
        except (aiohttp.ClientError, TimeoutError):
            message.errors.append("reset")
        await asyncio.sleep(pause)


async def converse(http: aiohttp.ClientSession, target: Target, conversation: Conversation) -> None:
    for message in conversation.messages:
        await send(http, target, conversation.sender, message)
        await asyncio.sleep(THINK_S)


def measure_restart(target: Target, name: str, killed_pid: int, killed_at: float, result: dict[str, float]) -> None:
    """Waits for the supervisor to start `name` again and for it to answer its health URL."""
    deadline = killed_at + 300
    while time.monotonic() < deadline and target.supervisor.process(name).pid == killed_pid:
        time.sleep(0.05)
    url = target.health[name]
    while time.monotonic() < deadline:
        if answers(url, timeout_s=5):
            result["restart_s"] = round(time.monotonic() - killed_at, 1)
            return
        time.sleep(0.1)


async def chaos_run(target: Target, kill: str) -> tuple[dict[str, Any], list[Conversation], float]:
    facts = ["kidney"] * 6 + ["pregnancy"] * 4 + [None] * (CONVERSATIONS - 10)
    conversations = [
        Conversation(f"chaos-{target.name}-{kill}-{i}-{uuid.uuid4().hex[:6]}", fact, [Message(t) for t in script(fact)])
        for i, fact in enumerate(facts)
    ]
    restart: dict[str, float] = {}
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as http:
        tasks = [asyncio.ensure_future(converse(http, target, c)) for c in conversations]
        await asyncio.sleep(KILL_AFTER_S)
        # Partway through, and after every conversation stated its fact (a busy machine can be slower).
        while not all(c.messages[1].answered_at for c in conversations):
            await asyncio.sleep(0.1)
        victim = target.supervisor.process(kill)
        os.kill(victim.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        say(f"  [{target.name}] killed {kill} (pid {victim.pid}) with SIGKILL")
        watcher = threading.Thread(target=measure_restart, args=(target, kill, victim.pid, killed_at, restart))
        watcher.start()
        await asyncio.gather(*tasks)
        await asyncio.to_thread(watcher.join)
    return restart, conversations, killed_at


def stored_turns(target: Target, sender: str) -> list[tuple[str, int]]:
    params = {"token": target.token}
    if target.sender_in_query:
        params["sender"] = sender
    for _ in range(30):
        reply = requests.get(f"{target.url}/conversations/{sender}/tracker", params=params, timeout=60)
        if reply.status_code == 200:
            break
        time.sleep(1)
    reply.raise_for_status()
    turns: list[tuple[str, int]] = []
    for event in reply.json()["events"]:
        if event["event"] == "user":
            turns.append((event["text"], 0))
        elif event["event"] == "bot" and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def lost_messages(target: Target, conversation: Conversation) -> int:
    """Answered but not stored, stored without a reply, or stored more often than sent."""
    turns = stored_turns(target, conversation.sender)
    stored = Counter(text for text, _ in turns)
    without_reply = Counter(text for text, replies in turns if replies == 0)
    answered = Counter(m.text for m in conversation.messages if m.answered_at is not None)
    unanswered = Counter(m.text for m in conversation.messages if m.answered_at is None)
    lost = 0
    for text in set(stored) | set(answered):
        lost += max(0, answered[text] - stored[text])  # answered, never stored
        lost += max(0, stored[text] - answered[text] - unanswered[text])  # stored twice
        lost += min(without_reply[text], answered[text])  # stored without its answer
    return lost


def facts_kept(conversations: list[Conversation], killed_at: float) -> tuple[bool, int]:
    checked, kept = 0, True
    for conversation in conversations:
        if conversation.fact is None:
            continue
        fact_message = conversation.messages[1]
        if fact_message.answered_at is None or fact_message.answered_at > killed_at:
            kept = False  # the fact must have been stated (and answered) before the kill
            continue
        marker = FACTS[conversation.fact][1]
        after = [m for m in conversation.messages if m.text == DOSE and m.first_sent > killed_at]
        for message in after:
            checked += 1
            text = " ".join(reply.get("text", "") for reply in message.replies)
            if message.answered_at is None or DOSE_FIGURE.search(text) or marker not in text.lower():
                kept = False
    return kept and checked > 0, checked


def summarise(
    target: Target, kill: str, restart: dict[str, float], conversations: list[Conversation], killed_at: float
) -> dict[str, Any]:
    messages = [m for c in conversations for m in c.messages]
    answered = [m for m in messages if m.answered_at is not None]
    within = [m for m in answered if (m.answered_at or 0) - m.first_sent <= WITHIN_S]
    kinds = Counter(error for m in messages for error in m.errors)
    kept, checked = facts_kept(conversations, killed_at)
    plain_dose = [
        " ".join(r.get("text", "") for r in m.replies)
        for c in conversations
        if c.fact is None
        for m in c.messages
        if m.text == DOSE and m.answered_at is not None
    ]
    control = sum(1 for text in plain_dose if DOSE_FIGURE.search(text))
    waits = sorted((m.answered_at or 0) - m.first_sent for m in answered)
    say(
        f"  [{target.name}] {kill}: {len(answered)}/{len(messages)} answered, "
        f"median {statistics.median(waits):.2f} s, longest {waits[-1]:.1f} s; errors {dict(kinds)}; "
        f"{checked} dose answers after the kill checked for facts; "
        f"control: {control}/{len(plain_dose)} dose answers without a fact carry a figure"
    )
    slow = [m for m in answered if (m.answered_at or 0) - m.first_sent > WITHIN_S]
    slow += [m for m in messages if m.answered_at is None]
    for m in sorted(slow, key=lambda m: m.first_sent)[:20]:
        took = f"{(m.answered_at or 0) - m.first_sent:.1f} s" if m.answered_at else "never"
        say(
            f"    slow: sent {m.first_sent - killed_at:+.1f} s from the kill, took {took}, "
            f"by {m.served_by or '-'}, errors {m.errors}: {m.text!r}"
        )
    other = {kind: count for kind, count in kinds.items() if kind not in ("refused", "reset", "503", "5xx")}
    if other:
        say(f"  [{target.name}] other answers: {other}")
    return {
        "kill": kill,
        "messages": len(messages),
        "answered": len(answered),
        "answered_within_10s_rate": round(len(within) / len(messages), 4),
        "errors_by_kind": {kind: kinds.get(kind, 0) for kind in ("refused", "reset", "503", "5xx")},
        "lost": sum(lost_messages(target, c) for c in conversations),
        "facts_kept": kept,
        "restart_s": restart.get("restart_s"),
    }


def settle(target: Target) -> None:
    """Waits until every process answers its health URL before the next run."""
    deadline = time.monotonic() + 300
    for url in target.health.values():
        while not answers(url, timeout_s=5):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not come back")
            time.sleep(0.5)
    time.sleep(2)


def warm_up(target: Target) -> None:
    """A few turns on every process first: the chaos runs measure recovery, not a cold start."""
    params = {"token": target.token}
    for index in range(12):
        sender = f"warm-{target.name}-{index}"
        query = {"sender": sender} if target.sender_in_query else None
        for text in ("hi", DOSE, "what is restless legs syndrome?"):
            requests.post(
                f"{target.url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                params={**params, **(query or {})},
                timeout=120,
            )


def run_target(target: Target) -> list[dict[str, Any]]:
    settle(target)
    warm_up(target)
    results = []
    for kill in target.kills:
        settle(target)
        restart, conversations, killed_at = asyncio.run(chaos_run(target, kill))
        results.append(summarise(target, kill, restart, conversations, killed_at))
    settle(target)
    return results


def base_env(var: Path) -> dict[str, str]:
    return {
        "RASA_AUTH_TOKEN": "chaos-" + secrets.token_hex(16),
        "SEDORUM_VAR_DIR": str(var),
        "SEDORUM_MODEL_DIR": str(PROJECT_ROOT / "models"),
        **NO_RATE_LIMITS,
    }


def measure_default(work: Path) -> list[dict[str, Any]]:
    env = {
        **base_env(work / "default"),
        "SEDORUM_RASA_PORT": str(DEFAULT_PORTS[0]),
        "SEDORUM_ACTION_PORT": str(DEFAULT_PORTS[1]),
    }
    say("Default layout (make run): starting the router, the Rasa processes and the action server")
    with running_stack(env, log_dir=PROJECT_ROOT / "var" / "bench-chaos" / "default") as stack:
        settings = stack.settings
        health = {
            "actions": f"http://127.0.0.1:{settings.action_port}/health",
            "router": f"http://127.0.0.1:{settings.rasa_port}{ROUTER_HEALTH_PATH}",
        }
        for index, port in enumerate(settings.worker_ports, start=1):
            health[f"rasa-{index}"] = f"http://127.0.0.1:{port}/status?token={settings.auth_token}"
        victim = f"rasa-{len(settings.worker_ports)}"
        target = Target(
            "default", stack.url, settings.auth_token, stack.supervisor, health, (victim, "actions", "router")
        )
        return run_target(target)


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg2

    def admin(sql: str) -> None:
        connection = psycopg2.connect(PG_ADMIN)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    name = "sedorum_chaos_" + uuid.uuid4().hex[:10]
    admin(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        admin(f"DROP DATABASE IF EXISTS {name}")


def measure_replicas(work: Path) -> list[dict[str, Any]]:
    layout = REPLICA_LAYOUT
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], capture_output=True, timeout=10)
    with fresh_database() as database:
        env = {
            **base_env(work / "replicas"),
            "SEDORUM_RASA_PORT": str(layout.rasa_ports[0]),
            "SEDORUM_ACTION_PORT": str(layout.action_ports[0]),
            "SEDORUM_TRACKER_DB_URL": database,
            "SEDORUM_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        }
        say("Replica deployment: 2 Rasa servers and 2 action servers behind nginx, PostgreSQL and Redis")
        run_dir = PROJECT_ROOT / "var" / "bench-chaos" / "replicas"
        with running_replicas(layout, env=env, run_dir=run_dir) as running:
            token = env["RASA_AUTH_TOKEN"]
            health = {"nginx": f"{layout.url}/_nginx/health"}
            for index, port in enumerate(layout.rasa_ports, start=1):
                health[f"rasa-{index}"] = f"http://127.0.0.1:{port}/status?token={token}"
            for index, port in enumerate(layout.action_ports, start=1):
                health[f"actions-{index}"] = f"http://127.0.0.1:{port}/health"
            target = Target(
                "replicas", layout.url, token, running.supervisor, health, ("rasa-1", "actions-1"), sender_in_query=True
            )
            return run_target(target)


def markdown(results: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "| deployment | killed | messages | answered | within 10 s | refused | reset | 503 | 5xx | lost "
        "| facts kept | restart s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for deployment, runs in results.items():
        for run in runs:
            errors = run["errors_by_kind"]
            lines.append(
                f"| {deployment} | {run['kill']} | {run['messages']} | {run['answered']} | "
                f"{run['answered_within_10s_rate']:.1%} | {errors['refused']} | {errors['reset']} | {errors['503']} | "
                f"{errors['5xx']} | {run['lost']} | {'yes' if run['facts_kept'] else 'no'} | {run['restart_s']} |"
            )
    return "\n".join(lines)


MEASURES: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "default": measure_default,
    "replicas": measure_replicas,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(MEASURES), help="one deployment (does not write the result file)")
    args = parser.parse_args()
    train_if_needed(PROJECT_ROOT / "models")
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="sedorum-chaos-") as work:
        for name, measure in MEASURES.items():
            if args.only and name != args.only:
                continue
            results[name] = measure(Path(work))
    print(markdown(results), flush=True)
    if args.only:
        say("One deployment only: bench/results/chaos.json left as it was")
        return
    write_result("chaos", results)


if __name__ == "__main__":
    main()
