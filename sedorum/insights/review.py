"""The review queue: any conversation's visitor messages with the intent the assistant used,
a person's marks ("this was wrong; it meant X"), and the export of marked messages as Rasa
NLU training data.

Nothing enters training without a person's mark: the export reads only `insights_review_mark`
rows, each written by a signed-in staff member, joined to the events they point at (an erased
conversation's marks export nothing). Exported text is redacted like the logs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from sedorum.edge.redaction import redact
from sedorum.insights.schema import conversations, events, review_marks

PAGE_SIZE = 50


def domain_intents(domain_path: Path) -> list[str]:
    """The intents staff may pick: the domain's, in its order."""
    data = yaml.safe_load(domain_path.read_text()) or {}
    names = []
    for item in data.get("intents") or []:
        names.append(next(iter(item)) if isinstance(item, dict) else str(item))
    return names


def list_conversations(engine: Engine, day_from: str, day_to: str, only_unsure: bool, offset: int = 0) -> list[dict]:
    """Conversations of the period, newest first; optionally only those with unsure messages."""
    c = conversations.c
    query = sa.select(
        c.sender_id, c.day, c.last_ts, c.channel, c.user_messages, c.low_messages, c.handoff_ts, c.emergency
    )
    query = query.where(c.day.between(day_from, day_to))
    if only_unsure:
        query = query.where(c.low_messages > 0)
    query = query.order_by(c.last_ts.desc(), c.sender_id).limit(PAGE_SIZE).offset(max(0, offset))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "sender_id": r.sender_id,
            "day": r.day,
            "last_at": r.last_ts,
            "channel": r.channel or "unknown",
            "user_messages": r.user_messages,
            "unsure_messages": r.low_messages,
            "handoff": r.handoff_ts is not None,
            "emergency": bool(r.emergency),
        }
        for r in rows
    ]


def conversation(engine: Engine, sender_id: str) -> list[dict[str, Any]] | None:
    """The visitor and assistant messages of one conversation, with intents and marks."""
    e = events.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.id, e.type_name, e.timestamp, e.intent_name, e.data)
            .where(e.sender_id == sender_id, e.type_name.in_(("user", "bot")))
            .order_by(e.id)
        ).all()
        marks = {
            row.event_id: row
            for row in conn.execute(sa.select(review_marks).where(review_marks.c.sender_id == sender_id))
        }
    if not rows:
        return None
    entries = []
    for event_id, type_name, timestamp, intent_name, data in rows:
        parsed = _json(data)
        if type_name == "user":
            intent = (parsed.get("parse_data") or {}).get("intent") or {}
            mark = marks.get(event_id)
            entries.append(
                {
                    "event_id": event_id,
                    "who": "visitor",
                    "at": timestamp,
                    "text": parsed.get("text") or "",
                    "intent": intent_name or intent.get("name"),
                    "confidence": intent.get("confidence"),
                    "mark": None if mark is None else {"intent": mark.correct_intent, "by": mark.marked_by},
                }
            )
        else:
            metadata = parsed.get("metadata") or {}
            who = "staff" if metadata.get("staff_text") is not None else "assistant"
            entries.append({"event_id": event_id, "who": who, "at": timestamp, "text": parsed.get("text") or ""})
    return entries


def mark(engine: Engine, event_id: int, correct_intent: str, staff: str) -> dict[str, Any] | None:
    """Marks a visitor message as misunderstood; None when it is not a stored visitor message."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(events.c.sender_id, events.c.intent_name).where(
                events.c.id == event_id, events.c.type_name == "user"
            )
        ).first()
        if row is None:
            return None
        conn.execute(review_marks.delete().where(review_marks.c.event_id == event_id))
        values = {
            "event_id": event_id,
            "sender_id": row.sender_id,
            "predicted_intent": row.intent_name,
            "correct_intent": correct_intent,
            "marked_by": staff,
            "marked_at": time.time(),
        }
        conn.execute(review_marks.insert().values(**values))
    return values


def unmark(engine: Engine, event_id: int) -> bool:
    with engine.begin() as conn:
        return conn.execute(review_marks.delete().where(review_marks.c.event_id == event_id)).rowcount == 1


def marked_count(engine: Engine) -> int:
    with engine.connect() as conn:
        joined = review_marks.join(events, events.c.id == review_marks.c.event_id)
        return int(conn.execute(sa.select(sa.func.count()).select_from(joined)).scalar_one())


def export_nlu_yaml(engine: Engine) -> str:
    """Marked messages as Rasa NLU training data (the data/nlu/reviewed.yml format), redacted."""
    joined = review_marks.join(events, events.c.id == review_marks.c.event_id)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(review_marks.c.correct_intent, events.c.data)
            .select_from(joined)
            .order_by(review_marks.c.correct_intent, review_marks.c.event_id)
        ).all()
    by_intent: dict[str, list[str]] = {}
    for intent, data in rows:
        text = " ".join(redact(str(_json(data).get("text") or "")).split())
        if text and text not in by_intent.setdefault(intent, []):
            by_intent[intent].append(text)
    lines = [
        'version: "3.1"',
        "",
        "# Visitor messages the assistant misread, each marked by a person in the staff console's",
        "# review queue and redacted like the logs. Check before training.",
        "nlu:",
    ]
    for intent, texts in by_intent.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in texts)
    return "\n".join(lines) + "\n"


def _json(data: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(data or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
