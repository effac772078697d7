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
from .yaml_data import check_keys, read_mapping

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
    for index, raw in enumerate(data["spacing"] or []):
        where = f"spacing.yml: spacing[{index}]"
        check_keys(raw, _FIELDS, where, _FIELDS)
        medicines = frozenset(str(m) for m in raw["medicines"] or [])
        unknown = sorted(medicines - known)
        if not medicines or unknown:
            raise ValueError(f"{where}: medicines must be lexicon ids (unknown: {unknown})")
        hours = raw["hours"]
        if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int) or hours <= 0):
            raise ValueError(f"{where}: hours must be a whole number or null")
        text = " ".join(str(raw["text"]).split())
        if ("{hours}" in text) != (hours is not None):
            raise ValueError(f"{where}: the text must use {{hours}} exactly when hours is set")
        gaps.append(
            Gap(
                id=str(raw["id"]),
                medicines=medicines,
                hours=hours,
                text=text.replace("{hours}", str(hours)),
                sources=tuple(str(s) for s in raw["sources"] or []),
            )
        )
    return tuple(gaps)


@lru_cache(maxsize=1)
def template_values() -> dict[str, str]:
    """{spacing_<id>_hours} for every line with a figure."""
    return {f"spacing_{gap.id}_hours": str(gap.hours) for gap in load_spacing() if gap.hours is not None}
