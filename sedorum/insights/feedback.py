"""Visitors' thumbs up / down on the assistant's answers.

Why outside the NLU: a vote is not something the visitor says to the assistant; sending it
as a chat message would need a new intent, would show in the transcript and could interrupt
a form. The widget posts the vote to its own endpoint instead, naming the conversation (the
socket.io session id the widget already holds) and the answer's text; the vote is attached
to the latest stored assistant message of that conversation with the same text, so nobody can
vote on an answer that was never sent to them.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sedorum.insights.rollup import day_of
from sedorum.insights.schema import events, feedback

VALUES = ("up", "down")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
RECENT_BOT_MESSAGES = 200


def comparable(text: str) -> str:
    """Letters and digits only: the widget shows Markdown rendered, the tracker keeps it raw."""
    return _NOT_ALNUM.sub("", _MARKDOWN_LINK.sub(r"\1", text or "").lower())


def answer_name(data: dict[str, Any]) -> str:
    metadata = data.get("metadata") or {}
    if metadata.get("staff_text") is not None:
        return "staff"
    return str(metadata.get("utter_action") or metadata.get("template_name") or "text")


def find_answer(engine: Engine, sender_id: str, text: str) -> tuple[int, str, float] | None:
    """(event id, answer name, timestamp) of the latest assistant message showing `text`."""
    wanted = comparable(text)
    if not wanted:
        return None
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(events.c.id, events.c.timestamp, events.c.data)
            .where(events.c.sender_id == sender_id, events.c.type_name == "bot")
            .order_by(events.c.id.desc())
            .limit(RECENT_BOT_MESSAGES)
        ).all()
    for event_id, timestamp, data in rows:
        parsed = json.loads(data or "{}")
        if comparable(str(parsed.get("text") or "")) == wanted:
            return int(event_id), answer_name(parsed), float(timestamp or time.time())
    return None


def record(engine: Engine, sender_id: str, text: str, value: str) -> dict[str, Any] | None:
    """Stores a vote (replacing an earlier one on the same answer); None if no such answer."""
    if value not in VALUES:
        raise ValueError(f"value must be one of {VALUES}")
    found = find_answer(engine, sender_id, text)
    if found is None:
        return None
    event_id, answer, timestamp = found
    row = {
        "bot_event_id": event_id,
        "sender_id": sender_id,
        "answer": answer[:255],
        "value": value,
        "day": day_of(timestamp),
        "at": time.time(),
    }
    with engine.begin() as conn:
        conn.execute(feedback.delete().where(feedback.c.bot_event_id == event_id))
        conn.execute(feedback.insert().values(**row))
    return row
