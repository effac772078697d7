"""How far apart Sedorum and other medicines are taken, read from spacing.yml.

Why a data file: the hours between iron, calcium, magnesium and other medicines are clinical
facts with their own sources; a clinician edits them in one place and both the "when should I
take it?" answer and the rules' warnings follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .lexicon import load_lexicon
from .yaml_data import listed, mapping, read_mapping, strings, text

SPACING_PATH = Path(__file__).with_name("spacing.yml")
_FIELDS = frozenset({"id", "medicines", "hours", "text", "sources"})


@dataclass(frozen=True)
class Gap:
    """One spacing line: the medicines it is about, its smallest gap in hours, its text."""

    id: str
    medicines: frozenset[str]
    hours: int | None
    text: str
    sources: tuple[str, ...]


@lru_cache(maxsize=2)
def load_spacing(path: str | Path = SPACING_PATH) -> tuple[Gap, ...]:
    """spacing.yml, checked: known medicine ids, whole hours, {hours} only where a figure is set."""
    data = read_mapping(path, frozenset({"spacing"}), frozenset({"spacing"}))
    known = load_lexicon().medication_ids
    gaps: list[Gap] = []
    for index, item in enumerate(listed(data["spacing"] or [], "spacing.yml: spacing")):
        where = f"spacing.yml: spacing[{index}]"
        raw = mapping(item, where, _FIELDS, _FIELDS)
        medicines = frozenset(strings(raw["medicines"] or [], f"{where}: medicines"))
        unknown = sorted(medicines - known)
        if not medicines or unknown:
            raise ValueError(f"{where}: medicines must be lexicon ids (unknown: {unknown})")
        hours = raw["hours"]
        if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int) or hours <= 0):
            raise ValueError(f"{where}: hours must be a whole number or null")
        line = " ".join(text(raw["text"], f"{where}: text").split())
        if ("{hours}" in line) != (hours is not None):
            raise ValueError(f"{where}: the text must use {{hours}} exactly when hours is set")
        gaps.append(
            Gap(
                id=text(raw["id"], f"{where}: id"),
                medicines=medicines,
                hours=hours,
                text=line.replace("{hours}", str(hours)),
                sources=tuple(strings(raw["sources"] or [], f"{where}: sources")),
            )
        )
    return tuple(gaps)


@lru_cache(maxsize=1)
def template_values() -> dict[str, str]:
    """{spacing_<id>_hours} for every line with a figure."""
    return {f"spacing_{gap.id}_hours": str(gap.hours) for gap in load_spacing() if gap.hours is not None}
