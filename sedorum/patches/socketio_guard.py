"""Checks the shape of socket.io events before Rasa's socket.io channel handles them.

Why: Rasa 3.6's handlers assume well-formed payloads. `user_uttered` with a list, a number or
a `customData` string that is not JSON raises inside the handler; `session_request` with a
string payload raises too; an arbitrary `session_id` (control characters, 10 KB) becomes the
conversation id and reaches the database. These are the socket.io counterpart of the REST
checks in hardening.py: payloads are coerced to the shape Rasa expects or dropped (logged
without content). The Origin check of the socket.io endpoint lives in the widget's channel
(sedorum/web); this module only looks at event payloads.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sedorum.edge.inputs import valid_sender
from sedorum.patches.declaration import Patch

logger = logging.getLogger(__name__)

MESSAGE_EVENTS = frozenset({"user_uttered"})
SESSION_EVENTS = frozenset({"session_request"})
METADATA_KEYS = ("customData", "metadata")
_PATCHED = "_sedorum_socketio_guard"
# python-engineio refuses a long-polling POST that carries more than 16 packets and drops the
# client's connection. A client on the polling transport (behind a proxy that blocks
# WebSockets) batches what it sends while the server is busy answering, so a few quick
# messages during a slow turn would cut the visitor off. The request-size limit
# (SEDORUM_MAX_BODY_BYTES) still bounds what one POST can carry.
MAX_PACKETS_PER_POST = 128


def _metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    return value if isinstance(value, dict) else {}


def clean_message_event(data: Any) -> dict[str, Any] | None:
    """The payload of `user_uttered` as Rasa expects it, or None to drop it."""
    if not isinstance(data, dict):
        return None
    session_id = data.get("session_id")
    if session_id is not None and not valid_sender(session_id):
        return None
    cleaned: dict[str, Any] = {"message": data["message"] if isinstance(data.get("message"), str) else ""}
    if session_id is not None:
        cleaned["session_id"] = session_id
    for key in METADATA_KEYS:
        if key in data:
            cleaned[key] = _metadata(data[key])
    return cleaned


def clean_session_event(data: Any) -> dict[str, Any]:
    """The payload of `session_request`: an invalid session id is dropped (a new one is issued)."""
    if not isinstance(data, dict):
        return {}
    session_id = data.get("session_id")
    return {"session_id": session_id} if valid_sender(session_id) else {}


def install() -> None:
    """Wraps python-socketio's AsyncServer event dispatch once per process."""
    from engineio.payload import Payload
    from socketio import AsyncServer

    Payload.max_decode_packets = max(Payload.max_decode_packets, MAX_PACKETS_PER_POST)

    if getattr(AsyncServer, _PATCHED, False):
        return
    original = AsyncServer._trigger_event

    async def guarded_trigger_event(self: AsyncServer, event: str, namespace: str, *args: Any) -> Any:
        # Rasa's handlers take exactly (sid, data): missing or extra arguments would raise.
        if event in MESSAGE_EVENTS and args:
            data = args[1] if len(args) > 1 else None
            cleaned = clean_message_event(data)
            if cleaned is None:
                logger.warning("Dropped a malformed socket.io %s event (%s).", event, type(data).__name__)
                return None
            args = (args[0], cleaned)
        elif event in SESSION_EVENTS and args:
            args = (args[0], clean_session_event(args[1] if len(args) > 1 else None))
        return await original(self, event, namespace, *args)

    AsyncServer._trigger_event = guarded_trigger_event
    setattr(AsyncServer, _PATCHED, True)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="socketio_event_guard",
        targets=(
            "socketio:AsyncServer._trigger_event",
            "engineio.payload:Payload.max_decode_packets",
        ),
        why="Rasa's socket.io handlers crash or store garbage on a malformed user_uttered or "
        "session_request payload; the guard coerces or drops it. The packet limit lets a browser "
        "batch its polling packets.",
        test="tests/unit/edge/test_inputs.py",
        apply=lambda context: install(),
    ),
)
