"""What the assistant remembers about whom, turn after turn (actions/profile.py).

A conversation is played message by message on real rasa-sdk trackers: each turn reads the
slots earlier turns set, and the events it returns are applied before the next one, as Rasa
would. The checks are what a carer would notice: their own facts are not mixed up with their
dad's, each person's facts come back when the conversation returns to them, and the form is
told what is already known (and what is no longer known after a switch).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.profile import (
    EARLIER_MESSAGES,
    earlier_user_texts,
    person_events,
    person_with_latest_message,
    screening_slot_values,
    stored_profile,
    stored_subject,
    told_findings,
)
from actions.screening import ActionAnswerDosage, ActionRememberProfile
from sedorum.safety.profile import Profile

ROOT = Path(__file__).resolve().parents[3]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
SCREENING_SLOTS = DOMAIN["forms"]["safety_screening_form"]["required_slots"]


def user(text: str, intent: str = "inform") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}


def tracker(texts: list[str], slots: dict[str, Any] | None = None, intent: str = "inform") -> Tracker:
    latest = {"text": texts[-1], "intent": {"name": intent, "confidence": 0.9}, "entities": [], "intent_ranking": []}
    events = [user(text) for text in texts[:-1]] + [user(texts[-1], intent)]
    return Tracker("visitor-profile", dict(slots or {}), latest, events, False, None, {}, "action_listen")


def known(profile: dict[str, Any]) -> dict[str, Any]:
    """The facts of a profile slot, without the unknowns."""
    return {key: value for key, value in profile.items() if value not in (None, [])}


class Conversation:
    """Plays messages one by one through person_with_latest_message, applying the events."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.slots: dict[str, Any] = {}

    def say(self, text: str) -> list[dict[str, Any]]:
        self.texts.append(text)
        events = person_events(person_with_latest_message(tracker(self.texts, self.slots)))
        for event in events:
            self.slots[event["name"]] = event["value"]
        return events

    @property
    def about(self) -> str:
        return stored_subject(tracker(self.texts or [""], self.slots)).key

    def profile(self) -> dict[str, Any]:
        return known(self.slots.get("safety_profile") or {})

    def saved(self, key: str) -> dict[str, Any]:
        return known((self.slots.get("safety_profiles_saved") or {}).get(key) or {})


def test_a_carer_gets_each_persons_own_facts_back() -> None:
    chat = Conversation()
    chat.say("I have kidney disease")
    assert chat.about == "self" and chat.profile() == {"conditions": ["kidney_disease"]}

    chat.say("is it ok for my dad? he is 82")
    assert chat.about == "dad" and chat.slots["subject_pronoun"] == "he"
    assert chat.profile() == {"age": 82.0, "pregnant": False, "breastfeeding": False}  # not asked of him
    assert chat.saved("self") == {"conditions": ["kidney_disease"]}

    chat.say("and what about me?")
    assert chat.about == "self" and chat.slots["subject_pronoun"] is None
    assert chat.profile() == {"conditions": ["kidney_disease"]}
    assert chat.saved("dad")["age"] == 82.0 and "self" not in chat.slots["safety_profiles_saved"]

    chat.say("and for my dad?")
    assert chat.about == "dad" and chat.profile()["age"] == 82.0
    assert "kidney_disease" not in chat.profile().get("conditions", [])


def test_a_statement_about_a_relative_does_not_change_whom_the_answers_are_about() -> None:
    chat = Conversation()
    chat.say("I'm 45")
    chat.say("my mother is on dialysis")
    assert chat.about == "self"
    assert chat.profile() == {"age": 45.0}  # her dialysis is not the visitor's


def test_another_relatives_condition_is_not_given_to_the_person_asked_about() -> None:
    chat = Conversation()
    chat.say("is sedorum ok for my dad? he is 82")
    chat.say("my mother is on dialysis")
    assert chat.about == "dad"
    assert "kidney_disease" not in chat.profile().get("conditions", []), chat.profile()


@pytest.mark.parametrize("details", ["my father is 82", "he is 82", "my dad is 82"])
def test_details_about_the_person_asked_about_are_theirs_whatever_they_are_called(details: str) -> None:
    chat = Conversation()
    chat.say("can my dad take sedorum?")
    chat.say(details)
    assert chat.about == "dad" and chat.profile().get("age") == 82.0


def test_it_is_me_after_asking_for_someone_keeps_the_visitors_own_earlier_facts() -> None:
    chat = Conversation()
    chat.say("I have kidney disease")
    chat.say("can my mum take it?")
    assert chat.about == "mum" and chat.profile() == {}
    chat.say("actually it's me, I'm 50")
    assert chat.about == "self"
    assert chat.profile() == {"age": 50.0, "conditions": ["kidney_disease"]}, chat.profile()
    assert "self" not in chat.slots["safety_profiles_saved"]


def test_it_is_me_after_asking_for_dad_asks_the_visitor_about_pregnancy() -> None:
    chat = Conversation()
    chat.say("can my dad take sedorum?")
    assert chat.profile() == {"pregnant": False, "breastfeeding": False}  # not asked of him
    events = chat.say("actually it's me, I'm 30")
    assert chat.about == "self" and chat.profile() == {"age": 30.0}
    assert {"event": "slot", "name": "pregnancy_status", "value": None, "timestamp": None} in events


def test_a_relatives_facts_while_asking_for_dad_are_answered_about_dad_unchanged() -> None:
    slots = {"safety_subject": {"key": "dad", "group": "parent", "pronoun": "he"}, "safety_profile": {"age": 82}}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRememberProfile().run(dispatcher, tracker(["my mother is on dialysis"], slots), DOMAIN))
    said = dispatcher.messages[0]["text"]
    assert said.startswith("From what you told me about your dad") and "Age 65 or over" in said
    assert "kidney doctor" not in said and "Kidney disease" not in said
    profile = {e["name"]: e["value"] for e in events}["safety_profile"]
    assert profile["conditions"] == [] and profile["age"] == 82.0


def test_the_visitors_kidney_disease_still_withholds_the_dose_after_it_is_me() -> None:
    chat = Conversation()
    chat.say("I have kidney disease")
    chat.say("can my mum take it?")
    chat.texts.append("actually it's me, how much can I take?")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerDosage().run(dispatcher, tracker(chat.texts, chat.slots, "ask_dosage"), DOMAIN))
    said = "\n".join(m.get("text") or f"<{m.get('response')}>" for m in dispatcher.messages)
    assert "kidney doctor" in said and "mg" not in said, said


def test_a_switch_clears_the_answers_the_form_must_ask_again() -> None:
    chat = Conversation()
    chat.say("I'm 45 and I take digoxin")
    events = chat.say("can my mum take sedorum?")
    slots = {e["name"]: e["value"] for e in events}
    # Her questions start from nothing: none of the visitor's answers may skip one.
    assert {name: slots[name] for name in SCREENING_SLOTS} == dict.fromkeys(SCREENING_SLOTS)
    assert slots["safety_findings_told"] == []  # nothing was said about her yet
    assert slots["subject_pronoun"] == "she"


def test_without_a_switch_unknown_answers_are_left_alone() -> None:
    slots = {"age": 45.0, "requested_slot": "kidney_disease"}
    events = person_events(person_with_latest_message(tracker(["I also take digoxin"], slots)))
    names = [e["name"] for e in events]
    assert "age" not in names and "kidney_disease" not in names  # nothing reset
    assert "safety_subject" not in names and "safety_findings_told" not in names


def test_a_pronoun_refers_to_the_person_named_in_an_earlier_message_with_their_facts() -> None:
    chat = Conversation()
    chat.say("my son is 7 and has restless legs")
    assert chat.about == "self" and chat.profile() == {}
    chat.say("can he take magnesium?")
    assert chat.about == "son" and chat.profile()["age"] == 7.0


def test_a_request_about_him_is_about_him_even_when_another_relative_is_named() -> None:
    chat = Conversation()
    chat.say("my dad is 80 and has restless legs")
    chat.say("can he take sedorum? my mum thinks not")
    assert chat.about == "dad" and chat.profile()["age"] == 80.0


def test_button_payloads_are_not_read_as_facts() -> None:
    person = person_with_latest_message(tracker(['/inform{"age": 30}'], {"safety_profile": {"age": 70}}))
    assert person.profile.age == 70.0 and not person.switched and person.extraction.profile.is_empty()


def test_earlier_messages_are_the_visitors_own_most_recent_first_within_a_window() -> None:
    texts = [f"message {n}" for n in range(10)] + ["/affirm", "", "latest"]
    earlier = earlier_user_texts(tracker(texts))
    assert earlier[0] == "message 9" and "latest" not in earlier
    assert "/affirm" not in earlier and "" not in earlier
    assert len(earlier) <= EARLIER_MESSAGES
    assert earlier == [f"message {n}" for n in (9, 8, 7, 6)]  # the window counts the skipped ones


@pytest.mark.parametrize("bad", ["kidney disease", ["age", 3], 42, None])
def test_slots_from_older_or_broken_conversations_read_as_nothing_known(bad: Any) -> None:
    trk = tracker(["hello"], {"safety_profile": bad, "safety_subject": bad, "safety_findings_told": bad})
    assert stored_profile(trk) == Profile()
    assert stored_subject(trk).is_self
    assert told_findings(trk) == ([] if not isinstance(bad, list) else ["age", "3"])


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (Profile(), dict.fromkeys(["age", "kidney_disease", "heart_condition", "pregnancy_status", "medications"])),
        (
            Profile(age=72, denied_conditions={"kidney_disease"}, takes_medicines=False),
            {"age": 72, "kidney_disease": False, "heart_condition": None, "pregnancy_status": False, "medications": []},
        ),
        (
            Profile(age=30, conditions={"slow_heart_rate"}, pregnant_or_breastfeeding=True, medications={"digoxin"}),
            {
                "age": 30,
                "kidney_disease": None,
                "heart_condition": True,
                "pregnancy_status": True,
                "medications": ["digoxin"],
            },
        ),
        (Profile(age=5), {**dict.fromkeys(SCREENING_SLOTS), "age": 5, "pregnancy_status": False}),
    ],
)
def test_the_form_slots_mirror_the_profile(profile: Profile, expected: dict[str, Any]) -> None:
    assert screening_slot_values(profile) == expected


def test_personal_details_are_remembered_by_the_action_that_hears_them() -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionRememberProfile().run(dispatcher, tracker(["I'm 70 and I take digoxin"], {}), DOMAIN))
    slots = {e["name"]: e["value"] for e in events}
    assert slots["safety_profile"]["age"] == 70.0 and slots["age"] == 70.0
    assert "digoxin" in slots["safety_profile"]["medications"] + slots["safety_profile"]["other_medicines"]
    assert slots["safety_findings_told"] and dispatcher.messages[0]["text"].startswith("From what you told me")
