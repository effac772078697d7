"""Retention on the default SQLite store: `python -m sedorum.stores.retention --days N`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.stores import retention


def conversation(sender: str, age_days: float) -> DialogueStateTracker:
    stamp = time.time() - age_days * 86400
    return DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_listen", timestamp=stamp), UserUttered("hello", timestamp=stamp + 1)],
    )


def test_retention_erases_conversations_idle_longer_than_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEDORUM_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SEDORUM_TRACKER_DB_URL", raising=False)
    store = retention.open_tracker_store()
    for sender, age in (("old", 45), ("edge", 29), ("new", 0)):
        asyncio.run(store.save(conversation(sender, age)))

    assert retention.main(["--days", "30"]) == 0
    assert "erased 2 events" in capsys.readouterr().out

    remaining = {row for row in asyncio.run(store.keys())}
    assert remaining == {"edge", "new"}


def test_retention_reads_its_default_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SEDORUM_RETENTION_DAYS", "10")
    monkeypatch.delenv("SEDORUM_TRACKER_DB_URL", raising=False)
    store = retention.open_tracker_store()
    asyncio.run(store.save(conversation("eleven-days", 11)))
    assert retention.main([]) == 0
    assert list(asyncio.run(store.keys())) == []


def test_retention_refuses_a_non_positive_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert retention.main(["--days", "0"]) == 2
    with pytest.raises(ValueError):
        retention.erase_expired(object(), -1)
