"""Person words typed with one slip are put right before the message is read (person_spelling.py)."""

from __future__ import annotations

import pytest

from sedorum.safety.extract import extract
from sedorum.safety.language import to_english
from sedorum.safety.person_spelling import fix_person_words


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("my mtoher is on dialysis", "my mother is on dialysis"),
        ("hi, my ltitle boy is 2", "hi, my little boy is 2"),
        ("can a tdodler have it", "can a toddler have it"),
        ("for somoene their age", "for someone their age"),
        ("My Hsuband takes warfarin", "My Husband takes warfarin"),
        ("how much can i take myslef", "how much can i take myself"),
    ],
)
def test_one_slip_in_a_person_word_is_put_right(typed: str, meant: str) -> None:
    assert fix_person_words(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "I was bothered by the noise",  # a real English word one edit from a person word
        "the doctor said my kidneys are fine",
        "litle",  # a letter missing changes the length: left alone, offsets must stay valid
        "omeprazole and gaviscon",
    ],
)
def test_everything_else_is_left_as_written(text: str) -> None:
    assert fix_person_words(text) == text


def test_the_message_keeps_its_length_so_offsets_stay_valid() -> None:
    text = "my mtoher is 80 and my dauhgter is 30 weeks pregnant"
    assert len(to_english(text)) == len(text)


def test_a_relatives_dialysis_typed_with_a_slip_is_the_relatives() -> None:
    """Read through to_english as every reader does: the visitor is not given the mother's dialysis."""
    result = extract(to_english("my mtoher is on dialysis, is 350mg ok for them"))
    assert "kidney_disease" not in result.profile.conditions
    assert [m.reason for m in result.excluded if m.id == "kidney_disease"] == ["family"]
