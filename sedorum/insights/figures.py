"""The insights page's figures: indexed GROUP BY queries over the roll-up tables.

Every figure is a count, a rate or a duration; the only text is the redacted snippet of
messages the assistant did not understand. The same dictionary feeds the page (JSON) and the
CSV export, so both always agree.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sedorum.insights.schema import conversations, feedback, messages
from sedorum.insights.similarity import group_similar

TOP_INTENTS = 15
LOW_GROUPS = 20
LOW_DISTINCT = 400  # distinct snippets compared for grouping (the most frequent ones)
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date | None = None) -> Period:
        """From ?from=YYYY-MM-DD&to=YYYY-MM-DD; the last 30 days when absent; ValueError if bad."""
        last = date.fromisoformat(end) if end else (today or date.today())
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
        if first > last:
            raise ValueError("the period starts after it ends")
        if (last - first).days >= MAX_DAYS:
            raise ValueError(f"a period is at most {MAX_DAYS} days")
        return cls(first, last)

    @property
    def days(self) -> list[str]:
        return [(self.start + timedelta(days=n)).isoformat() for n in range((self.end - self.start).days + 1)]

    def previous(self) -> Period:
        """The period of the same length just before this one (for trends)."""
        length = (self.end - self.start).days + 1
        return Period(self.start - timedelta(days=length), self.start - timedelta(days=1))

    def between(self, column: sa.Column) -> sa.ColumnElement[bool]:
        return column.between(self.start.isoformat(), self.end.isoformat())


def _per_day(conn: Connection, period: Period) -> list[dict[str, Any]]:
    rows = dict(
        conn.execute(
            sa.select(conversations.c.day, sa.func.count())
            .where(period.between(conversations.c.day))
            .group_by(conversations.c.day)
        ).all()
    )
    return [{"day": day, "conversations": int(rows.get(day, 0))} for day in period.days]


def _intent_counts(conn: Connection, period: Period) -> dict[str, int]:
    rows = conn.execute(
        sa.select(messages.c.intent, sa.func.count()).where(period.between(messages.c.day)).group_by(messages.c.intent)
    ).all()
    return {(intent or "(none)"): int(count) for intent, count in rows}


def _top_intents(conn: Connection, period: Period) -> list[dict[str, Any]]:
    now, before = _intent_counts(conn, period), _intent_counts(conn, period.previous())
    top = sorted(now.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_INTENTS]
    result = []
    for intent, count in top:
        previous = before.get(intent, 0)
        change = None if previous == 0 else round(100.0 * (count - previous) / previous, 1)
        result.append({"intent": intent, "count": count, "previous": previous, "change_pct": change})
    return result


def _low_confidence(conn: Connection, period: Period) -> dict[str, Any]:
    rows = conn.execute(
        sa.select(messages.c.snippet, sa.func.count().label("n"))
        .where(messages.c.low == 1, period.between(messages.c.day))
        .group_by(messages.c.snippet)
        .order_by(sa.desc("n"), messages.c.snippet)
        .limit(LOW_DISTINCT)
    ).all()
    total = conn.execute(
        sa.select(sa.func.count()).select_from(messages).where(messages.c.low == 1, period.between(messages.c.day))
    ).scalar_one()
    groups = group_similar((snippet or "", int(count)) for snippet, count in rows)
    return {"messages": int(total), "groups": [g.to_json() for g in groups[:LOW_GROUPS]]}


def _conversation_totals(conn: Connection, period: Period) -> dict[str, Any]:
    c = conversations.c
    total, handoffs, emergencies, started, finished = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(c.handoff_ts),
            sa.func.coalesce(sa.func.sum(c.emergency), 0),
            sa.func.coalesce(sa.func.sum(c.screening_started), 0),
            sa.func.coalesce(sa.func.sum(c.screening_finished), 0),
        ).where(period.between(c.day))
    ).one()
    waits = list(
        conn.execute(
            sa.select(c.staff_reply_ts - c.handoff_ts).where(
                period.between(c.day), c.handoff_ts.is_not(None), c.staff_reply_ts.is_not(None)
            )
        ).scalars()
    )
    total = int(total)
    return {
        "conversations": total,
        "handoffs": int(handoffs),
        "handoff_rate": round(int(handoffs) / total, 4) if total else 0.0,
        "staff_replied": len(waits),
        "median_staff_reply_s": round(statistics.median(waits), 1) if waits else None,
        "emergencies": int(emergencies),
        "screening_started": int(started),
        "screening_finished": int(finished),
    }


def _channels(conn: Connection, period: Period) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(conversations.c.channel, sa.func.count().label("n"))
        .where(period.between(conversations.c.day))
        .group_by(conversations.c.channel)
        .order_by(sa.desc("n"))
    ).all()
    return [{"channel": channel or "unknown", "conversations": int(count)} for channel, count in rows]


def _feedback(conn: Connection, period: Period) -> list[dict[str, Any]]:
    f = feedback.c
    up = sa.func.sum(sa.case((f.value == "up", 1), else_=0))
    down = sa.func.sum(sa.case((f.value == "down", 1), else_=0))
    rows = conn.execute(
        sa.select(f.answer, up, down).where(period.between(f.day)).group_by(f.answer).order_by(sa.desc(down), f.answer)
    ).all()
    return [{"answer": answer, "up": int(u or 0), "down": int(d or 0)} for answer, u, d in rows]


def _feedback_by_channel(conn: Connection, period: Period) -> list[dict[str, Any]]:
    """Votes per channel: the channel of the conversation the vote was cast in.

    Joined on the roll-up rather than stored with the vote, so the figure follows the same
    channel names as the conversations per channel (and needs no new column).
    """
    f, c = feedback.c, conversations.c
    up = sa.func.sum(sa.case((f.value == "up", 1), else_=0))
    down = sa.func.sum(sa.case((f.value == "down", 1), else_=0))
    rows = conn.execute(
        sa.select(c.channel, up, down)
        .select_from(feedback.outerjoin(conversations, c.sender_id == f.sender_id))
        .where(period.between(f.day))
        .group_by(c.channel)
        .order_by(sa.desc(up + down), c.channel)
    ).all()
    return [{"channel": channel or "unknown", "up": int(u or 0), "down": int(d or 0)} for channel, u, d in rows]


def compute(engine: Engine, period: Period) -> dict[str, Any]:
    """Every figure of the page for `period`, in one read transaction."""
    with engine.connect() as conn:
        return {
            "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
            "totals": _conversation_totals(conn, period),
            "per_day": _per_day(conn, period),
            "top_intents": _top_intents(conn, period),
            "low_confidence": _low_confidence(conn, period),
            "channels": _channels(conn, period),
            "feedback": _feedback(conn, period),
            "feedback_by_channel": _feedback_by_channel(conn, period),
        }


def to_csv(figures: dict[str, Any]) -> str:
    """The aggregated figures as CSV rows: section, key, value[, extra]. No message text but
    the redacted group examples."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value", "extra"])
    period = figures["period"]
    writer.writerow(["period", "from", period["from"], ""])
    writer.writerow(["period", "to", period["to"], ""])
    for key, value in figures["totals"].items():
        writer.writerow(["totals", key, "" if value is None else value, ""])
    for row in figures["per_day"]:
        writer.writerow(["conversations_per_day", row["day"], row["conversations"], ""])
    for row in figures["top_intents"]:
        change = "" if row["change_pct"] is None else f"{row['change_pct']}%"
        writer.writerow(["top_intents", row["intent"], row["count"], f"previous {row['previous']} {change}".strip()])
    for row in figures["low_confidence"]["groups"]:
        writer.writerow(["not_understood", row["example"], row["count"], " | ".join(row["variants"])])
    for row in figures["channels"]:
        writer.writerow(["channels", row["channel"], row["conversations"], ""])
    for row in figures["feedback"]:
        writer.writerow(["feedback", row["answer"], row["up"], f"down {row['down']}"])
    for row in figures["feedback_by_channel"]:
        writer.writerow(["feedback_by_channel", row["channel"], row["up"], f"down {row['down']}"])
    return out.getvalue()
