"""General advice for hypothetical or someone else's conditions (never the user's profile)."""

from __future__ import annotations

import pytest

from sedorum.safety.extract import extract
from sedorum.safety.general import general_advice


def test_hypothetical_kidney_disease_gets_general_kidney_advice_and_no_profile_fact() -> None:
    extraction = extract("if I had kidney disease would magnesium be a problem?")
    assert "kidney_disease" not in extraction.profile.conditions
    advice = general_advice(extraction)
    assert advice is not None
    assert advice.startswith("In general, for anyone who has it (not about you)")
    assert "kidney doctor" in advice


def test_mothers_dialysis_is_general_information() -> None:
    advice = general_advice(extract("my mother is on dialysis, can she take sedorum?"))
    assert advice is not None and "kidney" in advice.lower()


def test_own_facts_give_no_general_advice() -> None:
    assert general_advice(extract("I have kidney disease")) is None
    assert general_advice(extract("what foods have magnesium")) is None


def test_a_leg_cramp_question_is_told_cramps_are_not_rls_with_its_source() -> None:
    from sedorum.safety.general import cramps_advice

    advice = cramps_advice("does magnesium help with cramps?")
    assert advice is not None and "not the same as RLS" in advice and "Cochrane" in advice
    assert cramps_advice("magnesium gives me stomach cramps") is None
    assert cramps_advice("what is magnesium?") is None


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("Eight months of hardly any sleep because of my legs. Nothing works.", True),
        ("my RLS is awful, I've tried everything", True),
        ("can't sleep again, legs going like mad", True),
        ("my legs are fine, I just can't sleep since the baby came", True),
        ("I can't sleep", False),
        ("my legs ache after the gym", False),
    ],
)
def test_a_story_of_restless_legs_and_lost_sleep_is_told_apart(text: str, complaint: bool) -> None:
    from sedorum.safety.general import rls_complaint

    assert rls_complaint(text) is complaint


@pytest.mark.parametrize(
    ("text", "trigger"),
    [
        ("And what about a glass of wine at night?", True),
        ("Is caffeine a trigger?", True),
        ("does smoking make it worse?", True),
        ("I had a coffee this morning", False),
        ("what about the price?", False),
    ],
)
def test_a_question_about_a_trigger_is_told_apart(text: str, trigger: bool) -> None:
    from sedorum.safety.general import asks_about_a_trigger

    assert asks_about_a_trigger(text) is trigger


def test_asking_whether_to_have_iron_checked_gets_the_blood_test_advice() -> None:
    from sedorum.safety.general import blood_test_advice

    advice = blood_test_advice("Should I get my iron checked?")
    assert advice is not None and "75 or less" in advice
