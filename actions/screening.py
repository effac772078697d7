"""Screening results and remembered profile: the engine decides, these actions only speak."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.profile import latest_text, profile_events, profile_with_latest_message, stored_profile
from sedorum.safety.engine import dose_allowed, evaluate
from sedorum.safety.extract import extract
from sedorum.safety.general import general_advice

SCREENING_BUTTONS = [
    {"title": "Side effects", "payload": "/ask_side_effects"},
    {"title": "Talk to a person", "payload": "/request_human"},
]


class ActionScreeningResult(Action):
    """Ends the screening with the engine's findings and whom to ask (S9: never an all-clear)."""

    def name(self) -> str:
        return "action_screening_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        screening = evaluate(stored_profile(tracker))
        dispatcher.utter_message(text=screening.render(), buttons=SCREENING_BUTTONS)
        return [SlotSet("requested_slot", None)]


class ActionRememberProfile(Action):
    """Personal details given outside the screening: remember them and say what they mean."""

    def name(self) -> str:
        return "action_remember_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        extraction = extract(latest_text(tracker))
        profile = stored_profile(tracker).merge(extraction.profile)
        general = general_advice(extraction)
        if general:  # a relative's or a hypothetical condition: general information only (S11)
            dispatcher.utter_message(text=general)
        dispatcher.utter_message(text=evaluate(profile).render(), buttons=SCREENING_BUTTONS)
        return profile_events(profile)


class ActionAnswerDosage(Action):
    """Dose questions (S7), shaped by what the user told us earlier (S2: no dose with CKD)."""

    def name(self) -> str:
        return "action_answer_dosage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        profile = profile_with_latest_message(tracker)
        response = {
            "withhold_kidney": "utter_dosage_withheld_kidney",
            "child": "utter_dosage_child",
        }.get(dose_allowed(profile), "utter_dosage")
        dispatcher.utter_message(response=response)
        return profile_events(profile)
