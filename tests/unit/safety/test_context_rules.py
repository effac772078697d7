"""context_rules.yml: well-formed, and every entry's examples and not_examples hold through extract().

An example must be read as the entry says (negated, someone else's, hypothetical...) AND the
entry's own words must be what did it: its rule is matched in the sentence and, for the
categories that change a fact, reaches the fact. A not_example must be read as stated there
(by default: the visitor's own fact), and the entry's rule must not reach the fact.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from sedorum.safety.context_rules import (
    CALLBACKS,
    CATEGORIES,
    CONTEXT_RULES_PATH,
    DIRECTIONS,
    Example,
    RuleEntry,
    build_context_rules,
    load_context_entries,
    parse_entries,
)
from sedorum.safety.extract import extract, get_nlp, normalise

ENTRIES = load_context_entries()
# Categories whose rules do not change a fact themselves: they only shape the others' reach.
SHAPING = {"PSEUDO", "TERMINATE", "FIRST_PERSON"}


def _reported(example: Example) -> list[str | None]:
    """What the extractor reports for the example's concept (None: counted as stated)."""
    result = extract(example.text, example.about)
    counted = [None for m in result.mentions if m.id == example.concept and m.reason is None]
    excluded = [m.reason for m in result.excluded if m.id == example.concept]
    return counted + excluded


def _entry_modifiers(example: Example, entry: RuleEntry) -> tuple[bool, bool]:
    """(the entry's rule is matched in the text, one of its matches reaches the concept)."""
    doc = get_nlp()(normalise(example.text))
    mine = {(literal, entry.category) for literal in entry.literals}
    matched = any((m.rule.literal, m.rule.category) in mine for m in doc._.context_graph.modifiers)
    label = "AGE" if example.concept == "age" else example.concept
    reaches = any(
        (m.rule.literal, m.rule.category) in mine for ent in doc.ents if ent.label_ == label for m in ent._.modifiers
    )
    return matched, reaches


def _cases(field: str) -> list[Any]:
    return [
        pytest.param(entry, example, id=f"{entry.id}-{i}")
        for entry in ENTRIES
        for i, example in enumerate(getattr(entry, field))
    ]


@pytest.mark.parametrize(("entry", "example"), _cases("examples"))
def test_example_is_read_as_the_entry_says(entry: RuleEntry, example: Example) -> None:
    reported = _reported(example)
    assert reported, f"{example.concept} not found in {example.text!r}"
    assert set(reported) == {example.reason}, f"{example.text!r}: {reported}"
    matched, reaches = _entry_modifiers(example, entry)
    assert matched, f"{entry.id}: its words are not matched in {example.text!r}"
    if entry.category not in SHAPING:
        assert reaches, f"{entry.id}: matched but does not reach {example.concept} in {example.text!r}"


@pytest.mark.parametrize(("entry", "example"), _cases("not_examples"))
def test_not_example_is_left_as_stated(entry: RuleEntry, example: Example) -> None:
    reported = _reported(example)
    assert reported, f"{example.concept} not found in {example.text!r}"
    assert set(reported) == {example.reason}, f"{example.text!r}: {reported}"
    _, reaches = _entry_modifiers(example, entry)
    if entry.category not in SHAPING:
        assert not reaches, f"{entry.id}: reaches {example.concept} in {example.text!r}"


def test_every_rule_of_the_file_is_in_the_pipeline_in_order() -> None:
    built = [(r.literal, r.category, r.direction, r.max_scope) for r in build_context_rules()]
    # Rules that only end others' reach look at the words next to them (context_rules.py explains why).
    expected = [
        (literal, e.category, e.direction, 1 if e.direction in ("PSEUDO", "TERMINATE") else e.options.get("max_scope"))
        for e in ENTRIES
        for literal in e.literals
    ]
    assert built == expected
    context = get_nlp().get_pipe("medspacy_context")
    # Imported after get_nlp(), which keeps medspaCy's import from muting every warning (pipeline.py).
    from medspacy.context import ConText

    assert isinstance(context, ConText)
    assert [(r.literal, r.category, r.direction, r.max_scope) for r in context.rules] == expected


def test_file_is_well_formed() -> None:
    assert ENTRIES, "no rules loaded"
    keys = [(literal, e.category) for e in ENTRIES for literal in e.literals]
    assert len(keys) == len(set(keys)), "a literal is listed twice for one category"
    for entry in ENTRIES:
        assert entry.category in CATEGORIES and entry.direction in DIRECTIONS
        assert entry.on_modifies is None or entry.on_modifies in CALLBACKS
        assert entry.examples and entry.not_examples
        # a pattern-less literal is matched as written, in lower case
        if entry.pattern is None:
            assert all(literal == literal.lower() for literal in entry.literals), entry.id


def _raw() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(CONTEXT_RULES_PATH.read_text(encoding="utf-8")))


def _first(data: dict[str, Any], entry_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(e for e in data["rules"] if e["id"] == entry_id)
    return entry


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _first(d, "not").update(scope=8), "unknown fields"),
        (lambda d: _first(d, "not").update(category="NEGATION"), "category must be"),
        (lambda d: _first(d, "not").update(direction="AFTER"), "direction must be"),
        (lambda d: _first(d, "family").update(on_modifies="no_such_check"), "on_modifies"),
        (lambda d: _first(d, "family").update(on_modifies_except=["aunt", "mars"]), "on_modifies_except"),
        (lambda d: _first(d, "no-never-without").update(literals=[False, "never"]), "quote yes/no"),
        (lambda d: _first(d, "not").pop("pattern"), "needs a `pattern`"),
        (lambda d: _first(d, "not").update(literals=["not"]), "either `literal`"),
        (lambda d: _first(d, "not").update(not_examples=[]), "at least one"),
        (lambda d: _first(d, "not").pop("description"), "missing fields"),
        (lambda d: _first(d, "can-i").update(allowed_types=["magnesium_pill"]), "not in lexicon"),
        (lambda d: _first(d, "not")["examples"][0].update(concept="kidneys"), "unknown concept"),
        (lambda d: _first(d, "not")["examples"][0].update(reason="denied"), "reason must be"),
        (lambda d: _first(d, "not")["examples"][0].update(expect="negated"), "unknown fields"),
        (lambda d: _first(d, "not").update(max_scope=0), "max_scope"),
        (lambda d: _first(d, "family").update(terminated_by=["ME"]), "terminated_by"),
        (lambda d: d["rules"].append(copy.deepcopy(d["rules"][0])), "duplicate id"),
        (lambda d: d.update(words=[]), "two lists"),
        (lambda d: d.pop("denial_reach"), "two lists"),
        (lambda d: d.update(denial_reach=["have", True]), "quote yes.no"),
    ],
)
def test_mistakes_in_the_file_are_refused(change: Any, message: str) -> None:
    from sedorum.safety.lexicon import load_lexicon

    data = _raw()
    change(data)
    with pytest.raises(ValueError, match=message.replace("`", ".").replace("/", ".")):
        parse_entries(data, frozenset(load_lexicon().concepts))


def test_the_file_as_shipped_parses_without_the_lexicon_check() -> None:
    assert [e.id for e in parse_entries(_raw())] == [e.id for e in ENTRIES]
