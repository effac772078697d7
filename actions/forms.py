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

from actions.profile import latest_text, profile_events, stored_profile
from sedorum.safety.engine import evaluate
from sedorum.safety.extract import extract, interpret_answer
from sedorum.safety.general import general_advice
from sedorum.safety.profile import Profile


class ProfileFormValidation(FormValidationAction, abc.ABC):
    """Reads each answer with the clinical NLP (negation, family, hypotheticals: S11).

    Answers may come in any order and several at once: whatever the message says fills
    every slot it answers, and the form then asks only what is still unknown.
    """

    @abc.abstractmethod
    def name(self) -> str:
        """Each form's own validation action name (abstract, so rasa-sdk does not register it)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        if text.startswith("/"):
            text = _button_answer(text)
        before = stored_profile(tracker)
        asked = tracker.get_slot("requested_slot")
        if text and asked:
            profile = before.merge(Profile.from_dict(interpret_answer(text, asked)["profile"]))
        elif text:  # the message that started the form: facts only, no question was asked
            extraction = extract(text)
            profile = before.merge(extraction.profile)
            general = general_advice(extraction)
            if general:
                dispatcher.utter_message(text=general)
        else:
            profile = before
        if asked and profile.to_dict() == before.to_dict():
            # Not an answer ("stop", a side question): returning nothing lets Rasa reject the
            # form's turn, so the interruption rules (stop, handoff, topic questions) apply.
            return []
        events = profile_events(profile)
        if evaluate(profile).has_stop:
            # Something already rules out starting without a clinician (kidney disease,
            # pregnancy, heart conduction...): more questions would only delay that answer.
            events.append(SlotSet("requested_slot", None))
        return events


def _button_answer(payload: str) -> str:
    """Yes/No buttons send /affirm or /deny: read them as the words they stand for."""
    return {"/affirm": "yes", "/deny": "no"}.get(payload.split("{")[0], "")


class ValidateSafetyScreeningForm(ProfileFormValidation):
    def name(self) -> str:
        return "validate_safety_screening_form"
