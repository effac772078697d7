"""The safety actions as dialogue glue, run on real rasa-sdk trackers without a server.

Each test builds the conversation a visitor would have had (user events with their parse
data, slots set by earlier turns), runs one action, and checks what the visitor is told
and what is remembered: the subject, the profile, the findings already explained.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateSafetyScreeningForm
from actions.handoff import ActionFlagEmergency, ActionHandoffWaiting
from actions.screening import (
    ActionAnswerDosage,
    ActionAnswerTopic,
    ActionGreet,
    ActionOutOfScope,
    ActionRememberProfile,
    ActionSafetyCheck,
    ActionScreeningResult,
)

DOMAIN: dict[str, Any] = {"responses": {}, "slots": {}, "forms": {"safety_screening_form": {"required_slots": []}}}


def user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}


def tracker(history: list[tuple[str, str]], slots: dict[str, Any] | None = None) -> Tracker:
    events = [user(text, intent) for text, intent in history]
    text, intent = history[-1]
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "intent_ranking": []}
    return Tracker("visitor-1", dict(slots or {}), latest, events, False, None, {}, "action_listen")


def run(action: Any, trk: Tracker) -> tuple[str, dict[str, Any]]:
    """What the visitor sees (texts and response names) and the slots the action sets."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, trk, DOMAIN))
    said = "\n".join(m.get("text") or f"<{m.get('response')}>" for m in dispatcher.messages)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return said, slots


@pytest.fixture(autouse=True)
def handoff_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")


def test_a_carer_asking_for_dad_is_answered_about_him() -> None:
    said, slots = run(
        ActionSafetyCheck(),
        tracker([("My dad is 82 and takes milk of magnesia daily, is Sedorum ok for him?", "check_safety")]),
    )
    assert said.startswith("From what you told me about your dad")
    assert "his pharmacist" in said and "How old are you" not in said
    assert re.search(r"short questions? about him", said)
    assert slots["safety_subject"]["key"] == "dad" and slots["subject_pronoun"] == "he"
    assert slots["safety_profile"]["age"] == 82.0
    assert slots["screening_next"] == "offer"
    assert "older_adult_magnesium_medicine" in slots["safety_findings_told"]


def test_the_same_question_about_oneself_starts_the_questions() -> None:
    said, slots = run(ActionSafetyCheck(), tracker([("is Sedorum ok for me?", "check_safety")]))
    assert said == "<utter_screening_intro>"
    assert slots["screening_next"] == "start"


def test_a_pronoun_follow_up_finds_the_person_named_earlier() -> None:
    history = [
        ("my son is 7 and the doctor thinks he has restless legs", "inform"),
        ("how much magnesium can he have?", "ask_dosage"),
    ]
    said, slots = run(ActionAnswerDosage(), tracker(history))
    assert slots["safety_subject"]["key"] == "son"
    assert "their doctor" in said and "110 mg" in said and "350" not in said


def test_asking_for_a_friend_then_it_is_me_keeps_the_facts() -> None:
    friend = {"key": "friend", "group": "friend", "pronoun": "they"}
    slots_before = {
        "safety_subject": friend,
        "safety_profile": {"conditions": ["kidney_disease"]},
        "subject_pronoun": "they",
    }
    history = [("asking for a friend, she is on dialysis", "check_safety"), ("ok it's actually me", "inform")]
    said, slots = run(ActionRememberProfile(), tracker(history, slots_before))
    assert slots["safety_subject"]["key"] == "self" and slots["subject_pronoun"] is None
    assert slots["safety_profile"]["conditions"] == ["kidney_disease"]
    assert "your kidney doctor" in said


def test_answers_use_facts_from_the_same_message() -> None:
    said, _ = run(
        ActionAnswerTopic(), tracker([("I'm on dialysis, what side effects does sedorum have?", "ask_side_effects")])
    )
    assert said.startswith("From what you told me") and "kidney doctor" in said
    assert said.endswith("<utter_side_effects>")


def test_other_medicine_dose_is_referred() -> None:
    said, _ = run(ActionAnswerDosage(), tracker([("How much ibuprofen can I take?", "ask_dosage")]))
    assert said == "<utter_dose_other_medicine>"


def test_form_reads_answers_about_the_person_asked_for() -> None:
    dad = {"key": "dad", "group": "parent", "pronoun": "he"}
    slots_before = {"safety_subject": dad, "requested_slot": "kidney_disease", "safety_profile": {"age": 82}}
    _, slots = run(ValidateSafetyScreeningForm(), tracker([("yes he is, twice a week", "affirm")], slots_before))
    assert slots["kidney_disease"] is True
    assert slots["requested_slot"] is None  # a new stop finding: no more questions before the answer


@pytest.mark.parametrize(("forced", "expected"), [("1", "utter_emergency_staff_alerted"), ("0", "staff_offline")])
def test_emergency_flag_promises_staff_only_when_on_duty(
    forced: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", forced)
    said, slots = run(ActionFlagEmergency(), tracker([("I can't breathe", "report_emergency")]))
    assert expected in said and slots["emergency_flagged"] is True


def test_after_an_emergency_each_reply_repeats_it_and_still_answers_safety_questions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "0")
    slots_before = {"handoff": "waiting", "emergency_flagged": True}
    history = [("my chest hurts", "report_emergency"), ("I have kidney disease, how much can I take?", "ask_dosage")]
    said, _ = run(ActionHandoffWaiting(), tracker(history, slots_before))
    lines = said.splitlines()
    assert lines[0] == "<utter_emergency>"
    assert "kidney doctor" in said and not re.search(r"\d+ ?mg", said)
    assert lines[-1] == "<utter_emergency_staff_offline>"
    assert "utter_handoff_waiting" not in said


def test_waiting_without_an_emergency_is_acknowledged() -> None:
    said, _ = run(ActionHandoffWaiting(), tracker([("hello?", "greet")], {"handoff": "waiting"}))
    assert said == "<utter_handoff_waiting>"


def test_health_facts_in_a_greeting_come_first() -> None:
    said, slots = run(ActionGreet(), tracker([("Hallo, ich habe kidney disease, wie viel Magnesium?", "greet")]))
    assert said.startswith("From what you told me") and "kidney doctor" in said
    assert "kidney_disease" in slots["safety_profile"]["conditions"]
    plain, _ = run(ActionGreet(), tracker([("hello there", "greet")]))
    assert plain == "<utter_greet>"


def test_off_topic_messages_keep_facts_and_urgent_needs() -> None:
    slow, _ = run(ActionOutOfScope(), tracker([("my heart rate is always slow, around 45", "out_of_scope")]))
    assert "slow heart rate" in slow.lower() and "GP" in slow
    urgent, _ = run(
        ActionOutOfScope(), tracker([("it's not an emergency but my GP is closed, who can I call?", "out_of_scope")])
    )
    assert urgent == "<utter_urgent_advice>"
    other, _ = run(ActionOutOfScope(), tracker([("what's the weather tomorrow", "out_of_scope")]))
    assert other == "<utter_out_of_scope>"


def test_personal_details_that_cannot_be_read_are_not_screened() -> None:
    said, slots = run(ActionRememberProfile(), tracker([("asdfgh qwerty 12345 !!!", "inform")]))
    assert said == "<utter_default>" and slots == {}


def test_a_denial_without_a_named_condition_still_counts() -> None:
    dad = {"key": "dad", "group": "parent", "pronoun": "he"}
    slots_before = {"safety_subject": dad, "safety_profile": {"age": 80, "medications": ["magnesium_laxative"]}}
    said, slots = run(ActionRememberProfile(), tracker([("no, his kidneys are fine", "inform")], slots_before))
    assert "his pharmacist" in said
    assert slots["safety_profile"]["denied_conditions"] == ["kidney_disease"]


def test_the_screening_ends_with_the_findings_about_the_person_asked_for() -> None:
    dad = {"key": "dad", "group": "parent", "pronoun": "he"}
    slots_before = {
        "safety_subject": dad,
        "safety_profile": {"age": 82, "conditions": ["kidney_disease"]},
        "safety_findings_told": ["older_adult"],
        "requested_slot": "heart_condition",
    }
    said, slots = run(ActionScreeningResult(), tracker([("yes he is", "affirm")], slots_before))
    assert said.startswith("From what you told me about your dad")
    assert "his kidney doctor" in said and "Age 65 or over" in said  # every finding, the told one too
    assert "your kidney doctor" not in said
    assert slots["requested_slot"] is None and slots["screening_next"] is None
    assert slots["safety_findings_told"] == ["kidney_disease", "older_adult"]


def test_a_screening_without_findings_is_never_an_all_clear() -> None:
    profile = {
        "age": 30,
        "denied_conditions": ["kidney_disease", "heart_block", "slow_heart_rate", "heart_conduction"],
        "pregnant": False,
        "breastfeeding": False,
        "takes_medicines": False,
    }
    said, slots = run(ActionScreeningResult(), tracker([("no", "deny")], {"safety_profile": profile}))
    assert said.startswith("I can't say if a supplement is right for you.")
    assert "pharmacist or GP" in said
    assert not re.search(r"\b(safe for you|you can take|no problem)\b", said, re.I)
    assert slots["safety_findings_told"] == []
