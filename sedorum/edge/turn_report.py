"""The outcome of the turn(s) run for one HTTP request, shared by the edge and the turn patch.

Why a module of its own: the edge middleware (`sedorum.edge.hardening`) starts a report for
each webhook request and turns a failed one into HTTP 503; the patched `Agent.handle_message`
(`sedorum.patches.turns`) records the failure. Both sides import this small module, so the
edge does not depend on the patches.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


class StoreUnavailable(RuntimeError):
    """The tracker store could not be read or written; the turn must not be treated as done."""


@dataclass
class TurnReport:
    """What the edge middleware needs to know about the turn(s) run for one HTTP request."""

    failed: bool = False
    error: str = ""
    # The client's Idempotency-Key: a message sent again after a dropped connection is answered
    # from the store when its first copy was stored (sedorum/patches/turns.py).
    message_id: str = ""


_request_report: ContextVar[TurnReport | None] = ContextVar("sedorum_request_report", default=None)


def begin_request_report() -> TurnReport:
    """Called by the edge middleware for each webhook request (same task as the handler)."""
    report = TurnReport()
    _request_report.set(report)
    return report


def current_report() -> TurnReport | None:
    """The report of the request being served, or None outside a webhook request."""
    return _request_report.get()
