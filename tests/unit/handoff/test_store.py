"""The handoff store: idempotent requests, atomic claims, audit trail, privacy deletion.

Runs on SQLite always, and on PostgreSQL too when SEDORUM_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from sedorum.handoff import store as store_module
from sedorum.handoff.store import HandoffStore, open_store

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SEDORUM_TEST_POSTGRES_URL") else [])


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'handoff.db'}"
    return os.environ["SEDORUM_TEST_POSTGRES_URL"]


@pytest.fixture
def store(db_url: str) -> HandoffStore:
    return open_store(db_url)


@pytest.fixture
def sender() -> str:
    return "visitor-" + uuid.uuid4().hex[:10]


def test_request_opens_a_waiting_handoff_with_findings(store: HandoffStore, sender: str) -> None:
    handoff = store.request(sender, "socketio", "asked_for_person", ["S2_kidney", "S6_iron"])
    assert handoff.status == "waiting"
    assert handoff.reason == "asked_for_person"
    assert handoff.findings == ["S2_kidney", "S6_iron"]
    assert handoff.claimed_by is None
    assert store.get_open(sender) == handoff
    assert [e.action for e in store.audit_trail(handoff.id)] == ["requested"]


def test_request_is_idempotent_and_escalates_to_emergency(store: HandoffStore, sender: str) -> None:
    first = store.request(sender, "socketio", "asked_for_person", ["S4_pregnancy"])
    again = store.request(sender, "socketio", "not_understood")
    assert again.id == first.id
    assert again.reason == "asked_for_person"
    emergency = store.request(sender, "socketio", "emergency", ["S1_emergency", "S4_pregnancy"])
    assert emergency.id == first.id
    assert emergency.reason == "emergency"
    assert emergency.findings == ["S4_pregnancy", "S1_emergency"]
    assert len([h for h in store.list_open() if h.sender_id == sender]) == 1


def test_unknown_reason_is_rejected(store: HandoffStore, sender: str) -> None:
    with pytest.raises(ValueError):
        store.request(sender, "rest", "bored")


def test_second_claim_is_refused(store: HandoffStore, sender: str) -> None:
    handoff = store.request(sender, "socketio", "asked_for_person")
    assert store.claim(handoff.id, "alice") is True
    assert store.claim(handoff.id, "bob") is False
    assert store.claim(handoff.id, "alice") is False
    claimed = store.get(handoff.id)
    assert claimed is not None and claimed.status == "claimed" and claimed.claimed_by == "alice"
    assert claimed.claimed_at is not None


def test_concurrent_claims_from_two_processes_have_one_winner(db_url: str, sender: str) -> None:
    """Two engines (as in two processes) and many threads race; exactly one claim wins."""
    handoff = open_store(db_url).request(sender, "socketio", "asked_for_person")
    second_process = HandoffStore(store_module._create_engine(db_url))
    stores = [open_store(db_url), second_process]
    results: list[bool] = []
    barrier = threading.Barrier(8, timeout=20)

    def claim(index: int) -> None:
        barrier.wait()
        results.append(stores[index % 2].claim(handoff.id, f"staff{index}"))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert [e.action for e in open_store(db_url).audit_trail(handoff.id)].count("claimed") == 1


def test_concurrent_requests_open_one_handoff(db_url: str, sender: str) -> None:
    barrier = threading.Barrier(6, timeout=20)
    ids: list[int] = []

    def request() -> None:
        store = HandoffStore(store_module._create_engine(db_url))
        barrier.wait()
        ids.append(store.request(sender, "socketio", "asked_for_person").id)

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1


def test_release_hands_back_and_allows_a_new_handoff_later(store: HandoffStore, sender: str) -> None:
    handoff = store.request(sender, "socketio", "asked_for_person")
    store.claim(handoff.id, "alice")
    assert store.release(handoff.id, "bob") is False, "only the claimer may hand back"
    assert store.release(handoff.id, "alice") is True
    ended = store.get(handoff.id)
    assert ended is not None and ended.status == "returned" and ended.ended_by == "alice"
    assert store.get_open(sender) is None
    assert store.release(handoff.id, "alice") is False, "already ended"
    later = store.request(sender, "socketio", "order_problem")
    assert later.id != handoff.id and later.status == "waiting"


def test_close_and_unclaim(store: HandoffStore, sender: str) -> None:
    handoff = store.request(sender, "rest", "not_understood")
    store.claim(handoff.id, "alice")
    assert store.unclaim(handoff.id, "bob") is False
    assert store.unclaim(handoff.id, "alice") is True
    assert store.get(handoff.id).status == "waiting"  # type: ignore[union-attr]
    assert store.claim(handoff.id, "bob") is True
    assert store.release(handoff.id, "bob", close=True) is True
    assert store.get(handoff.id).status == "closed"  # type: ignore[union-attr]


def test_audit_keeps_who_did_what_and_every_staff_message(store: HandoffStore, sender: str) -> None:
    handoff = store.request(sender, "socketio", "order_problem")
    store.claim(handoff.id, "alice")
    store.add_message(handoff.id, "alice", "Hello, I can see your order.")
    store.add_message(handoff.id, "alice", "It ships tomorrow.")
    store.release(handoff.id, "alice")
    trail = store.audit_trail(handoff.id)
    assert [(e.actor, e.action) for e in trail] == [
        ("assistant", "requested"),
        ("alice", "claimed"),
        ("alice", "message"),
        ("alice", "message"),
        ("alice", "returned"),
    ]
    assert [e.text for e in trail if e.action == "message"] == ["Hello, I can see your order.", "It ships tomorrow."]
    assert all(e.at.tzinfo is not None for e in trail)


def test_list_open_puts_emergencies_first_and_hides_ended(store: HandoffStore) -> None:
    tag = uuid.uuid4().hex[:6]
    calm = store.request(f"a-{tag}", "socketio", "asked_for_person")
    urgent = store.request(f"b-{tag}", "socketio", "emergency", ["S1_emergency"])
    done = store.request(f"c-{tag}", "socketio", "not_understood")
    store.release(done.id, "alice", close=True)
    ours = [h.id for h in store.list_open() if h.sender_id.endswith(tag)]
    assert ours == [urgent.id, calm.id]


def test_save_contact_is_kept_on_the_handoff(store: HandoffStore, sender: str) -> None:
    handoff = store.request(sender, "socketio", "asked_for_person")
    store.save_contact(sender, " ann@example.org ")
    assert store.get(handoff.id).contact == "ann@example.org"  # type: ignore[union-attr]
    assert store.audit_trail(handoff.id)[-1].action == "contact_saved"
    assert store.audit_trail(handoff.id)[-1].text is None, "the audit row must not copy the contact"
    with pytest.raises(LookupError):
        store.save_contact("nobody-" + sender, "x@example.org")


def test_delete_sender_erases_everything_about_them(store: HandoffStore, db_url: str, sender: str) -> None:
    other = store.request("other-" + sender, "socketio", "asked_for_person")
    first = store.request(sender, "socketio", "asked_for_person", ["S2_kidney"])
    store.save_contact(sender, "07700 900123")
    store.claim(first.id, "alice")
    store.add_message(first.id, "alice", "Hi")
    store.release(first.id, "alice")
    store.request(sender, "socketio", "emergency")
    deleted = store.delete_sender(sender)
    assert deleted >= 7
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        for table in (store_module.handoffs, store_module.audit):
            rows = conn.execute(sa.select(table).where(table.c.sender_id == sender)).all()
            assert rows == []
    engine.dispose()
    assert store.get(other.id) is not None, "other visitors are untouched"
    assert store.delete_sender(sender) == 0


def test_open_store_defaults_to_sqlite_in_the_var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SEDORUM_HANDOFF_DB_URL", raising=False)
    monkeypatch.delenv("SEDORUM_TRACKER_DB_URL", raising=False)
    monkeypatch.setenv("SEDORUM_VAR_DIR", str(tmp_path))
    assert store_module.store_url() == f"sqlite:///{tmp_path / 'handoff.db'}"
    open_store().request("someone", "rest", "asked_for_person")
    assert (tmp_path / "handoff.db").exists()


def test_store_url_prefers_explicit_then_tracker_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_TRACKER_DB_URL", "postgresql://u:p@db:5432/rasa")
    monkeypatch.delenv("SEDORUM_HANDOFF_DB_URL", raising=False)
    assert store_module.store_url() == "postgresql://u:p@db:5432/rasa"
    monkeypatch.setenv("SEDORUM_HANDOFF_DB_URL", "sqlite:////tmp/x.db")
    assert store_module.store_url() == "sqlite:////tmp/x.db"


def test_data_survives_a_new_engine(db_url: str, sender: str) -> None:
    """Nothing is lost on restart: a fresh engine (new process) sees the same handoff."""
    handoff = open_store(db_url).request(sender, "socketio", "asked_for_person")
    fresh = HandoffStore(store_module._create_engine(db_url))
    assert fresh.get_open(sender) == handoff
