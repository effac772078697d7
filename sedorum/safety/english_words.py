"""Whether a word is an ordinary English word (pyspellchecker's frequency list).

Why one place: two readers need the same answer. The health-word check treats an unknown
word next to "on" or "have" as a possible medicine or condition only when it is not English,
and the emergency detector's typo tolerance never "corrects" a real English word ("bleeding"
is not a typo of "breeding"); it corrects only words no dictionary knows ("vmoited").
"""

from __future__ import annotations

from functools import lru_cache

from spellchecker import SpellChecker


@lru_cache(maxsize=1)
def _english() -> SpellChecker:
    return SpellChecker(language="en", distance=1)


@lru_cache(maxsize=65536)
def is_english_word(word: str) -> bool:
    return bool(_english().known([word.lower()]))
