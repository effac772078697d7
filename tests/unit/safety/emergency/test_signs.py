"""The emergency signs as data (sedorum/safety/emergency_signs.yml): every example, and the file's form.

For every sign, each `example` must be detected with the sign's category (and be matched by
that sign's own pattern, so the example documents the sign it sits under), and each
`not_example` must not be detected as an emergency at all, while still containing the sign's
words: a near miss that the context (negation, past, hypothetical, general question) rules out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sedorum.safety.emergency import CATEGORIES, SIGNS, Sign, detect_all, load_signs, normalise
from sedorum.safety.emergency.context import load_cues
from sedorum.safety.emergency.data import CONTEXT_PATH, SIGNS_PATH, SPELLING_PATH
from sedorum.safety.emergency.normalise import load_spelling

ROOT = Path(__file__).resolve().parents[4]
SOURCES = ROOT / "docs" / "sources.md"


def _id(sign: Sign) -> str:
    return f"{sign.number:02d}-{sign.category}"


EXAMPLES = [pytest.param(sign, text, id=f"{_id(sign)}: {text}") for sign in SIGNS for text in sign.examples]
NOT_EXAMPLES = [pytest.param(sign, text, id=f"{_id(sign)}: {text}") for sign in SIGNS for text in sign.not_examples]


@pytest.mark.parametrize(("sign", "text"), EXAMPLES)
def test_every_example_is_detected_as_its_category(sign: Sign, text: str) -> None:
    found = detect_all(text)
    assert sign.category in {m.category for m in found}, f"sign {_id(sign)} missed {text!r}: {found}"
    assert sign.regex.search(normalise(text)), f"sign {_id(sign)}: its own pattern does not match {text!r}"


@pytest.mark.parametrize(("sign", "text"), NOT_EXAMPLES)
def test_every_not_example_is_not_an_emergency(sign: Sign, text: str) -> None:
    assert detect_all(text) == [], f"sign {_id(sign)}: {text!r} was detected as {detect_all(text)}"
    assert sign.regex.search(normalise(text)), (
        f"sign {_id(sign)}: {text!r} does not contain the sign at all; a not_example should be a near miss"
    )


def test_the_file_loads_every_sign_with_examples() -> None:
    book = load_signs()
    assert len(book.signs) >= 30
    assert {s.category for s in book.signs} <= set(CATEGORIES)
    for sign in book.signs:
        assert sign.description and sign.examples and sign.not_examples
        assert "{" not in re.sub(r"\{\d+(?:,\d*)?\}", "", sign.pattern), f"{_id(sign)}: a word list left unresolved"


def test_every_source_of_a_sign_is_listed_in_the_sources_document() -> None:
    listed = set(re.findall(r"^###\s+`([^`]+)`\s*$", SOURCES.read_text(encoding="utf-8"), re.M))
    for sign in SIGNS:
        unknown = [key for key in sign.sources if key not in listed]
        assert not unknown, f"sign {_id(sign)} cites sources not in docs/sources.md: {unknown}"


def test_no_example_is_copied_from_the_labelled_hold_out_set() -> None:
    from bench.bench_emergency import load_items

    held_out = {item["text"].strip().lower() for item in load_items()}
    copied = [(_id(s), t) for s in SIGNS for t in (*s.examples, *s.not_examples) if t.strip().lower() in held_out]
    assert not copied, f"examples taken from bench/data/emergency_labelled.yml: {copied}"


def test_the_cue_and_spelling_files_load() -> None:
    assert "no" in load_cues(CONTEXT_PATH)["negation"].split("|")
    assert load_spelling(SPELLING_PATH).typos["cant"] == "can't"


# ----------------------------------------------------------------------------- refused files

GOOD_SIGN = (
    "  - category: overdose\n"
    "    description: Took too many.\n"
    "    pattern: \\btook too many {pills}\n"
    "    examples: [I took too many pills]\n"
    "    not_examples: ['what if I took too many pills?']\n"
)


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "emergency_signs.yml"
    path.write_text(text, encoding="utf-8")
    return load_signs(path)


def test_a_minimal_file_loads_and_writes_out_the_word_lists(tmp_path: Path) -> None:
    book = _load(tmp_path, "words:\n  pills: ['pills?', tablets]\nsigns:\n" + GOOD_SIGN)
    assert book.signs[0].pattern == r"\btook too many (?:pills?|tablets)"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        # an unknown field in a sign (a misspelt `examples`)
        ("words:\n  pills: [pills]\nsigns:\n" + GOOD_SIGN + "    exmples: [x]\n", "unknown fields"),
        # an unknown field at the top
        ("words:\n  pills: [pills]\ncues: []\nsigns:\n" + GOOD_SIGN, "unknown fields"),
        # an unknown category
        ("words:\n  pills: [pills]\nsigns:\n" + GOOD_SIGN.replace("overdose", "gremlins"), "unknown category"),
        # a reference to a word list that does not exist
        ("words:\n  tablets: [pills]\nsigns:\n" + GOOD_SIGN.replace("{pills}", "{pills} {tablets}"), "unknown word"),
        # a word list nothing uses
        ("words:\n  pills: [pills]\n  spare: [x]\nsigns:\n" + GOOD_SIGN, "not used"),
        # a word YAML reads as something else than text: `no` is false unless quoted
        ("words:\n  pills: [pills, no]\nsigns:\n" + GOOD_SIGN, "not text"),
        # a sign's own list hiding a shared one
        ("words:\n  pills: [pills]\nsigns:\n" + GOOD_SIGN + "    words:\n      pills: [tablets]\n", "hide"),
        # a missing example
        (
            "words:\n  pills: [pills]\nsigns:\n" + GOOD_SIGN.replace("    examples: [I took too many pills]\n", ""),
            "missing",
        ),
        # a pattern that does not compile
        ("words:\n  pills: [pills]\nsigns:\n" + GOOD_SIGN.replace("many {pills}", "many ({pills}"), "compile"),
        # a word list that refers to itself
        ("words:\n  pills: [pills, '{pills}']\nsigns:\n" + GOOD_SIGN, "itself"),
        # needs_actual must be true or false
        ("words:\n  pills: [pills]\nsigns:\n" + GOOD_SIGN + "    needs_actual: sometimes\n", "true or false"),
    ],
)
def test_a_malformed_signs_file_is_refused(tmp_path: Path, text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        _load(tmp_path, text)


def test_a_cue_file_with_an_unknown_or_missing_list_is_refused(tmp_path: Path) -> None:
    good = SIGNS_PATH.with_name("emergency_context.yml").read_text(encoding="utf-8")
    extra = tmp_path / "extra.yml"
    extra.write_text(good + "\nnegations: [nope]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown fields"):
        load_cues(extra)
    without_now = yaml.safe_load(good)
    del without_now["now"]
    missing = tmp_path / "missing.yml"
    missing.write_text(yaml.safe_dump(without_now), encoding="utf-8")
    with pytest.raises(ValueError, match="missing fields"):
        load_cues(missing)


def test_a_spelling_file_with_a_non_text_word_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "spelling.yml"
    bad.write_text("typos:\n  cant: \"can't\"\n  on: 'on'\nfuzzy_words: [seizure]\nfuzzy_protected: [painted]\n")
    with pytest.raises(ValueError, match="lower-case text"):
        load_spelling(bad)
