"""Loads lexicon.yml: canonical ids and the words people use for them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .yaml_data import mapping, text

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

KINDS = ("condition", "medication", "pregnancy", "breastfeeding")


@dataclass(frozen=True)
class Concept:
    id: str
    kind: str  # condition | medication | pregnancy | breastfeeding
    label: str
    group: str | None
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    concepts: dict[str, Concept]

    @property
    def condition_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.concepts.values() if c.kind == "condition")

    @property
    def medication_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.concepts.values() if c.kind == "medication")

    def label(self, concept_id: str) -> str:
        concept = self.concepts.get(concept_id)
        return concept.label if concept else concept_id.replace("_", " ")


def _terms(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"lexicon: {where} needs a non-empty list of terms")
    seen: dict[str, str] = {}
    for term in raw:
        text = str(term).strip()
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return tuple(seen.values())


@lru_cache(maxsize=4)
def load_lexicon(path: str | Path = LEXICON_PATH) -> Lexicon:
    data = mapping(yaml.safe_load(Path(path).read_text(encoding="utf-8")), "lexicon.yml")
    concepts: dict[str, Concept] = {}
    for section, kind in (("conditions", "condition"), ("medications", "medication")):
        for cid, value in mapping(data.get(section) or {}, f"lexicon.yml: {section}").items():
            if cid in concepts:
                raise ValueError(f"lexicon: duplicate id {cid}")
            where = f"lexicon.yml: {section}.{cid}"
            body = mapping(value, where)
            group = body.get("group")
            concepts[cid] = Concept(
                id=cid,
                kind=kind,
                label=text(body.get("label") or cid.replace("_", " "), f"{where}: label"),
                group=None if group is None else text(group, f"{where}: group"),
                terms=_terms(body.get("terms"), f"{section}.{cid}"),
            )
    preg = mapping(data.get("pregnancy") or {}, "lexicon.yml: pregnancy")
    for cid in ("pregnant", "breastfeeding"):
        body = mapping(preg.get(cid) or {}, f"lexicon.yml: pregnancy.{cid}")
        concepts[cid] = Concept(
            id=cid,
            kind="pregnancy" if cid == "pregnant" else "breastfeeding",
            label=cid,
            group="pregnancy_status",
            terms=_terms(body.get("terms"), f"pregnancy.{cid}"),
        )
    return Lexicon(concepts=concepts)
