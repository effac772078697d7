"""Declares the log redaction as a patch: it replaces the logging module's record factory.

The redaction itself is written in sedorum/edge/redaction.py, because the retention job
(sedorum/stores/retention.py) installs it too and sits below this package. Here is what the
registry needs to apply it in both processes and to undo it: the loggers' filters and
structlog's configuration are saved and restored with the record factory.
"""

from __future__ import annotations

import logging
from typing import Any

from sedorum.edge import redaction
from sedorum.patches.declaration import ACTION_SERVER, RASA_SERVER, Patch


def _logging_state() -> Any:
    import structlog

    loggers = [logging.getLogger(name) for name in redaction.LOGGERS]
    holders = [*loggers, *(handler for target in loggers for handler in target.handlers)]
    return [(holder, list(holder.filters)) for holder in holders], structlog.get_config()


def _restore_logging_state(state: Any) -> None:
    import structlog

    holders, structlog_config = state
    for holder, filters in holders:
        holder.filters[:] = filters
    structlog.configure(**structlog_config)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="log_redaction",
        targets=("logging:_logRecordFactory",),
        why="Rasa logs user text at DEBUG, and database errors carry it as SQL parameters; every log "
        "record, Rasa's structlog events and medspaCy's loguru output are redacted.",
        test="tests/unit/edge/test_redaction.py",
        apply=lambda context: redaction.install_log_redaction(),
        processes=frozenset({RASA_SERVER, ACTION_SERVER}),
        save_extra=_logging_state,
        restore_extra=_restore_logging_state,
    ),
)
