"""Strict reading of the safety engine's hand-edited YAML files (emergency signs, ConText rules).

Why strict: these files are edited by hand, often by someone who does not read the Python. A
misspelt field name or a word that YAML turns into something else (`no` and `on` become
booleans, `911` a number) would otherwise change a safety decision silently; here loading
stops with a message naming the place.

YAML gives back untyped data, so `read_mapping` returns `dict[str, object]` and a loader reads
every value through one of the narrowing helpers below (`mapping`, `listed`, `strings`,
`text`, `number`, `alternatives`). Each returns the value with the type the
loader needs, or stops with a ValueError naming the file and the key (`where`), so a wrongly
shaped file fails when it is loaded, not later on a visitor's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml


def read_mapping(
    path: str | Path, allowed: frozenset[str], required: frozenset[str] | None = None
) -> dict[str, object]:
    """The top-level mapping of a YAML file; unknown keys (and missing required ones) are refused."""
    name = Path(path).name
    data: object = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top level")
    return mapping(data, name, allowed, required)


def check_keys(
    data: Mapping[str, object], allowed: frozenset[str], where: str, required: frozenset[str] | None = None
) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown fields {unknown} (allowed: {sorted(allowed)})")
    missing = sorted((required or frozenset()) - set(data))
    if missing:
        raise ValueError(f"{where}: missing fields {missing}")


def _shown(value: object) -> str:
    """What YAML made of a value, in the words of someone editing the file."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({value!r}: quote yes/no/on/off)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def mapping(
    value: object, where: str, allowed: frozenset[str] | None = None, required: frozenset[str] | None = None
) -> dict[str, object]:
    """A mapping whose keys are text; with `allowed`, unknown (and missing `required`) keys are refused."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping, not {_shown(value)}")
    for key in value:
        if not isinstance(key, str):
            raise ValueError(f"{where}: the key {key!r} is not text (quote yes/no/on/off and numbers)")
    if allowed is not None:
        check_keys(value, allowed, where, required)
    return value


def listed(value: object, where: str) -> list[object]:
    """A list (of anything: each item is narrowed where it is read)."""
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, not {_shown(value)}")
    return value


def text(value: object, where: str) -> str:
    """A text value (a number or a boolean is refused, not turned into text)."""
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected text, not {_shown(value)}")
    return value


def strings(value: object, where: str) -> list[str]:
    """A list of text values (possibly empty)."""
    out: list[str] = []
    for item in listed(value, where):
        if not isinstance(item, str):
            raise ValueError(f"{where}: {item!r} is not text (quote yes/no/on/off and numbers)")
        out.append(item)
    return out


def number(value: object, where: str) -> float:
    """A number (whole or not); true/false is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} must be a number, not {value!r}")
    return float(value)


def alternatives(raw: object, where: str) -> tuple[str, ...]:
    """A non-empty list of non-empty strings (a word list: any one of them matches)."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: needs a non-empty list")
    for item in raw:
        if not isinstance(item, str) or not item:
            # `no`, `on`, `yes`, numbers: YAML reads them as something else unless quoted
            raise ValueError(f"{where}: {item!r} is not text (quote yes/no/on/off and numbers)")
    return tuple(raw)
