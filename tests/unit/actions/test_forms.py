"""The screening form's answers, read by the real validation action on rasa-sdk trackers.

Each test is one turn of the screening: the slots earlier turns left (who it is about, what
is known, which question was asked), the visitor's reply, and then what the validation does:
which slots it fills, whether it ends the questions, what the visitor is told, and when it
returns nothing so that Rasa rejects the form's turn (a side question, "stop", nonsense).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateSafetyScreeningForm
from actions.profile import screening_slot_values
from sedorum.safety.profile import SCREENING_QUESTIONS, Profile

ROOT = Path(__file__).resolve().parents[3]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FORM = "safety_screening_form"
DAD = {"key": "dad", "group": "parent", "pronoun": "he"}
MUM = {"key": "mum", "group": "parent", "pronoun": "she"}
# A 40-year-old who has answered nothing else yet.
FORTY = {"age": 40}


def form_turn(text: str, slots: dict[str, Any], intent: str = "inform") -> Tracker:
    """The tracker while the form is active and the visitor has just replied `text`."""
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
    events = [
        {"event": "active_loop", "name": FORM},
        {"event": "user", "text": text, "parse_data": parse},
    ]
    latest = {**parse, "intent_ranking": [parse["intent"]]}
    return Tracker("visitor-forms", dict(slots), latest, events, False, None, {"name": FORM}, "action_listen")


def validate(text: str, asked: str | None, intent: str = "inform", **slots: Any) -> tuple[list[str], list[dict]]:
    """Runs the validation for the reply; returns what the visitor is told and the events."""
    dispatcher = CollectingDispatcher()
    tracker = form_turn(text, {"requested_slot": asked, **slots}, intent)
    events = asyncio.run(ValidateSafetyScreeningForm().run(dispatcher, tracker, DOMAIN))
    said = [m.get("text") or f"<{m.get('response')}>" for m in dispatcher.messages]
    return said, events


def slots_of(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_the_domain_form_asks_exactly_what_the_validation_fills() -> None:
    required = DOMAIN["forms"][FORM]["required_slots"]
    assert required == list(SCREENING_QUESTIONS)
    assert set(screening_slot_values(Profile())) == set(required)
    assert "validate_" + FORM in DOMAIN["actions"]
    assert ValidateSafetyScreeningForm().name() == "validate_" + FORM


@pytest.mark.parametrize(
    ("reply", "age"), [("72", 72.0), ("seventy", 70.0), ("seventy two", 72.0), ("I'm 72 years old", 72.0)]
)
def test_an_older_adults_age_is_taken_and_the_pregnancy_question_is_skipped(reply: str, age: float) -> None:
    said, events = validate(reply, "age")
    slots = slots_of(events)
    assert slots["age"] == age and slots["safety_profile"]["age"] == age
    assert slots["pregnancy_status"] is False  # not asked of someone over 60
    assert "kidney_disease" not in slots and "medications" not in slots  # still to be asked
    # The age alone is a finding: said now, and remembered as said.
    assert len(said) == 1 and said[0].startswith("From what you told me, please note:")
    assert "Age 65 or over" in said[0] and "your pharmacist" in said[0]
    assert slots["safety_findings_told"] == ["older_adult"]
    assert "requested_slot" not in slots  # the questions go on


def test_a_younger_age_is_taken_without_a_comment_and_pregnancy_is_still_asked() -> None:
    said, events = validate("34", "age")
    slots = slots_of(events)
    assert said == []
    assert slots["age"] == 34.0 and "pregnancy_status" not in slots


@pytest.mark.parametrize("reply", ["banana purple", "I'd rather not say", "I'm 200", "what is in it?", "stop"])
def test_a_reply_that_answers_nothing_is_rejected_without_a_word(reply: str) -> None:
    # No events: Rasa rejects the form's turn and the interruption rules answer instead.
    assert validate(reply, "age") == ([], [])


def test_a_relatives_age_is_not_the_visitors_age() -> None:
    assert validate("my mum is 80", "age") == ([], [])


@pytest.mark.parametrize("reply", ["she's 79", "79", "she is seventy nine"])
def test_a_carers_answer_about_their_mother_fills_her_profile(reply: str) -> None:
    said, events = validate(reply, "age", safety_subject=MUM, subject_pronoun="she")
    slots = slots_of(events)
    assert slots["age"] == 79.0 and slots["safety_profile"]["age"] == 79.0
    assert "safety_subject" not in slots  # still about her
    assert len(said) == 1 and said[0].startswith("From what you told me about your mum")
    assert "her pharmacist" in said[0] and "your pharmacist" not in said[0]


def test_a_carers_no_about_their_father_is_his_no() -> None:
    said, events = validate("no, his kidneys are fine", "kidney_disease", safety_subject=DAD, safety_profile=FORTY)
    slots = slots_of(events)
    assert slots["kidney_disease"] is False
    assert slots["safety_profile"]["denied_conditions"] == ["kidney_disease"]
    assert said == []


def test_a_relatives_condition_in_the_visitors_answer_stays_the_relatives() -> None:
    said, events = validate("no, my dad has kidney disease, not me", "kidney_disease", safety_profile=FORTY)
    slots = slots_of(events)
    assert slots["kidney_disease"] is False
    assert slots["safety_profile"]["conditions"] == [] and "requested_slot" not in slots
    assert said == []


@pytest.mark.parametrize(("button", "kidney"), [("/affirm", True), ("/deny", False)])
def test_yes_no_buttons_answer_the_question_asked(button: str, kidney: bool) -> None:
    said, events = validate(button, "kidney_disease", intent=button[1:], safety_profile=FORTY)
    slots = slots_of(events)
    assert slots["kidney_disease"] is kidney
    assert ("kidney_disease" in slots["safety_profile"]["conditions"]) is kidney
    # Kidney disease rules out starting without a clinician: no more questions before that answer.
    assert ("requested_slot" in slots and slots["requested_slot"] is None) is kidney
    assert said == []


def test_another_button_during_the_questions_is_not_an_answer() -> None:
    assert validate("/request_human", "kidney_disease", intent="request_human", safety_profile=FORTY) == ([], [])


def test_several_answers_in_one_reply_fill_every_slot_they_answer() -> None:
    said, events = validate("I'm 30, no kidney or heart problems, not pregnant, no medicines", "age")
    slots = slots_of(events)
    assert {name: slots[name] for name in SCREENING_QUESTIONS} == {
        "age": 30.0,
        "kidney_disease": False,
        "heart_condition": False,
        "pregnancy_status": False,
        "medications": [],
    }
    assert said == [] and "requested_slot" not in slots


def test_a_finding_in_an_answer_is_said_at_once_and_only_once() -> None:
    said, events = validate("67, I take Rennie daily", "age")
    slots = slots_of(events)
    assert slots["age"] == 67.0 and slots["medications"] == ["magnesium_antacid"]
    assert len(said) == 1 and "antacids" in said[0]
    told = slots["safety_findings_told"]
    assert "older_adult_magnesium_medicine" in told
    # The next answer adds nothing new to say: the findings are not repeated.
    again, later = validate("no", "kidney_disease", safety_profile=slots["safety_profile"], safety_findings_told=told)
    assert again == [] and slots_of(later)["kidney_disease"] is False
    assert "safety_findings_told" not in slots_of(later)


def test_pregnancy_ends_the_questions_and_leaves_the_answer_to_the_result() -> None:
    said, events = validate("I'm 30 and pregnant", "age")
    slots = slots_of(events)
    assert slots["pregnancy_status"] is True and slots["age"] == 30.0
    assert SlotSet("requested_slot", None) in events
    assert said == []  # action_screening_result speaks next, once


def test_the_message_that_starts_the_form_is_not_read_twice() -> None:
    # action_safety_check already said the findings of "I'm 70, is it safe?" and marked them told.
    said, events = validate(
        "I'm 70, is it safe for me?",
        None,
        intent="check_safety",
        safety_profile={"age": 70},
        safety_findings_told=["older_adult"],
    )
    assert said == []
    assert slots_of(events)["age"] == 70.0 and "requested_slot" not in slots_of(events)


@pytest.mark.parametrize("told_about_dad", [[], ["older_adult"]])
def test_it_is_me_after_asking_for_dad_says_the_findings_once_for_the_visitor(told_about_dad: list[str]) -> None:
    # The offer of the remaining questions about "dad" is taken with "ok fine, it's me": the
    # facts were the visitor's own, and what they mean is said to them once, then remembered
    # as said (whatever had been said about dad).
    said, events = validate(
        "ok fine, it's me",
        None,
        intent="affirm",
        safety_subject=DAD,
        subject_pronoun="he",
        safety_profile={"age": 80},
        safety_findings_told=told_about_dad,
    )
    slots = slots_of(events)
    assert slots["safety_subject"]["key"] == "self" and slots["subject_pronoun"] is None
    assert slots["safety_profile"]["age"] == 80.0
    assert len(said) == 1, said
    assert said[0].startswith("From what you told me, please note:") and "your pharmacist" in said[0]
    assert slots["safety_findings_told"] == ["older_adult"]


def test_it_is_me_with_a_stopping_fact_ends_the_questions_for_the_result_to_answer() -> None:
    friend = {"key": "friend", "group": "friend", "pronoun": "they"}
    said, events = validate(
        "ok it's actually me",
        None,
        intent="affirm",
        safety_subject=friend,
        subject_pronoun="they",
        safety_profile={"conditions": ["kidney_disease"]},
    )
    slots = slots_of(events)
    assert slots["safety_subject"]["key"] == "self"
    assert slots["safety_profile"]["conditions"] == ["kidney_disease"]
    assert SlotSet("requested_slot", None) in events
    assert said == []  # said once, by action_screening_result, about the visitor


def test_it_is_me_with_nothing_known_says_nothing_is_known_yet_and_asks_on() -> None:
    said, events = validate("ok fine, it's me", None, intent="affirm", safety_subject=DAD, subject_pronoun="he")
    slots = slots_of(events)
    assert slots["safety_subject"]["key"] == "self" and slots["safety_findings_told"] == []
    assert len(said) == 1 and said[0].startswith("I can't say if a supplement is right for you.")
    assert "requested_slot" not in slots
