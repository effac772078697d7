"""Extraction of the user's own facts (S11) and interpretation of screening answers."""

from __future__ import annotations

import statistics
import time

import pytest

from sedorum.safety.engine import evaluate
from sedorum.safety.extract import REASONS, extract, find_ages, interpret_answer, words_to_number
from sedorum.safety.profile import HEART_CONDITIONS, Profile


def reasons(text: str) -> dict[str, str | None]:
    return {m.id: m.reason for m in extract(text).excluded}


# ----------------------------------------------------------------------------- S11 traps


@pytest.mark.parametrize(
    "text,reason",
    [
        ("I don't have kidney disease", "negated"),
        ("I do not have chronic kidney disease", "negated"),
        ("I've never had kidney problems", "negated"),
        ("my mother is on dialysis", "family"),
        ("My husband has CKD", "family"),
        ("my mum, who is 80, has kidney failure", "family"),
        ("if I had kidney disease, could I take it?", "hypothetical"),
        ("what if I had kidney failure?", "hypothetical"),
        ("Is Sedorum OK for people with kidney disease?", "hypothetical"),
        ("I had kidney problems as a child", "historical"),
    ],
)
def test_kidney_disease_that_is_not_the_users_own_current_fact(text, reason):
    ex = extract(text)
    assert "kidney_disease" not in ex.profile.conditions
    assert reasons(text).get("kidney_disease") == reason


def test_negation_is_remembered_as_an_explicit_no_but_family_is_not():
    assert extract("I don't have kidney disease").profile.denied_conditions == {"kidney_disease"}
    assert extract("my mother is not on dialysis").profile.denied_conditions == set()
    assert extract("my mother is on dialysis").profile.denied_conditions == set()


def test_no_heart_problems_but_omeprazole():
    p = extract("no heart problems but I take omeprazole").profile
    assert p.medications == {"ppi"}
    assert p.denied_conditions >= HEART_CONDITIONS
    assert not p.conditions
    assert "heart_condition" not in p.missing()


def test_several_facts_in_one_message_are_all_used():
    p = extract("I'm 72, I'm on dialysis and I take Gaviscon and omeprazole, and my wife takes Lasix").profile
    assert p.age == 72
    assert p.conditions == {"kidney_disease"}
    assert p.medications == {"magnesium_antacid", "ppi"}  # Lasix is the wife's


def test_family_scope_stops_at_the_users_own_statement():
    ex = extract("My husband and I both take omeprazole")
    assert ex.profile.medications == {"ppi"}
    ex = extract("My mum has CKD and I take doxycycline")
    assert ex.profile.medications == {"tetracycline"}
    assert "kidney_disease" not in ex.profile.conditions


def test_a_relative_who_is_not_the_subject_does_not_take_over_the_sentence():
    p = extract("I'm 20 weeks pregnant with my first baby and take iron tablets").profile
    assert p.pregnant is True and p.medications == {"oral_iron"}
    ex = extract("My mum has CKD and takes Rennie")  # "takes": still the mother
    assert not ex.profile.conditions and not ex.profile.medications
    assert not extract("my kids take omeprazole").profile.medications


def test_joined_denials():
    p = extract("I am 55, no kidney or heart problems, not on any meds").profile
    assert "kidney_disease" in p.denied_conditions and p.denied_conditions >= HEART_CONDITIONS
    assert p.takes_medicines is False
    assert p.missing() == ["pregnancy_status"]


def test_workplace_words_are_not_conditions():
    assert not extract("I'm a nurse on a renal ward").profile.conditions
    p = extract("I work in a nursing home")
    assert p.profile.breastfeeding is None


def test_another_person_in_a_later_sentence():
    p = extract("I'm 45. My mum is 80 and has kidney failure. She takes Rennie.").profile
    assert p.age == 45
    assert not p.conditions and not p.medications


def test_end_to_end_kidney_70_gaviscon_omeprazole():
    p = extract("I have kidney disease, I'm 70 and take Gaviscon and omeprazole").profile
    assert evaluate(p).rule_ids == ["kidney_disease", "older_adult_magnesium_medicine", "ppi"]


def test_stopped_or_past_medicines_become_an_explicit_no():
    for text in ("I used to take omeprazole", "I stopped taking lansoprazole last year", "I don't take Nexium anymore"):
        p = extract(text).profile
        assert "ppi" not in p.medications, text
        assert "ppi" in p.denied_medications, text
    merged = Profile(medications={"ppi", "digoxin"}).merge(extract("I don't take omeprazole any more").profile)
    assert merged.medications == {"digoxin"}


def test_uncertain_facts_count_to_stay_on_the_safe_side():
    assert "kidney_disease" in extract("I'm not sure if I have kidney disease").profile.conditions
    assert extract("I might be pregnant").profile.pregnant is True


@pytest.mark.parametrize(
    "text",
    [
        "my kidneys arent great the doc says",
        "my kidney function isnt good",
        "my kidneys aren't the best",
        "my kidneys are not so good these days",
    ],
)
def test_kidneys_said_not_to_be_well_are_kidney_disease_even_without_an_apostrophe(text: str) -> None:
    profile = extract(text).profile
    assert "kidney_disease" in profile.conditions
    assert "kidney_disease" not in profile.denied_conditions


def test_asking_to_take_magnesium_is_not_taking_it():
    assert "magnesium_supplement" not in extract("Can I take magnesium?").profile.medications
    assert "magnesium_supplement" not in extract("Should I take magnesium citrate or oxide?").profile.medications
    assert "magnesium_supplement" in extract("I take magnesium glycinate every night").profile.medications


# ----------------------------------------------------------------------------- spelling


@pytest.mark.parametrize(
    "text,kind,cid",
    [
        ("I'm on dialisis", "condition", "kidney_disease"),
        ("I have kidny disease", "condition", "kidney_disease"),
        ("i have chronic kidney desease", "condition", "kidney_disease"),
        ("I have CKD stage 3", "condition", "kidney_disease"),
        ("renul failure, seeing kidnee specialist next month", "condition", "kidney_disease"),
        ("I have an indigestion mixture every night", "medication", "magnesium_antacid"),
        ("I take omeprazol", "medication", "ppi"),
        ("I take pantoprazol", "medication", "ppi"),  # not in the lexicon: automatic typo tolerance
        ("on esomeprazol daily", "medication", "ppi"),
        ("I take bendroflumethiazid", "medication", "diuretic"),
        ("I'm on doxycyline", "medication", "tetracycline"),
        ("I take Sinemet", "medication", "levodopa"),
        ("I take co-careldopa", "medication", "levodopa"),
        ("I take Milk of Magnesia", "medication", "magnesium_laxative"),
        ("my water pills", "medication", "diuretic"),
        ("I have bradycardia", "condition", "slow_heart_rate"),
        ("I have a pacemaker", "condition", "heart_conduction"),
        ("I have myasthenia gravis", "condition", "myasthenia_gravis"),
        ("I TAKE LYRICA", "medication", "gabapentinoid"),
    ],
)
def test_names_brands_and_misspellings(text, kind, cid):
    p = extract(text).profile
    assert cid in (p.conditions if kind == "condition" else p.medications)


@pytest.mark.parametrize("text", ["I love painting", "my other half", "I'm making dinner", "the renal unit car park"])
def test_ordinary_words_are_not_turned_into_medicines(text):
    p = extract(text).profile
    assert not p.medications


# ----------------------------------------------------------------------------- age


@pytest.mark.parametrize(
    "text,age",
    [
        ("I'm 72", 72),
        ("I am 72 and on omeprazole", 72),
        ("72 years old, on dialysis", 72),
        ("I'm a 68-year-old woman", 68),
        ("aged 64", 64),
        ("age: 65", 65),
        ("my age is 65", 65),
        ("I'm seventy-two", 72),
        ("I am sixty five years old", 65),
        ("I'm in my late 60s", 68),
        ("I'm in my seventies", 75),
        ("I'm over 65", 66),
    ],
)
def test_age(text, age):
    assert extract(text).profile.age == age


@pytest.mark.parametrize(
    "text",
    [
        "I'm 28 weeks pregnant",
        "I take 350 mg a day",
        "I'm 5 foot 4",
        "I'm 100% sure",
        "I'm one of those people who can't sleep",
        "my son is 6 years old",
        "My husband is 70 years old",
    ],
)
def test_not_the_users_age(text):
    assert extract(text).profile.age is None


def test_family_age_is_excluded_with_a_reason():
    assert reasons("My son is 6 years old").get("age") == "family"
    p = extract("I'm 45 and my mother is 80 years old").profile
    assert p.age == 45


def test_number_words():
    assert words_to_number("seventy-two") == 72
    assert words_to_number("ninety nine") == 99
    assert words_to_number("fifteen") == 15
    assert words_to_number("banana") is None
    assert [h.value for h in find_ages("8 months old")] == [pytest.approx(8 / 12)]


# ----------------------------------------------------------------------------- pregnancy


@pytest.mark.parametrize(
    "text,pregnant,breastfeeding",
    [
        ("I'm pregnant", True, None),
        ("I'm 28 weeks pregnant", True, None),
        ("I'm expecting a baby in May", True, None),
        ("I'm in my third trimester", True, None),
        ("I'm breastfeeding", None, True),
        ("I'm nursing my baby", None, True),
        ("I'm 34 and breastfeeding my son", None, True),
        ("I'm not pregnant", False, None),
        ("not pregnant or breastfeeding", False, False),
        ("I stopped breastfeeding last month", None, False),
        ("sorry I mean I WAS breastfeeding, I stopped six months ago", None, False),
        ("my daughter is pregnant", None, None),
        ("what if I get pregnant?", None, None),
        ("Can pregnant women take magnesium?", None, None),
        ("I'm a 70 year old man", False, False),
    ],
)
def test_pregnancy_and_breastfeeding(text, pregnant, breastfeeding):
    p = extract(text).profile
    assert (p.pregnant, p.breastfeeding) == (pregnant, breastfeeding)


def test_excluded_reasons_are_from_the_documented_set():
    texts = [
        "my daughter is pregnant",
        "I don't take omeprazole",
        "if I had kidney disease",
        "I used to take digoxin",
    ]
    for text in texts:
        for m in extract(text).excluded:
            assert m.reason in REASONS


def test_empty_and_odd_input():
    assert extract("").profile == Profile()
    assert extract("   ").profile == Profile()
    assert extract("🙂🙂🙂").profile == Profile()
    assert extract("x" * 5000).profile == Profile()


# ----------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    "text,asked,check",
    [
        ("72", "age", lambda p: p["age"] == 72),
        ("seventy two", "age", lambda p: p["age"] == 72),
        ("8 months", "age", lambda p: abs(p["age"] - 8 / 12) < 1e-9),
        ("yes", "kidney_disease", lambda p: p["conditions"] == ["kidney_disease"]),
        ("yeah", "kidney_disease", lambda p: p["conditions"] == ["kidney_disease"]),
        ("y", "kidney_disease", lambda p: p["conditions"] == ["kidney_disease"]),
        ("no", "kidney_disease", lambda p: p["denied_conditions"] == ["kidney_disease"]),
        ("nope", "kidney_disease", lambda p: p["denied_conditions"] == ["kidney_disease"]),
        ("not that I know", "kidney_disease", lambda p: p["denied_conditions"] == ["kidney_disease"]),
        ("no", "heart_condition", lambda p: set(p["denied_conditions"]) == HEART_CONDITIONS | {"myasthenia_gravis"}),
        # The question also names myasthenia gravis: a bare "yes" is not a heart problem.
        ("yes", "heart_condition", lambda p: p["conditions"] == ["heart_or_myasthenia"]),
        ("no", "pregnancy_status", lambda p: p["pregnant"] is False and p["breastfeeding"] is False),
        ("I'm not pregnant", "pregnancy_status", lambda p: p["pregnant"] is False and p["breastfeeding"] is False),
        ("yes", "pregnancy_status", lambda p: p["pregnant_or_breastfeeding"] is True),
        ("yes, 20 weeks", "pregnancy_status", lambda p: p["pregnant"] is True),
        ("breastfeeding", "pregnancy_status", lambda p: p["breastfeeding"] is True),
        ("none", "medications", lambda p: p["takes_medicines"] is False),
        ("no", "medications", lambda p: p["takes_medicines"] is False),
        ("omeprazole and Gaviscon", "medications", lambda p: p["medications"] == ["magnesium_antacid", "ppi"]),
        ("metformin and aspirin", "medications", lambda p: p["medications"] == ["other_known_medicine"]),
        ("tizanidine and perindopril", "medications", lambda p: p["other_medicines"] == ["tizanidine and perindopril"]),
    ],
)
def test_interpret_answer(text, asked, check):
    result = interpret_answer(text, asked)
    assert result["answered"] is True
    assert check(result["profile"]), result


@pytest.mark.parametrize(
    "text,asked",
    [
        ("I don't know", "kidney_disease"),
        ("I have no idea", "kidney_disease"),
        ("not sure", "heart_condition"),
        ("what is RLS?", "medications"),
        ("yes", "age"),
        ("350 mg", "age"),
    ],
)
def test_unanswered(text, asked):
    result = interpret_answer(text, asked)
    assert result["answered"] is False
    assert Profile.from_dict(result["profile"]).missing() == Profile().missing()


def test_answer_in_any_order_with_other_facts():
    result = interpret_answer("70, on omeprazole, not pregnant", "age")
    p = Profile.from_dict(result["profile"])
    assert p.age == 70 and p.medications == {"ppi"} and p.pregnant is False
    result = interpret_answer("no, but I'm 66 and take Rennie", "kidney_disease")
    p = Profile.from_dict(result["profile"])
    assert p.denied_conditions == {"kidney_disease"} and p.age == 66 and p.medications == {"magnesium_antacid"}


def test_explicit_fact_beats_a_yes_no_word():
    # "no" to the kidney question, but the text says dialysis: the fact wins
    p = Profile.from_dict(interpret_answer("no... well I am on dialysis", "kidney_disease")["profile"])
    assert "kidney_disease" in p.conditions


def test_a_family_age_is_not_the_answer():
    result = interpret_answer("my son is 6 years old", "age")
    assert result["answered"] is False


def test_unknown_question_is_refused():
    with pytest.raises(ValueError):
        interpret_answer("yes", "favourite_colour")


# ----------------------------------------------------------------------------- speed


def test_typical_message_under_20_ms():
    messages = [
        "Hi, I'm 68 and take omeprazole and Rennie most days, is Sedorum OK for me?",
        "my mother is on dialysis and I'm pregnant",
        "no heart problems but I take omeprazole",
        "I'm on dialisis and take furosemide",
    ]
    extract(messages[0])  # warm-up: builds the pipeline
    timings = []
    for _ in range(10):
        for m in messages:
            start = time.perf_counter()
            extract(m)
            timings.append((time.perf_counter() - start) * 1000)
    assert statistics.median(timings) < 20


# ----------------------------------------------------------------------------- how far a "no" reaches


@pytest.mark.parametrize(
    "text",
    [
        # "wont" is split into "wo" + "nt": the "not" stops at "and I'm", however long the sentence
        "its 2am, my legs wont stop and I'm on dialysis 3 times a week, how many sedorum can i take",
        "my legs won't stop moving at night and I'm on dialysis three times every single week",
        "cant sleep at all lately and im on dialysis 3 times a week now",
    ],
)
def test_a_no_does_not_cross_into_the_visitors_next_clause(text: str) -> None:
    result = extract(text)
    assert "kidney_disease" in result.profile.conditions
    assert "kidney_disease" not in result.profile.denied_conditions


def test_a_relative_does_not_reach_past_the_visitors_own_i_in_a_long_sentence() -> None:
    text = "my wife is at home with the kids and the dog tonight and I am on dialysis three times every week"
    assert "kidney_disease" in extract(text).profile.conditions


@pytest.mark.parametrize(
    "text",
    [
        "I can't sleep on dialysis days",
        "my legs never settle before dialysis",
        "no chance of sleeping, dialysis again tomorrow",
    ],
)
def test_a_no_that_belongs_to_something_else_leaves_the_fact_unclear(text: str) -> None:
    """Neither a yes nor a no: the kidney question is asked before any amount."""
    result = extract(text)
    assert "kidney_disease" not in result.profile.denied_conditions
    assert reasons(text).get("kidney_disease") == "unclear"
    assert "kidney_disease" not in result.profile.conditions


@pytest.mark.parametrize(
    "text",
    [
        "I don't have diabetes, heart problems or kidney disease",
        "I have never been told I have kidney disease",
        "no kidney problems, thankfully",
        "not currently on any dialysis",
        "I don't think I have any kidney problems",
    ],
)
def test_a_plain_no_still_denies(text: str) -> None:
    assert "kidney_disease" in extract(text).profile.denied_conditions


@pytest.mark.parametrize("text", ["I had my kidney out last year", "I only have one kidney", "after my nephrectomy"])
def test_a_kidney_taken_out_is_a_kidney_fact(text: str) -> None:
    result = extract(text)
    assert "kidney_disease" in result.profile.conditions or any(
        m.id == "kidney_disease" for m in result.excluded if m.reason in ("historical", "unclear")
    )


@pytest.mark.parametrize("text", ["5 months pg n legs r mental at nite", "im pg, can i have it", "I'm up the duff"])
def test_pregnancy_in_texting_short_forms(text: str) -> None:
    assert extract(text).profile.pregnant is True


@pytest.mark.parametrize("text", ["see pg 4 of the leaflet", "the PG rating of a film"])
def test_pg_alone_is_not_pregnancy(text: str) -> None:
    assert extract(text).profile.pregnant is not True


@pytest.mark.parametrize(
    ("text", "about", "cleared"),
    [
        ("I'm a 58 year old man with no health problems and I take no medication", "self", True),
        ("my daughter fancies trying it as well, she's 30 and healthy", "self", False),
        ("my mum is 80, no health problems", "self", False),
        ("I look after my mum, no health problems", "other", True),
    ],
)
def test_no_health_problems_belongs_to_the_person_named_nearest(text: str, about: str, cleared: bool) -> None:
    from sedorum.safety.conversation import read_facts

    assert ("kidney_disease" in read_facts(text, about).profile.denied_conditions) is cleared
