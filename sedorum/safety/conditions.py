"""The small condition language used in the `when:` field of rules.yml.

It is deliberately tiny so that a clinician can read it, and it is parsed (never
`eval`-ed). Grammar (keywords are case-insensitive):

    expr    := term ( OR term )*
    term    := factor ( AND factor )*
    factor  := NOT factor | "(" expr ")" | atom
    atom    := condition ID | condition in [ID, ID, ...]
             | medication ID | medication in [ID, ID, ...]
             | age OP NUMBER            OP is one of >= > <= < ==
             | pregnant | breastfeeding | pregnant_or_breastfeeding | other_medicines

Unknown age: every age comparison is false (so `NOT age >= N` is true).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .profile import Profile

_TOKEN = re.compile(r"\s*(>=|<=|==|>|<|\[|\]|\(|\)|,|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?)")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}
_FLAGS = ("pregnant", "breastfeeding", "pregnant_or_breastfeeding", "other_medicines")


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    """A parsed `when:` expression."""

    source: str
    _fn: Callable[[Profile], bool]
    condition_ids: frozenset[str]
    medication_ids: frozenset[str]

    def __call__(self, profile: Profile) -> bool:
        return bool(self._fn(profile))


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ConditionError(f"cannot read {text[pos:]!r} in condition {text!r}")
        tokens.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, text: str, known_conditions: Iterable[str] | None, known_medications: Iterable[str] | None):
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.known_conditions = set(known_conditions) if known_conditions is not None else None
        self.known_medications = set(known_medications) if known_medications is not None else None
        self.used_conditions: set[str] = set()
        self.used_medications: set[str] = set()

    # -- helpers
    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _next(self) -> str:
        tok = self._peek()
        if tok is None:
            raise ConditionError(f"condition ends too early: {self.text!r}")
        self.pos += 1
        return tok

    def _expect(self, want: str) -> None:
        tok = self._next()
        if tok.lower() != want:
            raise ConditionError(f"expected {want!r}, found {tok!r} in {self.text!r}")

    def _is(self, word: str) -> bool:
        tok = self._peek()
        return tok is not None and tok.lower() == word

    # -- grammar
    def parse(self) -> Callable[[Profile], bool]:
        fn = self._expr()
        if self._peek() is not None:
            raise ConditionError(f"unexpected {self._peek()!r} in {self.text!r}")
        return fn

    def _expr(self) -> Callable[[Profile], bool]:
        parts = [self._term()]
        while self._is("or"):
            self._next()
            parts.append(self._term())
        if len(parts) == 1:
            return parts[0]
        alternatives = tuple(parts)

        def any_of(p: Profile) -> bool:
            return any(f(p) for f in alternatives)

        return any_of

    def _term(self) -> Callable[[Profile], bool]:
        parts = [self._factor()]
        while self._is("and"):
            self._next()
            parts.append(self._factor())
        if len(parts) == 1:
            return parts[0]
        required = tuple(parts)

        def all_of(p: Profile) -> bool:
            return all(f(p) for f in required)

        return all_of

    def _factor(self) -> Callable[[Profile], bool]:
        if self._is("not"):
            self._next()
            inner = self._factor()
            return lambda p: not inner(p)
        if self._is("("):
            self._next()
            inner = self._expr()
            self._expect(")")
            return inner
        return self._atom()

    def _ids(self, kind: str) -> set[str]:
        if self._is("in"):
            self._next()
            self._expect("[")
            ids = {self._next()}
            while self._is(","):
                self._next()
                ids.add(self._next())
            self._expect("]")
        else:
            ids = {self._next()}
        known = self.known_conditions if kind == "condition" else self.known_medications
        for cid in ids:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", cid):
                raise ConditionError(f"bad {kind} id {cid!r} in {self.text!r}")
            if known is not None and cid not in known:
                raise ConditionError(f"unknown {kind} id {cid!r} in {self.text!r} (not in lexicon.yml)")
        return ids

    def _atom(self) -> Callable[[Profile], bool]:
        word = self._next().lower()
        if word == "condition":
            ids = frozenset(self._ids("condition"))
            self.used_conditions |= ids
            return lambda p: bool(p.conditions & ids)
        if word == "medication":
            ids = frozenset(self._ids("medication"))
            self.used_medications |= ids
            return lambda p: bool(p.medications & ids)
        if word == "age":
            op = self._next()
            if op not in _OPS:
                raise ConditionError(f"expected a comparison after 'age' in {self.text!r}")
            num_tok = self._next()
            try:
                limit = float(num_tok)
            except ValueError as exc:
                raise ConditionError(f"expected a number after {op!r} in {self.text!r}") from exc
            cmp = _OPS[op]
            return lambda p: p.age is not None and cmp(p.age, limit)
        if word in _FLAGS:
            if word == "other_medicines":
                return lambda p: bool(p.other_medicines)
            flag = word

            def flag_is_set(p: Profile) -> bool:
                return getattr(p, flag) is True

            return flag_is_set
        raise ConditionError(f"unknown word {word!r} in condition {self.text!r}")


def parse_condition(
    text: str,
    known_conditions: Iterable[str] | None = None,
    known_medications: Iterable[str] | None = None,
) -> Condition:
    """Parse a `when:` string. With `known_*` given, unknown ids are an error."""
    parser = _Parser(text, known_conditions, known_medications)
    fn = parser.parse()
    return Condition(
        source=text,
        _fn=fn,
        condition_ids=frozenset(parser.used_conditions),
        medication_ids=frozenset(parser.used_medications),
    )
