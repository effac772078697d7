"""Retention: erase conversations whose latest event is older than N days from the tracker store.

Why: Rasa 3.6 keeps every conversation forever and has no retention setting, while S12 says
health details are kept only as long as needed. The Rasa server runs this job itself every
SEDORUM_RETENTION_INTERVAL_H hours (sedorum/server/hardening.py); this command runs it once,
for cron or by hand, against the same store the server uses (SQLite by default, PostgreSQL
with SEDORUM_TRACKER_DB_URL):

    python -m sedorum.retention --days 30     # default: SEDORUM_RETENTION_DAYS, else 30

Running it beside the server is safe: it only touches conversations idle for N days, and the
SQL store re-reads the database on every turn (no cached copy to write them back).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

logger = logging.getLogger("sedorum.retention")


def _erasable(store: Any) -> Any:
    """Unwraps Rasa's FailSafeTrackerStore to reach our ErasableSQLTrackerStore."""
    inner = getattr(store, "_tracker_store", store)
    if not hasattr(inner, "delete_older_than"):
        raise TypeError(f"{type(inner).__name__} cannot erase conversations; use ErasableSQLTrackerStore")
    return inner


def erase_expired(store: Any, days: float) -> int:
    """Erases conversations idle for more than `days` days; returns the number of events erased."""
    if days <= 0:
        raise ValueError("retention days must be positive")
    return _erasable(store).delete_older_than(days)


def open_tracker_store() -> Any:
    """The tracker store this deployment's Rasa server uses (same environment switches)."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain

    from sedorum.server.endpoints import build_endpoints
    from sedorum.server.settings import Settings

    endpoints = build_endpoints(Settings.from_env())
    return TrackerStore.create(endpoints.tracker_store, Domain.empty())


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(prog="python -m sedorum.retention", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days",
        type=float,
        default=float(os.environ.get("SEDORUM_RETENTION_DAYS", "").strip() or 30),
        help="erase conversations whose latest event is older than this (default: SEDORUM_RETENTION_DAYS or 30)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from sedorum.server.redaction import install_log_redaction

    install_log_redaction()
    if args.days <= 0:
        print("sedorum.retention: --days must be positive", file=sys.stderr)
        return 2
    erased = erase_expired(open_tracker_store(), args.days)
    print(f"Retention: erased {erased} events of conversations idle for more than {args.days:g} days.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
