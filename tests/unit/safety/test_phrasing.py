"""Every rule's advice, rewritten for the person the visitor cares for (sedorum.safety.phrasing)."""

from __future__ import annotations

import re

import pytest

from sedorum.safety.engine import load_rules
from sedorum.safety.phrasing import to_third_person
from sedorum.safety.subject import SELF, relation_subject

RULES = [rule for rule in load_rules() if rule.ask != "their doctor"]  # carer-worded already


@pytest.mark.parametrize("relation", ["dad", "mum", "friend"])
@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_no_rule_advice_is_left_addressed_to_the_visitors_body(rule, relation: str) -> None:
    text = to_third_person(rule.advice, relation_subject(relation))
    # "You told me ..." speaks to the visitor about what they said; every other "you" is gone.
    left = re.findall(r"\byou(?:r|rs|rself|'re|'ve|'ll)?\b", re.sub(r"\bYou (told|said|mentioned)\b", "", text), re.I)
    assert not left, text


@pytest.mark.parametrize(
    ("advice", "relation", "expected"),
    [
        (
            "Please do not take Sedorum unless your kidney doctor says so.",
            "dad",
            "Please make sure he does not take Sedorum unless his kidney doctor says so.",
        ),
        ("It can build up and harm you.", "mum", "It can build up and harm her."),
        ("Ask your pharmacist before you add Sedorum.", "friend", "Ask their pharmacist before they add Sedorum."),
        ("If you take pregabalin, ask them.", "husband", "If he takes pregabalin, ask them."),
        ("Do not take them at the same time.", "wife", "Make sure she does not take them at the same time."),
    ],
)
def test_grammar_of_common_sentences(advice: str, relation: str, expected: str) -> None:
    assert to_third_person(advice, relation_subject(relation)) == expected


def test_the_visitor_is_still_addressed_as_you() -> None:
    assert to_third_person("Ask your GP.", SELF) == "Ask your GP."
