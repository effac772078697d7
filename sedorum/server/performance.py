"""Start-up changes that bound Rasa 3.6's known costs (lock polling, tracker size, HTTP).

Called by rasa_server.create_app before the agent loads. Every change is a small, named
module that can be switched by an environment variable (README, "Configuration"), and each
is measured by `make bench-load` (docs/performance.md):

- lock_store:     a waiting message of the same conversation gets the lock within ~10 ms of
                  its release instead of after a one-second sleep (SEDORUM_LOCK_POLL_MS);
- session_bound:  a new session, every slot kept, every SEDORUM_SESSION_MAX_TURNS user turns,
                  so turn 400 costs what turn 10 costs (0 switches it off);
- action_client:  only the last SEDORUM_ACTION_EVENT_TURNS turns' events go to the action
                  server, the domain dict is built once, and (SEDORUM_ACTION_HTTP_POOL) one
                  kept-alive HTTP session serves every action call;
- SQLite commits: WAL journal with synchronous=NORMAL (SEDORUM_SQLITE_FAST_COMMIT), so a turn
                  does not wait for an fsync of the whole database file. A committed turn
                  survives a crash or restart of the process; only a power cut can lose the
                  last turns. PostgreSQL deployments are not affected.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sedorum.server.settings import Settings

logger = logging.getLogger(__name__)


def install(settings: Settings) -> None:
    """Applies the performance changes before the agent loads; called by rasa_server.create_app."""
    from sedorum.server import action_client, lock_store, session_bound

    lock_store.install(poll_interval_s=max(settings.lock_poll_ms, 1.0) / 1000)
    session_bound.install(settings.session_max_turns)
    action_client.install_payload_trim(settings.action_event_turns)
    if settings.action_http_pool:
        action_client.install_shared_session()
    else:
        action_client.uninstall_shared_session()
    if settings.sqlite_fast_commit:
        install_sqlite_fast_commit()
    logger.info(
        "Performance: lock re-check %.0f ms, new session every %s turns, %s turns of events to actions, "
        "shared action HTTP session %s, SQLite fast commit %s",
        settings.lock_poll_ms,
        settings.session_max_turns or "(off)",
        settings.action_event_turns or "all",
        "on" if settings.action_http_pool else "off",
        "on" if settings.sqlite_fast_commit else "off",
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def install_sqlite_fast_commit() -> None:
    """WAL + synchronous=NORMAL on every new SQLite connection (idempotent)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            _sqlite_pragmas(dbapi_connection, record)

    if not getattr(Engine, "_sedorum_sqlite_listener", False):
        sa.event.listen(Engine, "connect", on_connect)
        Engine._sedorum_sqlite_listener = True  # type: ignore[attr-defined]
