"""Opens the tracker database for the insights (same switches as the tracker store).

SQLite file `<var>/tracker.db` by default, the PostgreSQL database of SEDORUM_TRACKER_DB_URL
when set. Engines are made once per URL; the insights tables are created on first use.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sedorum.insights.schema import create_tables
from sedorum.settings import Settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def tracker_db_url(settings: Settings) -> str:
    if settings.tracker_db_url:
        url = settings.tracker_db_url
        return "postgresql+psycopg2://" + url.split("://", 1)[1] if url.startswith("postgres") else url
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.var_dir / 'tracker.db'}"


def make_engine(url: str) -> Engine:
    """A new engine; SQLite waits for the tracker store's writes instead of failing."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, future=True)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the tracker's writes
            cursor.close()

    else:
        engine = sa.create_engine(url, pool_pre_ping=True, future=True)
    create_tables(engine)
    return engine


def engine_for(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
    return engine
