"""Person words typed with one slip ("mtoher", "tdodler", "somoene"), put right before the
message is read.

Why: who a message is about decides everything after it. A relation word with two letters
swapped is the commonest slip on a phone keyboard, and, missed, it turns a question about a
toddler or a mother on dialysis into one about the visitor, who then gets the adult figure.
The typo lists of subject.py hold the slips seen so far; this catches the rest of the same
kind by edit distance (RapidFuzz's optimal string alignment).

The policy keeps it from touching anything else:
- only words of 5 letters or more, one edit away from a person word;
- only same-length corrections (two neighbouring letters swapped, or one wrong letter), so
  every character offset in the message stays valid for the readers after it;
- never a word the English dictionary knows ("bother" stays, "sifter" stays).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .english_words import is_english_word
from .subject import RELATIONS

# Person words besides the relations: who the question is for, and the words for a young child.
_OTHER_PERSON_WORDS = ("someone", "somebody", "little", "toddler", "myself", "himself", "herself", "yourself")
_MIN_LETTERS = 5
_WORD = re.compile(rf"[A-Za-z]{{{_MIN_LETTERS},}}")


@lru_cache(maxsize=1)
def _person_words() -> tuple[str, ...]:
    words = {w for w in RELATIONS if len(w) >= _MIN_LETTERS} | {w + "s" for w in RELATIONS if len(w) >= _MIN_LETTERS}
    return tuple(sorted(words | set(_OTHER_PERSON_WORDS)))


@lru_cache(maxsize=8192)
def person_word_for(word: str) -> str | None:
    """The person word `word` is a one-slip typo of, or None."""
    lower = word.lower()
    words = _person_words()
    if lower in words or is_english_word(lower):
        return None
    hits = process.extract(lower, words, scorer=OSA.distance, score_cutoff=1, limit=None)
    same_length = sorted(candidate for candidate, _, _ in hits if len(candidate) == len(lower))
    return same_length[0] if len(same_length) == 1 else None


def fix_person_words(text: str) -> str:
    """`text` with each person-word typo put right, same length, in the writer's case."""

    def fixed(match: re.Match[str]) -> str:
        word = match.group(0)
        right = person_word_for(word)
        if right is None:
            return word
        return right.capitalize() if word[0].isupper() else right

    return _WORD.sub(fixed, text)
