"""Reading the emergency detector's YAML files (beside rules.yml and lexicon.yml).

The strict reading itself (unknown fields, words YAML would turn into something else) is
shared with the ConText rules: `sedorum/safety/yaml_data.py`.
"""

from __future__ import annotations

from pathlib import Path

from ..yaml_data import alternatives

DATA_DIR = Path(__file__).resolve().parent.parent
SIGNS_PATH = DATA_DIR / "emergency_signs.yml"
CONTEXT_PATH = DATA_DIR / "emergency_context.yml"
SPELLING_PATH = DATA_DIR / "emergency_spelling.yml"


def joined(raw: object, where: str) -> str:
    """The alternatives of a word list as one regular-expression alternation (no group)."""
    return "|".join(alternatives(raw, where))
