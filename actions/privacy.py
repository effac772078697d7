"""S12: "delete my data" erases the conversation from every store the assistant controls.

The tracker's events are erased by the Rasa process itself once this turn is saved
(sedorum.stores.tracker_store.ErasingTrackerStore sees this action in the turn); rows in
the handoff store are erased here.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.screening import facts_first
from sedorum.handoff.store import open_store

# Set while the visitor is asked to confirm; the next yes erases (data/rules/handoff_privacy.yml).
ASKED_SLOT = "deletion_asked"
# Set when the erasure waits for staff to close an emergency (the tracker store then keeps it).
DEFERRED_SLOT = "erasure_deferred"


# "Who can see what I write here?" read as a deletion request: it is answered first.
WHO_SEES = re.compile(
    r"\bwho (?:can|could|will|would|else) (?:see|read)\b|\bwho reads\b"
    r"|\bis (?:this|it|the chat) (?:private|confidential)\b|\bdo you (?:keep|store|save)\b"
    r"|\bwhere (?:is|are) (?:my|the) (?:data|messages|chat|conversation) (?:kept|stored)\b",
    re.IGNORECASE,
)


class ActionAskDeletion(Action):
    """ "Delete my data" is confirmed once: erasing cannot be undone. A question about who sees
    the chat that reads like a deletion request gets its answer first."""

    def name(self) -> str:
        return "action_ask_deletion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if WHO_SEES.search(tracker.latest_message.get("text") or ""):
            dispatcher.utter_message(response="utter_privacy")
        dispatcher.utter_message(response="utter_ask_delete_confirmation")
        if open_store().emergency_open(tracker.sender_id):
            dispatcher.utter_message(response="utter_help_lines_reminder")
        return [SlotSet(ASKED_SLOT, True)]


# "Where do you get your information from?", "is it just what the company tells you?": a question
# about the assistant's sources, which a classifier can take for one about the visitor's data.
ASKS_SOURCES = re.compile(
    r"\bwhere (?:do|does|did) (?:you|u|it|that|this|the bot|your answers?) (?:get|find|take)\b"
    r"|\b(?:come|comes|came) from\b(?![^?.!]{0,20}\b(?:my|i)\b)"
    r"|\bsources?\b|\bbased on\b|\bwho says\b|\bsays who\b|\bwhat the company tells\b",
    re.IGNORECASE,
)


# Words of a question about the chat itself; without one, a message read as a privacy question
# may be a health one.
PRIVACY_WORDS = re.compile(
    r"\b(?:data|chat|privacy|private|confidential|stored?|storing|kept|keep|record\w*|see|read|delete|erase|gdpr|"
    r"information|info|details|know\s+about\s+me|conversation|messages?)\b",
    re.IGNORECASE,
)


class ActionPrivacy(Action):
    """ "Who can see what I write?": where the chat is kept and how to erase it (S12).

    Unless the question is about where the assistant's information comes from: then the
    evidence answer, with its sources.
    """

    def name(self) -> str:
        return "action_privacy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        if ASKS_SOURCES.search(text) and not WHO_SEES.search(text):
            dispatcher.utter_message(response="utter_evidence")
            return []
        if not PRIVACY_WORDS.search(text):
            # "and her? can she have some of mine?" read as a privacy question: it turns to the
            # mum on dialysis, whose findings come first as anywhere else
            events = facts_first(dispatcher, tracker)
            if events is not None:
                return events
        dispatcher.utter_message(response="utter_privacy")
        return []


class ActionCancelDeletion(Action):
    def name(self) -> str:
        return "action_cancel_deletion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_deletion_cancelled")
        return [SlotSet(ASKED_SLOT, False)]


class ActionDeleteData(Action):
    """Erases the visitor's data (confirmed). During an open emergency the chat stays with staff
    until they close it, and is erased then: the visitor is told so."""

    def name(self) -> str:
        return "action_delete_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        store = open_store()
        if store.emergency_open(tracker.sender_id):
            store.defer_erasure(tracker.sender_id)
            dispatcher.utter_message(response="utter_data_deletion_deferred")
            dispatcher.utter_message(response="utter_help_lines_reminder")
            return [SlotSet(ASKED_SLOT, False), SlotSet(DEFERRED_SLOT, True)]
        store.delete_sender(tracker.sender_id)
        dispatcher.utter_message(response="utter_data_deleted")
        return [AllSlotsReset()]
