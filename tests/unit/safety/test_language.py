"""Messages in German, French, Spanish and Polish (language.py, languages.yml)."""

from __future__ import annotations

import pytest

from sedorum.safety.conversation import Turn, read_conversation
from sedorum.safety.language import detect_language, load_languages, reply_lines, to_english


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Ich bin im fünften Monat schwanger, darf ich Sedorum nehmen?", "de"),
        ("je suis enceinte de cinq mois", "fr"),
        ("estoy embarazada y tengo insuficiencia renal", "es"),
        ("jestem w ciąży, czy mogę brać magnez?", "pl"),
    ],
)
def test_the_four_languages_are_recognised(message: str, language: str) -> None:
    assert detect_language(message) == language


@pytest.mark.parametrize(
    "message",
    [
        "my legs are restless at night",
        "hola",
        "la la la my legs",
        "i cant sleep nie",
        "no I do not have kidney disease",
    ],
)
def test_english_with_a_foreign_word_or_a_typo_stays_english(message: str) -> None:
    assert detect_language(message) == "en" and to_english(message) == message


@pytest.mark.parametrize(
    ("message", "fact"),
    [
        ("Ich bin auf Dialyse", "kidney_disease"),
        ("j'ai une insuffisance rénale", "kidney_disease"),
        ("tengo insuficiencia renal y estoy cansada", "kidney_disease"),
        ("mam chorobę nerek, czy mogę brać magnez", "kidney_disease"),
    ],
)
def test_safety_facts_in_other_languages_are_the_visitors_facts(message: str, fact: str) -> None:
    reading = read_conversation([Turn(message)])
    assert fact in reading.profile.conditions, to_english(message)


@pytest.mark.parametrize(
    "message",
    [
        "Ich habe keine Nierenerkrankung, wie viel darf ich nehmen?",
        "Je n'ai aucune maladie des reins, combien puis-je prendre?",
    ],
)
def test_kein_and_aucun_are_a_no_not_a_yes(message: str) -> None:
    # Unquoted in languages.yml, `no` was read as false and glossed "False": a denial became the fact.
    reading = read_conversation([Turn(message)])
    assert "kidney_disease" in reading.profile.denied_conditions, to_english(message)
    assert "kidney_disease" not in reading.profile.conditions, to_english(message)


def test_polish_on_is_he_so_his_condition_is_not_the_visitors() -> None:
    message = "on ma chorobę nerek, czy może brać magnez?"
    assert to_english(message).startswith("he has kidney disease")
    assert "kidney_disease" not in read_conversation([Turn(message)]).profile.conditions


@pytest.mark.parametrize("code", ["de", "fr", "es", "pl"])
def test_each_language_says_it_answers_in_english_and_gives_the_emergency_line(code: str) -> None:
    lines = reply_lines(code, ("emergency",), {"emergency_number": "999", "emergency_department": "A&E"})
    assert len(lines) == 2 and "999" in lines[1] and "A&E" in lines[1]
    assert reply_lines("en", ("emergency",), {}) == []


def test_every_language_has_every_reply_and_no_unfilled_placeholder() -> None:
    values = {"emergency_number": "999", "emergency_department": "A&E", "same_day_help": "x"}
    for code in load_languages():
        for line in reply_lines(code, ("emergency", "poisoning", "crisis", "urgent", "clinician"), values):
            assert "{" not in line, (code, line)
