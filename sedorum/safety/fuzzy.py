"""Typo tolerance for single words ("omeprazol" -> "omeprazole", "siezure" -> "seizure").

A small symmetric-delete index (the SymSpell idea) over a fixed vocabulary, with the
optimal-string-alignment distance (a swap of two neighbouring letters counts as one edit).
Only longer words are corrected, and short ones never, to avoid turning ordinary words
into medical terms:

- vocabulary words must have at least `min_word_len` letters;
- a word of 5-8 letters may be one edit away; 9 or more letters, two edits;
- words in `protected` (real English words close to a vocabulary word) are never changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance, stopping early above `limit`."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            val = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                val = min(val, prev2[j - 2] + 1)
            cur[j] = val
            best = min(best, val)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt: set[str] = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


def allowed_edits(length: int) -> int:
    if length < 5:
        return 0
    return 1 if length < 9 else 2


class FuzzyVocab:
    def __init__(self, words: Iterable[str], min_word_len: int = 6, protected: Iterable[str] = ()):
        self.words = frozenset(w.lower() for w in words if len(w) >= min_word_len and w.isalpha())
        self.protected = frozenset(p.lower() for p in protected)
        self._index: dict[str, set[str]] = {}
        for w in self.words:
            for d in _deletes(w, allowed_edits(len(w))):
                self._index.setdefault(d, set()).add(w)
        self.correct = lru_cache(maxsize=8192)(self._correct)

    def _correct(self, token: str) -> str | None:
        """The vocabulary word `token` is a typo of, or None (also None for exact words)."""
        t = token.lower()
        if t in self.words or t in self.protected or not t.isalpha():
            return None
        max_d = allowed_edits(len(t))
        if max_d == 0:
            return None
        candidates: set[str] = set()
        for d in _deletes(t, max_d):
            candidates |= self._index.get(d, set())
        best: tuple[int, int, str] | None = None
        for c in candidates:
            limit = min(max_d, allowed_edits(len(c)))
            dist = osa_distance(t, c, limit)
            if dist <= limit:
                key = (dist, abs(len(c) - len(t)), c)
                if best is None or key < best:
                    best = key
        return best[2] if best else None
