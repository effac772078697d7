"""Health-looking words and whether they were understood (health_words.py, health_words.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sedorum.safety.health_words import health_words, load_health_words, question_for, unresolved


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("my kidnys dont work proper im on dialisis", [("kidnys", "kidney"), ("dialisis", "kidney")]),
        ("im on tizanidine", [("tizanidine", "medicine")]),
        ("I take xyzzolam at night", [("xyzzolam", "medicine")]),
        ("my liver is bad", [("liver", "condition")]),
        ("I take heart tablets", [("heart tablets", "medicine")]),
        ("I'm 20 weeks pregnant", [("pregnant", "pregnancy")]),
    ],
)
def test_health_words_are_found_with_their_group(message: str, expected: list[tuple[str, str]]) -> None:
    assert [(w.word, w.group) for w in health_words(message)] == expected


@pytest.mark.parametrize(
    "message",
    [
        "I have restless legs syndrome",
        "what are the side effects of sedorum?",
        "my GP surgery is closed",
        "I have heartburn after dinner",
        "how much magnesium should i take a day",
        "my kids love the gummies",
    ],
)
def test_everyday_and_restless_legs_words_are_not_health_words(message: str) -> None:
    assert health_words(message) == []


def test_a_word_inside_an_understood_span_is_resolved() -> None:
    text = "I'm on dialysis and my liver is bad"
    start = text.index("dialysis")
    assert [w.word for w in unresolved(text, [(start, start + len("dialysis"))])] == ["liver"]


def test_the_most_specific_group_decides_whom_to_ask() -> None:
    words = health_words("my liver is bad and my kidnys too")
    assert question_for(words)[0] == "kidney doctor"


def test_yaml_words_that_yaml_would_misread_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "words.yml"
    bad.write_text("groups: {}\nmedicine_context:\n  before: [on]\n  after: [x]\nnot_health: [x]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not text"):
        load_health_words(bad)
