"""Typo tolerance for single words ("omeprazol" -> "omeprazole", "dialisis" -> "dialysis").

Matching is done by RapidFuzz (a maintained C++ library) with the optimal-string-alignment
distance, so a swap of two neighbouring letters counts as one edit, as people type. What
this module adds is the policy that keeps ordinary words from becoming medical terms:

- vocabulary words must have at least `min_word_len` letters;
- a word of 5-8 letters may be one edit away; 9 or more letters, two edits; shorter, none;
- words in `protected` (real English words close to a vocabulary word) are never changed;
- ties go to the candidate closest in length, then alphabetically, so results are stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance, capped at `limit + 1`."""
    return int(OSA.distance(a, b, score_cutoff=limit))


def allowed_edits(length: int) -> int:
    if length < 5:
        return 0
    return 1 if length < 9 else 2


class FuzzyVocab:
    def __init__(self, words: Iterable[str], min_word_len: int = 6, protected: Iterable[str] = ()):
        self.words = frozenset(w.lower() for w in words if len(w) >= min_word_len and w.isalpha())
        self.protected = frozenset(p.lower() for p in protected)
        self._choices = sorted(self.words)
        self.correct = lru_cache(maxsize=8192)(self._correct)

    def _correct(self, token: str) -> str | None:
        """The vocabulary word `token` is a typo of, or None (also None for exact words)."""
        t = token.lower()
        if t in self.words or t in self.protected or not t.isalpha():
            return None
        max_d = allowed_edits(len(t))
        if max_d == 0:
            return None
        hits = process.extract(t, self._choices, scorer=OSA.distance, score_cutoff=max_d, limit=None)
        best: tuple[int, int, str] | None = None
        for candidate, dist, _ in hits:
            if dist <= min(max_d, allowed_edits(len(candidate))):
                key = (int(dist), abs(len(candidate) - len(t)), candidate)
                if best is None or key < best:
                    best = key
        return best[2] if best else None
