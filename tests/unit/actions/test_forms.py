"""The screening form's answers, read by the real validation action on rasa-sdk trackers.

Each test is one turn of the screening in a conversation built as Rasa records it
(tests/unit/actions/chat.py): what the visitor said before, which question the form asked, the
reply, and then what the validation does: which slots it fills, whether it ends the questions,
what the visitor is told, and when it returns nothing so that Rasa rejects the form's turn (a
side question, "stop", nonsense).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.conversation import screening_slot_values
from actions.forms import ValidateSafetyScreeningForm
from actions.screening import ActionRememberProfile, ActionSafetyCheck
from sedorum.safety.profile import SCREENING_QUESTIONS, Profile
from tests.unit.actions.chat import DOMAIN, FORM, Chat


@pytest.fixture(autouse=True)
def handoff_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")


def asked(question: str, *before: str, started_by: str = "is sedorum safe for me?") -> Chat:
    """A conversation where the visitor said `before`, then asked `started_by`, and the form asks."""
    chat = Chat()
    for text in before:
        chat.says(text).run(ActionRememberProfile())
    chat.says(started_by, "check_safety").run(ActionSafetyCheck())
    return chat.form_asks(question)


def reply(chat: Chat, text: str, intent: str = "inform") -> tuple[list[str], dict]:
    chat.says(text, intent)
    return chat.run(ValidateSafetyScreeningForm())


def test_the_domain_form_asks_exactly_what_the_validation_fills() -> None:
    required = DOMAIN["forms"][FORM]["required_slots"]
    assert required == list(SCREENING_QUESTIONS)
    assert set(screening_slot_values(Profile())) == set(required)
    assert "validate_" + FORM in DOMAIN["actions"]
    assert ValidateSafetyScreeningForm().name() == "validate_" + FORM


@pytest.mark.parametrize(
    ("text", "age"), [("72", 72.0), ("seventy", 70.0), ("seventy two", 72.0), ("I'm 72 years old", 72.0)]
)
def test_an_older_adults_age_is_taken_and_the_pregnancy_question_is_skipped(text: str, age: float) -> None:
    said, slots = reply(asked("age"), text)
    assert slots["age"] == age and slots["safety_profile"]["age"] == age
    assert slots["pregnancy_status"] is False  # not asked of someone over 60
    assert "kidney_disease" not in slots and "medications" not in slots  # still to be asked
    # The age alone is a finding: said now, and remembered as said.
    assert len(said) == 1 and said[0].startswith("From what you told me, please note:")
    assert "Age 65 or over" in said[0] and "your pharmacist" in said[0]
    assert slots["safety_findings_told"] == ["older_adult"]
    assert "requested_slot" not in slots  # the questions go on


def test_a_younger_age_is_taken_without_a_comment_and_pregnancy_is_still_asked() -> None:
    said, slots = reply(asked("age"), "34")
    assert said == []
    assert slots["age"] == 34.0 and "pregnancy_status" not in slots


@pytest.mark.parametrize("text", ["banana purple", "I'd rather not say", "I'm 200", "what is in it?", "stop", "-5"])
def test_a_reply_that_answers_nothing_is_rejected_without_a_word(text: str) -> None:
    # No events: Rasa rejects the form's turn and the interruption rules answer instead.
    assert reply(asked("age"), text) == ([], {})


def test_a_relatives_age_is_not_the_visitors_age() -> None:
    assert reply(asked("age"), "my mum is 80") == ([], {})


@pytest.mark.parametrize("text", ["she's 79", "79", "she is seventy nine"])
def test_a_carers_answer_about_their_mother_fills_her_profile(text: str) -> None:
    chat = asked("age", started_by="is sedorum ok for my mum?")
    said, slots = reply(chat, text)
    assert slots["age"] == 79.0 and slots["safety_profile"]["age"] == 79.0
    assert "safety_subject" not in slots  # still about her
    assert len(said) == 1 and said[0].startswith("From what you told me about your mum")
    assert "her pharmacist" in said[0] and "your pharmacist" not in said[0]


def test_a_carers_no_about_their_father_is_his_no() -> None:
    chat = asked("kidney_disease", started_by="is sedorum ok for my dad? he is 40")
    said, slots = reply(chat, "no, his kidneys are fine")
    assert slots["kidney_disease"] is False
    assert slots["safety_profile"]["denied_conditions"] == ["kidney_disease"]
    assert said == []


def test_a_relatives_condition_in_the_visitors_answer_stays_the_relatives() -> None:
    said, slots = reply(asked("kidney_disease", "I'm 40"), "no, my dad has kidney disease, not me")
    assert slots["kidney_disease"] is False
    assert slots["safety_profile"]["conditions"] == [] and "requested_slot" not in slots
    assert said == []


@pytest.mark.parametrize(("button", "kidney"), [("/affirm", True), ("/deny", False)])
def test_yes_no_buttons_answer_the_question_asked(button: str, kidney: bool) -> None:
    said, slots = reply(asked("kidney_disease", "I'm 40"), button, intent=button[1:])
    assert slots["kidney_disease"] is kidney
    assert ("kidney_disease" in slots["safety_profile"]["conditions"]) is kidney
    # Kidney disease rules out starting without a clinician: no more questions before that answer.
    assert ("requested_slot" in slots and slots["requested_slot"] is None) is kidney
    assert said == []


def test_another_button_during_the_questions_is_not_an_answer() -> None:
    assert reply(asked("kidney_disease", "I'm 40"), "/request_human", intent="request_human") == ([], {})


def test_several_answers_in_one_reply_fill_every_slot_they_answer() -> None:
    said, slots = reply(asked("age"), "I'm 30, no kidney or heart problems, not pregnant, no medicines")
    assert {name: slots[name] for name in SCREENING_QUESTIONS} == {
        "age": 30.0,
        "kidney_disease": False,
        "heart_condition": False,
        "pregnancy_status": False,
        "medications": [],
    }
    assert said == [] and "requested_slot" not in slots


def test_a_finding_in_an_answer_is_said_at_once_and_only_once() -> None:
    chat = asked("age")
    said, slots = reply(chat, "67, I take Rennie daily")
    assert slots["age"] == 67.0 and slots["medications"] == ["magnesium_antacid"]
    assert len(said) == 1 and "antacids" in said[0]
    told = slots["safety_findings_told"]
    assert "older_adult_magnesium_medicine" in told
    # The next answer adds nothing new to say: the findings are not repeated.
    again, later = reply(chat.form_asks("kidney_disease"), "no")
    assert again == [] and later["kidney_disease"] is False
    assert "safety_findings_told" not in later


def test_pregnancy_ends_the_questions_and_leaves_the_answer_to_the_result() -> None:
    said, slots = reply(asked("age"), "I'm 30 and pregnant")
    assert slots["pregnancy_status"] is True and slots["age"] == 30.0
    assert "requested_slot" in slots and slots["requested_slot"] is None
    assert said == []  # action_screening_result speaks next, once


def test_the_message_that_starts_the_form_is_not_read_twice() -> None:
    # action_safety_check already said the findings of "I'm 70, is it safe?" and marked them told.
    chat = Chat().says("I'm 70, is it safe for me?", "check_safety")
    chat.run(ActionSafetyCheck())
    said, slots = chat.run(ValidateSafetyScreeningForm())
    assert said == []
    assert "requested_slot" not in slots and chat.slots["age"] == 70.0


def offered_for(*said_before: str) -> Chat:
    """The remaining questions about someone else were offered; the visitor takes the offer."""
    chat = Chat()
    for text in said_before:
        chat.says(text, "check_safety").run(ActionSafetyCheck())
    return chat


@pytest.mark.parametrize("told_about_dad", [[], ["older_adult"]])
def test_it_is_me_after_asking_for_dad_says_the_findings_once_for_the_visitor(told_about_dad: list[str]) -> None:
    # The offer of the remaining questions about "dad" is taken with "ok fine, it's me": the
    # facts were the visitor's own, and what they mean is said to them once, then remembered
    # as said (whatever had been said about dad).
    chat = offered_for("is sedorum ok for my dad? he is 80").set(safety_findings_told=told_about_dad)
    assert chat.subject() == "dad"
    said, slots = reply(chat, "ok fine, it's me", intent="affirm")
    assert slots["safety_subject"]["key"] == "self" and slots["subject_pronoun"] is None
    assert slots["safety_profile"]["age"] == 80.0
    assert len(said) == 1, said
    assert said[0].startswith("From what you told me, please note:") and "your pharmacist" in said[0]
    assert slots["safety_findings_told"] == ["older_adult"]


def test_it_is_me_with_a_stopping_fact_ends_the_questions_for_the_result_to_answer() -> None:
    chat = offered_for("asking for a friend, they have kidney disease, can they take sedorum?")
    said, slots = reply(chat, "ok it's actually me", intent="affirm")
    assert slots["safety_subject"]["key"] == "self"
    assert chat.slots["safety_profile"]["conditions"] == ["kidney_disease"]
    assert "requested_slot" in slots and slots["requested_slot"] is None
    assert said == []  # said once, by action_screening_result, about the visitor


def test_it_is_me_with_nothing_known_says_nothing_is_known_yet_and_asks_on() -> None:
    said, slots = reply(offered_for("is sedorum ok for my dad?"), "ok fine, it's me", intent="affirm")
    assert slots["safety_subject"]["key"] == "self" and slots["safety_findings_told"] == []
    assert len(said) == 1 and said[0].startswith("I can't say if a supplement is right for you.")
    assert "requested_slot" not in slots


def test_a_reply_in_the_visitors_own_name_during_a_relatives_questions_is_the_visitors() -> None:
    chat = asked("age", started_by="is sedorum ok for my mum?")
    said, slots = reply(chat, "she is 79 and I have kidney disease")
    assert slots["age"] == 79.0 and slots["safety_profile"]["conditions"] == []
    assert slots["safety_profiles_saved"]["self"]["conditions"] == ["kidney_disease"]


def test_an_answer_that_also_asks_for_the_limit_gets_it_and_the_questions_go_on() -> None:
    chat = asked("age", started_by="what if someone had kidney disease, could they take magnesium?")
    said, slots = reply(
        chat, "ok good to know. thats not me though, my kidneys are fine. im 44, no meds, whats the upper limit for me"
    )
    text = "\n".join(said)
    assert "350 mg" in text and "kidney doctor" not in text.split("350 mg")[0][-200:]
    assert slots["age"] == 44.0 and slots["kidney_disease"] is False
    assert "requested_slot" not in slots


def test_a_plain_answer_does_not_get_a_dose_answer() -> None:
    said, _ = reply(asked("age"), "44, no meds")
    assert not any("mg" in line for line in said)
