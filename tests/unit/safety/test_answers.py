"""Personal answers consult the profile: the same question, with and without each stated fact,
gets different and correct advice (sedorum.safety.answers, no server needed)."""

from __future__ import annotations

import re

import pytest

from sedorum.safety.answers import (
    PERSONAL_TOPICS,
    Plan,
    asks_about_a_cure,
    asks_amount,
    asks_for_a_view,
    asks_go_ahead,
    asks_if_it_helps,
    asks_limit,
    dose_text,
    offer_text,
    other_medicine_in_dose_question,
    plan_answer,
)
from sedorum.safety.engine import evaluate
from sedorum.safety.extract import extract
from sedorum.safety.profile import Profile
from sedorum.safety.subject import relation_subject


def said(plan: Plan) -> str:
    """Everything a plan would send, literal texts and response names, joined."""
    return "\n".join(reply.text or f"<{reply.topic}>" for reply in plan.replies)


def profile_of(text: str) -> Profile:
    return extract(text).profile


# Each stated fact, what a dose answer must then contain, and what it must not.
DOSE_CASES = [
    ("I have kidney disease", r"kidney doctor", r"\b350\b"),
    ("I'm on dialysis", r"kidney doctor", r"\b\d+ ?mg\b"),
    ("I'm 30 weeks pregnant", r"midwife", r"\b350\b"),
    ("I have heart block", r"GP|heart doctor", r"\b350\b"),
    ("I have myasthenia gravis", r"neurologist", r"\b350\b"),
    # S3: the antacid or laxative already counts toward the limit, so no figure "on top"
    ("I'm 81 and take milk of magnesia", r"build up|pharmacist", r"\b\d+ ?mg\b"),
    ("I'm 78 and take Gaviscon every night", r"antacid|build up", r"\b\d+ ?mg\b"),
    # a heart medicine whose effects depend on the magnesium level: the doctor decides
    ("I take digoxin for my heart", r"pharmacist", r"\b\d+ ?mg\b"),
]


@pytest.mark.parametrize(("fact", "must", "must_not"), DOSE_CASES)
def test_dose_answer_uses_each_stated_fact(fact: str, must: str, must_not: str) -> None:
    without = said(plan_answer("dosage", Profile()))
    with_fact = said(plan_answer("dosage", profile_of(fact)))
    assert "350 mg" in without and "EFSA" in without and "250 mg" in without
    assert with_fact != without
    assert re.search(must, with_fact, re.I), with_fact
    assert not re.search(must_not, with_fact, re.I), with_fact


@pytest.mark.parametrize("topic", ["side_effects", "product_info", "safety_check"])
@pytest.mark.parametrize(
    ("fact", "must"),
    [
        ("I have CKD stage 4", r"kidney doctor"),
        ("I'm pregnant", r"midwife"),
        ("I take omeprazole every day", r"PPI|pharmacist"),
        ("I'm 70 and take milk of magnesia", r"build up"),
        ("I take ciprofloxacin", r"2 hours|pharmacist"),
    ],
)
def test_topic_answers_state_the_findings_first(topic: str, fact: str, must: str) -> None:
    plan = plan_answer(topic, profile_of(fact))
    assert plan.replies, "no reply"
    first = plan.replies[0].text or ""
    assert first.startswith("From what you told me"), first
    assert re.search(must, first, re.I), first
    if topic in PERSONAL_TOPICS:
        assert plan.replies[-1].topic == topic
    without = plan_answer(topic, Profile())
    assert said(without) != said(plan)


def test_every_personal_answer_restates_the_findings() -> None:
    profile = profile_of("I have kidney disease")
    first = plan_answer("side_effects", profile)
    again = plan_answer("product_info", profile, told=first.told)
    assert "kidney_disease" in first.told
    assert said(again).startswith("From what you told me") and "kidney doctor" in said(again)
    just_said = plan_answer("product_info", profile, told=first.told, restate=False)
    assert said(just_said) == "<product_info>"


def test_safety_check_with_known_finding_offers_only_the_unknown_questions() -> None:
    plan = plan_answer("safety_check", profile_of("I'm 78 and take Maalox nightly, can I add magnesium?"))
    assert plan.screening == "offer"
    assert "build up" in said(plan)
    assert "age" not in plan.missing and "medications" not in plan.missing
    assert plan.missing == ["kidney_disease", "heart_condition"]
    assert "kidneys and heart" in offer_text(plan.missing)


def test_safety_check_with_nothing_known_starts_the_questions() -> None:
    plan = plan_answer("safety_check", Profile())
    assert plan.screening == "start" and plan.replies == []


def test_healthy_adult_who_said_everything_is_not_asked_again() -> None:
    profile = profile_of("I'm 30, no conditions, no medicines, not pregnant")
    assert profile.missing() == []
    plan = plan_answer("safety_check", profile)
    assert plan.screening is None
    assert re.search(r"pharmacist or GP", said(plan))
    assert "safe for you" not in said(plan)


@pytest.mark.parametrize(
    ("question", "medicine"),
    [
        ("How much ibuprofen can I take?", "ibuprofen"),
        ("how many units of Lantus should I add?", "Lantus"),
        ("what's the dose of metformin", "metformin"),
        ("how much omeprazole is ok", "omeprazole"),
        ("how much paracetamol can my mum have", "paracetamol"),
    ],
)
def test_other_medicines_doses_are_referred_without_magnesium_figures(question: str, medicine: str) -> None:
    assert other_medicine_in_dose_question(question) == medicine
    plan = plan_answer("dosage", Profile(), text=question)
    assert [r.kind for r in plan.replies] == ["other_medicine"]
    assert medicine in said(plan) and "pharmacist" in said(plan) and not re.search(r"\d+ ?mg", said(plan))


@pytest.mark.parametrize(
    "question",
    [
        "My ferritin came back at 40. Should I start Sedorum, and how many a day?",
        "I'm anaemic, how many sedorum should I take?",
    ],
)
def test_a_dose_question_with_a_blood_result_is_for_the_doctor_who_reads_it(question: str) -> None:
    plan = plan_answer("dosage", Profile(), text=question)
    assert "75 or less" in said(plan) and "decides if you need iron" in said(plan)
    assert not re.search(r"\d+ ?mg", said(plan))


@pytest.mark.parametrize(
    ("question", "nutrient"),
    [
        ("how much folic acid should a 63 year old man be taking? my wife read it helps legs", "folic acid"),
        ("what's the right dose of vitamin B12 for older people", "vitamin b12"),
        ("how many mg of calcium a day", "calcium"),
    ],
)
def test_amounts_of_the_other_ingredients_are_referred_never_the_magnesium_limit(question: str, nutrient: str) -> None:
    assert other_medicine_in_dose_question(question) == nutrient
    text = said(plan_answer("dosage", Profile(), text=question))
    assert nutrient in text and "pharmacist" in text and "350" not in text


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("I read that Europe has a lower limit for supplemental magnesium than the US. What is it?", True),
        ("what's the ceiling on supplemental magnesium for a 38 year old", True),
        ("is there a limit on how many orders I can place?", False),
        ("how much iron is in one tablet", False),
    ],
)
def test_a_question_about_an_intake_limit_is_a_dose_question(text: str, limit: bool) -> None:
    assert asks_limit(text) is limit
    assert asks_amount(text) or not limit


@pytest.mark.parametrize(
    ("text", "helps", "cure"),
    [
        ("would sedorum help my rls?", True, False),
        ("will magnesium stop my legs jumping", True, False),
        ("does your supplement actually work", True, False),
        ("will sedorum get rid of my rls for good", False, True),
        ("is magnesium a cure for restless legs", True, True),
        ("is it safe for me with my kidneys?", False, False),
        ("can I take it forever?", False, False),
    ],
)
def test_questions_about_what_it_does_are_told_from_safety_questions(text: str, helps: bool, cure: bool) -> None:
    assert asks_if_it_helps(text) is helps
    assert asks_about_a_cure(text) is cure


@pytest.mark.parametrize(
    ("text", "view"),
    [
        ("so what do you think?", True),
        ("ok, your thoughts", True),
        ("hmm what now", True),
        ("what do you think about the price of the big tub?", False),
        ("", False),
    ],
)
def test_only_a_whole_message_asking_for_a_view_is_one(text: str, view: bool) -> None:
    assert asks_for_a_view(text) is view


@pytest.mark.parametrize(
    "question",
    ["how much magnesium can I take", "How much is too much?", "how many mg a day", "how much magnesum per day"],
)
def test_magnesium_dose_questions_are_not_mistaken_for_other_medicines(question: str) -> None:
    assert other_medicine_in_dose_question(question) is None


def test_advice_for_a_parent_is_in_the_third_person() -> None:
    dad = relation_subject("dad")
    profile = extract("My dad is 82 and takes milk of magnesia daily, is Sedorum ok for him?", "other").profile
    plan = plan_answer("safety_check", profile, dad)
    text = said(plan)
    assert text.startswith("From what you told me about your dad")
    assert re.search(r"\bhis pharmacist\b", text)
    assert not re.search(r"\byour (pharmacist|doctor|GP)\b", text)
    assert "he starts" in text
    assert plan.screening == "offer"
    assert "about him" in offer_text(plan.missing, dad)


def test_dose_for_a_dad_on_dialysis_has_no_figures() -> None:
    dad = relation_subject("father")
    profile = extract("he is on dialysis", "other").profile
    text = said(plan_answer("dosage", profile, dad))
    assert "kidney doctor" in text and not re.search(r"\d+ ?mg", text)
    assert re.search(r"\bhis kidney doctor\b", text)


def test_dose_for_a_young_child_is_their_doctors_and_the_child_limit() -> None:
    son = relation_subject("son")
    text = said(plan_answer("dosage", extract("my son is 6, how much can he have?", "other").profile, son))
    assert "their doctor" in text and "110 mg" in text and not re.search(r"\b350\b", text)


def test_teenager_gets_their_doctor() -> None:
    profile = extract("my daughter is 15, can she take sedorum?", "other").profile
    assert profile.age == 15
    text = said(plan_answer("safety_check", profile, relation_subject("daughter")))
    assert "their doctor" in text or "her doctor" in text


@pytest.mark.parametrize("medicine", ["gabapentinoid", "dopamine_agonist", "sleep_medicine", "rls_worsening_medicine"])
def test_no_amounts_for_someone_on_a_medicine_the_prescriber_manages(medicine: str) -> None:
    profile = Profile(age=50, medications={medicine}, takes_medicines=True)
    reply = dose_text(profile, evaluate(profile))
    assert not re.search(r"\d+ ?mg", reply.text or "") and "won't give any amounts" in (reply.text or "")


def test_amounts_are_still_given_alongside_a_medicine_that_only_needs_a_gap() -> None:
    profile = Profile(age=50, medications={"ppi"}, takes_medicines=True)
    assert "350 mg" in (dose_text(profile, evaluate(profile)).text or "")


# ----------------------------------------------------------------------------- follow-ups about amounts


@pytest.mark.parametrize(
    "text",
    [
        "so is that a no? what about just a small amount, like a low strength one?",
        "forgot my sedorum last nite can i double up tonite",
        "so 2 tonight is fine yeah?",
        "would half a tablet be ok",
    ],
)
def test_follow_ups_about_amounts_are_amount_questions(text: str) -> None:
    assert asks_amount(text)


@pytest.mark.parametrize(
    ("text", "go_ahead"),
    [
        ("so is that a yes?", True),
        ("ok I'll order some and start tonight", True),
        ("So I can just take my Sedorum with breakfast?", True),
        ("right, can I just order sedorum and start it tonight then?", True),
        ("can I take it with food?", False),
        ("yes please", False),
        ("no thanks", False),
    ],
)
def test_a_go_ahead_is_told_apart_from_a_plain_yes_or_no(text: str, go_ahead: bool) -> None:
    assert asks_go_ahead(text) is go_ahead


def test_how_much_iron_is_an_iron_question_even_when_sedorum_is_named() -> None:
    text = "how many mg of iron should i take for rls? is sedorum's iron enough?"
    plan = plan_answer("dosage", Profile(), text=text)
    said = "\n".join(r.text or "" for r in plan.replies)
    assert "ferritin" in said and "350" not in said


def test_the_daily_need_beside_the_limit_is_explained_as_two_different_measures() -> None:
    plan = plan_answer("dosage", Profile(), text="one site says men need 420 a day, another says 350 is the max??")
    assert "measure different things" in said(plan) and "food" in said(plan)
    plain = plan_answer("dosage", Profile(), text="what's the max a day?")
    assert "measure different things" not in said(plain)


def test_a_timing_question_from_someone_on_another_medicine_gets_the_spacing() -> None:
    text = "I'm 55 myself and I take levothyroxine. If I tried it, when should I take it?"
    plan = plan_answer("dosage", profile_of(text), text=text)
    assert "4 hours" in said(plan) and [r.kind for r in plan.replies][-1] == "timing"


def test_unnamed_medicines_get_a_question_before_any_figure() -> None:
    text = "I am 70 and I take medicines for my heart. how much magnesium can I take a day?"
    plan = plan_answer("dosage", profile_of(text), text=text)
    assert "Which medicines do you take?" in said(plan) and not re.search(r"\d+ ?mg", said(plan))
