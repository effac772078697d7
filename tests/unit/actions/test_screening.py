"""The safety actions as dialogue glue, run on real rasa-sdk trackers without a server.

Each test plays the conversation a visitor would have had through the actions that answer
each message (tests/unit/actions/chat.py), runs one more action, and checks what the visitor is
told and what is remembered: the subject, the profile, the findings already explained.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action

from actions.forms import ValidateSafetyScreeningForm
from actions.handoff import (
    ActionAnswerPurchase,
    ActionDefaultFallbackWithHandoff,
    ActionFlagEmergency,
    ActionHandoff,
    ActionHandoffWaiting,
    ActionUrgentHelp,
    best_guess,
)
from actions.privacy import ActionPrivacy
from actions.screening import (
    ActionAnswerDosage,
    ActionAnswerTopic,
    ActionGreet,
    ActionOutOfScope,
    ActionRememberProfile,
    ActionSafetyCheck,
    ActionScreeningResult,
    ActionShortReply,
    ActionSmallTalk,
)
from tests.unit.actions.chat import Chat

# The action that answers each kind of earlier message, as the dialogue rules choose it.
ANSWERED_BY: dict[str, type[Action]] = {
    "inform": ActionRememberProfile,
    "check_safety": ActionSafetyCheck,
    "ask_dosage": ActionAnswerDosage,
    "greet": ActionGreet,
    "out_of_scope": ActionOutOfScope,
}


def play(history: list[tuple[str, str]], action: Action, **slots: Any) -> tuple[str, dict[str, Any]]:
    """Plays every message but the last through its usual action, then runs `action` on the
    last: what the visitor is told (texts and <response names>) and the slots it sets."""
    chat = Chat().set(**slots)
    for text, intent in history[:-1]:
        chat.says(text, intent).run(ANSWERED_BY.get(intent, ActionAnswerTopic)())
    text, intent = history[-1]
    said, set_slots = chat.says(text, intent).run(action)
    return "\n".join(said), set_slots


@pytest.fixture(autouse=True)
def handoff_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")


def test_a_carer_asking_for_dad_is_answered_about_him() -> None:
    said, slots = play(
        [("My dad is 82 and takes milk of magnesia daily, is Sedorum ok for him?", "check_safety")], ActionSafetyCheck()
    )
    assert said.startswith("From what you told me about your dad")
    assert "his pharmacist" in said and "How old are you" not in said
    assert re.search(r"short questions? about him", said)
    assert slots["safety_subject"]["key"] == "dad" and slots["subject_pronoun"] == "he"
    assert slots["safety_profile"]["age"] == 82.0
    assert slots["screening_next"] == "offer"
    assert "older_adult_magnesium_medicine" in slots["safety_findings_told"]


def test_the_same_question_about_oneself_starts_the_questions() -> None:
    said, slots = play([("is Sedorum ok for me?", "check_safety")], ActionSafetyCheck())
    assert said == "<utter_screening_intro>"
    assert slots["screening_next"] == "start"


def test_a_pronoun_follow_up_finds_the_person_named_earlier() -> None:
    history = [
        ("my son is 7 and the doctor thinks he has restless legs", "inform"),
        ("how much magnesium can he have?", "ask_dosage"),
    ]
    said, slots = play(history, ActionAnswerDosage())
    assert slots["safety_subject"]["key"] == "son"
    assert "their doctor" in said and "110 mg" in said and "350" not in said


def test_asking_for_a_friend_then_it_is_me_keeps_the_facts() -> None:
    history = [("asking for a friend, she is on dialysis", "check_safety"), ("ok it's actually me", "inform")]
    said, slots = play(history, ActionRememberProfile())
    assert slots["safety_subject"]["key"] == "self" and slots["subject_pronoun"] is None
    assert "your kidney doctor" in said


def test_answers_use_facts_from_the_same_message() -> None:
    said, _ = play([("I'm on dialysis, what side effects does sedorum have?", "ask_side_effects")], ActionAnswerTopic())
    assert said.startswith("From what you told me") and "kidney doctor" in said
    assert said.endswith("<utter_side_effects>")


@pytest.mark.parametrize(
    "earlier",
    [
        ("hi, I'm on dialysis", "greet"),
        ("my legs jump all night, I've had kidney failure for years", "ask_rls_symptoms"),
        ("where is my parcel? I'm also on dialysis", "out_of_scope"),
    ],
)
def test_a_fact_in_any_earlier_message_withholds_the_dose(earlier: tuple[str, str]) -> None:
    said, _ = play(
        [earlier, ("what causes RLS?", "ask_rls_causes"), ("how much can I take?", "ask_dosage")], ActionAnswerDosage()
    )
    assert "kidney doctor" in said and not re.search(r"\d+ ?mg", said), said


def test_a_fact_in_a_general_topic_question_is_said_before_the_topic() -> None:
    said, _ = play([("I'm on dialysis, what causes restless legs?", "ask_rls_causes")], ActionAnswerTopic())
    assert said.startswith("From what you told me") and "kidney doctor" in said
    assert said.endswith("<utter_rls_causes>")


def test_other_medicine_dose_is_referred() -> None:
    said, _ = play([("How much ibuprofen can I take?", "ask_dosage")], ActionAnswerDosage())
    assert "ibuprofen" in said and "pharmacist" in said and not re.search(r"\d+ ?mg", said)


@pytest.mark.parametrize("medicine", ["ropinirole", "pramipexole", "zopiclone", "lithium"])
def test_a_dose_question_about_an_rls_or_sleep_medicine_gets_no_magnesium_figure(medicine: str) -> None:
    said, _ = play([(f"what's the max dose of {medicine} I can take?", "ask_dosage")], ActionAnswerDosage())
    assert "pharmacist" in said and not re.search(r"\d+ ?mg", said), said


def test_an_unclear_health_word_gets_a_referral_and_one_question_not_a_figure() -> None:
    chat = Chat()
    chat.says("my liver is not great", "inform").run(ActionRememberProfile())
    said, slots = chat.says("how much magnesium can I take?", "ask_dosage").run(ActionAnswerDosage())
    text = "\n".join(said)
    assert '"liver"' in text and "GP" in text and not re.search(r"\d+ ?mg", text)
    assert slots["safety_asked"] == "clarify:condition"
    # Answered: the figure may be given now.
    chat.says("no, it's nothing really", "deny").run(ActionAnswerTopic())
    again, slots = chat.says("how much can I take then?", "ask_dosage").run(ActionAnswerDosage())
    assert re.search(r"350 mg", "\n".join(again)) and slots["safety_asked"] is None


def test_an_unclear_word_that_is_still_unclear_is_referred_without_asking_again() -> None:
    chat = Chat()
    chat.says("I take xyzzolam", "inform").run(ActionRememberProfile())
    chat.says("how much magnesium can I take?", "ask_dosage").run(ActionAnswerDosage())
    chat.says("not sure what it is for", "inform").run(ActionRememberProfile())
    said, slots = chat.says("how much can I take?", "ask_dosage").run(ActionAnswerDosage())
    text = "\n".join(said)
    assert "pharmacist" in text and "?" not in text.split("xyzzolam")[-1] and not re.search(r"\d+ ?mg", text)
    assert slots["safety_asked"] is None


def test_a_kidney_question_about_a_misspelt_word_records_the_answer() -> None:
    chat = Chat()
    chat.says("my kidnys r so-so tbh", "inform").run(ActionRememberProfile())
    said, slots = chat.says("how much magnesium can I take?", "ask_dosage").run(ActionAnswerDosage())
    assert "kidney doctor" in "\n".join(said) and slots["safety_asked"] == "clarify:kidney"
    chat.says("yes", "affirm").run(ActionAnswerTopic())
    again, _ = chat.says("so how much?", "ask_dosage").run(ActionAnswerDosage())
    assert "kidney doctor" in "\n".join(again) and not re.search(r"\d+ ?mg", "\n".join(again))


def test_form_reads_answers_about_the_person_asked_for() -> None:
    chat = Chat()
    chat.says("is sedorum ok for my dad? he is 82", "check_safety").run(ActionSafetyCheck())
    chat.form_asks("kidney_disease").says("yes he is, twice a week", "affirm")
    _, slots = chat.run(ValidateSafetyScreeningForm())
    assert slots["kidney_disease"] is True
    assert slots["requested_slot"] is None  # a new stop finding: no more questions before the answer


@pytest.mark.parametrize(("forced", "expected"), [("1", "utter_emergency_staff_alerted"), ("0", "staff_offline")])
def test_emergency_flag_promises_staff_only_when_on_duty(
    forced: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", forced)
    said, slots = play([("I can't breathe", "report_emergency")], ActionFlagEmergency())
    assert expected in said and slots["emergency_flagged"] is True


def test_after_an_emergency_each_reply_repeats_it_and_still_answers_safety_questions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "0")
    chat = Chat().set(handoff="waiting", emergency_flagged=True)
    chat.says("my chest hurts", "report_emergency")
    said, _ = chat.says("I have kidney disease, how much can I take?", "ask_dosage").run(ActionHandoffWaiting())
    assert said[0] == "<utter_emergency>"
    assert "kidney doctor" in "\n".join(said) and not re.search(r"\d+ ?mg", "\n".join(said))
    assert said[-1] == "<utter_emergency_staff_offline>"
    assert "<utter_handoff_waiting>" not in said


@pytest.mark.parametrize(
    ("kind", "response"), [("crisis", "utter_emergency_crisis"), ("poisoning", "utter_emergency_poisoning")]
)
def test_after_a_crisis_or_a_poisoning_each_reply_repeats_that_reply(kind: str, response: str) -> None:
    chat = Chat().set(handoff="waiting", emergency_flagged=True, emergency_kind=kind)
    said, _ = chat.says("hello?", "greet").run(ActionHandoffWaiting())
    assert said[0] == f"<{response}>"


def test_the_flag_remembers_which_emergency_reply_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "1")
    chat = Chat().says("my toddler ate my iron tablets", "report_emergency", emergency_reply="poisoning")
    _, slots = chat.run(ActionFlagEmergency())
    assert slots["emergency_kind"] == "poisoning"


def test_waiting_without_an_emergency_is_acknowledged() -> None:
    said, _ = play([("hello?", "greet")], ActionHandoffWaiting(), handoff="waiting")
    assert said == "<utter_handoff_waiting>"


def test_a_question_while_waiting_for_a_person_is_still_answered() -> None:
    question = ("is RLS something you inherit? my sister has it too", "ask_rls_causes")
    said, _ = play([question], ActionHandoffWaiting(), handoff="waiting")
    assert "<utter_rls_causes>" in said and said.endswith("<utter_handoff_waiting>")


def test_asking_for_someone_medical_tonight_gets_where_to_call_before_our_team() -> None:
    text = "It's 2am, not an emergency, but I'd like to speak to someone medical tonight. Who can I call?"
    said, _ = play([(text, "request_human")], ActionHandoff())
    assert said.startswith("<utter_urgent_advice>")


def test_a_delivery_question_is_not_an_order_problem() -> None:
    said, slots = play([("do you lot deliver to the Highlands?", "ask_product_purchase")], ActionAnswerPurchase())
    assert said == "<utter_product_purchase>" and not slots.get("handoff")
    problem, slots = play([("my order hasn't arrived yet", "ask_product_purchase")], ActionAnswerPurchase())
    assert slots.get("handoff") == "waiting"


@pytest.mark.parametrize(
    ("text", "must"),
    [
        ("My grandchildren (2 and 4) stay every weekend. Anything to know about keeping Sedorum at home?", "reach"),
        ("woke at 4am with my calf in a rock hard knot, agony for a minute then it went", "cramp"),
        ("Eight months of hardly any sleep because of my legs. Nothing works.", "<utter_rls_treatment>"),
    ],
)
def test_a_message_not_understood_still_gets_the_general_advice_that_fits(text: str, must: str) -> None:
    said, _ = play([(text, "nlu_fallback")], ActionDefaultFallbackWithHandoff())
    assert must in said.lower() and "utter_default" not in said


def test_taking_two_tablets_together_is_a_timing_question_whatever_the_intent() -> None:
    text = "I've got separate iron and magnesium tablets. Can I swallow them together at breakfast, is that ok?"
    said, _ = play([(text, "check_safety")], ActionSafetyCheck())
    assert "2 hours apart" in said and "absorbs" in said and "utter_screening_intro" not in said


def test_small_talk_with_a_fact_in_it_gets_the_fact_s_advice() -> None:
    said, _ = play(
        [
            ("asking for a friend, she's 20 weeks pregnant, can she take magnesium?", "check_safety"),
            ("actually it's me, I'm the pregnant one", "bot_challenge"),
        ],
        ActionSmallTalk(),
    )
    assert "midwife" in said and "your" in said and "utter_bot_challenge" not in said
    plain, _ = play([("thanks, bye", "goodbye")], ActionSmallTalk())
    assert plain == "<utter_goodbye>"


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("Where do you get your information from? Is it just whatever the company tells you?", "<utter_evidence>"),
        ("who can read what I type in here?", "<utter_privacy>"),
        ("where is my data stored?", "<utter_privacy>"),
    ],
)
def test_a_question_about_sources_is_not_one_about_privacy(text: str, response: str) -> None:
    said, _ = play([(text, "ask_privacy")], ActionPrivacy())
    assert said == response


def test_a_relative_s_facts_in_a_message_not_understood_are_still_said() -> None:
    text = "My husband is 87 and has an indigestion mixture with magnesium in it every night. Now he wants more."
    said, _ = play([(text, "nlu_fallback")], ActionDefaultFallbackWithHandoff())
    assert "your husband" in said and "build up" in said


def test_an_amount_asked_beside_words_of_dying_gets_the_urgent_help_lines_and_no_figure() -> None:
    said, _ = play([("how many sedorum until I'm dead", "ask_dosage")], ActionAnswerDosage())
    assert "116 123" in said and not re.search(r"\d+ ?mg", said)


EVIDENCE_QUESTION = "my ferritin came back at 40 and the GP said that's normal. would sedorum help my rls?"
CARER_ASKS_FOR_HERSELF = (
    "I'm a carer for my mum who's on dialysis. This question's for me though, I'm 52 and healthy. "
    "What's the limit of magnesium from supplements?"
)


@pytest.mark.parametrize(
    ("text", "must"), [(EVIDENCE_QUESTION, "<utter_magnesium_rls>"), (CARER_ASKS_FOR_HERSELF, "350 mg")]
)
def test_a_safety_question_that_asks_about_the_evidence_or_a_limit_is_answered(text: str, must: str) -> None:
    said, _ = play([(text, "check_safety")], ActionSafetyCheck())
    assert must in said and "utter_screening_intro" not in said


def test_a_blood_test_is_answered_with_the_iron_check_not_off_topic() -> None:
    said, _ = play([("my granddaughter says I should get a blood test", "out_of_scope")], ActionOutOfScope())
    assert "ferritin" in said and "utter_out_of_scope" not in said


def test_whether_it_cures_is_the_evidence_answer_whatever_it_was_read_as() -> None:
    said, _ = play([("will sedorum get rid of my rls for good", "ask_rls_treatment")], ActionAnswerTopic())
    assert said == "<utter_magnesium_rls>"


def test_what_do_you_think_after_facts_is_the_advice_again_whatever_it_was_read_as() -> None:
    history = [
        ("I'm 71 and take magnesium laxatives for constipation", "inform"),
        ("so what do you think", "ask_evidence"),
    ]
    said, _ = play(history, ActionAnswerTopic())
    assert "build up" in said and "utter_evidence" not in said


def test_a_correction_that_asks_for_the_adult_limit_gets_it() -> None:
    history = [
        ("on dialysis, how much magnesium is ok", "ask_dosage"),
        ("sorry, the dialysis is my mum's not mine, I'm 45 and healthy. what's the adult limit for me?", "inform"),
    ]
    said, _ = play(history, ActionRememberProfile())
    assert "350 mg" in said


def test_an_off_topic_reading_of_a_question_about_facts_told_gets_their_advice() -> None:
    history = [
        ("I've been on omeprazole for about 4 years, does that matter for magnesium?", "check_safety"),
        ("fine. should I tell anyone about the omeprazole before starting?", "out_of_scope"),
    ]
    said, _ = play(history, ActionOutOfScope())
    assert "PPI" in said and "utter_out_of_scope" not in said


def test_health_facts_in_a_greeting_come_first() -> None:
    said, slots = play([("Hallo, ich habe kidney disease, wie viel Magnesium?", "greet")], ActionGreet())
    assert "From what you told me" in said and "kidney doctor" in said
    assert "kidney_disease" in slots["safety_profile"]["conditions"]
    plain, _ = play([("hello there", "greet")], ActionGreet())
    assert plain == "<utter_greet>"


def test_a_message_in_another_language_gets_a_line_in_that_language_first() -> None:
    said, _ = play(
        [
            (
                "Ich bin auf Dialyse",
                "out_of_scope",
            )
        ],
        ActionOutOfScope(),
    )
    # The NLU names the language; without it (as here) the answer is in English only.
    assert "kidney doctor" in said
    chat = Chat().says("Ich bin auf Dialyse", "out_of_scope", language="de")
    lines, _ = chat.run(ActionOutOfScope())
    assert lines[0].startswith("Ich antworte nur auf Englisch.") and "Arzt" in lines[0]
    assert "kidney doctor" in lines[1]


def test_off_topic_messages_keep_facts_and_urgent_needs() -> None:
    slow, _ = play([("my heart rate is always slow, around 45", "out_of_scope")], ActionOutOfScope())
    assert "slow heart rate" in slow.lower() and "GP" in slow
    urgent, _ = play(
        [("it's not an emergency but my GP is closed, who can I call?", "out_of_scope")], ActionOutOfScope()
    )
    assert urgent == "<utter_urgent_advice>"
    other, _ = play([("what's the weather tomorrow", "out_of_scope")], ActionOutOfScope())
    assert other == "<utter_out_of_scope>"


@pytest.mark.parametrize(
    "text",
    ["the baby had some of my tablets??", "dont want to be here any longer tbh", "cant brethe properly help"],
)
def test_a_message_not_understood_with_words_about_danger_gets_the_urgent_help_lines(text: str) -> None:
    said, _ = play([(text, "out_of_scope")], ActionOutOfScope())
    assert "999" in said and "A&E" in said and "116 123" in said and "<utter_out_of_scope>" not in said


def test_personal_details_that_cannot_be_read_are_not_screened() -> None:
    said, slots = play([("asdfgh qwerty 12345 !!!", "inform")], ActionRememberProfile())
    assert said == "<utter_default>" and "safety_findings_told" not in slots


def test_a_denial_without_a_named_condition_still_counts() -> None:
    history = [
        ("is sedorum ok for my dad? he is 80 and takes milk of magnesia", "check_safety"),
        ("no, his kidneys are fine", "inform"),
    ]
    said, slots = play(history, ActionRememberProfile())
    assert "his pharmacist" in said
    assert slots["safety_profile"]["denied_conditions"] == ["kidney_disease"]


def test_the_screening_ends_with_the_findings_about_the_person_asked_for() -> None:
    chat = Chat()
    chat.says("is sedorum ok for my dad? he is 82 and has kidney disease", "check_safety").run(ActionSafetyCheck())
    chat.form_asks("heart_condition").says("yes he is", "affirm")
    said, slots = chat.run(ActionScreeningResult())
    text = "\n".join(said)
    assert text.startswith("From what you told me about your dad")
    assert "his kidney doctor" in text and "Age 65 or over" in text  # every finding, the told one too
    assert "your kidney doctor" not in text
    assert slots["requested_slot"] is None and slots["screening_next"] is None
    assert {"kidney_disease", "older_adult"} <= set(slots["safety_findings_told"])


def test_a_screening_without_findings_is_never_an_all_clear() -> None:
    chat = Chat().says("I'm 30, no kidney or heart problems, not pregnant, no medicines", "inform")
    said, slots = chat.run(ActionScreeningResult())
    text = "\n".join(said)
    assert text.startswith("I can't say if a supplement is right for you.")
    assert "pharmacist or GP" in text
    assert not re.search(r"\b(safe for you|you can take|no problem)\b", text, re.I)
    assert slots["safety_findings_told"] == []


def test_an_emergency_only_the_classifier_heard_gets_the_urgent_help_lines_and_staff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "1")
    chat = Chat().says("my mum can't sleep because of her legs", "report_emergency", emergency_reply="unconfirmed")
    said, slots = chat.run(ActionUrgentHelp())
    text = "\n".join(said)
    assert re.search(r"^- If someone is very unwell.*call 999 straight away\.$", text, re.M)
    assert "116 123" in text and "A&E" in text
    assert not re.search(r"^Call 999", text, re.M)
    assert said[-1] == "<utter_emergency_staff_alerted>"
    assert slots["handoff"] == "waiting" and "emergency_flagged" not in slots
    said, _ = chat.says("hello?", "greet").run(ActionHandoffWaiting())
    assert said == ["<utter_handoff_waiting>"]


@pytest.mark.parametrize(
    ("text", "whom"),
    [
        ("i have porphyria, how much magnesium is safe for me?", r"GP|doctor"),
        ("i take zelvoxatine 20 for my nerves, whats a safe amount of magnesium alongside", r"pharmacist"),
    ],
)
def test_a_health_word_nobody_taught_the_assistant_gets_a_referral_when_not_understood(text: str, whom: str) -> None:
    said, _ = play([(text, "nlu_fallback")], ActionDefaultFallbackWithHandoff())
    assert re.search(whom, said), said
    assert not re.search(r"\d+ ?mg", said) and "<utter_default>" not in said


def test_an_unconfirmed_emergency_also_answers_the_classifiers_runner_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "1")
    text = "got a bit of an itchy rash on my arms since starting sedorum, no swelling, breathing fine"
    chat = Chat().says(
        text,
        "report_emergency",
        ranking=[("report_emergency", 0.8), ("ask_side_effects", 0.15)],
        emergency_reply="unconfirmed",
    )
    said, _ = chat.run(ActionUrgentHelp())
    text = "\n".join(said)
    assert "so to be safe" in text
    assert said.index("<utter_side_effects>") < said.index("<utter_emergency_staff_alerted>")


def test_an_unconfirmed_emergency_never_answers_an_amount(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "1")
    chat = Chat().says(
        "how many of these would make it all stop",
        "report_emergency",
        ranking=[("report_emergency", 0.6), ("ask_dosage", 0.3)],
        emergency_reply="unconfirmed",
    )
    said, _ = chat.run(ActionUrgentHelp())
    text = "\n".join(said)
    assert "116 123" in text and not re.search(r"\d+ ?mg", text), text


def test_a_relatives_facts_in_a_message_about_the_visitor_are_answered_too() -> None:
    text = (
        "my daughter is 7 months pregnant and her legs are awful, she asked me to find out if she can take "
        "sedorum. i'm 60 and might take it too"
    )
    said, slots = play([(text, "check_safety")], ActionSafetyCheck())
    assert re.search(r"midwife, obstetrician or GP", said), said
    assert slots["safety_profile"]["age"] == 60.0 and not slots["safety_profile"].get("pregnant")


def test_a_dose_question_the_classifier_was_unsure_of_gets_the_dose_answer() -> None:
    said, _ = play(
        [("my partner has bad kidneys", "inform"), ("what's the upper limit for me", "nlu_fallback")],
        ActionDefaultFallbackWithHandoff(),
    )
    assert "350 mg" in said and "<utter_default>" not in said


def test_a_corrected_age_alone_is_answered_not_misunderstood() -> None:
    chat = Chat()
    chat.says("I'm 45 and use milk of magnesia most nights, thinking of adding sedorum", "inform").run(
        ActionRememberProfile()
    )
    said, slots = chat.says("sorry, I meant 75 not 45!", "inform").run(ActionRememberProfile())
    assert slots["safety_profile"]["age"] == 75.0
    assert "<utter_default>" not in said and re.search(r"pharmacist", "\n".join(said))


def test_asking_to_take_something_while_an_emergency_is_in_progress_gets_no_amount() -> None:
    chat = Chat().set(handoff="waiting", emergency_flagged=True, emergency_kind="emergency")
    said, _ = chat.says("ambulance says 40 mins. can i take a sedorum while i wait", "ask_dosage").run(
        ActionHandoffWaiting()
    )
    text = "\n".join(said)
    assert said[0] == "<utter_emergency>" and "don't take Sedorum or anything new" in text
    assert not re.search(r"\d+ ?mg", text)


def test_tablets_kept_where_a_toddler_can_reach_them_get_the_storage_advice() -> None:
    said, _ = play(
        [
            (
                "I keep my iron tablets in the kitchen drawer and my 2 year old can open it. that's fine isn't it?",
                "inform",
            )
        ],
        ActionRememberProfile(),
    )
    assert re.search(r"out of the reach and sight of children", said)


def test_a_topic_question_that_asks_where_to_get_urgent_help_gets_the_urgent_advice_first() -> None:
    text = "it's not an emergency but my legs are really bad tonight and my GP is closed, who can I call?"
    said, _ = play([(text, "ask_rls_treatment")], ActionAnswerTopic())
    assert said.startswith("<utter_urgent_advice>")


@pytest.mark.parametrize(
    ("ranking", "expected"),
    [
        ([("nlu_fallback", 0.3), ("ask_rls_treatment", 0.28)], "rls_treatment"),
        ([("nlu_fallback", 0.3), ("check_safety", 0.4)], "safety_check"),
        ([("nlu_fallback", 0.3), ("ask_rls_treatment", 0.2)], None),
        ([("nlu_fallback", 0.3), ("greet", 0.6)], None),
    ],
)
def test_a_message_the_classifier_was_unsure_of_gets_its_best_topic(
    ranking: list[tuple[str, float]], expected: str | None
) -> None:
    rows = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    assert best_guess(rows) == expected


def test_a_vague_follow_up_after_facts_gets_the_advice_again() -> None:
    said, _ = play(
        [
            ("I'm 78, Gaviscon every night", "inform"),
            ("are there any interactions with sedorum I should know about?", "nlu_fallback"),
        ],
        ActionDefaultFallbackWithHandoff(),
    )
    assert "<utter_default>" not in said and re.search(r"Gaviscon|antacid", said)


def test_a_question_about_interactions_is_about_the_visitors_facts() -> None:
    said, _ = play(
        [("I'm 78, Gaviscon every night", "inform"), ("any interactions I should know about?", "ask_evidence")],
        ActionAnswerTopic(),
    )
    assert re.search(r"Gaviscon|antacid", said) and "<utter_evidence>" not in said


def test_will_it_go_away_after_while_pregnant_is_about_the_birth() -> None:
    said, _ = play(
        [("23 weeks pregnant with twins", "inform"), ("will it go away after", "ask_evidence")], ActionAnswerTopic()
    )
    assert "<utter_pregnancy>" in said


def test_a_dose_question_while_an_emergency_is_open_gets_no_amount() -> None:
    chat = Chat().set(handoff="waiting", emergency_flagged=True, emergency_kind="emergency")
    said, _ = chat.says("I'm ok now, how much magnesium is too much?", "ask_dosage").run(ActionHandoffWaiting())
    text = "\n".join(said)
    assert said[0] == "<utter_emergency>" and "won't give any amounts" in text
    assert not re.search(r"\b\d+ ?mg\b", text)


def test_findings_said_while_an_emergency_is_open_lose_their_figures() -> None:
    chat = Chat().set(handoff="waiting", emergency_flagged=True, emergency_kind="emergency")
    said, _ = chat.says("I take magnesium glycinate and my pulse is 40, should I stop it?", "check_safety").run(
        ActionHandoffWaiting()
    )
    text = "\n".join(said)
    assert re.search(r"heart|GP|pharmacist", text) and not re.search(r"\b\d+ ?mg\b", text)


def test_an_interactions_question_the_classifier_was_unsure_of_is_about_the_visitors_facts() -> None:
    said, _ = play(
        [
            ("I'm 78, Gaviscon every night", "inform"),
            ("are there any interactions with sedorum I should know about?", "nlu_fallback"),
        ],
        ActionDefaultFallbackWithHandoff(),
    )
    assert re.search(r"Gaviscon|antacid", said)


# ----------------------------------------------------------------------------- a yes or no out of context


def test_a_small_amount_after_a_kidney_answer_gets_the_kidney_answer_not_anything_else() -> None:
    said, _ = play(
        [
            ("My eGFR was 22 at my last blood test. I'm 70. What strength of magnesium?", "ask_dosage"),
            ("so is that a no? what about just a small amount, like a low strength one?", "deny"),
        ],
        ActionShortReply(),
    )
    assert "kidney" in said and "utter_anything_else" not in said
    assert not re.search(r"\b\d+ ?mg\b", said)


def test_a_go_ahead_after_pregnancy_gets_whom_to_ask() -> None:
    said, _ = play(
        [
            ("Hello! I'm 16 weeks pregnant, just so you know.", "inform"),
            ("ok I'll order some and start tonight", "affirm"),
        ],
        ActionShortReply(),
    )
    assert re.search(r"midwife|obstetrician|GP", said) and "utter_anything_else" not in said


def test_a_plain_yes_with_nothing_known_is_asked_what_else() -> None:
    said, _ = play([("yes", "affirm")], ActionShortReply())
    assert said.strip() == "<utter_anything_else>"


def test_an_amount_read_as_personal_details_gets_the_dose_answer() -> None:
    said, _ = play(
        [("I'm on dialysis 3 times a week, how much can I take?", "ask_dosage"), ("just roughly, 300 mg?", "inform")],
        ActionRememberProfile(),
    )
    assert "kidney" in said and "didn't understand" not in said
    assert not re.search(r"\b\d+ ?mg\b", said)


def test_a_go_ahead_to_order_after_facts_that_matter_gets_whom_to_ask_before_the_checkout() -> None:
    said, _ = play(
        [
            ("Hiya, 22 weeks pregnant with my second, legs are driving me up the wall.", "inform"),
            ("right, can I just order sedorum and start it tonight then?", "ask_product_purchase"),
        ],
        ActionAnswerPurchase(),
    )
    assert re.search(r"midwife, obstetrician or GP", said) and said.endswith("<utter_product_purchase>")
    plain, _ = play([("can I order two tubs at once?", "ask_product_purchase")], ActionAnswerPurchase())
    assert plain == "<utter_product_purchase>"


@pytest.mark.parametrize(
    ("text", "must"),
    [
        ("Should I get my iron checked?", "75 or less"),
        ("And what about a glass of wine at night?", "<utter_rls_causes>"),
    ],
)
def test_an_off_topic_reading_of_a_restless_legs_question_gets_its_answer(text: str, must: str) -> None:
    said, _ = play([(text, "out_of_scope")], ActionOutOfScope())
    assert must in said and "<utter_out_of_scope>" not in said


def test_a_greeting_that_asks_a_question_gets_the_answer() -> None:
    chat = Chat().says(
        "Hi there, do you post to Northern Ireland and roughly how long would it take?",
        "greet",
        ranking=[("greet", 0.6), ("ask_product_purchase", 0.3)],
    )
    said, _ = chat.run(ActionGreet())
    assert said == ["<utter_product_purchase>"]
    plain, _ = Chat().says("hello", "greet").run(ActionGreet())
    assert plain == ["<utter_greet>"]
