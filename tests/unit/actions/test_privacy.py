"""S12 from the visitor's side: "delete my data" and what is left of them afterwards.

The deletion action runs on a real rasa-sdk tracker against the real handoff store (a SQLite
file per test); its events then go, as Rasa would apply them, through the real erasing
tracker store. A visitor who does not ask for deletion keeps their conversation.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet as SlotSetEvent
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import ActionAskDeletion, ActionCancelDeletion, ActionDeleteData
from sedorum.handoff.store import HandoffStore, open_store
from sedorum.stores.tracker_store import ErasableSQLTrackerStore

ROOT = Path(__file__).resolve().parents[3]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
VISITOR, OTHER = "visitor-privacy", "visitor-other"
PROFILE = {"age": 70, "conditions": ["kidney_disease"]}


@pytest.fixture
def handoffs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HandoffStore:
    """The store the action opens (SEDORUM_HANDOFF_DB_URL), on a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("SEDORUM_HANDOFF_DB_URL", url)
    return open_store(url)


@pytest.fixture
def conversations(tmp_path: Path) -> ErasableSQLTrackerStore:
    return ErasableSQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(tmp_path / "t.db"))


def asking(text: str, intent: str, slots: dict[str, Any], sender: str = VISITOR) -> Tracker:
    parse = {"intent": {"name": intent, "confidence": 0.95}, "entities": [], "text": text}
    events = [{"event": "user", "text": text, "parse_data": parse}]
    latest = {**parse, "intent_ranking": [parse["intent"]]}
    return Tracker(sender, dict(slots), latest, events, False, None, {}, "action_listen")


def delete(slots: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Runs the action for "delete my data"; returns the messages and the events."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionDeleteData().run(dispatcher, asking("delete my data", "delete_data", slots), DOMAIN))
    return dispatcher.messages, events


def earlier_turns(sender: str) -> list[Event]:
    """A conversation in which the visitor shared health details and asked for a person."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("I'm 70 and have kidney disease", {"name": "inform", "confidence": 0.9}),
        ActionExecuted("action_remember_profile"),
        SlotSet("safety_profile", PROFILE),
        SlotSet("age", 70.0),
        SlotSet("kidney_disease", True),
        BotUttered("From what you told me, please note: ..."),
        ActionExecuted("action_listen"),
        UserUttered("can I talk to a person", {"name": "request_human", "confidence": 0.9}),
        ActionExecuted("action_handoff"),
        SlotSet("handoff", "waiting"),
        ActionExecuted("action_listen"),
    ]


def test_deletion_is_asked_once_then_done_by_the_action_the_tracker_store_names() -> None:
    rules = yaml.safe_load((ROOT / "data" / "rules" / "handoff_privacy.yml").read_text(encoding="utf-8"))["rules"]
    asked = next(rule["steps"] for rule in rules if rule["steps"][0] == {"intent": "delete_data"})
    assert asked[1] == {"action": ActionAskDeletion().name()}
    confirmed = next(
        r["steps"]
        for r in rules
        if {"intent": "affirm"} in r["steps"] and {"action": "action_ask_deletion"} in r["steps"]
    )
    assert confirmed[-1] == {"action": ActionDeleteData().name()}
    cancelled = next(
        r["steps"]
        for r in rules
        if {"intent": "deny"} in r["steps"] and {"action": "action_ask_deletion"} in r["steps"]
    )
    assert cancelled[-1] == {"action": ActionCancelDeletion().name()}
    from sedorum.stores.tracker_store import DELETE_ACTION

    assert DELETE_ACTION == ActionDeleteData().name() == "action_delete_data"


def test_deleting_erases_the_visitors_handoff_and_contact_and_confirms(handoffs: HandoffStore) -> None:
    mine = handoffs.request(VISITOR, "socketio", "asked_for_person", ["kidney_disease"])
    handoffs.save_contact(VISITOR, "07700 900123")
    theirs = handoffs.request(OTHER, "socketio", "emergency")
    handoffs.defer_erasure(VISITOR)  # an older request that no longer applies

    messages, events = delete({"handoff": "waiting", "safety_profile": PROFILE})

    assert [m["response"] for m in messages] == ["utter_data_deleted"]
    assert "erased" in DOMAIN["responses"]["utter_data_deleted"][0]["text"]
    assert events == [{"event": "reset_slots", "timestamp": None}]
    assert handoffs.get(mine.id) is None and handoffs.sender_history(VISITOR) == []
    assert handoffs.audit_trail(mine.id) == []
    # Another visitor's request for a person is untouched, contact trail and all.
    kept = handoffs.get(theirs.id)
    assert kept is not None and kept.is_open and kept.reason == "emergency"
    assert [entry.action for entry in handoffs.audit_trail(theirs.id)] == ["requested"]


def test_deleting_with_nothing_stored_still_confirms(handoffs: HandoffStore) -> None:
    messages, events = delete({})
    assert [m["response"] for m in messages] == ["utter_data_deleted"]
    assert [e["event"] for e in events] == ["reset_slots"]
    assert handoffs.sender_history(VISITOR) == []


def test_after_deleting_the_conversation_remembers_nothing_of_the_visitor(handoffs: HandoffStore) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_events(VISITOR, earlier_turns(VISITOR), slots=domain.slots)
    assert tracker.get_slot("safety_profile") == PROFILE and tracker.get_slot("handoff") == "waiting"
    _, events = delete(tracker.current_slot_values())
    for event in events:
        tracker.update(Event.from_parameters(event))
    assert tracker.get_slot("safety_profile") is None and tracker.get_slot("age") is None
    assert tracker.get_slot("handoff") is None  # the assistant answers again, as for a new visitor
    assert tracker.get_slot("emergency_number") == "999"  # configuration, not the visitor's data: kept


def test_the_deletion_turn_erases_the_stored_conversation(
    handoffs: HandoffStore, conversations: ErasableSQLTrackerStore
) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    before = DialogueStateTracker.from_events(VISITOR, earlier_turns(VISITOR), slots=domain.slots)
    asyncio.run(conversations.save(before))
    other = DialogueStateTracker.from_events(OTHER, earlier_turns(OTHER), slots=domain.slots)
    asyncio.run(conversations.save(other))
    assert asyncio.run(conversations.retrieve(VISITOR)) is not None

    # The turn as Rasa records it: the message, the action, its events, its reply.
    _, events = delete(before.current_slot_values())
    turn = [
        UserUttered("delete my data", {"name": "delete_data", "confidence": 0.95}),
        ActionExecuted(ActionDeleteData().name()),
        *(Event.from_parameters(event) for event in events),
        BotUttered(DOMAIN["responses"]["utter_data_deleted"][0]["text"]),
    ]
    after = DialogueStateTracker.from_events(VISITOR, [*earlier_turns(VISITOR), *turn], slots=domain.slots)
    asyncio.run(conversations.save(after))

    assert asyncio.run(conversations.retrieve(VISITOR)) is None
    kept = asyncio.run(conversations.retrieve(OTHER))
    assert kept is not None and kept.get_slot("safety_profile") == PROFILE


def test_a_visitor_who_does_not_ask_for_deletion_keeps_their_conversation(
    handoffs: HandoffStore, conversations: ErasableSQLTrackerStore
) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    handoffs.request(VISITOR, "socketio", "asked_for_person")
    # "No, keep my details" after being told what is stored: no deletion action runs.
    keep = [
        UserUttered("no, keep my details", {"name": "deny", "confidence": 0.9}),
        ActionExecuted("utter_anything_else"),
        BotUttered("Is there anything else I can help with?"),
    ]
    tracker = DialogueStateTracker.from_events(VISITOR, [*earlier_turns(VISITOR), *keep], slots=domain.slots)
    asyncio.run(conversations.save(tracker))
    stored = asyncio.run(conversations.retrieve(VISITOR))
    assert stored is not None
    assert stored.get_slot("safety_profile") == PROFILE and stored.latest_message.text == "no, keep my details"
    assert handoffs.get_open(VISITOR) is not None


def test_asking_and_calling_off_the_deletion() -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAskDeletion().run(dispatcher, asking("delete my data", "delete_data", {}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_delete_confirmation"]
    assert events == [SlotSetEvent("deletion_asked", True)]
    buttons = DOMAIN["responses"]["utter_ask_delete_confirmation"][0]["buttons"]
    assert {b["payload"] for b in buttons} == {"/affirm", "/deny"}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionCancelDeletion().run(dispatcher, asking("no", "deny", {}), DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_deletion_cancelled"] and events == [
        SlotSetEvent("deletion_asked", False)
    ]


def test_during_an_open_emergency_the_chat_stays_for_staff_and_is_erased_when_they_close_it(
    handoffs: HandoffStore, conversations: ErasableSQLTrackerStore
) -> None:
    emergency = handoffs.request(VISITOR, "socketio", "emergency")
    messages, events = delete({"handoff": "waiting", "emergency_flagged": True})
    # the help lines stay in sight: erasing the chat is no reason to stop offering them
    assert [m["response"] for m in messages] == ["utter_data_deletion_deferred", "utter_help_lines_reminder"]
    assert (
        SlotSetEvent("erasure_deferred", True) in events and {"event": "reset_slots", "timestamp": None} not in events
    )
    assert handoffs.get(emergency.id) is not None and handoffs.erasure_pending(VISITOR)
    # The turn is stored, not erased: staff still see the chat.
    tracker = DialogueStateTracker.from_events(
        VISITOR, [*earlier_turns(VISITOR), ActionExecuted("action_delete_data"), SlotSet("erasure_deferred", True)]
    )
    asyncio.run(conversations.save(tracker))
    assert asyncio.run(conversations.retrieve(VISITOR)) is not None
    # Closing the handoff is what erases it (the console's release endpoint calls these).
    conversations.delete_sender(VISITOR)
    handoffs.delete_sender(VISITOR)
    assert asyncio.run(conversations.retrieve(VISITOR)) is None and not handoffs.erasure_pending(VISITOR)


def test_a_question_about_who_sees_the_chat_is_answered_before_the_offer_to_erase() -> None:
    from actions.privacy import ActionAskDeletion
    from tests.unit.actions.chat import Chat

    said, slots = (
        Chat()
        .says("who can see what I write here? I told you about my dialysis", "delete_data")
        .run(ActionAskDeletion())
    )
    assert said == ["<utter_privacy>", "<utter_ask_delete_confirmation>"]
    assert slots.get("deletion_asked") is True
