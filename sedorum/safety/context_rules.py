"""Loads context_rules.yml: the ConText rules of the extractor, kept as data a clinician can read.

Each entry of the file becomes one medspaCy `ConTextRule` per literal, in the order written
(medspaCy breaks ties between rules matching the same words by that order, so it is kept).
The file is checked strictly on load: an unknown field, category, direction, lexicon id or
check name is refused, because a typo in a safety rule must not pass silently as "no rule".

The few checks that cannot be data (`on_modifies`) are Python functions, named in the file
and looked up in `CALLBACKS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .cue_words import load_cue_words
from .yaml_data import alternatives, check_keys, mapping, strings

if TYPE_CHECKING:  # spaCy and medspaCy load with the pipeline (pipeline.py), not with this module
    from medspacy.context import ConTextRule
    from spacy.tokens import Span

CONTEXT_RULES_PATH = Path(__file__).with_name("context_rules.yml")

CATEGORIES = (
    "NEGATED_EXISTENCE",
    "POSSIBLE_EXISTENCE",
    "HYPOTHETICAL",
    "HISTORICAL",
    "FAMILY",
    "FIRST_PERSON",
    "PSEUDO",
    "TERMINATE",
)
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "PSEUDO", "TERMINATE")
REQUIRED_FIELDS = frozenset({"id", "description", "category", "direction", "examples", "not_examples"})
ENTRY_FIELDS = REQUIRED_FIELDS | {
    "literal",
    "literals",
    "literals_from",
    "pattern",
    "max_scope",
    "allowed_types",
    "terminated_by",
    "on_modifies",
    "on_modifies_except",
}
EXAMPLE_FIELDS = frozenset({"text", "concept", "reason", "about"})
EXAMPLE_REASONS = ("negated", "family", "self", "hypothetical", "historical")

# First-person verb forms: after "<relative> ... and", these mean the visitor speaks of themself.
_OWN_VERBS = {"take", "have", "use", "am", "'m", "need", "get", "do", "suffer", "feel", "was"}


def family_still_subject(target: Span, modifier: Span, span_between: Span) -> bool:
    """A singular relative stays the subject until a verb in the first-person form appears.

    "my mum has kidney disease and take omeprazole" is unusual English for her; "pregnant with
    my first baby and take iron tablets" is the visitor, so the relative's reach stops there.
    """
    return not any(tok.lower_ in _OWN_VERBS for tok in span_between)


# Rules that never modify a fact themselves but end the reach of others ("and I", "but", the
# visitor's own "I"). medspaCy 1.2.0 lets one modifier end another's reach only when their scopes
# overlap, and its overlap test (medspacy.util.tuple_overlaps) misses the case where the ending
# rule's scope holds the other one's entirely: a whole-sentence "and I" could not stop a "not"
# whose 8 words ended before the sentence did ("my legs wont stop and I'm on dialysis 3 times a
# week" read as no dialysis). Their scope is therefore the words next to them: it then lies inside
# any scope that reaches them, which the test does see. Their own scope is used for nothing else.
_ONLY_END_OTHERS = frozenset({"TERMINATE", "PSEUDO"})

_DENIAL_GLUE = frozenset({",", "/", "(", ")", "-", "'", '"', "’"})


def denial_reaches(target: Span, modifier: Span, span_between: Span) -> bool:
    """A "no" denies a fact only across words that can join a denial to it (context_rules.yml,
    `denial_reach`), other health words of a list, and list punctuation.

    Why: a denial read into the wrong clause turns a contraindication into a "no", and a "no" lets
    a figure through ("my legs won't stop, on dialysis 3 times a week"). Refused, the fact is
    neither a yes nor a no: it is marked unclear, and the engine asks about it before any figure.
    The worst outcome is one question too many.
    """
    from .health_words import health_words

    # medSpaCy's span_between holds the cue itself when the cue comes after the fact
    # ("omeprazole no more"): the words between are taken from the two spans instead.
    doc = target.doc
    after = modifier.start >= target.end
    between = doc[target.end : modifier.start] if after else doc[modifier.end : target.start]
    reach = _denial_reach_words()
    words = [tok for tok in between if not (tok.ent_type_ or tok.text in _DENIAL_GLUE)]
    text = " ".join(tok.lower_ for tok in words)
    for phrase in sorted((w for w in reach if " " in w), key=len, reverse=True):
        text = f" {text} ".replace(f" {phrase} ", " ").strip()
    if all(word in reach or health_words(word) for word in text.split()):
        return True
    # Refused: the extractor reports the fact as unclear (asked about, never a "no").
    target._.sedorum_denial_unclear = True
    return False


@lru_cache(maxsize=1)
def _denial_reach_words(path: Path = CONTEXT_RULES_PATH) -> frozenset[str]:
    """context_rules.yml's `denial_reach`, lower case."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return frozenset(word.lower() for word in strings(data["denial_reach"], "context_rules.yml: denial_reach"))


# The checks context_rules.yml may name in `on_modifies`. medspaCy calls them with the target, the
# modifier and the words between them, each a spaCy Span (ConTextModifier.on_modifies).
CALLBACKS: dict[str, Callable[[Span, Span, Span], bool]] = {
    "family_still_subject": family_still_subject,
    "denial_reaches": denial_reaches,
}


@dataclass(frozen=True)
class Example:
    """A sentence from the file and what the extractor must report for one fact in it."""

    text: str
    concept: str  # a lexicon id, or "age"
    reason: str | None  # None: the fact counts as stated
    about: str  # "self" or "other"


@dataclass(frozen=True)
class RuleEntry:
    """One entry of context_rules.yml (one or more literals sharing everything else)."""

    id: str
    description: str
    category: str
    direction: str
    literals: tuple[str, ...]
    pattern: list[dict[str, object]] | None  # spaCy Matcher token descriptions
    options: dict[str, object]  # max_scope, allowed_types, terminated_by as given
    on_modifies: str | None
    on_modifies_except: frozenset[str]
    examples: tuple[Example, ...]
    not_examples: tuple[Example, ...]

    def rules(self) -> list[ConTextRule]:
        """The medspaCy ConTextRule objects of this entry, one per literal."""
        from medspacy.context import ConTextRule

        made = []
        for literal in self.literals:
            kw: dict[str, object] = {}
            for key in ("max_scope", "allowed_types", "terminated_by"):
                if key in self.options:
                    value = self.options[key]
                    kw[key] = set(value) if isinstance(value, list) else value
            if self.direction in _ONLY_END_OTHERS:
                kw["max_scope"] = 1
            if self.on_modifies is not None:
                kw["on_modifies"] = None if literal in self.on_modifies_except else CALLBACKS[self.on_modifies]
            made.append(ConTextRule(literal, self.category, pattern=self.pattern, direction=self.direction, **kw))
        return made


def _examples(raw: object, where: str, known_concepts: frozenset[str] | None) -> tuple[Example, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: at least one is required")
    examples = []
    for i, value in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(value, dict):
            raise ValueError(f"{at}: must be a mapping with text and concept")
        item = mapping(value, at, EXAMPLE_FIELDS)
        text, concept = item.get("text"), item.get("concept")
        if not isinstance(text, str) or not text.strip() or not isinstance(concept, str):
            raise ValueError(f"{at}: text and concept are required")
        if known_concepts is not None and concept != "age" and concept not in known_concepts:
            raise ValueError(f"{at}: unknown concept {concept!r} (not in lexicon.yml)")
        reason = item.get("reason")
        if reason is not None and (not isinstance(reason, str) or reason not in EXAMPLE_REASONS):
            raise ValueError(f"{at}: reason must be one of {EXAMPLE_REASONS}")
        about = item.get("about", "self")
        if not isinstance(about, str) or about not in ("self", "other"):
            raise ValueError(f"{at}: about must be self or other")
        examples.append(Example(text, concept, reason, about))
    return tuple(examples)


def parse_entries(data: object, known_concepts: frozenset[str] | None = None) -> list[RuleEntry]:
    """Validate the loaded YAML and return its entries (ValueError on anything unexpected)."""
    if not isinstance(data, dict) or set(data) != {"rules", "denial_reach"} or not isinstance(data["rules"], list):
        raise ValueError("context_rules.yml: must hold two lists, `denial_reach` and `rules`")
    strings(data["denial_reach"], "context_rules.yml: denial_reach")
    entries: list[RuleEntry] = []
    seen: set[str] = set()
    # A shared word that another entry of the same category already describes token by token
    # ("not", which also covers "n't") is left to that entry.
    described = {
        (str(raw.get("literal")), str(raw.get("category")))
        for raw in data["rules"]
        if isinstance(raw, dict) and "literal" in raw
    }
    for index, value in enumerate(data["rules"]):
        if not isinstance(value, dict):
            raise ValueError(f"context_rules.yml: entry {index} is not a mapping")
        raw = mapping(value, f"context_rules.yml: entry {index}")
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid or rid in seen:
            raise ValueError(f"context_rules.yml: missing or duplicate id {rid!r} (quote yes/no/on/off)")
        seen.add(rid)
        where = f"context_rules.yml: {rid}"
        check_keys(raw, ENTRY_FIELDS, where, REQUIRED_FIELDS)
        description, category, direction = raw["description"], raw["category"], raw["direction"]
        if not isinstance(description, str) or not description.strip():
            raise ValueError(f"{where}: description must be plain text")
        if not isinstance(category, str) or category not in CATEGORIES:
            raise ValueError(f"{where}: category must be one of {CATEGORIES}")
        if not isinstance(direction, str) or direction not in DIRECTIONS:
            raise ValueError(f"{where}: direction must be one of {DIRECTIONS}")
        listed = "literals" in raw or "literals_from" in raw
        if ("literal" in raw) == listed:
            raise ValueError(f"{where}: give either `literal` (with a pattern) or `literals` / `literals_from`")
        pattern = raw.get("pattern")
        tokens: list[dict[str, object]] | None = None
        if "literal" in raw:
            literal = raw["literal"]
            if not isinstance(literal, str) or not literal:
                raise ValueError(f"{where}: literal must be text (quote yes/no/on/off)")
            if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
                raise ValueError(f"{where}: `literal` needs a `pattern` (a list of token descriptions)")
            tokens = [mapping(token, f"{where}: pattern[{i}]") for i, token in enumerate(pattern)]
            literals: list[str] = [literal]
        else:
            if pattern is not None:
                raise ValueError(f"{where}: a pattern describes one rule: use `literal`, not `literals`")
            literals = list(alternatives(raw["literals"], f"{where}: literals")) if "literals" in raw else []
            shared = load_cue_words()
            for name in (
                alternatives(raw.get("literals_from") or [], f"{where}: literals_from")
                if "literals_from" in raw
                else ()
            ):
                if name not in shared:
                    raise ValueError(f"{where}: literals_from {name!r} is not a list of cue_words.yml")
                literals += [
                    word for word in shared[name] if word not in literals and (word, str(category)) not in described
                ]
        options: dict[str, object] = {k: raw[k] for k in ("max_scope", "allowed_types", "terminated_by") if k in raw}
        max_scope = options.get("max_scope", 1)
        if isinstance(max_scope, bool) or not isinstance(max_scope, int) or max_scope < 1:
            raise ValueError(f"{where}: max_scope must be a positive whole number")
        if "allowed_types" in options:
            allowed = alternatives(options["allowed_types"], f"{where}: allowed_types")
            if known_concepts is not None and not set(allowed) <= known_concepts:
                raise ValueError(f"{where}: allowed_types {sorted(set(allowed) - known_concepts)} not in lexicon.yml")
        if "terminated_by" in options:
            ends = alternatives(options["terminated_by"], f"{where}: terminated_by")
            if not set(ends) <= set(CATEGORIES):
                raise ValueError(f"{where}: terminated_by must name categories from {CATEGORIES}")
        callback = raw.get("on_modifies")
        if callback is not None and (not isinstance(callback, str) or callback not in CALLBACKS):
            raise ValueError(f"{where}: on_modifies {callback!r} is not one of {sorted(CALLBACKS)}")
        skip = raw.get("on_modifies_except", [])
        skipped = alternatives(skip, where) if skip else ()
        if skipped and (callback is None or not set(skipped) <= set(literals)):
            raise ValueError(f"{where}: on_modifies_except must list literals of an entry with on_modifies")
        entries.append(
            RuleEntry(
                id=rid,
                description=description.strip(),
                category=category,
                direction=direction,
                literals=tuple(literals),
                pattern=tokens,
                options=options,
                on_modifies=callback,
                on_modifies_except=frozenset(skipped),
                examples=_examples(raw["examples"], f"{where}: examples", known_concepts),
                not_examples=_examples(raw["not_examples"], f"{where}: not_examples", known_concepts),
            )
        )
    return entries


@lru_cache(maxsize=4)
def load_context_entries(path: Path = CONTEXT_RULES_PATH) -> tuple[RuleEntry, ...]:
    """The entries of context_rules.yml, checked against the lexicon."""
    from .lexicon import load_lexicon

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return tuple(parse_entries(data, frozenset(load_lexicon().concepts)))


def build_context_rules(path: Path = CONTEXT_RULES_PATH) -> list[ConTextRule]:
    """All ConTextRule objects for the pipeline, in file order."""
    return [rule for entry in load_context_entries(path) for rule in entry.rules()]
