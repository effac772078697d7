"""Reading a whole conversation (sedorum/safety/conversation.py), without Rasa.

Each test plays visitor messages (with the question asked before each, where there was one)
and checks what a carer, a pregnant visitor or a visitor correcting a typo would notice: whose
facts are whose, that a fact said anywhere counts later, that a correction replaces the old fact,
and which health words are still unclear.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from sedorum.safety.conversation import EARLIER_MESSAGES, Reading, Turn, read_conversation
from sedorum.safety.profile import Profile


def read(*messages: str | tuple[str, str]) -> Reading:
    return read_conversation([Turn(m) if isinstance(m, str) else Turn(m[0], asked=m[1]) for m in messages])


def facts(profile: Profile) -> dict[str, Any]:
    return {key: value for key, value in profile.to_dict().items() if value not in (None, [])}


# ----------------------------------------------------------------------------- whom it is about


def test_a_carer_gets_each_persons_own_facts_back() -> None:
    reading = read("I have kidney disease", "is it ok for my dad? he is 82")
    assert reading.subject.key == "dad" and reading.subject.pronoun == "he"
    assert facts(reading.profile) == {"age": 82.0, "pregnant": False, "breastfeeding": False}
    assert facts(reading.people["self"]) == {"conditions": ["kidney_disease"]}

    back = read("I have kidney disease", "is it ok for my dad? he is 82", "and what about me?")
    assert back.subject.is_self and facts(back.profile) == {"conditions": ["kidney_disease"]}
    assert back.people["dad"].age == 82.0 and "self" not in back.people

    again = read("I have kidney disease", "is it ok for my dad? he is 82", "and what about me?", "and for my dad?")
    assert again.subject.key == "dad" and again.profile.age == 82.0
    assert "kidney_disease" not in again.profile.conditions


def test_the_visitors_own_facts_told_while_asking_for_mum_never_correct_hers() -> None:
    reading = read(
        "I look after my mum, she's 81 and on dialysis. She's got restless legs and so have I.",
        "I'm 55, no health problems, no tablets. I get it mostly after long drives.",
        "what are the side effects of magnesium usually?",
    )
    assert reading.subject.key == "mum" and "kidney_disease" in reading.profile.conditions
    assert reading.people["self"].age == 55.0 and "kidney_disease" in reading.people["self"].denied_conditions
    later = read(
        "I look after my mum, she's 81 and on dialysis.",
        "I'm 55, no health problems, no tablets.",
        "for me, what's the upper limit of supplemental magnesium per day?",
        "and could mum share my tub?",
    )
    assert later.subject.key == "mum" and "kidney_disease" in later.profile.conditions


def test_a_neighbours_tip_does_not_make_the_visitors_own_question_about_the_neighbour() -> None:
    reading = read(
        "I have stage 5 renal disease. My neighbour swears by your Sedorum for her legs. May I try it? "
        "I would be grateful for the correct quantity."
    )
    assert reading.subject.is_self and "kidney_disease" in reading.profile.conditions


def test_a_statement_about_a_relative_does_not_change_whom_the_answers_are_about() -> None:
    reading = read("I'm 45", "my mother is on dialysis")
    assert reading.subject.is_self and facts(reading.profile) == {"age": 45.0}


def test_another_relatives_condition_is_not_given_to_the_person_asked_about() -> None:
    reading = read("is sedorum ok for my dad? he is 82", "my mother is on dialysis")
    assert reading.subject.key == "dad" and "kidney_disease" not in reading.profile.conditions


@pytest.mark.parametrize("details", ["my father is 82", "he is 82", "my dad is 82"])
def test_details_about_the_person_asked_about_are_theirs_whatever_they_are_called(details: str) -> None:
    reading = read("can my dad take sedorum?", details)
    assert reading.subject.key == "dad" and reading.profile.age == 82.0


def test_it_is_me_after_asking_for_someone_keeps_the_visitors_own_earlier_facts() -> None:
    reading = read("I have kidney disease", "can my mum take it?", "actually it's me, I'm 50")
    assert reading.subject.is_self and reading.switched
    assert facts(reading.profile) == {"age": 50.0, "conditions": ["kidney_disease"]}
    assert "self" not in reading.people


def test_it_is_me_after_asking_for_dad_asks_the_visitor_about_pregnancy_again() -> None:
    reading = read("can my dad take sedorum?", "actually it's me, I'm 30")
    assert reading.subject.is_self and facts(reading.profile) == {"age": 30.0}
    assert "pregnancy_status" in reading.profile.missing()


def test_a_pronoun_refers_to_the_person_named_in_an_earlier_message_with_their_facts() -> None:
    reading = read("my son is 7 and has restless legs", "can he take magnesium?")
    assert reading.subject.key == "son" and reading.profile.age == 7.0


def test_a_request_about_him_is_about_him_even_when_another_relative_is_named() -> None:
    reading = read("my dad is 80 and has restless legs", "can he take sedorum? my mum thinks not")
    assert reading.subject.key == "dad" and reading.profile.age == 80.0


def test_a_pronoun_looks_back_only_a_few_messages() -> None:
    filler = [f"what about magnesium {n}" for n in range(EARLIER_MESSAGES + 1)]
    reading = read("my son is 7", *filler, "can he take it?")
    assert reading.profile.age != 7.0


def test_button_payloads_are_not_read_as_facts_but_answer_the_question_asked() -> None:
    reading = read("I'm 70", '/inform{"age": 30}')
    assert reading.profile.age == 70.0 and not reading.switched
    answered = read("I'm 70", ("/affirm", "kidney_disease"))
    assert "kidney_disease" in answered.profile.conditions and answered.answered


# ----------------------------------------------------------------------------- every message counts


@pytest.mark.parametrize(
    "first",
    [
        "hi there, I'm on dialysis",
        "my legs jump all night and I've been on dialysis for years",
        "where is my parcel? also I have CKD stage 4",
    ],
)
def test_a_fact_said_in_any_kind_of_message_counts_later(first: str) -> None:
    reading = read(first, "what causes RLS?", "how much magnesium can I take?")
    assert "kidney_disease" in reading.profile.conditions


def test_a_misspelt_kidney_problem_and_dialysis_are_the_visitors_kidney_disease() -> None:
    reading = read("my kidnys dont work proper im on dialisis 3x a week sedorum ok for me??")
    assert "kidney_disease" in reading.profile.conditions
    assert read("my kidnys dont work proper, can i take sedorum").profile.conditions == {"kidney_disease"}


def test_a_german_pregnancy_in_months_is_pregnancy_and_not_an_age() -> None:
    reading = read("Ich bin im fünften Monat schwanger, darf ich Sedorum nehmen?")
    assert reading.language == "de" and reading.profile.pregnant is True and reading.profile.age is None


# ----------------------------------------------------------------------------- whose fact in short answers


def test_the_visitors_own_age_in_reply_to_a_relatives_age_question_is_the_visitors() -> None:
    reading = read("my mum wants to take sedorum, is it ok for her?", ("I'm 45", "age"))
    assert reading.subject.key == "mum" and reading.profile.age is None
    assert reading.people["self"].age == 45.0


def test_a_mixed_short_answer_is_split_between_the_relative_and_the_visitor() -> None:
    reading = read("my mum wants to take sedorum, is it ok for her?", ("she is 79 and I have kidney disease", "age"))
    assert reading.profile.age == 79.0 and "kidney_disease" not in reading.profile.conditions
    assert "kidney_disease" in reading.people["self"].conditions


@pytest.mark.parametrize("reply", ["-5", "150", "I weigh 70", "0"])
def test_a_number_that_is_not_a_plausible_age_is_not_taken(reply: str) -> None:
    reading = read("is sedorum ok for my dad?", (reply, "age"))
    assert reading.profile.age is None and not reading.answered


# ----------------------------------------------------------------------------- corrections


@pytest.mark.parametrize("correction", ["sorry I meant 67", "typo, 67 not 76", "oops, it's 67"])
def test_a_corrected_age_replaces_the_old_one(correction: str) -> None:
    assert read("I'm 76", correction).profile.age == 67.0


def test_a_medicine_that_turns_out_to_be_a_relatives_is_taken_off_the_visitor() -> None:
    reading = read("I take levothyroxine", "sorry, the levothyroxine is my husband's, not mine")
    assert "levothyroxine" not in reading.profile.medications


def test_an_unknown_medicine_given_back_to_a_relative_is_no_longer_the_visitors_unclear_word() -> None:
    reading = read("I take warfarin", "actually the warfarin is my husband's, not mine")
    assert reading.unclear_words == []


def test_a_condition_that_no_longer_applies_is_cleared() -> None:
    reading = read("I'm pregnant", "actually I'm not pregnant any more, the baby came last month")
    assert reading.profile.pregnant is False


# ----------------------------------------------------------------------------- unclear health words


@pytest.mark.parametrize(
    ("message", "word", "group"),
    [
        ("my liver is not great", "liver", "condition"),
        ("im on tizanidine at night", "tizanidine", "medicine"),
        ("I take perindopril", "perindopril", "medicine"),
        ("I have lupus", "lupus", "condition"),
        ("I take heart tablets", "heart tablets", "medicine"),
    ],
)
def test_a_health_word_the_engine_does_not_know_stays_unclear(message: str, word: str, group: str) -> None:
    unclear = read(message).unclear_words
    assert [(w.word, w.group) for w in unclear] == [(word, group)]


@pytest.mark.parametrize(
    "message",
    [
        "I have restless legs syndrome",
        "my kidneys are fine",
        "I'm on dialysis",
        "my husband has lupus",
        "what are the side effects?",
        "I take omeprazole",
        "my GP surgery is closed",
    ],
)
def test_a_known_explained_or_someone_elses_health_word_is_not_unclear(message: str) -> None:
    assert read(message).unclear_words == []


def test_an_answer_to_the_question_about_an_unclear_word_settles_it() -> None:
    assert read("my liver is not great", ("no, it's fine really", "clarify:condition")).unclear_words == []
    kidney = read("my kidneys are not great", ("yes I'm on dialysis", "clarify:kidney"))
    assert kidney.unclear_words == [] and "kidney_disease" in kidney.profile.conditions
    denied = read("my kidneys are not great", ("no", "clarify:kidney"))
    assert "kidney_disease" in denied.profile.denied_conditions


def test_a_word_asked_about_once_is_remembered_as_asked() -> None:
    reading = read("I take xyzzolam", ("not sure", "clarify:medicine"))
    assert [w.word for w in reading.unclear_words] == ["xyzzolam"]
    assert reading.already_asked(reading.unclear_words)


def test_an_age_that_cannot_be_right_gets_no_figure_and_is_asked_again() -> None:
    from sedorum.safety.answers import DOSAGE, plan_answer

    turns = [Turn("im 150 years old lol, how much magnesium should i be having")]
    reading = read_conversation(turns)
    assert reading.profile.age is None and [w.group for w in reading.unclear_words] == ["age"]
    plan = plan_answer(DOSAGE, reading.profile, reading.subject, turns[0].text, [], unclear=reading.unclear_words)
    text = " ".join(r.text or "" for r in plan.replies)
    assert "How old are you?" in text and not re.search(r"\d+ ?mg", text)
    assert plan.asked == "clarify:age"
    settled = read_conversation([*turns, Turn("sorry, 50", asked="clarify:age")])
    assert settled.profile.age == 50 and settled.unclear_words == []


@pytest.mark.parametrize(
    ("texts", "age"),
    [
        (["17 and using magnesium laxatives, would sedorum be too much", "not 17!! 71. autocorrect"], 71),
        (["im 67", "76 not 67"], 76),
        (["i take 2 tablets", "not 2, 3"], None),
    ],
)
def test_a_mistyped_age_is_replaced_by_the_corrected_one(texts: list[str], age: int | None) -> None:
    assert read_conversation([Turn(text) for text in texts]).profile.age == age


def test_a_pregnancy_in_the_past_and_breastfeeding_stopped_are_not_current() -> None:
    reading = read_conversation(
        [
            Turn("im pregnant, is sedorum ok for rls"),
            Turn(
                "no wait sorry, i WAS pregnant when my rls started. "
                "my baby is 14 months now and i stopped breastfeeding"
            ),
        ]
    )
    assert reading.profile.pregnant is False and reading.profile.breastfeeding is False
    assert read_conversation([Turn("I just found out I was pregnant")]).profile.pregnant is True


def test_a_medicine_given_to_a_relative_by_mistake_becomes_the_visitors() -> None:
    reading = read_conversation(
        [
            Turn("my husband is on ciprofloxacin for a chest infection, i want to start sedorum"),
            Turn("no sorry thats wrong, the cipro is mine not his. he just has the bad legs as well"),
        ]
    )
    assert reading.subject.is_self and "quinolone" in reading.profile.medications


@pytest.mark.parametrize(
    ("text", "slow"),
    [
        ("my resting pulse is always about 44, cardiology are keeping an eye on it", True),
        ("my heart rate is usually around 48 bpm", True),
        ("my pulse is 72", False),
        ("my heart rate was 45 when i was ill", False),
    ],
)
def test_a_slow_pulse_given_as_a_figure_is_a_slow_heart_rate(text: str, slow: bool) -> None:
    assert ("slow_heart_rate" in read_conversation([Turn(text)]).profile.conditions) is slow


def test_a_fact_given_to_a_relative_by_correction_keeps_the_conversation_about_the_visitor() -> None:
    turns = [
        Turn("i have kidney disease"),
        Turn("sorry typed that wrong, it's my wife with the kidney problem"),
        Turn("what's the upper limit for magnesium"),
    ]
    reading = read_conversation(turns)
    assert reading.subject.is_self and "kidney_disease" not in reading.profile.conditions
    assert "kidney_disease" in reading.people["wife"].conditions


def test_a_medicine_mixed_up_with_the_husbands_is_not_the_visitors() -> None:
    reading = read_conversation([Turn("i take warfarin"), Turn("i mixed up, warfarin is my husband's")])
    assert not reading.profile.medications


@pytest.mark.parametrize(
    ("texts", "pregnant"),
    [
        (["28 weeks, RLS is bad. someone said it could be iron"], True),
        (["not pregnant or anything", "omg scratch that, test just came back positive. about 6 weeks"], True),
        (["my covid test came back positive"], None),
        (["6 weeks of bad legs now, what helps"], None),
    ],
)
def test_a_pregnancy_said_without_the_word(texts: list[str], pregnant: bool | None) -> None:
    assert read_conversation([Turn(text) for text in texts]).profile.pregnant is pregnant


def test_a_relative_said_to_be_healthy_does_not_clear_the_visitors_own_dialysis() -> None:
    reading = read(
        "hiya, I go to dialysis mon wed fri so my nights are rubbish",
        "my daughter fancies trying it as well, she's 30 and healthy",
        "ok and for me, what's the daily max I can have?",
    )
    assert reading.subject.is_self and "kidney_disease" in reading.profile.conditions


def test_kidney_function_going_down_is_kidney_disease() -> None:
    reading = read("Not on dialysis yet, but my kidney function has been going down for a few years")
    assert "kidney_disease" in reading.profile.conditions


def test_a_pregnancy_given_to_a_daughter_in_a_correction_is_no_longer_the_visitors() -> None:
    reading = read(
        "I'm pregnant and my legs are awful at night, would Sedorum help?",
        "oops, no, my DAUGHTER is pregnant, I'm her mum and I'm 58. I was asking for her. "
        "But separately, what's the upper limit of magnesium for me?",
    )
    assert reading.subject.is_self and not reading.profile.pregnant and reading.profile.age == 58.0
