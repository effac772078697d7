"""The SQL tracker store (SQLite by default, PostgreSQL when configured) with erasure.

Why a subclass: Rasa 3.6 has no way to delete a conversation (no API endpoint, no
retention). S12 needs "delete my data" to erase the stored events, and the retention job
needs to drop old conversations. Erasure must happen in the Rasa process *after* the turn is
saved: an erase from elsewhere would be undone, because Rasa re-inserts every event the
database does not hold yet.

The warm-up message the supervisor sends each Rasa process before it says "ready"
(sedorum/server/warm_up.py) is never written (sedorum/stores/warm_up.py).
"""

from __future__ import annotations

import logging
import time

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.stores.warm_up import is_warm_up

logger = logging.getLogger(__name__)

DELETE_ACTION = "action_delete_data"
# Set by the deletion action when an emergency is open: staff keep the chat until they close it.
DEFERRED_SLOT = "erasure_deferred"


def deletion_requested_this_turn(tracker: DialogueStateTracker) -> bool:
    """True when the deletion action ran after the latest user message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == DELETE_ACTION:
            return True
    return False


class ErasableSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that honours deletion requests and can drop expired conversations."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if is_warm_up(tracker.sender_id):
            return  # the start-up warm-up turn: not a visitor, nothing to keep or to count
        if deletion_requested_this_turn(tracker) and not tracker.get_slot(DEFERRED_SLOT):
            # Nothing of this conversation is written; what was written before is erased.
            self.delete_sender(tracker.sender_id)
            return
        await super().save(tracker)

    def delete_sender(self, sender_id: str) -> int:
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        logger.info("Erased %d stored events of conversation %s on request (S12).", deleted, sender_id)
        return deleted

    def delete_older_than(self, days: float, now: float | None = None) -> int:
        """Erases every conversation whose latest event is older than `days` (retention)."""
        import sqlalchemy as sa

        cutoff = (now or time.time()) - days * 86400
        with self.session_scope() as session:
            latest = (
                session.query(self.SQLEvent.sender_id)
                .group_by(self.SQLEvent.sender_id)
                .having(sa.func.max(self.SQLEvent.timestamp) < cutoff)
            )
            senders = [row[0] for row in latest.all()]
            deleted = 0
            if senders:
                deleted = (
                    session.query(self.SQLEvent)
                    .filter(self.SQLEvent.sender_id.in_(senders))
                    .delete(synchronize_session=False)
                )
            session.commit()
        logger.info("Retention: erased %d events of %d conversations older than %s days.", deleted, len(senders), days)
        return deleted
