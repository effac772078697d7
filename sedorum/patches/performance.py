"""Start-up changes that bound Rasa 3.6's known costs (lock polling, tracker size, HTTP).

Applied by sedorum.patches.apply_all before the agent loads. Every change is a small, named
module that can be switched by an environment variable (docs/configuration.md), and each
is measured by `make bench-load` (docs/performance.md):

- lock_store:     a waiting message of the same conversation gets the lock within ~10 ms of
                  its release instead of after a one-second sleep (SEDORUM_LOCK_POLL_MS);
- session_bound:  a new session, every slot kept, every SEDORUM_SESSION_MAX_TURNS user turns,
                  so turn 400 costs what turn 10 costs (0 switches it off);
- action_client:  only the last SEDORUM_ACTION_EVENT_TURNS turns' events go to the action
                  server, the domain dict is built once, and (SEDORUM_ACTION_HTTP_POOL) one
                  kept-alive HTTP session serves every action call;
- event_types:    event classes looked up in a dict, not by walking the class tree for every
                  event read from the store (a quarter of a long turn's time);
- lazy_ted:       the TED policy runs only when its prediction could change the chosen
                  action (a rule or the SafetyPolicy usually decides with certainty), with
                  the ensemble's own rules deciding that (SEDORUM_LAZY_TED);
- model_load:     the TensorFlow models are loaded for serving without first tracing a
                  training step (SEDORUM_FAST_MODEL_LOAD), which was most of the cold start;
- SQLite:         (SEDORUM_SQLITE_FAST_COMMIT) connections are kept in a pool instead of being
                  opened and closed for every read and write (SQLAlchemy 1.4 uses NullPool for
                  SQLite files), with a WAL journal and synchronous=NORMAL, so a turn does not
                  wait for an fsync of the database file. A committed turn survives a crash
                  or restart of the process; only a power cut can lose the last turns.
                  PostgreSQL deployments are not affected (Rasa already pools them).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sedorum.patches.declaration import Patch

if TYPE_CHECKING:
    from sedorum.settings import Settings

logger = logging.getLogger(__name__)


def log_settings(settings: Settings) -> None:
    """Says which performance changes are on; they are applied by sedorum.patches.apply_all."""
    logger.info(
        "Performance: lock re-check %.0f ms, new session every %s turns, %s turns of events to actions, "
        "shared action HTTP session %s, SQLite fast commit %s, fast model load %s, lazy TED %s",
        settings.lock_poll_ms,
        settings.session_max_turns or "(off)",
        settings.action_event_turns or "all",
        "on" if settings.action_http_pool else "off",
        "on" if settings.sqlite_fast_commit else "off",
        "on" if settings.fast_model_load else "off",
        "on" if settings.lazy_ted else "off",
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def sqlite_engine_kwargs(url: Any, original: Any) -> dict[str, Any]:
    """Rasa's engine kwargs, plus a real connection pool for SQLite files."""
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.pool import QueuePool

    kwargs = dict(original(url))
    parsed = make_url(str(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("poolclass", QueuePool)
        kwargs.setdefault("pool_size", 2)
        kwargs.setdefault("max_overflow", 8)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    return kwargs


def on_sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    """SQLAlchemy "connect" listener: WAL and synchronous=NORMAL on every new SQLite connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        _sqlite_pragmas(dbapi_connection, record)


def install_sqlite_fast_commit() -> None:
    """Pooled SQLite connections with WAL + synchronous=NORMAL (idempotent)."""
    import sqlalchemy as sa
    from rasa.core import tracker_store
    from sqlalchemy.engine import Engine

    original = getattr(tracker_store, "_sedorum_original_engine_kwargs", tracker_store.create_engine_kwargs)
    tracker_store._sedorum_original_engine_kwargs = original
    tracker_store.create_engine_kwargs = lambda url: sqlite_engine_kwargs(url, original)
    if not sa.event.contains(Engine, "connect", on_sqlite_connect):
        sa.event.listen(Engine, "connect", on_sqlite_connect)


def _sqlite_listener_state() -> bool:
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine

    return bool(sa.event.contains(Engine, "connect", on_sqlite_connect))


def _restore_sqlite_listener(was_listening: bool) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine

    listening = sa.event.contains(Engine, "connect", on_sqlite_connect)
    if listening and not was_listening:
        sa.event.remove(Engine, "connect", on_sqlite_connect)
    elif was_listening and not listening:
        sa.event.listen(Engine, "connect", on_sqlite_connect)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="sqlalchemy_sqlite_settings",
        targets=("rasa.core.tracker_store:create_engine_kwargs",),
        why="SQLAlchemy 1.4 opens and closes a SQLite file for every read and write (NullPool) with "
        "a rollback journal; pooled connections, WAL and synchronous=NORMAL stop each turn waiting "
        "for an fsync. PostgreSQL is not affected.",
        test="tests/unit/patches/test_registry.py",
        apply=lambda context: install_sqlite_fast_commit(),
        enabled=lambda settings: settings.sqlite_fast_commit,
        save_extra=_sqlite_listener_state,
        restore_extra=_restore_sqlite_listener,
    ),
)
