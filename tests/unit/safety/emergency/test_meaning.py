"""The meaning layer of the emergency detector (emergency_meanings.yml, meaning.py).

Every example in the file must be caught as its own category and every everyday message must
not be, and wordings the rule layer has no pattern for must still be caught by meaning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sedorum.safety.emergency.meaning import load_meanings, meaning_matches, pieces

BOOK = load_meanings()


@pytest.mark.parametrize(("category", "example"), list(zip(BOOK.categories, BOOK.examples, strict=True)))
def test_every_example_is_near_its_own_category(category: str, example: str) -> None:
    assert category in [m.category for m in meaning_matches(example)], example


@pytest.mark.parametrize("message", BOOK.everyday)
def test_no_everyday_message_is_an_emergency_by_meaning(message: str) -> None:
    assert meaning_matches(message) == [], message


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("honestly everything would be so much easier if I just wasn't around anymore", "self_harm"),
        ("my lad might have had a few of the iron pills off the counter, he looks ok", "poisoning"),
        ("struggling to get air into my lungs right now", "breathing"),
    ],
)
def test_wordings_the_rules_do_not_know_are_caught_by_meaning(message: str, category: str) -> None:
    assert category in [m.category for m in meaning_matches(message)]


def test_a_long_story_is_looked_at_sentence_by_sentence() -> None:
    story = (
        "I've had restless legs for ten years and tried everything from stretching to magnesium. "
        "The nights are the worst, I walk around the kitchen at 3am. "
        "I'm thinking of ending it all because of these legs."
    )
    assert "I'm thinking of ending it all because of these legs." in pieces(story)
    assert "self_harm" in [m.category for m in meaning_matches(story)]


def test_a_malformed_meanings_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "meanings.yml"
    bad.write_text("threshold: 2\nmargin: 0.1\ncategories: {}\neveryday: [x]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="threshold"):
        load_meanings(bad)
    bad.write_text("threshold: 0.6\nmargin: 0.1\ncategories:\n  gremlins:\n    examples: [x]\neveryday: [y]\n")
    with pytest.raises(ValueError, match="unknown category"):
        load_meanings(bad)
