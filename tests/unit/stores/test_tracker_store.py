"""S12 and retention on the SQL tracker store (SQLite here; PostgreSQL in tests/e2e)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.stores.tracker_store import ErasableSQLTrackerStore, deletion_requested_this_turn
from sedorum.stores.warm_up import warm_up_sender


def make_store(tmp_path: Path) -> ErasableSQLTrackerStore:
    return ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))


def tracker_with(sender: str, *events, timestamp: float | None = None) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=[])
    for event in events:
        if timestamp is not None:
            event.timestamp = timestamp
        tracker.update(event)
    return tracker


def test_deletion_is_detected_only_in_the_turn_that_asked() -> None:
    asked = tracker_with("a", UserUttered("delete my data"), ActionExecuted("action_delete_data"))
    assert deletion_requested_this_turn(asked)
    later = tracker_with("a", UserUttered("delete my data"), ActionExecuted("action_delete_data"), UserUttered("hello"))
    assert not deletion_requested_this_turn(later)


def test_deletion_turn_erases_every_stored_event_of_that_sender_only(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    asyncio.run(store.save(tracker_with("alice", UserUttered("I have kidney disease"), BotUttered("noted"))))
    asyncio.run(store.save(tracker_with("bob", UserUttered("hello"))))
    deleting = tracker_with(
        "alice",
        UserUttered("I have kidney disease"),
        BotUttered("noted"),
        UserUttered("delete my data"),
        ActionExecuted("action_delete_data"),
        BotUttered("deleted"),
    )
    asyncio.run(store.save(deleting))
    assert asyncio.run(store.retrieve("alice")) is None
    assert asyncio.run(store.retrieve("bob")) is not None


def test_retention_drops_only_conversations_older_than_the_limit(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    old = time.time() - 40 * 86400
    asyncio.run(store.save(tracker_with("old", UserUttered("hi"), timestamp=old)))
    asyncio.run(store.save(tracker_with("new", UserUttered("hi"))))
    assert store.delete_older_than(30) == 1
    assert asyncio.run(store.retrieve("old")) is None
    assert asyncio.run(store.retrieve("new")) is not None


def test_the_warm_up_turn_is_never_stored_and_only_the_token_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "secret-token")
    store = make_store(tmp_path)
    warm = warm_up_sender("secret-token")
    asyncio.run(store.save(tracker_with(warm, UserUttered("how much magnesium can I take a day?"))))
    asyncio.run(store.save(tracker_with(warm_up_sender("another-token"), UserUttered("hi"))))
    asyncio.run(store.save(tracker_with("warm-up-visitor", UserUttered("hi"))))
    assert asyncio.run(store.retrieve(warm)) is None
    assert asyncio.run(store.retrieve(warm_up_sender("another-token"))) is not None
    assert asyncio.run(store.retrieve("warm-up-visitor")) is not None
