"""A wrongly shaped safety data file stops at load, with a message naming the file and the key.

Why: the safety engine's YAML files are edited by hand. YAML reads an unquoted `no` as false and
`911` as a number, and a list written where a mapping belongs is still valid YAML; read without
checks, such a file changed what a visitor was told without any error (German `kein: no` glossed
"no" as "False", and "Ich habe keine Nierenerkrankung" became a kidney condition). Every loader
reads its file through the narrowing helpers of yaml_data.py; here each loader is given a copy of
its real file with one value of the wrong shape, and must refuse it, saying where.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sedorum.safety import yaml_data
from sedorum.safety.emergency.meaning import MEANINGS_PATH, load_meanings
from sedorum.safety.emergency.signs import SIGNS_PATH, load_signs
from sedorum.safety.engine import RULES_PATH, SOURCES_PATH, load_rules, load_source_names
from sedorum.safety.health_words import HEALTH_WORDS_PATH, load_health_words
from sedorum.safety.language import LANGUAGES_PATH, load_languages
from sedorum.safety.lexicon import LEXICON_PATH, load_lexicon
from sedorum.safety.limits import LIMITS_PATH, load_limits
from sedorum.safety.spacing import SPACING_PATH, load_spacing

# --------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize(
    ("read", "value", "complaint"),
    [
        (yaml_data.mapping, ["a"], "f.yml: k: expected a mapping, not a list"),
        (yaml_data.mapping, {True: "he"}, "f.yml: k: the key True is not text (quote yes/no/on/off"),
        (yaml_data.listed, {"a": 1}, "f.yml: k: expected a list, not a mapping"),
        (yaml_data.text, False, "f.yml: k: expected text, not true/false (False: quote yes/no/on/off)"),
        (yaml_data.text, 911, "f.yml: k: expected text, not the number 911"),
        (yaml_data.text, None, "f.yml: k: expected text, not nothing (null)"),
        (yaml_data.strings, "ODS", "f.yml: k: expected a list, not the text 'ODS'"),
        (yaml_data.strings, ["a", 3], "f.yml: k: 3 is not text"),
        (yaml_data.number, True, "f.yml: k must be a number, not True"),
        (yaml_data.number, "18", "f.yml: k must be a number, not '18'"),
    ],
)
def test_each_helper_refuses_the_wrong_shape_naming_the_place(
    read: Callable[[object, str], object], value: object, complaint: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        read(value, "f.yml: k")


def test_the_helpers_give_back_what_the_file_holds() -> None:
    assert yaml_data.mapping({"a": [1]}, "w") == {"a": [1]}
    assert yaml_data.listed([1, "x"], "w") == [1, "x"]
    assert yaml_data.text("kidney", "w") == "kidney"
    assert yaml_data.strings([], "w") == [] and yaml_data.strings(["a", "b"], "w") == ["a", "b"]
    assert yaml_data.number(7, "w") == 7.0 and yaml_data.number(0.5, "w") == 0.5


def test_mapping_refuses_unknown_and_missing_keys_when_told_which_are_allowed() -> None:
    allowed = frozenset({"mg", "from_age"})
    with pytest.raises(ValueError, match=re.escape("w: unknown fields ['mgs']")):
        yaml_data.mapping({"mgs": 1, "from_age": 2}, "w", allowed)
    with pytest.raises(ValueError, match=re.escape("w: missing fields ['from_age']")):
        yaml_data.mapping({"mg": 1}, "w", allowed, allowed)


def test_a_file_without_a_mapping_at_the_top_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "limits.yml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="limits.yml: expected a mapping at the top level"):
        yaml_data.read_mapping(path, frozenset({"a"}))


# --------------------------------------------------------------------------- the loaders


# (name, the real file, its loader, what to break in a copy of it, what the refusal must say)
BROKEN: list[tuple[str, Path, Callable[[Path], object], Callable[[dict[str, Any]], None], str]] = [
    (
        "limits: a band name that is a number",
        LIMITS_PATH,
        load_limits,
        lambda d: d["upper_limits"][0].update(band=1),
        "limits.yml: upper_limits[0]: band: expected text, not the number 1",
    ),
    (
        "limits: an age that is text",
        LIMITS_PATH,
        load_limits,
        lambda d: d["ages"].update(child="eighteen"),
        "limits.yml: ages.child must be a number, not 'eighteen'",
    ),
    (
        "limits: one source where a list belongs",
        LIMITS_PATH,
        load_limits,
        lambda d: d["sources"].update(upper_limits="ODS"),
        "limits.yml: sources.upper_limits: expected a list, not the text 'ODS'",
    ),
    (
        "spacing: a mapping where the list of lines belongs",
        SPACING_PATH,
        load_spacing,
        lambda d: d.update(spacing={"iron": 2}),
        "spacing.yml: spacing: expected a list, not a mapping",
    ),
    (
        "spacing: one source where a list belongs",
        SPACING_PATH,
        load_spacing,
        lambda d: d["spacing"][0].update(sources="ODS"),
        "spacing.yml: spacing[0]: sources: expected a list, not the text 'ODS'",
    ),
    (
        "emergency meanings: a category written as a list",
        MEANINGS_PATH,
        load_meanings,
        lambda d: d["categories"].update(poisoning=["my son ate my tablets"]),
        "emergency_meanings.yml: poisoning: expected a mapping, not a list",
    ),
    (
        "emergency signs: a sign written as a list",
        SIGNS_PATH,
        load_signs,
        lambda d: d["signs"].__setitem__(0, ["collapsed"]),
        "emergency_signs.yml: sign 1: expected a mapping, not a list",
    ),
    (
        "emergency signs: replies written as a list",
        SIGNS_PATH,
        load_signs,
        lambda d: d.update(replies=["crisis"]),
        "emergency_signs.yml: replies: expected a mapping, not a list",
    ),
    (
        "emergency signs: a category that is a number",
        SIGNS_PATH,
        load_signs,
        lambda d: d["signs"][0].update(category=999),
        "emergency_signs.yml: sign 1: category: expected text, not the number 999",
    ),
    (
        "health words: a question that is a number",
        HEALTH_WORDS_PATH,
        load_health_words,
        lambda d: d["groups"]["kidney"].update(question=1),
        "health_words.yml: kidney: question: expected text, not the number 1",
    ),
    (
        "health words: medicine context written as a list",
        HEALTH_WORDS_PATH,
        load_health_words,
        lambda d: d.update(medicine_context=["with"]),
        "health_words.yml: medicine_context: expected a mapping, not a list",
    ),
    (
        "languages: an unquoted `no` in a gloss",
        LANGUAGES_PATH,
        load_languages,
        lambda d: d["languages"]["de"]["gloss"].update(kein=False),
        "languages.yml: de: gloss.kein: expected text, not true/false (False: quote yes/no/on/off)",
    ),
    (
        "languages: an unquoted `on` as a gloss phrase",
        LANGUAGES_PATH,
        load_languages,
        lambda d: d["languages"]["pl"]["gloss"].update({True: "he"}),
        "languages.yml: pl: gloss: the key True is not text (quote yes/no/on/off and numbers)",
    ),
    (
        "languages: markers written as one text",
        LANGUAGES_PATH,
        load_languages,
        lambda d: d["languages"]["fr"].update(markers="je"),
        "languages.yml: fr: markers: expected a list, not the text 'je'",
    ),
    (
        "lexicon: a group that is a number",
        LEXICON_PATH,
        load_lexicon,
        lambda d: d["conditions"]["kidney_disease"].update(group=3),
        "lexicon.yml: conditions.kidney_disease: group: expected text, not the number 3",
    ),
    (
        "lexicon: a condition written as a list",
        LEXICON_PATH,
        load_lexicon,
        lambda d: d["conditions"].update(kidney_disease=["kidney disease"]),
        "lexicon.yml: conditions.kidney_disease: expected a mapping, not a list",
    ),
    (
        "rules: a rule's sources written as one text",
        RULES_PATH,
        load_rules,
        lambda d: d["rules"][0].update(sources="ODS"),
        "sources: expected a list, not the text 'ODS'",
    ),
    (
        "rules: a mapping where the list of rules belongs",
        RULES_PATH,
        load_rules,
        lambda d: d.update(rules={"kidney": 1}),
        "rules.yml: rules: expected a list, not a mapping",
    ),
    (
        "sources: a list where the names belong",
        SOURCES_PATH,
        load_source_names,
        lambda d: d.update(sources=["ODS"]),
        "sources.yml: sources: expected a mapping, not a list",
    ),
]


@pytest.mark.parametrize(("path", "load", "breaks", "complaint"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_wrongly_shaped_file_is_refused_at_load_naming_file_and_key(
    tmp_path: Path,
    path: Path,
    load: Callable[[Path], object],
    breaks: Callable[[dict[str, Any]], None],
    complaint: str,
) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    load(path)  # the real file loads
    broken = copy.deepcopy(data)
    breaks(broken)
    copied = tmp_path / path.name
    copied.write_text(yaml.safe_dump(broken, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(complaint)):
        load(copied)


def test_the_rules_refusal_names_the_rule(tmp_path: Path) -> None:
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    first = data["rules"][0]["id"]
    data["rules"][0]["behaviour"] = ["S1"]
    copied = tmp_path / "rules.yml"
    copied.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"rules.yml: rule {first}: behaviour: expected text, not a list")):
        load_rules(copied)
