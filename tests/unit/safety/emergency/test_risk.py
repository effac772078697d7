"""Words about danger in a message that was not understood (risk.py, risk_words.yml)."""

from __future__ import annotations

import pytest

from sedorum.content.locale import default_locale, template_values
from sedorum.safety.emergency.risk import asks_for_urgent_help, has_risk_words, urgent_help_text


@pytest.mark.parametrize(
    "message",
    [
        "the baby had some of my tablets??",
        "dont want to be here any more",
        "cant brethe properly",
        "he collapsed",
        "my toddler got into the bathroom cabinet",
    ],
)
def test_a_message_about_danger_is_recognised_even_with_typos(message: str) -> None:
    assert has_risk_words(message)


@pytest.mark.parametrize("message", ["what are your opening hours", "asdfgh qwerty", "do you ship to Spain", ""])
def test_an_ordinary_message_has_no_risk_words(message: str) -> None:
    assert not has_risk_words(message)


def test_the_urgent_help_lines_name_999_a_and_e_and_the_crisis_lines() -> None:
    text = urgent_help_text(template_values(default_locale()))
    assert "999" in text and "A&E" in text and "116 123" in text and "option 2" in text


def test_a_question_about_non_emergency_help_is_recognised() -> None:
    assert asks_for_urgent_help("it's not an emergency but my GP is closed, who can I call?")
    assert not asks_for_urgent_help("my legs hurt")


@pytest.mark.parametrize(
    "text",
    [
        "if I ever get those bad symptoms, the slow heartbeat and fainting, what number do I ring? I'm in Cardiff",
        "which number should I call if it happens",
    ],
)
def test_asking_which_number_to_ring_is_a_request_for_urgent_help(text: str) -> None:
    assert asks_for_urgent_help(text)
