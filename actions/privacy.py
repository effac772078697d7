"""S12: "delete my data" erases the conversation from every store the assistant controls.

The tracker's events are erased by the Rasa process itself once this turn is saved
(sedorum.stores.tracker_store.ErasingTrackerStore sees this action in the turn); rows in
the handoff store are erased here.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from sedorum.handoff.store import open_store


class ActionDeleteData(Action):
    def name(self) -> str:
        return "action_delete_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        open_store().delete_sender(tracker.sender_id)
        dispatcher.utter_message(response="utter_data_deleted")
        return [AllSlotsReset()]
