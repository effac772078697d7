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
from sedorum.safety.profile import Profile
from sedorum.safety.timing import is_timing_question, timing_answer

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
        text = latest_text(tracker)
        extraction = extract(text)
        profile = stored_profile(tracker).merge(extraction.profile)
        general = general_advice(extraction)
        if general:  # a relative's or a hypothetical condition: general information only (S11)
            dispatcher.utter_message(text=general)
        dispatcher.utter_message(text=evaluate(profile).render(), buttons=SCREENING_BUTTONS)
        question = question_asked_alongside(text, tracker.latest_message.get("intent_ranking") or [])
        if question:
            dispatcher.utter_message(response=topic_response(question, profile))
        return profile_events(profile)


# Topic intents whose answer can follow the screening note when a message gives personal
# details *and* asks something ("my kidneys are fine. How much is too much?").
TOPIC_RESPONSES = {
    "ask_dosage": "utter_dosage",
    "ask_side_effects": "utter_side_effects",
    "ask_food_sources": "utter_food_sources",
    "ask_supplement_forms": "utter_supplement_forms",
    "ask_magnesium_rls": "utter_magnesium_rls",
    "ask_evidence": "utter_evidence",
    "ask_rls_symptoms": "utter_rls_symptoms",
    "ask_rls_causes": "utter_rls_causes",
    "ask_rls_treatment": "utter_rls_treatment",
    "ask_product_info": "utter_product_info",
    "ask_pregnancy": "utter_pregnancy",
}
SECOND_INTENT_MIN_CONFIDENCE = 0.05


def question_asked_alongside(text: str, ranking: list[dict[str, Any]]) -> str | None:
    """The topic question in a message classified as `inform`, if it plainly asks one.

    Only for messages with a question mark, and only the best-ranked topic intent: the
    classifier picks one intent per message, but people often state a fact and ask in one go.
    """
    if "?" not in text:
        return None
    for entry in ranking:
        name = entry.get("name")
        if name in TOPIC_RESPONSES and entry.get("confidence", 0.0) >= SECOND_INTENT_MIN_CONFIDENCE:
            return name
    return None


def topic_response(intent: str, profile: Profile) -> str:
    """The response for a topic intent; dose answers still follow the profile (S2, S7)."""
    if intent == "ask_dosage":
        return dose_response(profile)
    return TOPIC_RESPONSES[intent]


def dose_response(profile: Profile) -> str:
    return {
        "withhold_kidney": "utter_dosage_withheld_kidney",
        "child": "utter_dosage_child",
    }.get(dose_allowed(profile), "utter_dosage")


class ActionAnswerDosage(Action):
    """Dose questions (S7), shaped by what the user told us earlier (S2: no dose with CKD)."""

    def name(self) -> str:
        return "action_answer_dosage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        profile = profile_with_latest_message(tracker)
        if is_timing_question(latest_text(tracker)) and dose_allowed(profile) == "general":
            # "When is the best time to take it?": the spacing rules answer it, not the limit.
            dispatcher.utter_message(text=timing_answer(profile))
        else:
            dispatcher.utter_message(response=dose_response(profile))
        return profile_events(profile)
