"""Visitors' thumbs up / down on the assistant's answers, from the widget and every messaging channel.

Why outside the NLU: a vote is not something the visitor says to the assistant; sending it
as a chat message would need a new intent, would show in the transcript and could interrupt
a form. The widget posts the vote to its own endpoint instead, naming the conversation (the
socket.io session id the widget already holds) and the answer's text; the messaging channels
take it from their own buttons (sedorum/channels/votes.py), naming the answer by a short key
of its text, because a Telegram button holds only 64 bytes of data. Either way the vote is
attached to the latest stored assistant message of that conversation showing the same text,
so nobody can vote on an answer that was never sent to them.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sedorum.insights.rollup import day_of
from sedorum.insights.schema import events, feedback

VALUES = ("up", "down")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_KEY = re.compile(r"[0-9a-f]{16}")
RECENT_BOT_MESSAGES = 200


def comparable(text: str) -> str:
    """Letters and digits only: the widget shows Markdown rendered, the tracker keeps it raw."""
    return _NOT_ALNUM.sub("", _MARKDOWN_LINK.sub(r"\1", text or "").lower())


def answer_key(text: str) -> str:
    """16 hex digits naming an answer by its text (the same text compares equal as in `comparable`).

    Short enough for every platform's button data, long enough that two answers of one
    conversation never share it by chance.
    """
    return hashlib.sha256(comparable(text).encode("utf-8")).hexdigest()[:16]


def is_answer_key(key: str) -> bool:
    return _KEY.fullmatch(key or "") is not None


def answer_name(data: dict[str, Any]) -> str:
    metadata = data.get("metadata") or {}
    if metadata.get("staff_text") is not None:
        return "staff"
    return str(metadata.get("utter_action") or metadata.get("template_name") or "text")


def _latest_answer(engine: Engine, sender_id: str, shows: Callable[[str], bool]) -> tuple[int, str, float] | None:
    """(event id, answer name, timestamp) of the latest assistant message whose text `shows` accepts."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(events.c.id, events.c.timestamp, events.c.data)
            .where(events.c.sender_id == sender_id, events.c.type_name == "bot")
            .order_by(events.c.id.desc())
            .limit(RECENT_BOT_MESSAGES)
        ).all()
    for event_id, timestamp, data in rows:
        parsed = json.loads(data or "{}")
        if shows(str(parsed.get("text") or "")):
            return int(event_id), answer_name(parsed), float(timestamp or time.time())
    return None


def find_answer(engine: Engine, sender_id: str, text: str) -> tuple[int, str, float] | None:
    """The latest assistant message showing `text` (as the widget displays it)."""
    wanted = comparable(text)
    if not wanted:
        return None
    return _latest_answer(engine, sender_id, lambda stored: comparable(stored) == wanted)


def find_answer_by_key(engine: Engine, sender_id: str, key: str) -> tuple[int, str, float] | None:
    """The latest assistant message whose text has `answer_key` `key`."""
    if not is_answer_key(key):
        return None
    return _latest_answer(engine, sender_id, lambda stored: bool(comparable(stored)) and answer_key(stored) == key)


def _store(engine: Engine, sender_id: str, found: tuple[int, str, float] | None, value: str) -> dict[str, Any] | None:
    if value not in VALUES:
        raise ValueError(f"value must be one of {VALUES}")
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


def record(engine: Engine, sender_id: str, text: str, value: str) -> dict[str, Any] | None:
    """Stores a widget vote (replacing an earlier one on the same answer); None if no such answer."""
    if value not in VALUES:
        raise ValueError(f"value must be one of {VALUES}")
    return _store(engine, sender_id, find_answer(engine, sender_id, text), value)


def record_by_key(engine: Engine, sender_id: str, key: str, value: str) -> dict[str, Any] | None:
    """Stores a messaging channel's vote, the answer named by its key; None if no such answer."""
    if value not in VALUES:
        raise ValueError(f"value must be one of {VALUES}")
    return _store(engine, sender_id, find_answer_by_key(engine, sender_id, key), value)


def version(engine: Engine) -> tuple[int, float]:
    """How many votes are stored and when the latest was cast: changes with every vote.

    Part of the insights cache key, so a vote recorded by another process (another Rasa
    process behind the router, or a messaging channel) is on the next page view.
    """
    with engine.connect() as conn:
        count, latest = conn.execute(sa.select(sa.func.count(), sa.func.max(feedback.c.at))).one()
    return int(count or 0), float(latest or 0.0)
