"""The normalised copy of a message that the emergency signs are matched against.

Why: people in an emergency type fast and badly ("cant breath", "chset pian", "siezure"),
and the signs are written once, in lower case with straight apostrophes. The word tables
(contractions and typos, typo-tolerance vocabulary and the real words it must leave alone)
are data, in emergency_spelling.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..english_words import is_english_word
from ..fuzzy import FuzzyVocab
from ..yaml_data import alternatives, read_mapping
from .data import CONTEXT_PATH, SIGNS_PATH, SPELLING_PATH

SPELLING_FIELDS = frozenset({"typos", "fuzzy_words", "fuzzy_protected"})
# Typo tolerance applies to vocabulary words of at least this many letters (see fuzzy.py).
FUZZY_MIN_WORD_LEN = 6


@dataclass(frozen=True)
class Spelling:
    typos: dict[str, str]  # whole word -> replacement
    fuzzy_words: tuple[str, ...]
    fuzzy_protected: tuple[str, ...]


@lru_cache(maxsize=4)
def load_spelling(path: str | Path = SPELLING_PATH) -> Spelling:
    data = read_mapping(path, SPELLING_FIELDS, SPELLING_FIELDS)
    raw = data["typos"]
    if not isinstance(raw, dict) or not raw:
        raise ValueError("emergency_spelling.yml: `typos` must map words to their replacement")
    typos: dict[str, str] = {}
    for word, fixed in raw.items():
        if not isinstance(word, str) or not isinstance(fixed, str) or not re.fullmatch(r"[a-z]+", word):
            raise ValueError(f"emergency_spelling.yml: typos: {word!r}: {fixed!r} must be lower-case text (quote it)")
        typos[word] = fixed
    return Spelling(
        typos=typos,
        fuzzy_words=alternatives(data["fuzzy_words"], "emergency_spelling.yml: fuzzy_words"),
        fuzzy_protected=alternatives(data["fuzzy_protected"], "emergency_spelling.yml: fuzzy_protected"),
    )


def sign_vocabulary(signs_path: Path = SIGNS_PATH, context_path: Path = CONTEXT_PATH) -> frozenset[str]:
    """Every word of six letters or more in the signs' patterns and word lists and in the cue
    lists: what a typo may be corrected to, so that a new sign is typo-tolerant without a list
    kept by hand ("vmoited" -> "vomited", "todlder" -> "toddler")."""
    words: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, str):
            plain = re.sub(r"\\[a-zA-Z]", " ", node.lower())  # "\\bchest" -> " chest"
            words.update(re.findall(r"[a-z]{6,}", plain))
        elif isinstance(node, list):
            for item in node:
                collect(item)
        elif isinstance(node, dict):
            for item in node.values():
                collect(item)

    signs = yaml.safe_load(signs_path.read_text(encoding="utf-8"))
    collect(signs.get("words"))
    for sign in signs.get("signs") or []:
        collect(sign.get("pattern"))
        collect(sign.get("words"))
    context = yaml.safe_load(context_path.read_text(encoding="utf-8"))
    collect({key: value for key, value in context.items() if isinstance(value, list)})
    return frozenset(words)


_SPELLING = load_spelling()
CONTRACTIONS: dict[str, str] = _SPELLING.typos
FUZZY = FuzzyVocab(
    {*_SPELLING.fuzzy_words, *sign_vocabulary()}, min_word_len=FUZZY_MIN_WORD_LEN, protected=_SPELLING.fuzzy_protected
)

_REPEATS_RE = re.compile(r"([a-z])\1{2,}")
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
_SPACES_RE = re.compile(r"[ \t]+")


_MODAL_OF_RE = re.compile(r"\b(might|may|could|would|should|must)\s+of\b")
_BRACKETS_RE = re.compile(r"[()\[\]]")
_PLUS_RE = re.compile(r"(?<=[a-z])\s*\+\s*(?=[a-z])")


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, common contractions and typos fixed."""
    t = (text or "").lower()
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u00a0", " ")
    t = _REPEATS_RE.sub(r"\1", t)  # "sooo" -> "so", "heeelp" -> "help"
    t = _PLUS_RE.sub(" and ", t)  # "magnesium + iron gummies"
    t = _BRACKETS_RE.sub(" ", t)  # "one calf (left) is swollen", "my daughter (2)"
    t = _MODAL_OF_RE.sub(r"\1 have", t)  # "he might of had some"

    def fix(m: re.Match[str]) -> str:
        w = m.group(0)
        if w in CONTRACTIONS:
            return CONTRACTIONS[w]
        if is_english_word(w):
            return w  # a real word is never a typo of another ("breeding", "painted")
        fixed = FUZZY.correct(w)
        return fixed or w

    t = _WORD_RE.sub(fix, t)
    return _SPACES_RE.sub(" ", t)
