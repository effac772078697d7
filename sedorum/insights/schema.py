"""Tables of the insights roll-up, review marks and visitor feedback, in the tracker database.

Why in the tracker database and not a separate one: erasure (delete-my-data, retention)
deletes rows of `events`; keeping the roll-up beside them lets one SQL statement find every
roll-up row whose conversation is gone (`rollup.sweep_erased`), on SQLite and PostgreSQL alike.

`events` mirrors the columns of Rasa 3.6's SQLTrackerStore table (Rasa creates it; we only read).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Rasa's table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent); never created or written here
# except by tests and the benchmark, which fill it the way Rasa does.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

# The roll-up's progress: the highest events.id already counted.
state = sa.Table(
    "insights_state",
    metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# One row per conversation (tracker sender id).
conversations = sa.Table(
    "insights_conversation",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    # The first event counted: when it is gone from `events`, the conversation was erased.
    sa.Column("first_event_id", sa.BigInteger, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),  # UTC day of the first event
    sa.Column("first_ts", sa.Float, nullable=False),
    sa.Column("last_ts", sa.Float, nullable=False),
    sa.Column("channel", sa.String(64), nullable=True),
    sa.Column("user_messages", sa.Integer, nullable=False, default=0),
    sa.Column("low_messages", sa.Integer, nullable=False, default=0),
    sa.Column("handoff_ts", sa.Float, nullable=True),  # first time a person was asked for
    sa.Column("staff_reply_ts", sa.Float, nullable=True),  # first staff message after that
    sa.Column("emergency", sa.Integer, nullable=False, default=0),
    sa.Column("screening_started", sa.Integer, nullable=False, default=0),
    sa.Column("screening_finished", sa.Integer, nullable=False, default=0),
    # Covers every figure of the page, so a period's figures are read from the index alone.
    sa.Index(
        "ix_insights_conversation_day_figures",
        "day",
        "channel",
        "emergency",
        "screening_started",
        "screening_finished",
        "handoff_ts",
        "staff_reply_ts",
    ),
)

# One row per visitor message: what the assistant understood, and a redacted snippet when it
# fell back or was unsure (the only text the roll-up keeps).
messages = sa.Table(
    "insights_message",
    metadata,
    sa.Column("event_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("intent", sa.String(255), nullable=True),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("low", sa.Integer, nullable=False, default=0),
    sa.Column("snippet", sa.Text, nullable=True),
    sa.Index("ix_insights_message_day_intent", "day", "intent"),
    sa.Index("ix_insights_message_low_day", "low", "day", "snippet"),
)

# A person's mark: the assistant's reading of this visitor message was wrong; this is right.
review_marks = sa.Table(
    "insights_review_mark",
    metadata,
    sa.Column("event_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("predicted_intent", sa.String(255), nullable=True),
    sa.Column("correct_intent", sa.String(255), nullable=False),
    sa.Column("marked_by", sa.String(64), nullable=False),
    sa.Column("marked_at", sa.Float, nullable=False),
)

# A visitor's thumbs up or down on one assistant answer (the latest vote counts).
feedback = sa.Table(
    "insights_feedback",
    metadata,
    sa.Column("bot_event_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("answer", sa.String(255), nullable=False),  # response name, or "staff"/"text"
    sa.Column("value", sa.String(4), nullable=False),  # "up" | "down"
    sa.Column("day", sa.String(10), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)

OWN_TABLES = (state, conversations, messages, review_marks, feedback)


def create_tables(engine: sa.engine.Engine) -> None:
    """Creates the insights tables (never Rasa's `events`) if they are missing."""
    metadata.create_all(engine, tables=list(OWN_TABLES))
