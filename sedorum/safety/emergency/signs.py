"""The emergency signs, read from emergency_signs.yml, checked and compiled once at import.

Why data and not code: every sign is a regular expression, and a clinician reviewing the
detector needs to see, per sign, what it means, what backs it, one message it must catch and
one near miss it must let through. tests/unit/safety/emergency/test_signs.py runs those
examples, so the file cannot drift from what the detector does.

The file's format (also described at its top):
- `words`: named word lists shared by the signs; `{name}` in a pattern or in another word list
  stands for "any one of these", i.e. the non-capturing group `(?:a|b|c)`.
- `signs`: one entry per sign with `category`, `description`, `sources`, `needs_actual`
  (only when true), optional `words` of its own, `pattern` (one regular expression, or a list
  of them of which any one may match), `examples` and `not_examples`.
Anything else - an unknown field, an unknown category, a `{name}` without a list, a list that
nothing uses, a pattern that does not compile - refuses to load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NotRequired, TypedDict

from ..yaml_data import alternatives, mapping, read_mapping, text
from .data import SIGNS_PATH

CATEGORIES: tuple[str, ...] = (
    "breathing",
    "chest_pain",
    "fainting",
    "heart_rhythm",
    "seizure",
    "overdose",
    "clot",
    "coughing_blood",
    "weakness",
    "confusion",
    "stroke",
    "self_harm",
    "help_request",
    "poisoning",
    "bleeding",
)

# What the visitor is told (the reply kinds, most pressing first when a message has several):
#   poisoning  a child may have swallowed tablets: A&E or 999 now, even if the child seems well
#   crisis     thoughts of suicide or self-harm: 999 if life is at risk, NHS 111 option 2, Samaritans
#   emergency  call the emergency number now (the default for every other sign)
#   urgent     urgent help the same day (NHS 111 or a GP today), 999 if it gets worse
REPLY_KINDS: tuple[str, ...] = ("poisoning", "crisis", "emergency", "urgent")

SIGN_FIELDS = frozenset(
    {
        "category",
        "description",
        "sources",
        "needs_actual",
        "reply",
        "unless",
        "scope",
        "words",
        "pattern",
        "examples",
        "not_examples",
    }
)
REQUIRED_SIGN_FIELDS = frozenset({"category", "description", "pattern", "examples", "not_examples"})
TOP_FIELDS = frozenset({"words", "replies", "never_set_aside", "signs"})
REQUIRED_TOP_FIELDS = frozenset({"words", "signs"})

# `{pills}`: a reference to a word list. Regular-expression repeats are digits (`{0,3}`), so
# a name that starts with a letter or an underscore cannot be confused with one.
REFERENCE_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_LOOKS_LIKE_REFERENCE_RE = re.compile(r"\{[A-Za-z_][^}]*\}")


@dataclass(frozen=True)
class Sign:
    category: str
    description: str
    sources: tuple[str, ...]
    needs_actual: bool  # counts only with a marker that it is happening now (see assess.py)
    pattern: str  # the regular expression with every `{name}` written out
    regex: re.Pattern[str]
    examples: tuple[str, ...]
    not_examples: tuple[str, ...]
    number: int  # position in the file, from 1, for messages
    reply: str = "emergency"  # one of REPLY_KINDS
    # Words that, in the same sentence, show the sign is a figure of speech ("so tired I feel
    # like I'm dying"): the sign does not count there.
    unless: re.Pattern[str] | None = None
    # The sign counts whatever the cues around it say (negated, past, hypothetical, a question):
    # a child who may have swallowed tablets, a person in crisis.
    never_set_aside: bool = False
    # Where the pattern may match: "clause" (the default: cues such as "but" or ", and I" end it)
    # or "sentence", for signs told in two clauses ("I've been sick and there's blood in it").
    scope: str = "clause"


SCOPES: tuple[str, ...] = ("clause", "sentence")


class FoundSign(TypedDict):
    """A sign that counts in a message, as the verdict reports it (and the NLU passes it on)."""

    sign: str  # the words that matched; the meaning layer's: "~ " and the example it is nearest
    category: str
    reply: str  # one of REPLY_KINDS
    layer: str  # "rules" | "meaning"
    similarity: NotRequired[float]  # the meaning layer's: how near (cosine)


@dataclass(frozen=True)
class SignBook:
    words: dict[str, tuple[str, ...]]
    signs: tuple[Sign, ...]
    replies: dict[str, str]
    never_set_aside: frozenset[str]


def expand(text: str, words: dict[str, tuple[str, ...]], where: str, used: set[str] | None = None) -> str:
    """`text` with every `{name}` replaced by the group of that word list's alternatives.

    Lists may refer to other lists; every name met, at any depth, is added to `used`.
    """

    def write_out(text: str, chain: tuple[str, ...]) -> str:
        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in words:
                raise ValueError(f"{where}: unknown word list {{{name}}}")
            if name in chain:
                raise ValueError(f"{where}: word list {{{name}}} refers to itself")
            if used is not None:
                used.add(name)
            return "(?:" + "|".join(write_out(alt, (*chain, name)) for alt in words[name]) + ")"

        return REFERENCE_RE.sub(one, text)

    out = write_out(text, ())
    leftover = _LOOKS_LIKE_REFERENCE_RE.search(out)
    if leftover:
        raise ValueError(f"{where}: {leftover.group(0)} is not a word list name (lower case, digits, _)")
    return out


def _word_lists(raw: object, where: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: `words` must map names to lists")
    out: dict[str, tuple[str, ...]] = {}
    for name, alts in raw.items():
        if not isinstance(name, str) or not REFERENCE_RE.fullmatch("{" + name + "}"):
            raise ValueError(f"{where}: bad word list name {name!r} (lower case, digits, _)")
        out[name] = alternatives(alts, f"{where}: words.{name}")
    return out


def _texts(raw: object, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    return alternatives(raw, where)


def _sign(
    raw: object,
    number: int,
    shared: dict[str, tuple[str, ...]],
    used_shared: set[str],
    replies: dict[str, str],
    never_set_aside: frozenset[str],
) -> Sign:
    where = f"emergency_signs.yml: sign {number}"
    body = mapping(raw, where, SIGN_FIELDS, REQUIRED_SIGN_FIELDS)
    category = text(body["category"], f"{where}: category")
    where = f"{where} ({category})"
    if category not in CATEGORIES:
        raise ValueError(f"{where}: unknown category (known: {', '.join(CATEGORIES)})")
    description = body["description"]
    if not isinstance(description, str) or not description.strip():
        raise ValueError(f"{where}: needs a description in plain words")
    needs_actual = body.get("needs_actual", False)
    if not isinstance(needs_actual, bool):
        raise ValueError(f"{where}: needs_actual must be true or false")
    sources = () if body.get("sources") is None else alternatives(body["sources"], f"{where}: sources")
    own = _word_lists(body.get("words"), where)
    clash = sorted(set(own) & set(shared))
    if clash:
        raise ValueError(f"{where}: its word lists {clash} hide the shared lists of the same name")
    lists = {**shared, **own}
    used: set[str] = set()
    parts = _texts(body["pattern"], f"{where}: pattern")
    pattern = "|".join(expand(part, lists, where, used) for part in parts)
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{where}: the pattern does not compile: {exc}") from exc
    reply = body.get("reply", replies.get(category, "emergency"))
    if not isinstance(reply, str) or reply not in REPLY_KINDS:
        raise ValueError(f"{where}: reply must be one of {', '.join(REPLY_KINDS)}")
    unless = None
    if body.get("unless") is not None:
        unless_parts = _texts(body["unless"], f"{where}: unless")
        try:
            unless = re.compile("|".join(expand(part, lists, where, used) for part in unless_parts))
        except re.error as exc:
            raise ValueError(f"{where}: `unless` does not compile: {exc}") from exc
    scope = body.get("scope", "clause")
    if not isinstance(scope, str) or scope not in SCOPES:
        raise ValueError(f"{where}: scope must be one of {', '.join(SCOPES)}")
    unused = sorted(set(own) - used)
    if unused:
        raise ValueError(f"{where}: word lists {unused} are not used by the pattern")
    used_shared.update(used & set(shared))
    return Sign(
        category=category,
        description=description.strip(),
        sources=sources,
        needs_actual=needs_actual,
        pattern=pattern,
        regex=regex,
        examples=_texts(body["examples"], f"{where}: examples"),
        not_examples=_texts(body["not_examples"], f"{where}: not_examples"),
        number=number,
        reply=reply,
        unless=unless,
        never_set_aside=category in never_set_aside,
        scope=scope,
    )


@lru_cache(maxsize=4)
def load_signs(path: str | Path = SIGNS_PATH) -> SignBook:
    """Read, check and compile emergency_signs.yml (ValueError names what is wrong and where)."""
    data = read_mapping(path, TOP_FIELDS, REQUIRED_TOP_FIELDS)
    shared = _word_lists(data["words"], "emergency_signs.yml")
    replies: dict[str, str] = {}
    for category, reply in mapping(data.get("replies") or {}, "emergency_signs.yml: replies").items():
        if category not in CATEGORIES or not isinstance(reply, str) or reply not in REPLY_KINDS:
            raise ValueError(
                f"emergency_signs.yml: replies: {category}: {reply} (categories {CATEGORIES}, replies {REPLY_KINDS})"
            )
        replies[category] = reply
    never = (
        frozenset(alternatives(data["never_set_aside"], "emergency_signs.yml: never_set_aside"))
        if data.get("never_set_aside")
        else frozenset()
    )
    if never - set(CATEGORIES):
        raise ValueError(
            f"emergency_signs.yml: never_set_aside names unknown categories {sorted(never - set(CATEGORIES))}"
        )
    raw_signs = data["signs"]
    if not isinstance(raw_signs, list) or not raw_signs:
        raise ValueError("emergency_signs.yml: `signs` must be a non-empty list")
    used_shared: set[str] = set()
    signs = tuple(_sign(body, n, shared, used_shared, replies, never) for n, body in enumerate(raw_signs, start=1))
    unused = sorted(set(shared) - used_shared)
    if unused:
        raise ValueError(f"emergency_signs.yml: word lists {unused} are not used by any sign")
    return SignBook(words=shared, signs=signs, replies=replies, never_set_aside=never)


SIGNS: tuple[Sign, ...] = load_signs().signs
