"""S1 through the trained NLU: the labelled emergency set, parsed the way visitors' messages are.

bench/bench_emergency.py scores the deterministic detector alone; this scores what the
dialogue actually receives (classifier + UnconfirmedEmergencyFilter + FallbackClassifier +
EmergencyGuard), so a pipeline change that lets the classifier raise false alarms again, or
lose an emergency, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.bench_emergency import load_items
from evaluation.unseen import parse_texts

EMERGENCY = "report_emergency"
# Measured 2026-11-27 (docs/safety.md, S1): 220 of 220 emergencies, 6 false alarms
# among 223 other messages (47 before the filter). A floor with a small margin.
MAX_FALSE_ALARMS = 9
CALM_AT_NIGHT = [
    "hi, it's 2am and I can't sleep, my legs keep twitching and I'm 30 weeks pregnant",
    "my legs keep twitching at night and I can't sleep, I'm pregnant",
    "I'm not having any trouble breathing",
    "no fainting, no chest pain, no breathing issues",
    "my uncle collapsed at a wedding a few years ago",
]


@pytest.fixture(scope="module")
def labelled(trained_model: Path) -> list[tuple[str, bool, str]]:
    items = load_items()
    parsed = parse_texts(trained_model, [item["text"] for item in items])
    return [(item["text"], item["emergency"], data["intent"]["name"]) for item, data in zip(items, parsed, strict=True)]


def test_every_labelled_emergency_gets_the_emergency_intent(labelled: list[tuple[str, bool, str]]) -> None:
    missed = [text for text, emergency, intent in labelled if emergency and intent != EMERGENCY]
    assert missed == []


def test_few_calm_messages_are_taken_for_emergencies(labelled: list[tuple[str, bool, str]]) -> None:
    alarms = [text for text, emergency, intent in labelled if not emergency and intent == EMERGENCY]
    assert len(alarms) <= MAX_FALSE_ALARMS, alarms


@pytest.mark.parametrize("text", CALM_AT_NIGHT)
def test_ruled_out_or_sign_free_worries_are_not_emergencies(trained_model: Path, text: str) -> None:
    data = parse_texts(trained_model, [text])[0]
    assert data["intent"]["name"] != EMERGENCY
