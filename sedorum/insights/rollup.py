"""Incremental roll-up of the tracker's events into per-conversation and per-message rows.

Why: the figures need the intent, confidence and channel of each visitor message, which Rasa
stores inside a JSON column; parsing 100,000 conversations' JSON on every page view would take
far longer than 2 s. `refresh` reads only events newer than the last one counted (an indexed
range on the primary key), so a page view costs milliseconds once the backlog is counted.

Erasure: delete-my-data and retention delete a conversation's rows from `events`.
`sweep_erased` then drops every roll-up row, review mark and vote whose events are gone, so
the next figures and exports no longer contain that conversation. Every `refresh` first
compares how many events up to the watermark the store still holds with how many it counted
(one index-only count); a difference means an erasure and runs the sweep. Every page and
export refreshes before it reads.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sedorum.edge.redaction import redact
from sedorum.insights.schema import conversations, events, feedback, messages, review_marks, state

FALLBACK_INTENT = "nlu_fallback"
HANDOFF_SLOT = "handoff"
SCREENING_FORM = "safety_screening_form"
SCREENING_DONE_ACTION = "action_screening_result"
EMERGENCY_INTENT = "report_emergency"
EMERGENCY_ACTION = "action_flag_emergency"
WATERMARK = "events_id"
COUNTED = "events_counted"  # events up to the watermark, as counted
BATCH = 20_000
SNIPPET_CHARS = 160
_NON_WORD = re.compile(r"[^\w\[\]'\s]+")
_SPACES = re.compile(r"\s+")


def low_confidence_threshold() -> float:
    """SEDORUM_INSIGHTS_LOW_CONFIDENCE (default 0.5): below it a message counts as "unsure"."""
    raw = os.environ.get("SEDORUM_INSIGHTS_LOW_CONFIDENCE", "").strip()
    return float(raw) if raw else 0.5


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def snippet(text: str) -> str:
    """The redacted, lower-cased, punctuation-free form used for display and grouping."""
    cleaned = _SPACES.sub(" ", _NON_WORD.sub(" ", redact(text or "").lower())).strip()
    return cleaned[:SNIPPET_CHARS]


@dataclass
class ConversationRow:
    sender_id: str
    first_event_id: int
    day: str
    first_ts: float
    last_ts: float
    channel: str | None = None
    user_messages: int = 0
    low_messages: int = 0
    handoff_ts: float | None = None
    staff_reply_ts: float | None = None
    emergency: int = 0
    screening_started: int = 0
    screening_finished: int = 0

    def as_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Batch:
    """What one pass over new events produced."""

    conversations: dict[str, ConversationRow] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)


def _parse(data: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(data or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def apply_event(row: ConversationRow, event: Sequence[Any], batch: Batch, threshold: float) -> None:
    """Counts one event of `row`'s conversation (events arrive in id order)."""
    event_id, _sender, type_name, timestamp, intent_name, action_name, data = event
    ts = float(timestamp or row.last_ts)
    row.last_ts = max(row.last_ts, ts)
    if type_name == "user":
        parsed = _parse(data)
        intent = (parsed.get("parse_data") or {}).get("intent") or {}
        name = intent_name or intent.get("name")
        confidence = intent.get("confidence")
        confidence = float(confidence) if isinstance(confidence, int | float) else None
        low = name == FALLBACK_INTENT or (confidence is not None and confidence < threshold)
        row.user_messages += 1
        row.low_messages += int(low)
        if row.channel is None and parsed.get("input_channel"):
            row.channel = str(parsed["input_channel"])[:64]
        if name == EMERGENCY_INTENT:
            row.emergency = 1
        batch.messages.append(
            {
                "event_id": event_id,
                "sender_id": row.sender_id,
                "day": day_of(ts),
                "intent": name,
                "confidence": confidence,
                "low": int(low),
                "snippet": snippet(str(parsed.get("text") or "")) if low else None,
            }
        )
    elif type_name == "action":
        if action_name == EMERGENCY_ACTION:
            row.emergency = 1
        elif action_name == SCREENING_DONE_ACTION:
            row.screening_finished = 1
    elif type_name == "active_loop":
        if SCREENING_FORM in (data or "") and _parse(data).get("name") == SCREENING_FORM:
            row.screening_started = 1
    elif type_name == "slot":
        if row.handoff_ts is None and '"handoff"' in (data or ""):
            parsed = _parse(data)
            if parsed.get("name") == HANDOFF_SLOT and parsed.get("value") in ("waiting", "claimed"):
                row.handoff_ts = ts
    elif type_name == "bot" and row.handoff_ts is not None and row.staff_reply_ts is None and _is_staff(data):
        row.staff_reply_ts = ts


def _is_staff(data: str | None) -> bool:
    """Only staff messages carry "staff_text" (sedorum.handoff.conversation)."""
    return '"staff_text"' in (data or "") and (_parse(data).get("metadata") or {}).get("staff_text") is not None


def _existing(conn: Connection, senders: Iterable[str]) -> dict[str, ConversationRow]:
    found: dict[str, ConversationRow] = {}
    sender_list = list(senders)
    for start in range(0, len(sender_list), 500):
        chunk = sender_list[start : start + 500]
        for record in conn.execute(sa.select(conversations).where(conversations.c.sender_id.in_(chunk))):
            found[record.sender_id] = ConversationRow(**dict(record._mapping))
    return found


def _count(conn: Connection, rows: Sequence[Sequence[Any]], threshold: float) -> int:
    """Counts `rows` (events in id order) into the roll-up tables; returns the highest id seen."""
    if not rows:
        return 0
    known = _existing(conn, {row[1] for row in rows})
    batch = Batch()
    for event in rows:
        sender, timestamp = event[1], float(event[3] or 0.0)
        current = batch.conversations.get(sender) or known.get(sender)
        if current is None:
            current = ConversationRow(sender, int(event[0]), day_of(timestamp), timestamp, timestamp)
        batch.conversations[sender] = current
        apply_event(current, event, batch, threshold)
    touched = list(batch.conversations)
    for start in range(0, len(touched), 500):
        conn.execute(conversations.delete().where(conversations.c.sender_id.in_(touched[start : start + 500])))
    conn.execute(conversations.insert(), [row.as_row() for row in batch.conversations.values()])
    if batch.messages:
        conn.execute(messages.insert(), batch.messages)
    return max(int(row[0]) for row in rows)


_COLUMNS = (
    events.c.id,
    events.c.sender_id,
    events.c.type_name,
    events.c.timestamp,
    events.c.intent_name,
    events.c.action_name,
    events.c.data,
)


def _state(conn: Connection, key: str, lock: bool = False) -> int:
    """A progress counter. `lock`: hold the row until commit (PostgreSQL), so several Rasa
    replicas sharing the database never count the same events at the same time."""
    query = sa.select(state.c.value).where(state.c.key == key)
    value = conn.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    return int(value or 0)


def _set_state(conn: Connection, key: str, value: int) -> None:
    if conn.execute(state.update().where(state.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(state.insert().values(key=key, value=value))


def _watermark(conn: Connection, lock: bool = False) -> int:
    return _state(conn, WATERMARK, lock)


def _stored_up_to(conn: Connection, mark: int) -> int:
    """How many events up to `mark` the tracker store still holds (an index-only count)."""
    return int(conn.execute(sa.select(sa.func.count()).where(events.c.id <= mark)).scalar_one())


def sweep_erased(conn: Connection, threshold: float) -> list[str]:
    """Drops the roll-up of every conversation whose events were erased; returns their senders.

    A conversation whose first counted event is gone was erased (Rasa never deletes events
    itself; delete-my-data and retention delete whole conversations). If the same visitor
    wrote again afterwards, the new events are counted again from scratch.
    """
    gone = sa.select(events.c.id).where(events.c.id == conversations.c.first_event_id).exists()
    erased = list(conn.execute(sa.select(conversations.c.sender_id).where(~gone)).scalars())
    for start in range(0, len(erased), 500):
        chunk = erased[start : start + 500]
        conn.execute(messages.delete().where(messages.c.sender_id.in_(chunk)))
        conn.execute(conversations.delete().where(conversations.c.sender_id.in_(chunk)))
    # Marks and votes point at single events: gone with them, whatever erased them.
    conn.execute(
        review_marks.delete().where(~sa.select(events.c.id).where(events.c.id == review_marks.c.event_id).exists())
    )
    conn.execute(
        feedback.delete().where(~sa.select(events.c.id).where(events.c.id == feedback.c.bot_event_id).exists())
    )
    if erased:
        mark = _watermark(conn)
        for start in range(0, len(erased), 500):
            chunk = erased[start : start + 500]
            rows = conn.execute(
                sa.select(*_COLUMNS).where(events.c.sender_id.in_(chunk), events.c.id <= mark).order_by(events.c.id)
            ).all()
            _count(conn, rows, threshold)
    return erased


@dataclass(frozen=True)
class RefreshResult:
    erased: int
    counted_events: int
    watermark: int


_refresh_lock = threading.Lock()
_has_events: set[str] = set()  # databases whose `events` table exists (it is never dropped)


def refresh(engine: Engine, threshold: float | None = None, max_events: int | None = None) -> RefreshResult:
    """Sweeps erased conversations, then counts every event added since the last refresh.

    One process-wide lock: the page, the CSV export and the background refresher never count
    the same events twice. Each batch commits with its watermark, so an interrupted refresh
    resumes where it stopped.
    """
    limit = low_confidence_threshold() if threshold is None else threshold
    counted = 0
    if str(engine.url) not in _has_events:
        if not sa.inspect(engine).has_table("events"):
            return RefreshResult(0, 0, 0)  # Rasa has not stored a conversation yet
        _has_events.add(str(engine.url))
    erased: list[str] = []
    with _refresh_lock:
        with engine.begin() as conn:
            # Fewer events up to the watermark than were counted: something was erased. Only
            # then is every conversation checked (the sweep costs ~100,000 look-ups).
            mark = _watermark(conn, lock=True)
            present = _stored_up_to(conn, mark)
            if present != _state(conn, COUNTED):
                erased = sweep_erased(conn, limit)
                _set_state(conn, COUNTED, present)
        while True:
            with engine.begin() as conn:
                mark = _watermark(conn, lock=True)
                rows = conn.execute(
                    sa.select(*_COLUMNS).where(events.c.id > mark).order_by(events.c.id).limit(BATCH)
                ).all()
                if not rows:
                    return RefreshResult(len(erased), counted, mark)
                _set_state(conn, WATERMARK, _count(conn, rows, limit))
                _set_state(conn, COUNTED, _state(conn, COUNTED) + len(rows))
                counted += len(rows)
            if max_events is not None and counted >= max_events:
                with engine.connect() as conn:
                    return RefreshResult(len(erased), counted, _watermark(conn))
