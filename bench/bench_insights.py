"""Insights benchmark: the staff insights page over 100,000 conversations, SQLite and PostgreSQL.

For each store: a fresh tracker database (Rasa's own `events` table, created by the project's
SQL tracker store) is filled with generated conversations by bulk insert, the roll-up counts
them once (ingest_ms, the one-time backlog a new deployment pays), and then:

* query_ms: computing every figure of the page (sedorum.insights.figures.compute), median over
  five periods of different lengths, each computed from scratch;
* page_load_ms: Debian's Chromium opens /staff/insights for each of those periods (signed in)
  and waits until the figures and charts are drawn; median (and max) over the five;
* baseline_direct_ms, measured in the same run on the same data: the two simplest figures
  (conversations per day, intent counts) straight from `events` without the roll-up, i.e. what
  every page view would cost without it.

The page is served by bench/insights_server.py (the console's blueprints without the model).
PostgreSQL on 127.0.0.1:5432: a database of our own is created and dropped afterwards.

    python -m bench.bench_insights                  # 100,000 conversations per store
    python -m bench.bench_insights --conversations 5000 --stores sqlite   # a quick check

SEDORUM_BENCH_PORT_LOCK=FILE holds that lock file only while the page server runs.

Writes bench/results/insights.json: `runs`, one object per store with `conversations`,
`store`, `page_load_ms`, `query_ms` and the extras above.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import write_result
from sedorum.handoff.accounts import hash_password
from sedorum.insights import figures, rollup
from sedorum.insights.db import make_engine
from sedorum.insights.figures import Period
from sedorum.server.stack import wait_for_http
from sedorum.settings import PROJECT_ROOT

PORT = 7330  # outside the tests' port ranges (5100-5999, 6100-6999, shifted by their offset)
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DAYS = 90
PERIOD_LENGTHS = (90, 60, 30, 14, 7)
STAFF, PASSWORD = "bench", "bench-" + uuid.uuid4().hex[:12]
CHROMIUM = Path("/usr/bin/chromium")

INTENTS = [
    ("ask_rls_overview", "what is restless legs syndrome", "utter_rls_overview"),
    ("ask_rls_symptoms", "what are the symptoms of rls", "utter_rls_symptoms"),
    ("ask_magnesium_rls", "does magnesium help restless legs", "utter_magnesium_rls"),
    ("ask_dosage", "how much magnesium should i take", "utter_dosage"),
    ("ask_side_effects", "does magnesium have side effects", "utter_side_effects"),
    ("ask_product_info", "what is in sedorum", "utter_product_info"),
    ("ask_product_purchase", "where can i buy sedorum", "utter_product_purchase"),
    ("ask_food_sources", "which foods have magnesium", "utter_food_sources"),
    ("greet", "hello", "utter_greet"),
    ("thank", "thanks", "utter_thank"),
]
UNSURE = [
    "can i return the blue box",
    "do you ship to canada",
    "is there a discount code",
    "my parcel never arrived",
    "can i pay with paypal",
    "what about my cat",
]
CHANNELS = ["socketio"] * 6 + ["telegram"] * 2 + ["twilio", "slack", "messenger"]


def _user(ts: float, text: str, intent: str, confidence: float, channel: str) -> str:
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
    return json.dumps(
        {
            "event": "user",
            "timestamp": ts,
            "metadata": {},
            "text": text,
            "parse_data": parse,
            "input_channel": channel,
            "message_id": uuid.uuid4().hex,
        }
    )


def _bot(ts: float, text: str, utter: str | None, staff: bool = False) -> str:
    metadata: dict[str, Any] = {"staff": "alice", "staff_text": text} if staff else {"utter_action": utter}
    return json.dumps({"event": "bot", "timestamp": ts, "metadata": metadata, "text": text, "data": {}})


def _action(ts: float, name: str) -> str:
    return json.dumps({"event": "action", "timestamp": ts, "metadata": {}, "name": name, "policy": None})


Row = tuple[str, str, float, str | None, str | None, str]


def generate(count: int, seed: int = 17) -> Iterator[Row]:
    """`count` conversations over the last DAYS days, in the shape and order Rasa stores them."""
    rng = random.Random(seed)
    end = datetime.now(UTC).timestamp()
    for n in range(count):
        sender = f"bench-{n:07d}"
        ts = end - rng.random() * DAYS * 86400
        channel = rng.choice(CHANNELS)
        yield (sender, "action", ts, None, "action_listen", _action(ts, "action_listen"))
        handoff = rng.random() < 0.06
        for _turn in range(rng.choice((1, 2, 2, 3))):
            ts += 20
            if rng.random() < 0.12:
                text = rng.choice(UNSURE) + rng.choice(("", " please", " ?", " now"))
                intent, confidence, utter = rng.choice(("nlu_fallback", "out_of_scope")), rng.random() * 0.45, None
            else:
                intent, text, utter = rng.choice(INTENTS)
                confidence = 0.6 + rng.random() * 0.4
            yield (sender, "user", ts, intent, None, _user(ts, text, intent, confidence, channel))
            if rng.random() < 0.01:
                yield (
                    sender,
                    "action",
                    ts + 1,
                    None,
                    "action_flag_emergency",
                    _action(ts + 1, "action_flag_emergency"),
                )
            if rng.random() < 0.08:
                data = json.dumps({"event": "active_loop", "timestamp": ts + 1, "name": "safety_screening_form"})
                yield (sender, "active_loop", ts + 1, None, "safety_screening_form", data)
                if rng.random() < 0.7:
                    done = "action_screening_result"
                    yield (sender, "action", ts + 2, None, done, _action(ts + 2, done))
            yield (
                sender,
                "bot",
                ts + 2,
                None,
                None,
                _bot(ts + 2, "Here is what we know about that.", utter or "utter_default"),
            )
            yield (sender, "action", ts + 3, None, "action_listen", _action(ts + 3, "action_listen"))
        if handoff:
            data = json.dumps({"event": "slot", "timestamp": ts + 4, "name": "handoff", "value": "waiting"})
            yield (sender, "slot", ts + 4, None, "handoff", data)
            if rng.random() < 0.8:
                reply_ts = ts + 4 + rng.uniform(30, 900)
                yield (sender, "bot", reply_ts, None, None, _bot(reply_ts, "Hello, how can I help?", None, staff=True))


@dataclass
class Store:
    name: str
    url: str  # SQLAlchemy URL of the tracker database
    env: dict[str, str]

    def create_events_table(self) -> None:
        """Rasa's own table and index, made by the project's SQL tracker store."""
        from rasa.shared.core.domain import Domain

        from sedorum.stores.tracker_store import ErasableSQLTrackerStore

        url = sa.engine.make_url(self.url)
        if self.name == "sqlite":
            store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=url.database)
        else:
            store = ErasableSQLTrackerStore(
                Domain.empty(),
                dialect="postgresql",
                host=url.host,
                port=url.port,
                db=url.database,
                username=url.username,
            )
        store.engine.dispose()

    def bulk_insert(self, rows: Iterator[Row]) -> int:
        """SQLite: one executemany in one transaction; PostgreSQL: COPY."""
        engine = sa.create_engine(self.url, future=True)
        count = 0
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            columns = "(sender_id, type_name, timestamp, intent_name, action_name, data)"
            if self.name == "sqlite":
                buffer: list[Row] = []
                for row in rows:
                    buffer.append(row)
                    if len(buffer) >= 50_000:
                        cursor.executemany(f"INSERT INTO events {columns} VALUES (?, ?, ?, ?, ?, ?)", buffer)
                        count += len(buffer)
                        buffer.clear()
                cursor.executemany(f"INSERT INTO events {columns} VALUES (?, ?, ?, ?, ?, ?)", buffer)
                count += len(buffer)
            else:
                text = io.StringIO()
                for row in rows:
                    text.write("\t".join(_copy_field(value) for value in row) + "\n")
                    count += 1
                text.seek(0)
                cursor.copy_expert(f"COPY events {columns} FROM STDIN", text)
            raw.commit()
        finally:
            raw.close()
            engine.dispose()
        return count


def _copy_field(value: object) -> str:
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def periods() -> list[Period]:
    today = datetime.now(UTC).date()
    return [Period(today - timedelta(days=length - 1), today) for length in PERIOD_LENGTHS]


def direct_baseline(url: str, period: Period) -> float:
    """Conversations per day and intent counts straight from `events` (no roll-up)."""
    start = datetime(period.start.year, period.start.month, period.start.day, tzinfo=UTC).timestamp()
    end = start + ((period.end - period.start).days + 1) * 86400
    engine = sa.create_engine(url, future=True)
    began = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT CAST(first / 86400 AS INTEGER) AS d, COUNT(*) FROM "
                "(SELECT sender_id, MIN(timestamp) AS first FROM events GROUP BY sender_id) AS c "
                "WHERE first >= :a AND first < :b GROUP BY d"
            ),
            {"a": start, "b": end},
        ).all()
        conn.execute(
            sa.text(
                "SELECT intent_name, COUNT(*) FROM events WHERE type_name = 'user' "
                "AND timestamp >= :a AND timestamp < :b GROUP BY intent_name"
            ),
            {"a": start, "b": end},
        ).all()
    elapsed = _ms(began)
    engine.dispose()
    return elapsed


def measure_page(store: Store, work: Path) -> dict[str, Any]:
    """Chromium opens the insights page for each period; time until figures and charts are drawn."""
    env = {
        **os.environ,
        **store.env,
        "PYTHONPATH": str(PROJECT_ROOT),
        "SEDORUM_VAR_DIR": str(work),
        "SEDORUM_RASA_PORT": str(PORT),
        "SEDORUM_STAFF_USERS": f"{STAFF}:{hash_password(PASSWORD)}",
        "SEDORUM_HANDOFF_DB_URL": f"sqlite:///{work / 'handoff.db'}",
        "SEDORUM_INSIGHTS_REFRESH_S": "0",
    }
    with port_lock():
        return _measure_page(store, work, env)


@contextlib.contextmanager
def port_lock() -> Iterator[None]:
    """Holds the lock file named by SEDORUM_BENCH_PORT_LOCK (if any) while the server runs, so
    other test servers on this machine can take turns with the fixed port; generating and
    counting the data needs no port and runs outside it."""
    path = os.environ.get("SEDORUM_BENCH_PORT_LOCK", "").strip()
    if not path:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _measure_page(store: Store, work: Path, env: dict[str, str]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    log = open(work / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.insights_server", str(PORT)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_for_http(base + "/staff/login", timeout_s=60)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(base + "/staff/login")
            page.get_by_label("Name").fill(STAFF)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(base + "/staff/")
            loads = []
            for period in periods():
                began = time.perf_counter()
                page.goto(f"{base}/staff/insights?from={period.start.isoformat()}&to={period.end.isoformat()}")
                page.wait_for_selector("body[data-loaded]", state="attached", timeout=60_000)
                loads.append(_ms(began))
                drawn = page.evaluate("Chart.getChart('chart-days').data.datasets[0].data.reduce((a, b) => a + b, 0)")
                assert drawn > 0, "the chart is empty"
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return {"page_load_ms": round(statistics.median(loads), 1), "page_load_max_ms": max(loads), "page_loads_ms": loads}


def run_store(store: Store, conversations: int, work: Path) -> dict[str, Any]:
    print(f"==> {store.name}: {conversations} conversations", flush=True)
    store.create_events_table()
    began = time.perf_counter()
    events = store.bulk_insert(generate(conversations))
    insert_ms = _ms(began)
    engine = make_engine(store.url)
    began = time.perf_counter()
    rollup.refresh(engine)
    ingest_ms = _ms(began)
    began = time.perf_counter()
    steady = rollup.refresh(engine)  # what a page view pays when nothing new arrived
    refresh_ms = _ms(began)
    queries = []
    for period in periods():
        began = time.perf_counter()
        result = figures.compute(engine, period)
        queries.append(_ms(began))
    counted = figures.compute(engine, periods()[0])["totals"]["conversations"]
    engine.dispose()
    baseline = [direct_baseline(store.url, period) for period in periods()]
    page = measure_page(store, work)
    run = {
        "store": store.name,
        "conversations": conversations,
        "conversations_counted": counted,
        "events": events,
        "page_load_ms": page["page_load_ms"],
        "query_ms": round(statistics.median(queries), 1),
        "page_load_max_ms": page["page_load_max_ms"],
        "query_max_ms": max(queries),
        "refresh_no_new_events_ms": refresh_ms,
        "baseline_direct_ms": round(statistics.median(baseline), 1),
        "insert_ms": insert_ms,
        "ingest_ms": ingest_ms,
        "page_loads_ms": page["page_loads_ms"],
        "periods_days": list(PERIOD_LENGTHS),
        "low_confidence_groups": len(result["low_confidence"]["groups"]),
        "watermark": steady.watermark,
    }
    print(json.dumps(run), flush=True)
    return run


def pg_admin(statement: str, *args: str) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", **PG)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement, args or None)
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_insights", description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print("Debian's Chromium (/usr/bin/chromium) is needed to time the page", file=sys.stderr)
        return 2
    runs = []
    root = Path(tempfile.mkdtemp(prefix="insights-", dir=PROJECT_ROOT / "bench" / "work"))
    try:
        for name in args.stores.split(","):
            work = root / name
            work.mkdir(parents=True)
            if name == "sqlite":
                runs.append(
                    run_store(Store("sqlite", f"sqlite:///{work / 'tracker.db'}", {}), args.conversations, work)
                )
            elif name == "postgresql":
                database = "sedorum_bench_insights_" + uuid.uuid4().hex[:8]
                pg_admin(f'CREATE DATABASE "{database}"')
                try:
                    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
                    store = Store(
                        "postgresql",
                        url.replace("postgresql://", "postgresql+psycopg2://"),
                        {"SEDORUM_TRACKER_DB_URL": url},
                    )
                    runs.append(run_store(store, args.conversations, work))
                finally:
                    pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", database)
                    pg_admin(f'DROP DATABASE IF EXISTS "{database}"')
            else:
                raise SystemExit(f"unknown store {name!r}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    write_result(
        "insights",
        {
            "target": {"page_load_ms_below": 2000, "conversations": 100_000},
            "runs": runs,
            "all_below_target": all(run["page_load_max_ms"] < 2000 for run in runs),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
