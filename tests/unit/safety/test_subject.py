"""Whom a question is about (sedorum.safety.subject) and how facts are read for that person."""

from __future__ import annotations

import pytest

from sedorum.safety.extract import extract, interpret_answer
from sedorum.safety.subject import (
    SELF,
    Subject,
    is_self_reveal,
    named_people,
    names_a_young_child,
    relation_subject,
    requested_subject,
)


@pytest.mark.parametrize(
    ("text", "key", "pronoun"),
    [
        ("My dad is 82 and takes milk of magnesia daily, is Sedorum ok for him?", "dad", "he"),
        ("is sedorum safe for my mum? she's 79", "mum", "she"),
        ("can my 8 year old son take magnesium", "son", "he"),
        ("asking for a friend: can you take magnesium with CKD?", "friend", "they"),
        ("I care for my mother, she takes gaviscon, can she have sedorum", "mother", "she"),
        ("how much magnesium can my daughter have, she is 15", "daughter", "she"),
        ("my husband wants to take sedorum", "husband", "he"),
        ("can i give sedorum to my grandad", "grandad", "he"),
        ("is it ok for my farther to take it", "father", "he"),
    ],
)
def test_requests_about_someone_else_name_them(text: str, key: str, pronoun: str) -> None:
    subject = requested_subject(text)
    assert subject is not None and subject.key == key and subject.pronoun == pronoun


@pytest.mark.parametrize(
    "text",
    [
        "my mother is on dialysis",  # a statement, not a request: general information only
        "my husband has CKD but I don't. what is the maximum magnesium per day?",
        "can I take sedorum?",
        "I'm 45 and take omeprazole",
    ],
)
def test_statements_and_own_questions_keep_the_visitor(text: str) -> None:
    assert requested_subject(text) in (None, SELF)


def test_pronoun_follow_ups_keep_the_person_and_own_questions_switch_back() -> None:
    dad = relation_subject("dad")
    assert requested_subject("can he take it with his omeprazole?", dad) is None
    assert requested_subject("what about me, can I take it?", dad) == SELF


@pytest.mark.parametrize("text", ["actually it's me", "ok, I'm the one on dialysis", "the friend is me tbh"])
def test_asking_for_a_friend_that_is_the_visitor(text: str) -> None:
    assert requested_subject(text, relation_subject("friend")) == SELF


def test_subject_round_trips_through_a_slot() -> None:
    mum = relation_subject("Mum")
    assert Subject.from_dict(mum.to_dict()) == mum
    assert Subject.from_dict(None) == SELF and mum.label == "your mum"


def test_facts_about_the_person_asked_for_are_theirs_not_the_visitors() -> None:
    text = "My dad is 82 and takes milk of magnesia daily, is Sedorum ok for him?"
    own = extract(text).profile
    his = extract(text, "other").profile
    assert own.age is None and not own.medications
    assert his.age == 82 and his.medications == {"magnesium_laxative"}


def test_visitors_own_facts_are_not_the_persons() -> None:
    his = extract("I have CKD myself, but he doesn't have kidney disease", "other").profile
    assert "kidney_disease" not in his.conditions
    assert "kidney_disease" in his.denied_conditions


def test_an_age_written_before_a_relation_is_theirs() -> None:
    assert extract("my 82-year-old dad takes gaviscon").profile.age is None
    assert extract("my 82-year-old dad takes gaviscon", "other").profile.age == 82


@pytest.mark.parametrize(
    ("text", "asked", "about", "answer"),
    [
        ("yes he is", "kidney_disease", "other", "yes"),
        ("no, she isn't", "kidney_disease", "other", "no"),
        ("he doesn't", "heart_condition", "other", "no"),
    ],
)
def test_third_person_yes_and_no(text: str, asked: str, about: str, answer: str) -> None:
    assert interpret_answer(text, asked, about)["answer"] == answer


@pytest.mark.parametrize(
    "text", ["I'm the one on dialysis", "one of my kidneys was removed", "I take one tablet of omeprazole"]
)
def test_number_words_outside_an_age_are_not_ages(text: str) -> None:
    assert interpret_answer(text, "age")["profile"]["age"] is None


@pytest.mark.parametrize("text", ["seventy two", "about 70", "81", "I'm 81"])
def test_short_age_answers_still_count(text: str) -> None:
    assert interpret_answer(text, "age")["profile"]["age"] in (70.0, 72.0, 81.0)


@pytest.mark.parametrize("text", ["my kidnys are bad", "im on dialisis", "i have kidny disease", "kidny failure"])
def test_kidney_typos(text: str) -> None:
    assert "kidney_disease" in extract(text).profile.conditions


@pytest.mark.parametrize(
    "text", ["no conditions", "I'm healthy", "I don't have any medical conditions", "healthy otherwise"]
)
def test_healthy_answers_the_condition_questions(text: str) -> None:
    denied = extract(text).profile.denied_conditions
    assert {"kidney_disease", "heart_block", "myasthenia_gravis"} <= denied


def test_named_people_are_everyone_called_my_something() -> None:
    named = named_people("my mother is on dialysis and my 4 year old has a cold; a friend said hi")
    assert [(person.key, person.pronoun) for person in named] == [("mother", "she"), ("child", "they")]
    assert named_people("he is 82 and takes digoxin") == []


def test_a_carer_who_looks_after_a_parent_asks_for_them() -> None:
    from sedorum.safety.conversation import Turn, read_conversation

    reading = read_conversation([Turn("I look after my dad, he's 81"), Turn("he's on digoxin and furosemide")])
    assert reading.subject.key == "dad"
    assert {"digoxin", "diuretic"} <= reading.profile.medications
    assert reading.profile.age == 81


@pytest.mark.parametrize(
    ("text", "young"),
    [
        ("my toddler got into my handbag", True),
        ("Mein Sohn (3) hat Tabletten gegessen", False),  # German is read through its gloss first
        ("my son, 3, opened the tub", True),
        ("my 2yo can open the drawer", True),
        ("a 7 year old boy", True),
        ("the grandkids are coming to stay", True),
        ("my son is 34", False),
        ("my daughter rang at 9 pm", False),
        ("I take 2 tablets at 10 pm", False),
        ("my 45 year old brother", False),
    ],
)
def test_a_young_child_is_named_by_a_child_word_or_an_age_of_twelve_or_under(text: str, young: bool) -> None:
    assert names_a_young_child(text) is young


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("and how much could mum have then?", "mum"),
        ("is it ok for dad?", "dad"),
        ("can grandma take it with her water tablets", "grandma"),
        ("and could mum share my tub?", "mum"),
    ],
)
def test_a_parent_named_without_my_is_who_the_question_is_about(text: str, key: str) -> None:
    wanted = requested_subject(text)
    assert wanted is not None and wanted.key == key


@pytest.mark.parametrize(
    ("text", "reveal"),
    [
        ("actually it's me", True),
        ("actually it's for me as well, I get the legs too", False),
        ("it's for me too", False),
        ("actually it's me, I'm her husband and I get it too", False),
    ],
)
def test_only_a_reveal_that_replaces_the_other_person_moves_their_facts(text: str, reveal: bool) -> None:
    assert is_self_reveal(text) is reveal
