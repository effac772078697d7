"""The session bound: a long conversation gets a new session every N turns, nothing lost.

Uses Rasa's real SQL tracker store (SQLite in a temporary folder) to show that the tracker
loaded for a turn holds only the current session while every event stays stored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.conversation_events import turns_from_events
from sedorum.patches import session_bound
from sedorum.patches.session_bound import roll_over_events, should_roll_over, user_turns_in_current_session
from sedorum.safety.conversation import read_conversation

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_dosage, inform]
slots:
  handoff:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
  safety_profile:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
  age:
    type: float
    influence_conversation: false
    mappings: [{type: custom}]
  safety_earlier_turns:
    type: any
    influence_conversation: false
    mappings: [{type: custom}]
forms:
  safety_screening_form:
    required_slots: [age]
responses:
  utter_greet: [{text: "hi"}]
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: false
"""
)


def add_turns(tracker: DialogueStateTracker, turns: int, start: int = 0) -> None:
    for number in range(start, start + turns):
        tracker.update_with_events(
            [
                UserUttered(f"message {number}", {"name": "greet", "confidence": 1.0}),
                ActionExecuted("utter_greet"),
                BotUttered(f"reply {number}"),
                ActionExecuted(ACTION_LISTEN_NAME),
            ],
            DOMAIN,
        )


def new_tracker(sender: str = "long") -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update_with_events(
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)], DOMAIN
    )
    return tracker


def test_rolls_over_only_at_the_limit() -> None:
    tracker = new_tracker()
    add_turns(tracker, 4)
    assert not should_roll_over(tracker, 5)
    add_turns(tracker, 1, start=4)
    assert should_roll_over(tracker, 5)
    assert not should_roll_over(tracker, 0), "0 switches the bound off"


def test_never_rolls_over_inside_a_form_or_a_paused_conversation() -> None:
    tracker = new_tracker()
    add_turns(tracker, 6)
    tracker.update(ActiveLoop("safety_screening_form"), DOMAIN)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME), DOMAIN)
    assert not should_roll_over(tracker, 5)
    tracker.update(ActiveLoop(None), DOMAIN)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME), DOMAIN)
    assert should_roll_over(tracker, 5)


def test_every_slot_survives_the_roll_over() -> None:
    tracker = new_tracker()
    add_turns(tracker, 5)
    profile = {"age": 70, "medications": ["levodopa"]}
    tracker.update_with_events(
        [SlotSet("handoff", "waiting"), SlotSet("safety_profile", profile), SlotSet("age", 70.0)], DOMAIN
    )
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME), DOMAIN)
    tracker.update_with_events(roll_over_events(tracker), DOMAIN)
    assert user_turns_in_current_session(tracker.events) == 0
    assert tracker.get_slot("handoff") == "waiting"
    assert tracker.get_slot("safety_profile") == profile
    assert tracker.get_slot("age") == 70.0
    assert tracker.latest_action_name == ACTION_LISTEN_NAME


def test_processor_patch_rolls_over_and_the_store_keeps_everything(tmp_path: Path) -> None:
    """Through Rasa's SQL store: the live tracker is bounded, the full history is not."""
    from rasa.core.processor import MessageProcessor

    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))

    class Processor:  # what MessageProcessor._update_tracker_session needs from `self`
        domain = DOMAIN

        def _has_session_expired(self, tracker: DialogueStateTracker) -> bool:
            return False

    original = MessageProcessor._update_tracker_session
    try:
        session_bound.install(max_turns=5)

        async def conversation() -> tuple[DialogueStateTracker, DialogueStateTracker]:
            tracker = new_tracker()
            await store.save(tracker)
            for number in range(12):
                tracker = await store.retrieve("long")
                await MessageProcessor._update_tracker_session(Processor(), tracker, None)
                if number == 0:
                    tracker.update(SlotSet("handoff", "waiting"), DOMAIN)
                add_turns(tracker, 1, start=number)
                await store.save(tracker)
            return await store.retrieve("long"), await store.retrieve_full_tracker("long")

        live, full = asyncio.run(conversation())
    finally:
        MessageProcessor._update_tracker_session = original

    live_users = [e.text for e in live.events if isinstance(e, UserUttered)]
    full_users = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert live_users == ["message 10", "message 11"], "turns 1-5, 6-10, 11-12: the live session holds 2"
    assert full_users == [f"message {n}" for n in range(12)], "every message stored once, in order"
    assert sum(isinstance(e, SessionStarted) for e in full.events) == 3
    assert live.get_slot("handoff") == "waiting", "slots carried into every new session"


def test_what_the_visitor_said_before_a_roll_over_still_counts_after_it(tmp_path: Path) -> None:
    """Kidney disease named in the first message, a dose question three sessions later: the
    tracker the store loads holds only the last session, and the safety engine still reads the
    first message (the turns travel in safety_earlier_turns)."""
    from rasa.core.processor import MessageProcessor

    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))

    class Processor:
        domain = DOMAIN

        def _has_session_expired(self, tracker: DialogueStateTracker) -> bool:
            return False

    said = ["hi, I'm on dialysis three times a week", *[f"message {n}" for n in range(1, 12)]]
    original = MessageProcessor._update_tracker_session
    try:
        session_bound.install(max_turns=5)

        async def conversation() -> DialogueStateTracker:
            tracker = new_tracker()
            await store.save(tracker)
            for text in said:
                tracker = await store.retrieve("long")
                await MessageProcessor._update_tracker_session(Processor(), tracker, None)
                tracker.update_with_events(
                    [UserUttered(text, {"name": "greet", "confidence": 1.0}), ActionExecuted(ACTION_LISTEN_NAME)],
                    DOMAIN,
                )
                await store.save(tracker)
            return await store.retrieve("long")

        live = asyncio.run(conversation())
    finally:
        MessageProcessor._update_tracker_session = original

    assert [e.text for e in live.events if isinstance(e, UserUttered)] == ["message 10", "message 11"]
    turns = turns_from_events(event.as_dict() for event in live.applied_events())
    assert [turn.text for turn in turns] == said, "every message, in order, once"
    assert "kidney_disease" in read_conversation(turns).profile.conditions


def test_an_idle_session_start_forgets_what_was_said() -> None:
    """After an idle session end the slots are not carried: nothing said before counts."""
    tracker = new_tracker()
    tracker.update_with_events([UserUttered("I'm on dialysis"), ActionExecuted(ACTION_LISTEN_NAME)], DOMAIN)
    tracker.update_with_events(
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)], DOMAIN
    )
    tracker.update_with_events([UserUttered("what's the max dose?"), ActionExecuted(ACTION_LISTEN_NAME)], DOMAIN)
    turns = turns_from_events(event.as_dict() for event in tracker.applied_events())
    assert [turn.text for turn in turns] == ["what's the max dose?"]


@pytest.mark.parametrize("turns", [0, 1, 3])
def test_turn_counting(turns: int) -> None:
    tracker = new_tracker()
    add_turns(tracker, 7)
    tracker.update_with_events(roll_over_events(tracker), DOMAIN)
    add_turns(tracker, turns)
    assert user_turns_in_current_session(tracker.events) == turns
