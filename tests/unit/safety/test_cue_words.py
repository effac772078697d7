"""One vocabulary of negation, past and hypothetical words for both readers of a message.

cue_words.yml is read by the extractor's ConText rules (context_rules.yml, `literals_from`) and
by the emergency detector (emergency_context.yml, `from:`): every shared word must reach both.
"""

from __future__ import annotations

import re

import pytest

from sedorum.safety.context_rules import load_context_entries, parse_entries
from sedorum.safety.cue_words import load_cue_words
from sedorum.safety.emergency.context import HISTORICAL_RE, NEGATION_RE, STRONG_HYPO_RE, load_cues

SHARED = load_cue_words()
ENTRIES = load_context_entries()
CATEGORY_OF = {
    "negation": "NEGATED_EXISTENCE",
    "past_before": "HISTORICAL",
    "past": "HISTORICAL",
    "hypothetical": "HYPOTHETICAL",
}
EMERGENCY_RE = {
    "negation": NEGATION_RE,
    "past_before": HISTORICAL_RE,
    "past": HISTORICAL_RE,
    "hypothetical": STRONG_HYPO_RE,
}


@pytest.mark.parametrize(("name", "word"), [(n, w) for n, words in SHARED.items() for w in words])
def test_every_shared_word_reaches_the_extractor_and_the_emergency_detector(name: str, word: str) -> None:
    category = CATEGORY_OF[name]
    in_context = any(entry.category == category and word in entry.literals for entry in ENTRIES)
    assert in_context, f"{word!r} ({name}) is no {category} literal of context_rules.yml"
    assert EMERGENCY_RE[name].search(word), f"{word!r} ({name}) is not read by the emergency detector"


def test_the_detector_takes_the_shared_words_as_plain_words() -> None:
    """Shared words are escaped for the detector's expressions: "let's say" stays a phrase."""
    alternatives = set(load_cues()["strongly_hypothetical"].split("|"))
    assert {re.escape(word) for word in SHARED["hypothetical"]} <= alternatives


def test_an_unknown_shared_list_is_refused() -> None:
    data = {
        "denial_reach": ["have"],
        "rules": [
            {
                "id": "n",
                "description": "d",
                "category": "NEGATED_EXISTENCE",
                "direction": "FORWARD",
                "literals_from": ["negations"],
                "examples": [],
                "not_examples": [],
            }
        ],
    }
    with pytest.raises(ValueError, match="literals_from 'negations'"):
        parse_entries(data)
