"""The emergency detector's second layer: emergencies recognised by meaning, not by wording.

Why: the rule layer (signs.py, assess.py) is precise but knows only the wordings written in
emergency_signs.yml; a person in crisis or a frightened parent uses others ("everything would be
easier if I wasn't here", "my lad got into the vitamins, he seems ok"). This layer embeds the
message with the project's sentence encoder (all-MiniLM-L6-v2, sedorum/nlp) and compares it with
the examples in emergency_meanings.yml: a message (or one of its sentences) that is nearer to an
emergency example than to every everyday example, and near enough, counts.

It is recall-first and only ever adds emergencies; `sedorum.safety.emergency.verdict` decides
where it may overrule the rule layer. The encoder is loaded on first use (about 90 MB), so
importing this module costs nothing; the Rasa process already holds the encoder for its NLU,
and its cache of recent messages makes the second look at the same text free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..yaml_data import alternatives, mapping, read_mapping
from .data import DATA_DIR
from .signs import CATEGORIES, FoundSign, load_signs

MEANINGS_PATH = DATA_DIR / "emergency_meanings.yml"
# The encoder's layers the NLU featurizer asks for (config.yml): asking for the same ones lets
# this layer reuse the featurizer's cached embedding of the message; only the last is compared.
ENCODER_LAYERS = (6, 4, 2)
_DIMENSION = 384
# Sentences looked at in one message, beyond the whole message (a long story's last lines
# usually hold what is happening now).
MAX_SENTENCES = 4
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
# Clauses inside a sentence: "I'm thinking of ending it all because of these legs" is nearer to a
# crisis without its second half, which pulls it toward the everyday complaints.
_CLAUSE_SPLIT = re.compile(r",\s*|;\s*|\s+(?:because|but|and then|so that|cos|coz)\s+", re.I)


@dataclass(frozen=True)
class MeaningMatch:
    """A category the message is near to, with how near (cosine) and the example it is nearest."""

    category: str
    similarity: float
    example: str
    reply: str

    def to_dict(self) -> FoundSign:
        return {
            "sign": f"~ {self.example}",
            "category": self.category,
            "reply": self.reply,
            "similarity": round(self.similarity, 3),
            "layer": "meaning",
        }


@dataclass(frozen=True)
class MeaningBook:
    categories: tuple[str, ...]  # the category of each example row
    examples: tuple[str, ...]
    thresholds: dict[str, float]
    margins: dict[str, float]
    everyday: tuple[str, ...]
    floor: float = 0.5
    strong_margin: float = 0.25
    # Per category, groups of words of which the message must have one each ("a child" and
    # "something swallowed" for a poisoning): meaning alone never makes an emergency of a
    # message that does not even name what the emergency is about.
    requires: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)


@lru_cache(maxsize=2)
def load_meanings(path: str | Path = MEANINGS_PATH) -> MeaningBook:
    """emergency_meanings.yml, checked: known categories, thresholds between 0 and 1."""
    data = read_mapping(path, frozenset({"threshold", "margin", "floor", "strong_margin", "categories", "everyday"}))
    default = _fraction(data.get("threshold"), "threshold")
    margin = _fraction(data.get("margin"), "margin")
    categories: list[str] = []
    examples: list[str] = []
    thresholds: dict[str, float] = {}
    margins: dict[str, float] = {}
    requires: dict[str, tuple[re.Pattern[str], ...]] = {}
    for category, item in mapping(data.get("categories") or {}, "emergency_meanings.yml: categories").items():
        where = f"emergency_meanings.yml: {category}"
        if category not in CATEGORIES:
            raise ValueError(f"{where}: unknown category (known: {', '.join(CATEGORIES)})")
        body = mapping(item, where, frozenset({"threshold", "margin", "requires", "examples"}), frozenset({"examples"}))
        thresholds[category] = _fraction(body.get("threshold", default), f"{category}.threshold")
        margins[category] = _fraction(body.get("margin", margin), f"{category}.margin")
        groups = body.get("requires") or []
        if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
            raise ValueError(f"{where}: requires must be a list of word lists")
        requires[category] = tuple(
            re.compile(r"\b(?:" + "|".join(alternatives(group, f"{where}: requires")) + r")", re.I) for group in groups
        )
        for example in alternatives(body["examples"], f"{where}: examples"):
            categories.append(category)
            examples.append(example)
    everyday = alternatives(data.get("everyday"), "emergency_meanings.yml: everyday")
    return MeaningBook(
        tuple(categories),
        tuple(examples),
        thresholds,
        margins,
        everyday,
        floor=_fraction(data.get("floor", 0.5), "floor"),
        strong_margin=_fraction(data.get("strong_margin", 0.25), "strong_margin"),
        requires=requires,
    )


def _fraction(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"emergency_meanings.yml: {where} must be a number between 0 and 1")
    return float(value)


def _encode(texts: list[str]) -> np.ndarray:
    """The sentence embedding (the encoder's last layer) of each text, L2-normalised."""
    from sedorum.nlp.sentence_encoder import shared_encoder

    encoder = shared_encoder()
    rows = [encoder.encode([text], layers=ENCODER_LAYERS)[0][:_DIMENSION] for text in texts]
    return np.vstack(rows) if rows else np.zeros((0, _DIMENSION), dtype=np.float32)


@lru_cache(maxsize=1)
def _reference() -> tuple[np.ndarray, np.ndarray]:
    book = load_meanings()
    from sedorum.nlp.sentence_encoder import shared_encoder

    encoder = shared_encoder()
    emergencies = encoder.encode(list(book.examples), layers=ENCODER_LAYERS)[:, :_DIMENSION]
    everyday = encoder.encode(list(book.everyday), layers=ENCODER_LAYERS)[:, :_DIMENSION]
    return emergencies, everyday


# A clause shorter than this says too little to be compared on its own ("I'm asking for myself").
MIN_PIECE_WORDS = 5
# A message this short is looked at whole only (its embedding is already in the NLU's cache).
WHOLE_ONLY_WORDS = 10


def pieces(text: str) -> list[str]:
    """The whole message, and for a longer one its last sentences and their clauses (each at
    least three words)."""
    text = " ".join(text.split())
    if not text:
        return []
    out = [text]
    if len(text.split()) <= WHOLE_ONLY_WORDS:
        return out
    for sentence in [s for s in _SENTENCE_SPLIT.split(text) if len(s.split()) >= 3][-MAX_SENTENCES:]:
        for piece in [sentence, *_CLAUSE_SPLIT.split(sentence)]:
            if len(piece.split()) >= MIN_PIECE_WORDS and piece not in out:
                out.append(piece)
    return out[: 1 + 3 * MAX_SENTENCES]


def meaning_matches(text: str) -> list[MeaningMatch]:
    """The emergency categories `text` is near to by meaning, nearest first (empty: none)."""
    parts = pieces(text)
    if not parts:
        return []
    book = load_meanings()
    emergencies, everyday = _reference()
    vectors = _encode(parts)
    to_emergencies = vectors @ emergencies.T  # rows: pieces; columns: examples
    to_everyday = (vectors @ everyday.T).max(axis=1)
    replies = load_signs().replies
    best: dict[str, MeaningMatch] = {}
    for row in range(len(parts)):
        for column in np.argsort(-to_emergencies[row])[:5]:
            similarity = float(to_emergencies[row, column])
            category = book.categories[column]
            if not all(words.search(parts[row]) for words in book.requires.get(category, ())):
                continue
            lead = similarity - float(to_everyday[row])
            near = similarity >= book.thresholds[category] and lead >= book.margins[category]
            # Not as near, but far nearer to an emergency than to anything everyday.
            clear = similarity >= book.floor and lead >= book.strong_margin
            if not (near or clear):
                continue
            if category not in best or similarity > best[category].similarity:
                best[category] = MeaningMatch(
                    category, similarity, book.examples[column], replies.get(category, "emergency")
                )
    return sorted(best.values(), key=lambda m: -m.similarity)


def everyday_lead(text: str) -> float:
    """How much nearer the whole message is to the nearest everyday example than to the nearest
    emergency example (positive: it reads as an everyday message, "my mum can't sleep because
    of her legs"; negative: as an emergency). 0.0 for an empty message."""
    text = " ".join((text or "").split())
    if not text:
        return 0.0
    emergencies, everyday = _reference()
    vector = _encode([text])[0]
    return float((everyday @ vector).max() - (emergencies @ vector).max())
