"""Whose fact a short follow-up or a pronoun is, ages given as a birth year, and no amounts
while an emergency is open: the reading rules added for conversations seen first by visitors."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sedorum.safety.after_emergency import without_amounts
from sedorum.safety.answers import DOSAGE, SAFETY_CHECK, asks_amount, asks_go_ahead, follow_up_topic
from sedorum.safety.conversation import Turn, read_conversation
from sedorum.safety.mentions import extract
from sedorum.safety.profile import Profile
from sedorum.safety.subject import relation_subject, requested_subject, without_own_parenthood


def test_a_message_starting_with_he_keeps_the_facts_of_the_husband_named_before() -> None:
    reading = read_conversation(
        [
            Turn("My husband and I both have RLS"),
            Turn("He's 74 and on dialysis. I'm 70 and take Rennies most days."),
            Turn("and him?"),
        ]
    )
    assert reading.subject.key == "husband" and "kidney_disease" in reading.profile.conditions


def test_and_me_while_asking_about_a_partner_is_no_answer_about_the_partner() -> None:
    reading = read_conversation(
        [
            Turn("I'm a bloke so obviously not pregnant, but my partner is 20 weeks. can she take magnesium?"),
            Turn("and me? 36, no health problems", asked="age"),
        ]
    )
    assert reading.subject.is_self and not reading.answered and not reading.profile.pregnant
    assert all(profile.age != 36 for profile in reading.people.values())


@pytest.mark.parametrize(
    ("text", "key"),
    [("and mum?", "mum"), ("what about my husband?", "husband"), ("and me then?", "self")],
)
def test_short_follow_ups_turn_to_the_person_they_name(text: str, key: str) -> None:
    subject = requested_subject(text, current=relation_subject("dad"))
    assert subject is not None and subject.key == key


def test_and_me_after_an_amount_question_asks_the_amount_again() -> None:
    previous = "How much Sedorum can he have and how much can I have?"
    assert follow_up_topic("and me?", Profile(), previous) == DOSAGE
    assert follow_up_topic("and me? 36, no health problems", Profile(), "can my partner take it?") == SAFETY_CHECK
    assert follow_up_topic("and me?", Profile()) is None


@pytest.mark.parametrize(
    "text", ["so yes or no?", "so who can have it?", "should I buy it or not?", "I'll give it a try then"]
)
def test_go_ahead_questions(text: str) -> None:
    assert asks_go_ahead(text)


@pytest.mark.parametrize("text", ["just roughly?", "just give me a number please"])
def test_the_amount_asked_again(text: str) -> None:
    assert asks_amount(text)


def test_a_birth_year_is_an_age_and_belongs_to_the_person_named_before_it() -> None:
    this_year = date.today().year
    assert extract("born in 1944, take milk of magnesia every night").profile.age == this_year - 1944 - 1
    assert extract("my mum was born in 1940").profile.age is None


def test_a_parent_describing_themself_is_not_asking_about_a_child() -> None:
    text = "mum of 3 kids, 12 hour night shifts, 38 years old. what's the daily limit?"
    assert len(without_own_parenthood(text)) == len(text) and "kids" not in without_own_parenthood(text)
    assert extract(text).profile.age == 38
    assert requested_subject("breastfeeding my 4 month old, can I take magnesium for cramps?") is None


def test_no_sentence_with_an_amount_survives_while_an_emergency_is_open() -> None:
    text = "Good to know. For ages 9 and over, there is an upper limit of 350 mg a day. Ask your pharmacist.\nSource: x"
    kept = without_amounts(text)
    assert not re.search(r"\d+ ?mg", kept) and "Ask your pharmacist." in kept and "Source: x" in kept
