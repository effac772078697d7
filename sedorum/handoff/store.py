"""The handoff store: conversations waiting for a person, who took them, and the audit trail.

Why a database and not process memory: the custom actions (action-server process) open
handoffs and the staff console (Rasa process) claims and answers them, so both must see the
same rows, and nothing may be lost on restart. SQLAlchemy 1.4 core keeps one code path for
the SQLite default and PostgreSQL.

Race safety comes from the database, not from Python locks (there are several processes):
- at most one *open* handoff per sender: the `open_sender` column holds the sender id while
  the handoff is open and NULL afterwards, under a UNIQUE constraint (NULLs never collide);
- a claim is a conditional `UPDATE ... WHERE claimed_by IS NULL`: exactly one staff member's
  UPDATE changes a row, every other claim sees rowcount 0 and is refused.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from sedorum.vocabulary import HANDOFF_CLAIMED, HANDOFF_CLOSED, HANDOFF_RETURNED, HANDOFF_WAITING

REASONS = ("asked_for_person", "not_understood", "order_problem", "emergency")
WAITING, CLAIMED, RETURNED, CLOSED = HANDOFF_WAITING, HANDOFF_CLAIMED, HANDOFF_RETURNED, HANDOFF_CLOSED
OPEN_STATUSES = (WAITING, CLAIMED)

metadata = sa.MetaData()

handoffs = sa.Table(
    "handoff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    # The sender id while the handoff is open, NULL once it is returned or closed: the
    # UNIQUE constraint then allows one open handoff per sender across processes.
    sa.Column("open_sender", sa.String(255), nullable=True, unique=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("findings", sa.Text, nullable=False, default="[]"),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("contact", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("claimed_at", sa.DateTime, nullable=True),
    sa.Column("ended_by", sa.String(64), nullable=True),
    sa.Column("ended_at", sa.DateTime, nullable=True),
)

audit = sa.Table(
    "handoff_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoff.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    # requested | escalated | contact_saved | claimed | unclaimed | message | returned | closed
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=True),
)

# Visitors who asked to delete their data while an emergency handoff was open: their chat is
# kept for staff until the handoff is closed, then erased (S1 before S12).
pending_erasure = sa.Table(
    "pending_erasure",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("requested_at", sa.DateTime, nullable=False),
)

staff = sa.Table(
    "handoff_staff",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def _now() -> datetime:
    """Naive UTC: SQLite drops time zones, so every stored timestamp is UTC by convention."""
    return datetime.now(UTC).replace(tzinfo=None)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _aware_required(value: datetime | None) -> datetime:
    """A NOT NULL timestamp column, made timezone-aware."""
    aware = _aware(value)
    if aware is None:
        raise ValueError("a required timestamp is missing")
    return aware


@dataclass(frozen=True)
class Handoff:
    """One request for a person, from the visitor's first trigger until it is returned or closed."""

    id: int
    sender_id: str
    channel: str
    reason: str
    findings: list[str]
    status: str
    contact: str | None
    created_at: datetime
    updated_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    ended_by: str | None = None
    ended_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def to_json(self) -> dict:
        """JSON-able form for the staff console (ISO timestamps in UTC)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "sender_id": self.sender_id,
            "channel": self.channel,
            "reason": self.reason,
            "findings": list(self.findings),
            "status": self.status,
            "contact": self.contact,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "claimed_by": self.claimed_by,
            "claimed_at": iso(self.claimed_at),
            "ended_by": self.ended_by,
            "ended_at": iso(self.ended_at),
        }


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to a handoff and when; staff messages carry their text."""

    id: int
    handoff_id: int
    sender_id: str
    at: datetime
    actor: str
    action: str
    text: str | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "handoff_id": self.handoff_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "text": self.text,
        }


@dataclass
class HandoffStore:
    """All handoff reads and writes. Thread- and process-safe through the database."""

    engine: Engine

    # -- visitor side (called by the custom actions) ---------------------------------------

    def request(self, sender_id: str, channel: str, reason: str, findings: list[str] | None = None) -> Handoff:
        """Opens a handoff for `sender_id`, or returns the one already open (idempotent).

        A later emergency escalates an open handoff's reason to "emergency" and every new
        safety finding is added, so staff see the most urgent reason first.
        """
        if reason not in REASONS:
            raise ValueError(f"unknown handoff reason {reason!r}; expected one of {REASONS}")
        new_findings = [str(f) for f in (findings or [])]
        existing = self.get_open(sender_id)
        if existing is None:
            now = _now()
            try:
                with self.engine.begin() as conn:
                    result = conn.execute(
                        handoffs.insert().values(
                            sender_id=sender_id,
                            open_sender=sender_id,
                            channel=channel or "unknown",
                            reason=reason,
                            findings=json.dumps(_dedupe(new_findings)),
                            status=WAITING,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    handoff_id = result.inserted_primary_key[0]
                    self._audit(conn, handoff_id, sender_id, "assistant", "requested", reason)
                return self._get(handoff_id)
            except IntegrityError:
                # Another process opened one between our read and our insert: use theirs.
                existing = self.get_open(sender_id)
                if existing is None:
                    raise
        return self._merge(existing, reason, new_findings)

    def _merge(self, existing: Handoff, reason: str, new_findings: list[str]) -> Handoff:
        findings = _dedupe([*existing.findings, *new_findings])
        escalate = reason == "emergency" and existing.reason != "emergency"
        if findings == existing.findings and not escalate:
            return existing
        with self.engine.begin() as conn:
            values: dict = {"findings": json.dumps(findings), "updated_at": _now()}
            if escalate:
                values["reason"] = "emergency"
                self._audit(conn, existing.id, existing.sender_id, "assistant", "escalated", reason)
            conn.execute(handoffs.update().where(handoffs.c.id == existing.id).values(**values))
        return self._get(existing.id)

    def get_open(self, sender_id: str) -> Handoff | None:
        """The sender's waiting or claimed handoff, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(handoffs).where(handoffs.c.open_sender == sender_id)).first()
        return _handoff(row) if row else None

    def latest(self, sender_id: str) -> Handoff | None:
        """The sender's most recent handoff, open or not."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(handoffs).where(handoffs.c.sender_id == sender_id).order_by(handoffs.c.id.desc()).limit(1)
            ).first()
        return _handoff(row) if row else None

    def save_contact(self, sender_id: str, contact: str) -> None:
        """Keeps the email or phone number a visitor left outside office hours.

        Stored on the open handoff (or the latest one, if staff already closed it), so the
        console shows whom to call back. The audit row says a contact was left, not what it is.
        """
        target = self.get_open(sender_id) or self.latest(sender_id)
        if target is None:
            raise LookupError(f"no handoff for sender {sender_id!r}")
        with self.engine.begin() as conn:
            conn.execute(
                handoffs.update().where(handoffs.c.id == target.id).values(contact=contact.strip(), updated_at=_now())
            )
            self._audit(conn, target.id, sender_id, "visitor", "contact_saved", None)

    # -- staff side (called by the console in the Rasa process) ----------------------------

    def get(self, handoff_id: int) -> Handoff | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
        return _handoff(row) if row else None

    def _get(self, handoff_id: int) -> Handoff:
        found = self.get(handoff_id)
        if found is None:
            raise LookupError(f"handoff {handoff_id} vanished")
        return found

    def list_open(self) -> list[Handoff]:
        """Waiting and claimed handoffs, emergencies first, then oldest first."""
        urgency = sa.case((handoffs.c.reason == "emergency", 0), else_=1)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(handoffs)
                .where(handoffs.c.status.in_(OPEN_STATUSES))
                .order_by(urgency, handoffs.c.created_at, handoffs.c.id)
            ).all()
        return [_handoff(row) for row in rows]

    def claim(self, handoff_id: int, staff: str) -> bool:
        """Atomically gives a waiting handoff to `staff`; False if anyone already has it."""
        now = _now()
        with self.engine.begin() as conn:
            result = conn.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.claimed_by.is_(None), handoffs.c.status == WAITING)
                .values(status=CLAIMED, claimed_by=staff, claimed_at=now, updated_at=now)
            )
            if result.rowcount != 1:
                return False
            sender = conn.execute(sa.select(handoffs.c.sender_id).where(handoffs.c.id == handoff_id)).scalar_one()
            self._audit(conn, handoff_id, sender, staff, "claimed", None)
        return True

    def unclaim(self, handoff_id: int, staff: str) -> bool:
        """Puts a claimed handoff back in the queue (only its claimer can); used to undo a claim."""
        with self.engine.begin() as conn:
            result = conn.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.claimed_by == staff, handoffs.c.status == CLAIMED)
                .values(status=WAITING, claimed_by=None, claimed_at=None, updated_at=_now())
            )
            if result.rowcount != 1:
                return False
            sender = conn.execute(sa.select(handoffs.c.sender_id).where(handoffs.c.id == handoff_id)).scalar_one()
            self._audit(conn, handoff_id, sender, staff, "unclaimed", None)
        return True

    def release(self, handoff_id: int, staff: str, close: bool = False) -> bool:
        """Ends a handoff: back to the assistant ("returned"), or `close=True` ("closed").

        Only the staff member who claimed it may end a claimed handoff; anyone may close one
        still waiting (e.g. the visitor left). False when not allowed or already ended.
        """
        now = _now()
        status = CLOSED if close else RETURNED
        may_end = sa.or_(
            sa.and_(handoffs.c.status == CLAIMED, handoffs.c.claimed_by == staff),
            handoffs.c.status == WAITING,
        )
        with self.engine.begin() as conn:
            result = conn.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, may_end)
                .values(status=status, open_sender=None, ended_by=staff, ended_at=now, updated_at=now)
            )
            if result.rowcount != 1:
                return False
            sender = conn.execute(sa.select(handoffs.c.sender_id).where(handoffs.c.id == handoff_id)).scalar_one()
            self._audit(conn, handoff_id, sender, staff, status, None)
        return True

    def add_message(self, handoff_id: int, author: str, text: str) -> AuditEntry:
        """Records a staff message in the audit trail (kept with the conversation)."""
        with self.engine.begin() as conn:
            sender = conn.execute(
                sa.select(handoffs.c.sender_id).where(handoffs.c.id == handoff_id)
            ).scalar_one_or_none()
            if sender is None:
                raise LookupError(f"no handoff {handoff_id}")
            entry_id = self._audit(conn, handoff_id, sender, author, "message", text)
            conn.execute(handoffs.update().where(handoffs.c.id == handoff_id).values(updated_at=_now()))
        return next(entry for entry in self.audit_trail(handoff_id) if entry.id == entry_id)

    def audit_trail(self, handoff_id: int) -> list[AuditEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(audit).where(audit.c.handoff_id == handoff_id).order_by(audit.c.at, audit.c.id)
            ).all()
        return [_audit_entry(row) for row in rows]

    def sender_history(self, sender_id: str) -> list[Handoff]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(handoffs).where(handoffs.c.sender_id == sender_id).order_by(handoffs.c.id)
            ).all()
        return [_handoff(row) for row in rows]

    # -- privacy (S12) ---------------------------------------------------------------------

    def delete_sender(self, sender_id: str) -> int:
        """Erases every handoff and audit row about `sender_id`; returns the rows deleted."""
        with self.engine.begin() as conn:
            deleted = conn.execute(audit.delete().where(audit.c.sender_id == sender_id)).rowcount
            deleted += conn.execute(handoffs.delete().where(handoffs.c.sender_id == sender_id)).rowcount
            conn.execute(pending_erasure.delete().where(pending_erasure.c.sender_id == sender_id))
        return deleted

    def emergency_open(self, sender_id: str) -> bool:
        """Whether the sender has an open handoff for an emergency (staff need the chat)."""
        handoff = self.get_open(sender_id)
        return handoff is not None and handoff.reason == "emergency"

    def defer_erasure(self, sender_id: str) -> None:
        """Erase the sender's data when their open emergency handoff is closed, not now."""
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(pending_erasure.c.sender_id).where(pending_erasure.c.sender_id == sender_id)
            ).first()
            if not exists:
                conn.execute(pending_erasure.insert().values(sender_id=sender_id, requested_at=_now()))

    def erasure_pending(self, sender_id: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(pending_erasure.c.sender_id).where(pending_erasure.c.sender_id == sender_id)
            ).first()
        return row is not None

    # -- staff accounts (hashes only; see sedorum.handoff.accounts) ------------------------

    def put_staff(self, name: str, password_hash: str) -> None:
        with self.engine.begin() as conn:
            updated = conn.execute(staff.update().where(staff.c.name == name).values(password_hash=password_hash))
            if updated.rowcount == 0:
                conn.execute(staff.insert().values(name=name, password_hash=password_hash, created_at=_now()))

    def staff_hash(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(staff.c.password_hash).where(staff.c.name == name)).scalar_one_or_none()

    def staff_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(staff.c.name).order_by(staff.c.name)).scalars())

    def remove_staff(self, name: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(staff.delete().where(staff.c.name == name)).rowcount == 1

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _audit(
        conn: sa.engine.Connection, handoff_id: int, sender_id: str, actor: str, action: str, text: str | None
    ) -> int:
        result = conn.execute(
            audit.insert().values(
                handoff_id=handoff_id, sender_id=sender_id, at=_now(), actor=actor, action=action, text=text
            )
        )
        return result.inserted_primary_key[0]


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def _handoff(row: sa.engine.Row) -> Handoff:
    data = row._mapping
    try:
        findings = json.loads(data["findings"] or "[]")
    except ValueError:
        findings = []
    return Handoff(
        id=data["id"],
        sender_id=data["sender_id"],
        channel=data["channel"],
        reason=data["reason"],
        findings=[str(f) for f in findings] if isinstance(findings, list) else [],
        status=data["status"],
        contact=data["contact"],
        created_at=_aware_required(data["created_at"]),
        updated_at=_aware_required(data["updated_at"]),
        claimed_by=data["claimed_by"],
        claimed_at=_aware(data["claimed_at"]),
        ended_by=data["ended_by"],
        ended_at=_aware(data["ended_at"]),
    )


def _audit_entry(row: sa.engine.Row) -> AuditEntry:
    data = row._mapping
    return AuditEntry(
        id=data["id"],
        handoff_id=data["handoff_id"],
        sender_id=data["sender_id"],
        at=_aware_required(data["at"]),
        actor=data["actor"],
        action=data["action"],
        text=data["text"],
    )


# -- opening -------------------------------------------------------------------------------

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def store_url() -> str:
    """SEDORUM_HANDOFF_DB_URL, else the tracker's PostgreSQL, else SQLite under the var dir."""
    explicit = os.environ.get("SEDORUM_HANDOFF_DB_URL", "").strip()
    if explicit:
        return explicit
    tracker = os.environ.get("SEDORUM_TRACKER_DB_URL", "").strip()
    if tracker:
        return tracker
    from sedorum.settings import PROJECT_ROOT

    var_dir = Path(os.environ.get("SEDORUM_VAR_DIR", "").strip() or PROJECT_ROOT / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var_dir / 'handoff.db'}"


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 15, "check_same_thread": False}, future=True)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            # WAL lets the action server write while the console reads; foreign keys for CASCADE.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        engine = sa.create_engine(url, pool_pre_ping=True, future=True)
    _create_tables(engine)
    return engine


def _create_tables(engine: Engine, attempts: int = 5) -> None:
    """CREATE TABLE IF MISSING, tolerating another process creating them at the same moment.

    The action server and the Rasa server start together and both open the store; the
    loser of that race sees "already exists" and simply checks again.
    """
    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def open_store(url: str | None = None) -> HandoffStore:
    """The store for this deployment; engines (and table creation) are made once per URL."""
    url = url or store_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create_engine(url)
    return HandoffStore(engine)
