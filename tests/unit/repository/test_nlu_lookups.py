"""Lookup tables are features the intent classifier trusts: their contents are checked here.

A wrong entry does quiet damage: "iron" in `other_supplement` would pull questions about one of
Sedorum's own ingredients towards out_of_scope, and a word in two social lists would make the
feature say nothing. These checks need no trained model.
"""

from __future__ import annotations

import itertools

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from sedorum.settings import PROJECT_ROOT

SOCIAL_LISTS = ("greeting_word", "farewell_word", "thanks_word", "yes_word", "no_word")
SEDORUM_INGREDIENTS = ("magnesium", "iron", "folic", "folate", "calcium", "b12", "cobalamin", "sedorum")


@pytest.fixture(scope="module")
def lookups() -> dict[str, list[str]]:
    data = load_data(str(PROJECT_ROOT / "data" / "nlu" / "lookups.yml"))
    return {table["name"]: table["elements"] for table in data.lookup_tables}


def test_other_supplements_never_name_an_ingredient_of_sedorum(lookups: dict[str, list[str]]) -> None:
    others = lookups["other_supplement"]
    assert len(others) >= 30
    assert [e for e in others if any(word in e.lower() for word in SEDORUM_INGREDIENTS)] == []


def test_no_word_is_in_two_social_lists(lookups: dict[str, list[str]]) -> None:
    for a, b in itertools.combinations(SOCIAL_LISTS, 2):
        assert set(map(str.lower, lookups[a])) & set(map(str.lower, lookups[b])) == set(), (a, b)


def test_every_list_is_lowercase_and_free_of_duplicates(lookups: dict[str, list[str]]) -> None:
    # The RegexFeaturizer matches case-insensitively (config.yml); lowercase keeps review simple.
    for name, elements in lookups.items():
        assert len(elements) == len(set(elements)), name
        assert all(e == e.lower() and e.strip() == e and e for e in elements), name


def test_the_pipeline_matches_lookups_whatever_the_case() -> None:
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    regex = next(c for c in config["pipeline"] if c["name"] == "RegexFeaturizer")
    assert regex.get("case_sensitive") is False


CUE_LISTS = ("evidence_word", "dose_word", "depletion_word")


def test_no_cue_word_points_at_two_topics(lookups: dict[str, list[str]]) -> None:
    # Each cue list stands for one labelling rule; a shared word would pull both ways.
    for a, b in itertools.combinations(CUE_LISTS, 2):
        assert set(lookups[a]) & set(lookups[b]) == set(), (a, b)
