"""Every source the assistant cites resolves to a full citation in docs/sources.md.

The safety rules and the emergency signs cite short keys (`sources: [SmPC-MgAsp, MSD-HYPER]`;
the signs' keys are checked by tests/unit/safety/emergency/test_signs.py), the safety code cites
keys in comments (`[NHLBI-DVT]`), and the answers end with a "Source: ..." line in plain words.
A key or a name that docs/sources.md does not list is a health claim nobody can trace back.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from sedorum.safety.engine import load_rules

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "docs" / "sources.md"
SAFETY = ROOT / "sedorum" / "safety"

KEY_HEADING = re.compile(r"^###\s+`([^`]+)`\s*$", re.M)
CITED_AS = re.compile(r"^Cited in answers as:\s*(.+?)\.?\s*$", re.M)
SOURCE_LINE = re.compile(r"^Sources?:\s*(.+?)\s*$", re.M)
# A key in brackets, as the safety code's comments write them: [ODS*], [SmPC-MgSO4-OD], [NF].
BRACKETED_KEY = re.compile(r"\[([A-Z][A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\*?)\]")


def _entries() -> dict[str, str]:
    """Key -> the text of its entry (up to the next heading)."""
    text = SOURCES.read_text(encoding="utf-8")
    heads = list(KEY_HEADING.finditer(text))
    entries: dict[str, str] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end].split("\n## ")[0]
        assert head.group(1) not in entries, f"{head.group(1)} is listed twice"
        entries[head.group(1)] = body
    return entries


READER_NAMES = SAFETY / "sources.yml"


def _reader_names() -> dict[str, str]:
    """Key -> the name the engine's "Source: ..." line shows for it (sedorum/safety/sources.yml)."""
    return dict(yaml.safe_load(READER_NAMES.read_text(encoding="utf-8"))["sources"])


def _answer_names(entries: dict[str, str]) -> set[str]:
    """Names an answer may cite: each entry's "Cited in answers as", and the reader names of
    the keys listed here (one reader name may join several names with ";")."""
    names: set[str] = set()
    for body in entries.values():
        for line in CITED_AS.findall(body):
            names.update(re.findall(r'"([^"]+)"', line))
    for key, name in _reader_names().items():
        if key in entries:
            names.update(part.strip() for part in str(name).split(";"))
    return names


def test_every_reader_name_belongs_to_a_listed_source() -> None:
    missing = sorted(set(_reader_names()) - set(_entries()))
    assert not missing, f"sources.yml names keys that docs/sources.md does not list: {missing}"


def _comments_and_docstrings(path: Path) -> str:
    """The prose of a module (comments and the module docstring), not its regular expressions."""
    source = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source)) or ""
    comments = [line.split("#", 1)[1] for line in source.splitlines() if line.lstrip().startswith("#")]
    return docstring + "\n" + "\n".join(comments)


def test_the_sources_file_lists_keys_each_with_a_citation_and_what_it_supports() -> None:
    entries = _entries()
    assert len(entries) >= 30, "could not read the entries of docs/sources.md"
    for key, body in entries.items():
        assert "Supports:" in body, f"{key}: no 'Supports:' line"
        citation = body.split("Supports:")[0].strip()
        assert len(citation) > 20, f"{key}: no citation before 'Supports:'"


def test_every_rule_cites_listed_sources() -> None:
    entries = _entries()
    for rule in load_rules():
        unknown = [key for key in rule.sources if key not in entries]
        assert not unknown, f"rule {rule.id} cites sources not in docs/sources.md: {unknown}"


def test_every_source_cited_in_the_safety_code_is_listed() -> None:
    entries = _entries()
    cited: dict[str, set[str]] = {}
    for path in sorted(SAFETY.rglob("*.py")):
        for key in BRACKETED_KEY.findall(_comments_and_docstrings(path)):
            cited.setdefault(key, set()).add(path.name)
    assert cited, "no source key found in the safety code's comments"
    unknown = {key: files for key, files in cited.items() if key not in entries}
    assert not unknown, f"cited in sedorum/safety but not in docs/sources.md: {unknown}"


def test_every_name_on_an_answers_source_line_is_listed() -> None:
    names = _answer_names(_entries())
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    checked = 0
    for response, variants in domain["responses"].items():
        for variant in variants:
            for line in SOURCE_LINE.findall(variant.get("text") or ""):
                for name in (part.strip().rstrip(".") for part in line.split(";")):
                    checked += 1
                    assert name in names, f"{response} cites {name!r}, not in docs/sources.md"
    assert checked >= 30, "found too few Source lines in domain.yml"


def test_the_checks_catch_an_unknown_key_and_an_unknown_name() -> None:
    entries = _entries()
    assert "ODS" in entries and "NOT-A-SOURCE" not in entries
    assert "NIH Office of Dietary Supplements" in _answer_names(entries)
    assert "A blog I read" not in _answer_names(entries)
    assert BRACKETED_KEY.findall("signs [ODS*][SmPC-MgSO4-OD] and [NF]; not [a-z] or [A-Z]") == [
        "ODS*",
        "SmPC-MgSO4-OD",
        "NF",
    ]


def test_no_listed_source_is_marked_unverified() -> None:
    for key, body in _entries().items():
        assert "unverified" not in body.lower(), f"{key} is marked unverified: the assistant may not cite it"
