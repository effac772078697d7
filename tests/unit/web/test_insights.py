"""The insights page's figures cache (sedorum.web.insights.Insights), without a server."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.insights import feedback
from sedorum.insights.db import make_engine
from sedorum.insights.figures import Period
from sedorum.insights.seed import Turn, conversation_events
from sedorum.settings import Settings
from sedorum.stores.tracker_store import ErasableSQLTrackerStore
from sedorum.web.insights import Insights

DAY = datetime(2026, 3, 2, 10, tzinfo=UTC).timestamp()
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 2))


def test_a_vote_cast_in_another_process_is_on_the_next_page_view(tmp_path: Path) -> None:
    """Votes add no tracker event, and a channel's vote may be recorded by another Rasa process
    than the one serving the page: the cache must not hide it."""
    store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker("tg-1", [])
    for event in conversation_events([Turn("what is rls", "ask_rls_overview")], DAY, channel="telegram"):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    insights = Insights(Settings(var_dir=tmp_path))
    assert insights.figures(PERIOD)["feedback_by_channel"] == []
    elsewhere = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")  # another process's connection
    assert feedback.record_by_key(elsewhere, "tg-1", feedback.answer_key("Here is what we know."), "down")
    assert insights.figures(PERIOD)["feedback_by_channel"] == [{"channel": "telegram", "up": 0, "down": 1}]
