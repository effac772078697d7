"""Form validation. One base class for every form: it owns how answers are read, so a new
form only says which slots it fills from which facts."""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.conversation import TOLD_SLOT, latest_intent, reading_events, reading_of, told_findings
from actions.screening import english_text, plan_for, speak
from sedorum.safety import wording
from sedorum.safety.answers import DOSAGE, asks_amount, asks_go_ahead
from sedorum.safety.engine import evaluate


class ProfileFormValidation(FormValidationAction, abc.ABC):
    """Reads each answer with the safety engine's reading of the conversation (S11).

    Answers may come in any order and several at once: whatever the message says fills
    every slot it answers, and the form then asks only what is still unknown. Answers are
    read about the person the questions are about ("Is he on dialysis?" - "yes, since May").
    """

    @abc.abstractmethod
    def name(self) -> str:
        """Each form's own validation action name (abstract, so rasa-sdk does not register it)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        asked = tracker.get_slot("requested_slot")
        reading = reading_of(tracker)
        # (the message that started the questions with a safety question was answered already)
        mid_questions = bool(asked) or latest_intent(tracker) == "affirm"
        if mid_questions and not reading.answered and not reading.switched and asks_go_ahead(english_text(tracker)):
            # "so is it ok" in the middle of the questions, or as the reply that started them: no
            # all-clear (S9), and why the questions go on
            dispatcher.utter_message(text=wording.text("screening.go_ahead_mid_questions"))
        if asked and not reading.answered and not reading.switched:
            # Not an answer ("stop", a side question): returning nothing lets Rasa reject the
            # form's turn, so the interruption rules (stop, handoff, topic questions) apply.
            return []
        events = reading_events(reading, tracker)
        # What was said about the person before a switch was said about someone else.
        told = set() if reading.switched else set(told_findings(tracker))
        screening = evaluate(reading.profile)
        new = [f for f in screening.findings if f.rule_id not in told]
        if any(f.severity == "stop" for f in new):
            # Something new rules out starting without a clinician (kidney disease, pregnancy,
            # heart conduction...): more questions would only delay that answer, which
            # action_screening_result gives next.
            events.append(SlotSet("requested_slot", None))
        elif new or reading.switched:
            # A finding the answers already trigger ("67, I take Rennie daily") is said now,
            # not after the remaining questions; after "ok fine, it's me" as the answer to the
            # offer, what the facts mean for the visitor is said, once.
            dispatcher.utter_message(text=screening.render(reading.subject))
            events.append(SlotSet(TOLD_SLOT, sorted(told | {f.rule_id for f in new})))
        if not any(f.severity == "stop" for f in new) and asks_amount(english_text(tracker)):
            # "I'm 44, no meds, what's the upper limit for me?": an answer that also asks is
            # answered now, with what is known; the form then asks what is still unknown.
            speak(dispatcher, plan_for(DOSAGE, reading, tracker, restate=False))
        return events


class ValidateSafetyScreeningForm(ProfileFormValidation):
    def name(self) -> str:
        return "validate_safety_screening_form"
