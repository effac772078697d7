"""Retention: erase conversations whose latest event is older than N days from the tracker store.

Why: Rasa 3.6 keeps every conversation forever and has no retention setting, while S12 says
health details are kept only as long as needed. The Rasa server runs this job itself every
SEDORUM_RETENTION_INTERVAL_H hours (`install_job`, started by the server); this command runs it once,
for cron or by hand, against the same store the server uses (SQLite by default, PostgreSQL
with SEDORUM_TRACKER_DB_URL):

    python -m sedorum.stores.retention --days 30     # default: SEDORUM_RETENTION_DAYS, else 30

Running it beside the server is safe: it only touches conversations idle for N days, and the
SQL store re-reads the database on every turn (no cached copy to write them back).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Sanic

    from sedorum.settings import Settings

logger = logging.getLogger("sedorum.stores.retention")


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

    from sedorum.settings import Settings
    from sedorum.stores.endpoints import build_endpoints

    endpoints = build_endpoints(Settings.from_env())
    return TrackerStore.create(endpoints.tracker_store, Domain.empty())


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(prog="python -m sedorum.stores.retention", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days",
        type=float,
        default=float(os.environ.get("SEDORUM_RETENTION_DAYS", "").strip() or 30),
        help="erase conversations whose latest event is older than this (default: SEDORUM_RETENTION_DAYS or 30)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from sedorum.edge.redaction import install_log_redaction

    install_log_redaction()
    if args.days <= 0:
        print("sedorum.stores.retention: --days must be positive", file=sys.stderr)
        return 2
    erased = erase_expired(open_tracker_store(), args.days)
    print(f"Retention: erased {erased} events of conversations idle for more than {args.days:g} days.")
    return 0


def install_job(app: Sanic, settings: Settings) -> None:
    """Runs the retention job in the Rasa process every SEDORUM_RETENTION_INTERVAL_H hours."""
    if settings.retention_days <= 0 or settings.retention_interval_h <= 0:
        return

    async def retention_loop() -> None:
        await asyncio.sleep(60)  # let the model load and the first users in first
        while True:
            agent = getattr(app.ctx, "agent", None)
            if agent is not None and agent.tracker_store is not None:
                try:
                    await asyncio.get_running_loop().run_in_executor(
                        None, erase_expired, agent.tracker_store, settings.retention_days
                    )
                except Exception as error:
                    logger.error("Retention run failed (%s); will retry next interval.", type(error).__name__)
            await asyncio.sleep(settings.retention_interval_h * 3600)

    async def start(app_: Sanic, _loop: Any) -> None:
        app_.ctx.sedorum_retention = asyncio.get_running_loop().create_task(retention_loop())

    async def stop(app_: Sanic, _loop: Any) -> None:
        task = getattr(app_.ctx, "sedorum_retention", None)
        if task is not None:
            task.cancel()

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")


if __name__ == "__main__":
    raise SystemExit(main())
