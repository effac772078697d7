"""Groups the snippets of messages the assistant did not understand by word overlap.

Why not embeddings: the snippets are already redacted and short; what the team needs is
"these 40 messages ask the same thing", and word-set overlap (Jaccard) finds rewordings of one
question without loading a model into the web process. SQL first collapses identical snippets
(GROUP BY), so only the few hundred most frequent distinct ones are compared here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

STOPWORDS = frozenset(
    {
        "a",
        "am",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "have",
        "how",
        "i",
        "i'm",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "please",
        "should",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    }
)
SIMILAR = 0.5


def words(snippet: str) -> frozenset[str]:
    """Content words; redaction placeholders ("[email]", "[health]") say nothing about the question."""
    tokens = {token for token in snippet.split() if token not in STOPWORDS and not token.startswith("[")}
    return frozenset(tokens or snippet.split())


def similar(a: frozenset[str], b: frozenset[str], threshold: float = SIMILAR) -> bool:
    """Most words shared (Jaccard), or one message is the other plus a few words of context
    (at least three shared words covering 80% of the shorter one)."""
    shared = len(a & b)
    return jaccard(a, b) >= threshold or (shared >= 3 and shared >= 0.8 * min(len(a), len(b)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class Group:
    """Messages that ask roughly the same thing; `example` is the most frequent wording."""

    example: str
    count: int
    words: frozenset[str]
    variants: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"example": self.example, "count": self.count, "variants": self.variants[:3]}


def group_similar(counted: Iterable[tuple[str, int]], threshold: float = SIMILAR) -> list[Group]:
    """Greedy grouping of (snippet, count) pairs, most frequent first; groups sorted by count."""
    groups: list[Group] = []
    for text, count in sorted(counted, key=lambda pair: (-pair[1], pair[0])):
        tokens = words(text)
        target = next((g for g in groups if similar(tokens, g.words, threshold)), None)
        if target is None:
            groups.append(Group(text, count, tokens))
        else:
            target.count += count
            target.variants.append(text)
    return sorted(groups, key=lambda g: (-g.count, g.example))
