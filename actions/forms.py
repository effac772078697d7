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

from actions.profile import (
    TOLD_SLOT,
    latest_text,
    person_events,
    person_with_latest_message,
    stored_profile,
    stored_subject,
    told_findings,
)
from sedorum.safety.engine import evaluate
from sedorum.safety.extract import interpret_answer
from sedorum.safety.profile import Profile


class ProfileFormValidation(FormValidationAction, abc.ABC):
    """Reads each answer with the clinical NLP (negation, family, hypotheticals: S11).

    Answers may come in any order and several at once: whatever the message says fills
    every slot it answers, and the form then asks only what is still unknown. Answers are
    read about the person the questions are about ("Is he on dialysis?" - "yes, since May").
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
        subject = stored_subject(tracker)
        if text and asked:
            about = "self" if subject.is_self else "other"
            answer = Profile.from_dict(interpret_answer(text, asked, about)["profile"])
            person = person_with_latest_message(tracker, text="")
            person.profile = before.merge(answer)
        else:  # the message that started the form: its facts were already read and answered
            person = person_with_latest_message(tracker, text=text)
        profile = person.profile
        if asked and profile.to_dict() == before.to_dict():
            # Not an answer ("stop", a side question): returning nothing lets Rasa reject the
            # form's turn, so the interruption rules (stop, handoff, topic questions) apply.
            return []
        events = person_events(person)
        # What was said about the person before a switch was said about someone else.
        told = set() if person.switched else set(told_findings(tracker))
        screening = evaluate(profile)
        new = [f for f in screening.findings if f.rule_id not in told]
        if any(f.severity == "stop" for f in new):
            # Something new rules out starting without a clinician (kidney disease, pregnancy,
            # heart conduction...): more questions would only delay that answer, which
            # action_screening_result gives next.
            events.append(SlotSet("requested_slot", None))
        elif new or person.switched:
            # A finding the answers already trigger ("67, I take Rennie daily") is said now,
            # not after the remaining questions; after "ok fine, it's me" as the answer to the
            # offer, what the facts mean for the visitor is said, once.
            dispatcher.utter_message(text=screening.render(person.subject))
            events.append(SlotSet(TOLD_SLOT, sorted(told | {f.rule_id for f in new})))
        return events


def _button_answer(payload: str) -> str:
    """Yes/No buttons send /affirm or /deny: read them as the words they stand for."""
    return {"/affirm": "yes", "/deny": "no"}.get(payload.split("{")[0], "")


class ValidateSafetyScreeningForm(ProfileFormValidation):
    def name(self) -> str:
        return "validate_safety_screening_form"
