"""Ages in a message: which numbers are ages, and which look like ages but cannot be one."""

from __future__ import annotations

import pytest

from sedorum.safety.ages import find_ages, implausible_ages


@pytest.mark.parametrize("text", ["im 150 years old lol", "age: -5. weight 80", "i'm 0", "I am -3"])
def test_an_age_that_cannot_be_right_is_found_as_such_and_not_as_an_age(text: str) -> None:
    assert find_ages(text) == []
    assert len(implausible_ages(text)) == 1


@pytest.mark.parametrize("text", ["I'm 72", "my dad is 82", "weight 80kg", "20 weeks pregnant"])
def test_real_ages_and_other_numbers_are_not_implausible_ages(text: str) -> None:
    assert implausible_ages(text) == []


@pytest.mark.parametrize(
    ("text", "ages"),
    [("at 68 i thought i'd be sleeping better", [68.0]), ("at 10 pm my legs start", []), ("at 11:30", [])],
)
def test_an_age_said_first_after_at(text: str, ages: list[float]) -> None:
    assert [hit.value for hit in find_ages(text)] == ages


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("Dad is 82 and chews magnesium antacid tablets all day", 82.0),
        ("Nan's 90 and takes gaviscon", 90.0),
        ("One of our residents is 88, on a daily magnesium hydroxide laxative", 88.0),
    ],
)
def test_a_relatives_age_is_found_without_my(text: str, age: float) -> None:
    assert [hit.value for hit in find_ages(text)] == [age]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("I am in my eighty-first year and rely upon Milk of Magnesia", 80.0),
        ("she is in her 90th year", 89.0),
        ("in my seventieth year", 69.0),
    ],
)
def test_an_age_given_as_a_year_of_life(text: str, age: float) -> None:
    assert [hit.value for hit in find_ages(text)] == [age]


def test_a_year_that_is_not_of_life_is_no_age() -> None:
    assert find_ages("in my first year at uni") == [] and find_ages("in my final year") == []


def test_years_young_is_an_age() -> None:
    assert [hit.value for hit in find_ages("70 years young, I use a magnesium antacid")] == [70.0]


def test_the_rda_for_men_my_age_is_no_age() -> None:
    assert find_ages("The RDA for men my age is 420 but the upper limit is 350") == []
    assert [hit.value for hit in find_ages("my age is 67")] == [67.0]
