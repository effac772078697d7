"""Bounds the live tracker of a long conversation: a new session every N user turns.

Why: Rasa 3.6 rebuilds the tracker of the current session from its events on every turn,
replays it for each policy prediction, and sends it to the action server with every custom
action, so a turn's cost grows with the conversation: in a 400-turn conversation the median
turn went from 29 ms (first 20 turns) to 397 ms (last 20). The cost is proportional to the
events *of the current session* only: the SQL tracker store loads the events after the
latest `SessionStarted`, and keeps every earlier event in the table.

So once a session holds `max_turns` user messages, the next message first starts a new
session, exactly as Rasa does after an idle timeout - with one difference: every slot is
carried over (the domain does not carry slots over after *idle* expiry, on purpose, but here
the user is still in the middle of talking to us: their screening answers, a pending
handoff, etc. must stay). The dialogue policies only look at the last 4 turns (max_history)
plus the slots, so they see what they would see after any session start; a form in progress
is never cut (the roll-over waits until no form is active), nor is a paused conversation.

Nothing is lost: the full history (all sessions) is still in the tracker store, returned by
`retrieve_full_tracker` (the HTTP API's tracker endpoint, the staff console's transcript) and
streamed to the event broker. A turn at length L then costs what a turn at length L mod N
costs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.conversation_events import CARRIED_TURNS_SLOT, turns_from_events, turns_to_slot
from sedorum.patches.declaration import Patch

logger = logging.getLogger(__name__)


def user_turns_in_current_session(events: Iterable[Event]) -> int:
    """Number of user messages after the latest SessionStarted."""
    turns = 0
    for event in events:
        if isinstance(event, SessionStarted):
            turns = 0
        elif isinstance(event, UserUttered):
            turns += 1
    return turns


def should_roll_over(tracker: DialogueStateTracker, max_turns: int) -> bool:
    """True at the start of a turn whose session already holds `max_turns` user messages.

    Never inside a form (its questions would be lost), while the conversation is paused, or
    in the middle of a turn (the last action must be action_listen).
    """
    if max_turns <= 0 or tracker.active_loop_name or tracker.is_paused():
        return False
    if tracker.latest_action_name != ACTION_LISTEN_NAME:
        return False
    return user_turns_in_current_session(tracker.events) >= max_turns


def carried_slots(tracker: DialogueStateTracker) -> list[SlotSet]:
    """A SlotSet for every slot whose value differs from its initial value, and the visitor's
    messages so far (the safety engine reads the whole conversation: a fact said before the new
    session must still count after it, whatever the tracker store loads of the old session)."""
    kept = [
        SlotSet(name, slot.value)
        for name, slot in tracker.slots.items()
        if slot.value != slot.initial_value and name != CARRIED_TURNS_SLOT
    ]
    said = turns_from_events(event.as_dict() for event in tracker.applied_events())
    if said and CARRIED_TURNS_SLOT in tracker.slots:
        kept.append(SlotSet(CARRIED_TURNS_SLOT, turns_to_slot(said)))
    return kept


def roll_over_events(tracker: DialogueStateTracker) -> list[Event]:
    """What Rasa's action_session_start logs, with every slot carried over."""
    return [
        ActionExecuted(ACTION_SESSION_START_NAME),
        SessionStarted(),
        *carried_slots(tracker),
        ActionExecuted(ACTION_LISTEN_NAME),
    ]


def install(max_turns: int) -> None:
    """Wraps MessageProcessor._update_tracker_session (idempotent; max_turns <= 0: off)."""
    from rasa.core.processor import MessageProcessor

    original = getattr(MessageProcessor, "_sedorum_original_update_session", MessageProcessor._update_tracker_session)
    MessageProcessor._sedorum_original_update_session = original

    async def _update_tracker_session(
        self: MessageProcessor, tracker: DialogueStateTracker, output_channel: Any, metadata: dict | None = None
    ) -> None:
        await original(self, tracker, output_channel, metadata)
        if should_roll_over(tracker, max_turns):
            logger.debug("Conversation %s reached %d turns: new session, slots kept.", tracker.sender_id, max_turns)
            tracker.update_with_events(roll_over_events(tracker), self.domain)

    MessageProcessor._update_tracker_session = _update_tracker_session


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="session_bound",
        targets=("rasa.core.processor:MessageProcessor._update_tracker_session",),
        why="A turn's cost grew with the conversation; a new session (slots kept) every "
        "SEDORUM_SESSION_MAX_TURNS user turns bounds it.",
        test="tests/unit/patches/test_session_bound.py",
        apply=lambda context: install(context.settings.session_max_turns),
    ),
)
