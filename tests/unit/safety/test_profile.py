"""Profile: merging, negatives, serialisation, missing screening questions."""

from __future__ import annotations

import json

import pytest

from sedorum.safety.profile import HEART_CONDITIONS, SCREENING_QUESTIONS, Profile


def test_empty_profile_misses_every_screening_question_in_order():
    assert Profile().missing() == list(SCREENING_QUESTIONS)
    assert SCREENING_QUESTIONS == ("age", "kidney_disease", "heart_condition", "pregnancy_status", "medications")


def test_newer_age_wins_and_unknown_does_not_erase():
    p = Profile(age=60).merge(Profile(age=61))
    assert p.age == 61
    assert p.merge(Profile()).age == 61


def test_later_no_clears_earlier_yes_only_for_that_fact():
    old = Profile(conditions={"kidney_disease", "heart_block"}, medications={"ppi", "digoxin"})
    newer = Profile(denied_conditions={"kidney_disease"}, denied_medications={"ppi"})
    merged = old.merge(newer)
    assert merged.conditions == {"heart_block"}
    assert merged.denied_conditions == {"kidney_disease"}
    assert merged.medications == {"digoxin"}
    assert merged.denied_medications == {"ppi"}


def test_later_yes_clears_earlier_no():
    old = Profile(denied_conditions={"kidney_disease"}, pregnant=False)
    merged = old.merge(Profile(conditions={"kidney_disease"}, pregnant=True))
    assert "kidney_disease" in merged.conditions
    assert "kidney_disease" not in merged.denied_conditions
    assert merged.pregnant is True


def test_explicit_false_is_remembered_and_not_erased_by_unknown():
    p = Profile(pregnant=False, breastfeeding=False).merge(Profile(age=30))
    assert p.pregnant is False and p.breastfeeding is False
    assert "pregnancy_status" not in p.missing()


def test_general_no_medicines_does_not_drop_named_medicines():
    merged = Profile(medications={"ppi"}).merge(Profile(takes_medicines=False))
    assert merged.medications == {"ppi"}
    assert merged.takes_medicines is True  # a named medicine means they take something
    assert "medications" not in merged.missing()


def test_merge_does_not_mutate_either_side():
    a = Profile(conditions={"kidney_disease"})
    b = Profile(denied_conditions={"kidney_disease"})
    a.merge(b)
    assert a.conditions == {"kidney_disease"}
    assert b.denied_conditions == {"kidney_disease"}


def test_combined_pregnancy_yes_is_resolved_by_a_specific_answer():
    p = Profile(pregnant_or_breastfeeding=True)
    assert "pregnancy_status" not in p.missing()
    resolved = p.merge(Profile(breastfeeding=True))
    assert resolved.breastfeeding is True
    assert resolved.pregnant_or_breastfeeding is None
    cleared = p.merge(Profile(pregnant=False, breastfeeding=False))
    assert cleared.pregnant_or_breastfeeding is False


def test_round_trip_through_json():
    p = Profile(
        age=72.5,
        conditions={"kidney_disease", "heart_block"},
        medications={"ppi"},
        pregnant=False,
        breastfeeding=None,
        pregnant_or_breastfeeding=False,
        denied_conditions={"myasthenia_gravis"},
        denied_medications={"digoxin"},
        takes_medicines=True,
        other_medicines={"metformin"},
    )
    data = json.loads(json.dumps(p.to_dict()))
    assert Profile.from_dict(data) == p
    assert data["conditions"] == ["heart_block", "kidney_disease"]  # sorted lists, JSON-able


@pytest.mark.parametrize("data", [None, {}, {"age": None}, {"unknown_key": 1}])
def test_from_dict_tolerates_empty_and_unknown(data):
    assert Profile.from_dict(data) == Profile()


def test_from_dict_rejects_impossible_ages_and_reads_strings():
    assert Profile.from_dict({"age": 150}).age is None
    assert Profile.from_dict({"age": "seventy"}).age is None
    assert Profile.from_dict({"age": "65"}).age == 65.0
    assert Profile.from_dict({"pregnant": "false"}).pregnant is False
    assert Profile.from_dict({"conditions": "kidney_disease"}).conditions == {"kidney_disease"}


def test_missing_after_all_answers_is_empty():
    p = Profile(
        age=50,
        denied_conditions={"kidney_disease"} | HEART_CONDITIONS,
        pregnant=False,
        breastfeeding=False,
        takes_medicines=False,
    )
    assert p.missing() == []


def test_heart_question_needs_a_no_for_the_whole_group():
    assert "heart_condition" in Profile(denied_conditions={"heart_block"}).missing()
    assert "heart_condition" not in Profile(denied_conditions=set(HEART_CONDITIONS)).missing()
    assert "heart_condition" not in Profile(conditions={"slow_heart_rate"}).missing()


def test_pregnancy_question_not_asked_about_a_young_child():
    assert "pregnancy_status" not in Profile(age=6).missing()
    assert "pregnancy_status" in Profile(age=9).missing()


def test_not_pregnant_answers_the_pregnancy_question():
    # "I'm 30, no conditions, no medicines, not pregnant" must not be asked "Are you pregnant?"
    assert "pregnancy_status" not in Profile(pregnant=False).missing()
    assert "pregnancy_status" not in Profile(breastfeeding=True).missing()
    assert "pregnancy_status" in Profile(breastfeeding=False).missing()


def test_medications_yes_without_names_is_still_missing():
    assert "medications" in Profile(takes_medicines=True).missing()
    assert "medications" not in Profile(takes_medicines=True, other_medicines={"metformin"}).missing()
    assert "medications" not in Profile(takes_medicines=False).missing()


def test_pregnancy_question_is_skipped_for_older_adults_but_asked_at_59() -> None:
    from sedorum.safety.profile import Profile

    assert "pregnancy_status" not in Profile(age=72).missing()
    assert "pregnancy_status" not in Profile(age=60).missing()
    assert "pregnancy_status" in Profile(age=59).missing()
