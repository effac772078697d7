"""Health-looking words that the safety engine did not understand (health_words.yml).

    unresolved("my kidnys are not great, how much can I take", covered=[])
    # [HealthWord(word="kidnys", group="kidney", ...)]

Why: the engine may only state an amount when it understood every health word the person used.
A misspelt condition or an unknown medicine is exactly where a general figure does harm ("my
kidnys dont work proper" once got the general limit as its answer). Such words are found here; the caller
passes the spans the extractor did understand (known conditions, medicines, people, denials),
and what is left is unresolved: the answer names it, refers and asks, and gives no figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import OSA

from .english_words import is_english_word
from .lexicon import load_lexicon
from .yaml_data import alternatives, mapping, read_mapping, strings, text

HEALTH_WORDS_PATH = Path(__file__).with_name("health_words.yml")
_TOKEN = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
_GROUP_FIELDS = frozenset({"ask", "question", "words", "phrases", "suffixes"})


@dataclass(frozen=True)
class HealthWord:
    word: str
    group: str  # kidney | heart | pregnancy | condition | medicine
    start: int
    end: int

    def to_dict(self) -> dict[str, str]:
        return {"word": self.word, "group": self.group}


@dataclass(frozen=True)
class Group:
    name: str
    ask: str
    question: str
    words: frozenset[str]
    suffixes: tuple[str, ...]
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class HealthVocabulary:
    groups: tuple[Group, ...]
    before: frozenset[str]
    after: frozenset[str]
    not_health: frozenset[str]
    not_health_phrases: tuple[str, ...]
    condition_before: frozenset[str] = frozenset()
    # Endings of English words that name a condition when they follow "I have", "diagnosed with"
    # ("porphyria", "dwarfism"): elsewhere such words are ordinary ("media", "tourism").
    condition_endings: tuple[str, ...] = ()
    abbreviations: dict[str, str] = field(default_factory=dict)  # short name -> group
    abbreviation_context: re.Pattern[str] | None = None

    def group(self, name: str) -> Group:
        return next(g for g in self.groups if g.name == name)


@lru_cache(maxsize=2)
def load_health_words(path: str | Path = HEALTH_WORDS_PATH) -> HealthVocabulary:
    data = read_mapping(
        path,
        frozenset(
            {"groups", "medicine_context", "not_health", "not_health_phrases", "abbreviations", "abbreviation_context"}
        ),
        frozenset({"groups", "medicine_context", "not_health"}),
    )
    groups = []
    for name, item in mapping(data["groups"] or {}, "health_words.yml: groups").items():
        where = f"health_words.yml: {name}"
        body = mapping(item, where, _GROUP_FIELDS, frozenset({"ask", "question"}))
        groups.append(
            Group(
                name=name,
                ask=text(body["ask"], f"{where}: ask"),
                question=" ".join(text(body["question"], f"{where}: question").split()),
                words=frozenset(_plain(w) for w in strings(body.get("words") or [], f"{where}: words")),
                suffixes=tuple(strings(body.get("suffixes") or [], f"{where}: suffixes")),
                phrases=tuple(p.lower() for p in strings(body.get("phrases") or [], f"{where}: phrases")),
            )
        )
    context = mapping(
        data["medicine_context"],
        "health_words.yml: medicine_context",
        frozenset({"before", "after", "condition_before", "condition_endings"}),
        frozenset({"before", "after"}),
    )
    return HealthVocabulary(
        groups=tuple(groups),
        before=frozenset(alternatives(context["before"], "medicine_context.before")),
        after=frozenset(alternatives(context["after"], "medicine_context.after")),
        condition_before=frozenset(alternatives(context.get("condition_before") or ["-"], "condition_before")),
        condition_endings=tuple(strings(context.get("condition_endings") or [], "condition_endings")),
        not_health=frozenset(_plain(w) for w in alternatives(data["not_health"], "not_health")),
        not_health_phrases=tuple(alternatives(data.get("not_health_phrases") or ["-"], "not_health_phrases")),
        abbreviations={
            word.lower(): group
            for group, words in mapping(data.get("abbreviations") or {}, "health_words.yml: abbreviations").items()
            for word in alternatives(words, f"abbreviations.{group}")
        },
        abbreviation_context=re.compile(
            r"(?:"
            + "|".join(
                re.escape(c) for c in alternatives(data.get("abbreviation_context") or ["with"], "abbreviation_context")
            )
            + r")\s+(?:a\s+|an\s+)?$",
            re.I,
        ),
    )


def _plain(word: str) -> str:
    return word.lower().replace("'", "").replace("\u2019", "")


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Every word of the lexicon's terms: known conditions and medicines are not 'unknown'."""
    words: set[str] = set()
    for concept in load_lexicon().concepts.values():
        for term in concept.terms:
            words.update(_plain(w) for w in _TOKEN.findall(term.lower()))
    return frozenset(words)


def _typo_of_not_health(token: str, vocabulary: HealthVocabulary) -> bool:
    """ "tabltes", "magensium": a typo of a word that is not a health word is not one either."""
    if len(token) < 6 or is_english_word(token):
        return False
    return any(
        len(word) >= 6 and abs(len(word) - len(token)) <= 1 and OSA.distance(token, word, score_cutoff=1) <= 1
        for word in vocabulary.not_health
    )


def _group_of(token: str, vocabulary: HealthVocabulary) -> str | None:
    for group in vocabulary.groups:
        if token in group.words:
            return group.name
    if len(token) >= 6:
        limit = 1 if len(token) < 8 else 2
        for group in vocabulary.groups:
            for word in group.words:
                close_in_length = len(word) >= 6 and abs(len(word) - len(token)) <= limit
                if close_in_length and OSA.distance(token, word, score_cutoff=limit) <= limit:
                    return group.name
    return None


def _english_contraction(raw: str) -> bool:
    """ "there's", "that'll", "she'd": an English word with its ending, never a medicine's name."""
    head, apostrophe, tail = raw.lower().replace("\u2019", "'").partition("'")
    return bool(apostrophe) and tail in {"s", "d", "ll", "re", "ve", "t", "m"} and is_english_word(head)


def health_words(text: str) -> list[HealthWord]:
    """Every health-looking word in `text`, with its group and position."""
    return list(_health_words(text))


@lru_cache(maxsize=4096)
def _health_words(text: str) -> tuple[HealthWord, ...]:
    """Cached: a conversation is read again at every turn, and its messages do not change."""
    vocabulary = load_health_words()
    low = text.lower().replace("\u2019", "'")
    for phrase in vocabulary.not_health_phrases:
        low = re.sub(rf"\b{re.escape(phrase)}\b", lambda m: " " * len(m.group(0)), low)
    found: list[HealthWord] = []
    for phrases_of in vocabulary.groups:
        for phrase in phrases_of.phrases:
            for m in re.finditer(rf"\b{re.escape(phrase)}\b", low):
                found.append(HealthWord(text[m.start() : m.end()], phrases_of.name, m.start(), m.end()))
                low = low[: m.start()] + " " * (m.end() - m.start()) + low[m.end() :]
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(low)]
    for index, (raw, start, end) in enumerate(tokens):
        token = _plain(raw)
        short = vocabulary.abbreviations.get(token)
        if short and vocabulary.abbreviation_context and vocabulary.abbreviation_context.search(low[:start]):
            found.append(HealthWord(text[start:end], short, start, end))
            continue
        if token in vocabulary.not_health or len(token) < 3 or _typo_of_not_health(token, vocabulary):
            continue
        group = _group_of(token, vocabulary)
        if group is None and len(token) >= 6:
            # "myeloma", "vasculitis": a word with a condition's ending is one, English or not
            condition = vocabulary.group("condition")
            if condition.suffixes and token.endswith(condition.suffixes):
                group = "condition"
        if (
            group is None
            and len(token) >= 6
            and token not in _known_words()
            and token.endswith(vocabulary.condition_endings)
        ):
            before = {_plain(t) for t, _, _ in tokens[max(0, index - 2) : index]}
            if before & vocabulary.condition_before:
                group = "condition"
        if (
            group is None
            and len(token) >= 5
            and token not in _known_words()
            and not is_english_word(token)
            and not _english_contraction(raw)
        ):
            medicine = vocabulary.group("medicine")
            before = {_plain(t) for t, _, _ in tokens[max(0, index - 2) : index]}
            after = {_plain(t) for t, _, _ in tokens[index + 1 : index + 3]}
            if token.endswith(medicine.suffixes) or before & vocabulary.before or after & vocabulary.after:
                group = "medicine"
            elif before & vocabulary.condition_before:
                group = "condition"
        if group is not None:
            found.append(HealthWord(text[start:end], group, start, end))
    return tuple(sorted(found, key=lambda w: w.start))


def unresolved(text: str, covered: list[tuple[int, int]]) -> list[HealthWord]:
    """The health-looking words of `text` outside every span the extractor understood."""
    return [
        word for word in health_words(text) if not any(start < word.end and word.start < end for start, end in covered)
    ]


def question_for(words: list[HealthWord]) -> tuple[str, str]:
    """(whom to ask, the question) for the most specific group among `words`."""
    vocabulary = load_health_words()
    order = [group.name for group in vocabulary.groups]
    first = min(words, key=lambda w: order.index(w.group))
    group = vocabulary.group(first.group)
    return group.ask, group.question
