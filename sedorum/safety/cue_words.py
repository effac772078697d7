"""The shared negation, past and hypothetical words (cue_words.yml).

Why one file: the extractor (ConText rules) and the emergency detector read the same kind of
words for the same reason, and two hand-kept lists drift apart ("nobody" denied a sign but not
a kidney disease). Each reader takes these lists and adds only what is its own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .yaml_data import read_mapping, strings

CUE_WORDS_PATH = Path(__file__).with_name("cue_words.yml")
LISTS = frozenset({"negation", "past_before", "past", "hypothetical"})


@lru_cache(maxsize=2)
def load_cue_words(path: Path = CUE_WORDS_PATH) -> dict[str, tuple[str, ...]]:
    """Each shared list, lower case, in file order (every list required)."""
    data = read_mapping(path, LISTS, LISTS)
    out: dict[str, tuple[str, ...]] = {}
    for name in sorted(LISTS):
        words = tuple(word.lower() for word in strings(data[name], f"cue_words.yml: {name}"))
        if not words:
            raise ValueError(f"cue_words.yml: {name} is empty")
        out[name] = words
    return out
