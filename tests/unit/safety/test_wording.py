"""Every sentence the engine writes comes from wording.yml, reads at grade 8 or lower, and
states no figure of its own (wording.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sedorum.safety import wording
from sedorum.safety.answers import plan_answer
from sedorum.safety.health_words import health_words
from sedorum.safety.profile import Profile
from sedorum.safety.subject import SELF, relation_subject
from tests.unit.safety.test_rules import fk_grade


def _answers() -> list[tuple[str, str]]:
    """Every kind of answer the engine writes, as a visitor reads it (whole, not in pieces)."""
    from sedorum.content.locale import default_locale, template_values
    from sedorum.safety.emergency.risk import urgent_help_text
    from sedorum.safety.engine import dose_limit_text
    from sedorum.safety.timing import timing_answer

    dad = relation_subject("dad")
    out = [
        ("dose, general", "\n".join(r.text or "" for r in plan_answer("dosage", Profile(age=40)).replies)),
        ("dose, kidney", dose_limit_text(Profile(conditions={"kidney_disease"}))),
        ("dose, baby", dose_limit_text(Profile(age=0.5))),
        ("dose, child", dose_limit_text(Profile(age=6))),
        ("dose, other medicine", wording.text("dose.other_medicine", medicine="ibuprofen")),
        ("timing", timing_answer(Profile(medications={"levothyroxine"}))),
        ("urgent help", urgent_help_text(template_values(default_locale()))),
        ("invite", wording.invite(["age", "kidney_disease"], dad)),
        ("offer", wording.offer(["kidney_disease", "heart_condition"])),
    ]
    for message in ("my kidnys r bad", "my liver is bad", "im on tizanidine", "I take heart tablets"):
        for subject in (SELF, dad):
            for asked in (False, True):
                plan = plan_answer("dosage", Profile(), subject, unclear=health_words(message), asked_before=asked)
                text = "\n".join(r.text or "" for r in plan.replies if r.kind in ("unclear", "invite"))
                out.append((f"unclear: {message}, {subject.key}, asked {asked}", text))
    return out


@pytest.mark.parametrize(("what", "text"), _answers(), ids=lambda value: str(value)[:40])
def test_every_answer_reads_at_grade_8_or_lower(what: str, text: str) -> None:
    assert fk_grade(text) <= 8, f"{what}: {text}"


def test_the_texts_write_no_figure_themselves() -> None:
    raw = wording.WORDING_PATH.read_text(encoding="utf-8")
    assert not re.search(r"\b(?:65|110|250|350)\s*mg\b", raw), "figures belong in limits.yml"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [(SELF, ("you", "your", "start")), (relation_subject("dad"), ("he", "his", "starts"))],
)
def test_the_persons_grammar_is_written_once(subject: Any, expected: tuple[str, str, str]) -> None:
    grammar = wording.person(subject)
    assert (grammar["pronoun"], grammar["possessive"], grammar["start"]) == expected


def test_lists_are_joined_with_and() -> None:
    assert wording.join([]) == "" and wording.join(["a"]) == "a"
    assert wording.join(["a", "b", "c"]) == "a, b and c"


def test_an_unclear_word_gets_no_figure_a_referral_and_its_question_once() -> None:
    words = health_words("my liver is not great")
    first = plan_answer("dosage", Profile(), unclear=words)
    text = "\n".join(r.text or "" for r in first.replies)
    assert '"liver"' in text and "GP" in text and "?" in text and not re.search(r"\d+ ?mg", text)
    assert first.asked == "clarify:condition"
    again = plan_answer("dosage", Profile(), unclear=words, asked_before=True)
    assert again.asked is None and "?" not in "".join(r.text or "" for r in again.replies)


def test_an_unclear_kidney_word_says_what_to_do_if_it_is_kidney_disease() -> None:
    text = plan_answer("dosage", Profile(), unclear=health_words("my kidnys r bad")).replies[-1].text or ""
    assert "kidney doctor" in text and "dialysis" in text


def test_dosage_states_limit_not_a_personal_dose() -> None:
    text = "\n".join(r.text or "" for r in plan_answer("dosage", Profile()).replies)
    assert "350" in text and re.search(r"\blimit\b", text) and re.search(r"not a target", text)
    # the adult's limit only: children's figures are for a question about a child (their doctor)
    assert not re.search(r"\b(?:110|65)\b", text) and "250 mg" in text and "for a child, ask their doctor" in text
    assert re.search(r"supplements? and medicines", text) and "read the label" in text
    assert "kidney doctor" in text
    assert not re.search(
        r"\byou\s+(should|need to|must|can|could)\s+take\b|\b(take|try|use)\s+(about\s+|around\s+|up\s+to\s+)?\d"
        r"|\bper\s+kg\b|\brecommended\s+dose\b",
        text,
        re.IGNORECASE,
    ), text


def test_withheld_and_child_dosage_give_no_numbers() -> None:
    from sedorum.safety.engine import dose_limit_text

    kidney = dose_limit_text(Profile(conditions={"kidney_disease"})).split("\nSource:")[0]
    assert not re.search(r"\d+\s*(mg|mmol|g)\b", kidney)
    for word in ("magnesium", "sedorum", "kidney doctor"):
        assert word in kidney.lower(), f"S2 answer does not mention {word!r}"
    baby = dose_limit_text(Profile(age=0.5)).split("\nSource:")[0]
    assert not re.search(r"\d+\s*(mg|mmol|g)\b", baby) and "their doctor" in baby
