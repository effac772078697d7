"""Every sentence the safety engine writes, from wording.yml, in one place.

Why: the findings, whom to ask, the dose answers and the questions used to be written in four
modules, with the person's grammar ("your"/"his", "start"/"starts") and the "A, B and C" join
copied into each. Here the texts are data a reviewer reads in one file, the grammar is written
once, and the figures come from limits.yml, so a text cannot state another figure than the
rules use.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from . import limits, yaml_data
from .phrasing import to_third_person
from .subject import SELF, Subject

WORDING_PATH = Path(__file__).with_name("wording.yml")


@lru_cache(maxsize=2)
def load_wording(path: str | Path = WORDING_PATH) -> dict[str, object]:
    data: object = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("wording.yml: expected a mapping")
    return yaml_data.mapping(data, "wording.yml")


def section(name: str) -> dict[str, object]:
    """A section of wording.yml by its dotted name ("urgent_help", "dose")."""
    node: object = load_wording()
    for part in name.split("."):
        node = yaml_data.mapping(node, f"wording.yml: {name}")[part]
    return yaml_data.mapping(node, f"wording.yml: {name}")


def _clean(text: str) -> str:
    """Folded YAML keeps single line breaks as spaces; explicit lines stay lines."""
    return "\n".join(" ".join(line.split()) for line in str(text).strip().split("\n"))


def text(path: str, **values: str | int | float) -> str:
    """The text at `path` ("dose.kidney") with {placeholders} filled (figures of limits.yml too)."""
    where, _, key = path.rpartition(".")
    node = section(where)[key] if where else load_wording()[key]
    return _clean(str(node)).format_map(_Values({**limits.template_values(), **values}))


class _Values(dict[str, str | int | float]):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"wording.yml: no value for {{{key}}}")


def join(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    listed = list(items)
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


def person(subject: Subject = SELF) -> dict[str, str]:
    """The grammar of the person an answer is about: label, pronoun, possessive, object, start."""
    if subject.is_self:
        return {"label": "you", "pronoun": "you", "possessive": "your", "object": "you", "start": "start"}
    pronoun = subject.pronoun if subject.pronoun in ("he", "she") else "they"
    return {
        "label": subject.label,
        "pronoun": pronoun,
        "possessive": {"he": "his", "she": "her"}.get(pronoun, "their"),
        "object": {"he": "him", "she": "her"}.get(pronoun, "them"),
        "start": "starts" if pronoun in ("he", "she") else "start",
    }


def about(subject: Subject, advice: str) -> str:
    """Advice written to "you", said about the person asked for."""
    return advice if subject.is_self else to_third_person(advice, subject)


def severity_label(severity: str) -> str:
    return str(section("severity_labels")[severity])


def question_topics(missing: Iterable[str]) -> list[str]:
    topics = section("question_topics")
    return [yaml_data.text(topics[m], f"wording.yml: question_topics.{m}") for m in missing if m in topics]


def invite(missing: list[str], subject: Subject) -> str:
    """An invitation to tell us about the person the visitor asks for."""
    return text("invite", topics=join(question_topics(missing)), **person(subject))


def offer(missing: list[str], subject: Subject = SELF) -> str:
    """The skippable offer to check what is still unknown."""
    topics = question_topics(missing)
    return text(
        "offer", count=len(topics), plural="s" if len(topics) != 1 else "", topics=join(topics), **person(subject)
    )
