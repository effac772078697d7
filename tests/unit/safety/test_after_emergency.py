"""Questions asked after an emergency reply get one plain instruction, never an amount."""

from __future__ import annotations

import re

import pytest

from sedorum.safety.after_emergency import after_emergency_advice
from sedorum.safety.subject import SELF, relation_subject

FIGURE = re.compile(r"\b\d+ ?mg\b")


@pytest.mark.parametrize(
    ("text", "asks_dose", "must"),
    [
        (
            "ambulance came, they gave me something, I'm fine now. when can I start taking it again and what dose?",
            True,
            r"don't take Sedorum again until a doctor.*GP",
        ),
        ("can I restart it tomorrow?", False, r"until a doctor"),
        ("paramedics on the way. should I tell them about the magnesium?", False, r"Tell the ambulance crew"),
        ("do I take the packets with me to A&E?", False, r"Show them the packets"),
        ("the ambulance is 40 minutes away, can I take a Sedorum while I wait?", False, r"don't take Sedorum"),
        ("ambulance called, shall i give him his sedorum", False, r"don't take Sedorum or anything new"),
        ("the ambulance is coming, how much should I take?", True, r"don't take Sedorum or anything new"),
    ],
)
def test_each_question_after_an_emergency_gets_its_instruction(text: str, asks_dose: bool, must: str) -> None:
    advice = after_emergency_advice(text, asks_dose)
    assert advice is not None and re.search(must, advice), advice
    assert not FIGURE.search(advice)


@pytest.mark.parametrize("text", ["what is magnesium?", "thank you", "my legs are still jumping"])
def test_other_questions_are_left_to_their_topic(text: str) -> None:
    assert after_emergency_advice(text, False) is None


def test_starting_again_is_said_about_the_relative_it_is_for() -> None:
    advice = after_emergency_advice("when can he go back on it?", False, relation_subject("dad"))
    assert advice is not None and "he doesn't take Sedorum again" in advice and "his GP" in advice
    own = after_emergency_advice("when can I start it again?", False, SELF)
    assert own is not None and own.startswith("Please don't take Sedorum again")
