"""Form validation. One base class for every form: it owns how answers are read, so a new
form only says which slots it fills from which facts."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sedorum.safety.extract import interpret_answer
from sedorum.safety.profile import Profile

from actions.profile import latest_text, profile_events, stored_profile


class ProfileFormValidation(FormValidationAction):
    """Reads each answer with the clinical NLP (negation, family, hypotheticals: S11).

    Answers may come in any order and several at once: whatever the message says fills
    every slot it answers, and the form then asks only what is still unknown.
    """

    def name(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        profile = stored_profile(tracker)
        if text and not text.startswith("/"):
            asked = tracker.get_slot("requested_slot")
            profile = profile.merge(interpret_answer(text, asked))
        elif text.startswith("/") and tracker.get_slot("requested_slot"):
            profile = profile.merge(interpret_answer(_button_answer(text), tracker.get_slot("requested_slot")))
        return profile_events(profile)


def _button_answer(payload: str) -> str:
    """Yes/No buttons send /affirm or /deny: read them as the words they stand for."""
    return {"/affirm": "yes", "/deny": "no"}.get(payload.split("{")[0], "")


class ValidateSafetyScreeningForm(ProfileFormValidation):
    def name(self) -> str:
        return "validate_safety_screening_form"


__all__ = ["ProfileFormValidation", "ValidateSafetyScreeningForm", "Profile"]
