"""Strict reading of the safety engine's hand-edited YAML files (emergency signs, ConText rules).

Why strict: these files are edited by hand, often by someone who does not read the Python. A
misspelt field name or a word that YAML turns into something else (`no` and `on` become
booleans, `911` a number) would otherwise change a safety decision silently; here loading
stops with a message naming the place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_mapping(path: str | Path, allowed: frozenset[str], required: frozenset[str] | None = None) -> dict[str, Any]:
    """The top-level mapping of a YAML file; unknown keys (and missing required ones) are refused."""
    name = Path(path).name
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top level")
    check_keys(data, allowed, name, required)
    return data


def check_keys(
    data: dict[str, Any], allowed: frozenset[str], where: str, required: frozenset[str] | None = None
) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown} (allowed: {sorted(allowed)})")
    missing = sorted((required or frozenset()) - set(data))
    if missing:
        raise ValueError(f"{where}: missing fields {missing}")


def alternatives(raw: object, where: str) -> tuple[str, ...]:
    """A non-empty list of non-empty strings (a word list: any one of them matches)."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: needs a non-empty list")
    for item in raw:
        if not isinstance(item, str) or not item:
            # `no`, `on`, `yes`, numbers: YAML reads them as something else unless quoted
            raise ValueError(f"{where}: {item!r} is not text (quote yes/no/on/off and numbers)")
    return tuple(raw)
