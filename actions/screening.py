"""Health answers that depend on the person: the engine decides, these actions only speak.

Every personal answer (dose, side effects, product, "is it safe for me/him", personal
details) goes through `sedorum.safety.answers.plan_answer` with the remembered profile and
the facts in the current message, so what the visitor already said is never ignored.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.profile import (
    TOLD_SLOT,
    Person,
    latest_text,
    person_events,
    person_with_latest_message,
    stored_profile,
    stored_subject,
    told_findings,
)
from sedorum.safety.answers import PERSONAL_TOPICS, Plan, offer_text, plan_answer
from sedorum.safety.engine import evaluate
from sedorum.safety.general import general_advice

SCREENING_BUTTONS = [
    {"title": "Side effects", "payload": "/ask_side_effects"},
    {"title": "Talk to a person", "payload": "/request_human"},
]
OFFER_BUTTONS = [
    {"title": "Yes, ask me", "payload": "/affirm"},
    {"title": "No, thanks", "payload": "/deny"},
]
# Set by action_safety_check: "start" (the questions begin now) or "offer" (the visitor may
# take the remaining questions or skip them). Rules in data/rules/screening.yml read it.
NEXT_SLOT = "screening_next"


def speak(dispatcher: CollectingDispatcher, plan: Plan, buttons_on_findings: bool = False) -> None:
    """Sends a plan's replies in order."""
    for index, reply in enumerate(plan.replies):
        last = index == len(plan.replies) - 1
        buttons = SCREENING_BUTTONS if buttons_on_findings and last and reply.text else None
        if reply.response:
            dispatcher.utter_message(response=reply.response, **reply.kwargs)
        elif reply.text:
            dispatcher.utter_message(text=reply.text, buttons=buttons or [])


def say_general_advice(dispatcher: CollectingDispatcher, person: Person) -> None:
    """A relative's or a hypothetical condition: general information only (S11)."""
    if person.subject.is_self:
        general = general_advice(person.extraction)
        if general:
            dispatcher.utter_message(text=general)


def answer_events(person: Person, plan: Plan) -> list[dict[str, Any]]:
    return [*person_events(person), SlotSet(TOLD_SLOT, plan.told)]


def answer_topic(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> list[dict[str, Any]]:
    """A personal topic answer for the latest message: findings first, then the topic."""
    person = person_with_latest_message(tracker)
    told = [] if person.switched else told_findings(tracker)
    plan = plan_answer(intent, person.profile, person.subject, latest_text(tracker), told)
    say_general_advice(dispatcher, person)
    speak(dispatcher, plan)
    if not plan.replies:  # "is it safe?" while the questions cannot run (waiting for staff)
        dispatcher.utter_message(text=evaluate(person.profile).render(person.subject))
    return answer_events(person, plan)


class ActionAnswerTopic(Action):
    """Dose, side effects, product, pregnancy questions, shaped by what the person told us."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if intent not in PERSONAL_TOPICS:
            dispatcher.utter_message(response="utter_default")
            return []
        return answer_topic(dispatcher, tracker, intent)


class ActionAnswerDosage(ActionAnswerTopic):
    """Dose questions (S7), shaped by what the user told us earlier (S2: no dose with CKD)."""

    def name(self) -> str:
        return "action_answer_dosage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return answer_topic(dispatcher, tracker, "ask_dosage")


class ActionSafetyCheck(Action):
    """ "Is it safe for me / for my dad?": what the stated facts already show comes first.

    Then only real unknowns are asked: at once when nothing is known yet, or as a skippable
    offer when the facts already gave a finding.
    """

    def name(self) -> str:
        return "action_safety_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        person = person_with_latest_message(tracker)
        told = [] if person.switched else told_findings(tracker)
        plan = plan_answer("check_safety", person.profile, person.subject, latest_text(tracker), told)
        say_general_advice(dispatcher, person)
        speak(dispatcher, plan, buttons_on_findings=plan.screening is None)
        events = answer_events(person, plan)
        if plan.screening == "offer":
            dispatcher.utter_message(text=offer_text(plan.missing, person.subject), buttons=OFFER_BUTTONS)
        elif plan.screening == "start":
            dispatcher.utter_message(response="utter_screening_intro")
        return [*events, SlotSet(NEXT_SLOT, plan.screening)]


class ActionScreeningResult(Action):
    """Ends the screening with the engine's findings and whom to ask (S9: never an all-clear)."""

    def name(self) -> str:
        return "action_screening_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        screening = evaluate(stored_profile(tracker))
        dispatcher.utter_message(text=screening.render(stored_subject(tracker)), buttons=SCREENING_BUTTONS)
        return [
            SlotSet("requested_slot", None),
            SlotSet(NEXT_SLOT, None),
            SlotSet(TOLD_SLOT, sorted({*told_findings(tracker), *screening.rule_ids})),
        ]


class ActionRememberProfile(Action):
    """Personal details given outside the screening: remember them and say what they mean."""

    def name(self) -> str:
        return "action_remember_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        person = person_with_latest_message(tracker)
        extraction = person.extraction
        if (
            not person.switched
            and not extraction.mentions
            and not extraction.excluded
            and extraction.profile.is_empty()
        ):
            # Classified as personal details, but no detail could be read ("asdfgh 12345"):
            # say so rather than screen an empty profile.
            dispatcher.utter_message(response="utter_default")
            return []
        say_general_advice(dispatcher, person)
        screening = evaluate(person.profile)
        dispatcher.utter_message(text=screening.render(person.subject), buttons=SCREENING_BUTTONS)
        told = sorted({*([] if person.switched else told_findings(tracker)), *screening.rule_ids})
        question = question_asked_alongside(text, tracker.latest_message.get("intent_ranking") or [])
        if question in PERSONAL_TOPICS:
            speak(dispatcher, plan_answer(question, person.profile, person.subject, text, told, restate=False))
        elif question:
            dispatcher.utter_message(response=TOPIC_RESPONSES[question])
        return [*person_events(person), SlotSet(TOLD_SLOT, told)]


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
            return str(name)
    return None


def facts_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """Health facts in a message classified as small talk or off-topic still count.

    "Hallo, ich habe kidney disease..." or "my heart rate is always slow, around 45" must get
    the same findings as anywhere else; returns the events, or None when there is nothing to say.
    """
    person = person_with_latest_message(tracker)
    screening = evaluate(person.profile)
    if not person.extraction.mentions or not screening.findings:
        return None
    dispatcher.utter_message(text=screening.render(person.subject), buttons=SCREENING_BUTTONS)
    return [*person_events(person), SlotSet(TOLD_SLOT, screening.rule_ids)]


class ActionGreet(Action):
    """A greeting, unless the message also states health facts: those come first."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        events = facts_first(dispatcher, tracker)
        if events is None:
            dispatcher.utter_message(response="utter_greet")
            return []
        return events


class ActionOutOfScope(Action):
    """Off-topic, unless the message states health facts (then the findings), or asks where to
    get urgent help that is not an emergency (then the locale's urgent-advice line)."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        events = facts_first(dispatcher, tracker)
        if events is not None:
            return events
        if asks_for_urgent_help(latest_text(tracker)):
            dispatcher.utter_message(response="utter_urgent_advice")
            return []
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


_URGENT_HELP = re.compile(
    r"\b(?:not an emergency|non[- ]emergency|urgent|out of hours|after hours|gp is closed|surgery is closed|"
    r"doctor is closed|who (?:can|should|do) i (?:call|ring|phone|contact)|where can i get help)\b",
    re.IGNORECASE,
)


def asks_for_urgent_help(text: str) -> bool:
    """ "It's not an emergency but my GP is closed, who can I call?" """
    return bool(_URGENT_HELP.search(text or ""))
