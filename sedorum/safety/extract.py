"""Finds the user's OWN current health facts in a chat message.

    ex = extract("I'm 72, on dialysis, and my wife takes Gaviscon")
    ex.profile    # Profile(age=72, conditions={"kidney_disease"})
    ex.excluded   # [Mention(id="magnesium_antacid", reason="family", ...)]

Pipeline (built once per process): spaCy blank("en") tokenizer, spaCy's rule-based
sentencizer, a typo normaliser (sets token.norm_ for near-misses of lexicon words),
medspaCy's TargetMatcher (lexicon.yml phrases, matched on NORM), an age finder, and
medspaCy's ConText with conversational rules (negation, family/other people,
hypothetical, historical). Mentions that are negated, about someone else, hypothetical or
in the past are reported in `excluded` and never become the user's facts; an explicit
"no" (negated, or "stopped taking") is remembered as a negative in the profile.

Also `interpret_answer(text, asked)` for answers to one screening question.
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

from .lexicon import load_lexicon
from .profile import HEART_CONDITIONS, SCREENING_QUESTIONS, Profile
from .subject import RELATION_WORDS, RELATIONS

_RELATION_RE = "|".join(sorted(RELATIONS, key=len, reverse=True))

# ----------------------------------------------------------------------------- numbers

_ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_TENS_RE = "|".join(_TENS)
_ONES_RE = "|".join(_ONES)
_TEENS_RE = "|".join(_TEENS)
# Number words 10..99 (no single digits: "I'm one of those people" is not an age).
_WORDS_10_99 = rf"(?:(?:{_TENS_RE})(?:[- ]?(?:{_ONES_RE}))?|{_TEENS_RE})"
_WORDS_1_99 = rf"(?:{_WORDS_10_99}|{_ONES_RE})"


def words_to_number(text: str) -> int | None:
    """'seventy-two' -> 72, 'fifteen' -> 15, '72' -> 72; None if not a number."""
    t = text.strip().lower()
    if t.isdigit():
        return int(t)
    t = t.replace("-", " ")
    parts = t.split()
    if len(parts) == 1:
        w = parts[0]
        for table in (_ONES, _TEENS, _TENS):
            if w in table:
                return table[w]
        for tens, val in _TENS.items():  # "seventytwo"
            if w.startswith(tens) and w[len(tens) :] in _ONES:
                return val + _ONES[w[len(tens) :]]
        return None
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _ONES:
        return _TENS[parts[0]] + _ONES[parts[1]]
    return None


_NUM = rf"(?P<n>\d{{1,3}}|{_WORDS_1_99})"
_NUM10 = rf"(?P<n>\d{{1,3}}|{_WORDS_10_99})"
# What may not follow a number for it to be an age.
_NOT_AGE_UNIT = (
    r"(?!\s*(?:%|percent|mg\b|mcg\b|µg\b|g\b|grams?\b|kg\b|kilos?\b|lbs?\b|pounds?\b|stone\b|st\b|cm\b|ft\b|"
    r"feet\b|foot\b|inch|'|\"|weeks?\b|wks?\b|days?\b|months?\b|hours?\b|hrs?\b|minutes?\b|mins?\b|times\b|"
    r"tablets?\b|pills?\b|capsules?\b|caps\b|doses?\b|x\b|/|\.\d|th\b|nd\b|rd\b|ml\b|units?\b|mmol\b))"
)

_AGE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # "72 years old", "72-year-old", "seventy two years old", "72 yrs old"
    (re.compile(rf"\b{_NUM}\s*-?\s*(?:years?|yrs?|yr)\s*-?\s*old\b", re.I), "years"),
    # "72yo", "72 y/o", "72 y.o."
    (re.compile(r"\b(?P<n>\d{1,3})\s*(?:yo|y/o|y\.o\.?)(?![a-z])", re.I), "years"),
    # "8 months old"
    (re.compile(rf"\b{_NUM}\s*-?\s*months?\s*-?\s*old\b", re.I), "months"),
    # "I'm 72", "I am 72", "I'm over 65", "I'm nearly seventy"
    (
        re.compile(
            rf"\b(?:i'?m|i\s+am)\s+(?:now\s+|just\s+|only\s+|almost\s+|nearly\s+|turning\s+|(?P<over>over)\s+)?"
            rf"{_NUM10}\b{_NOT_AGE_UNIT}",
            re.I,
        ),
        "years",
    ),
    # "he's 82", "she is 79", "my dad is 82", "my son's 8": found here, attributed by ConText
    # (the relation or pronoun before it marks it as someone else's age).
    (
        re.compile(
            rf"\b(?:he|she|(?:my|our)\s+(?:[a-z]+\s+)?(?:{_RELATION_RE}))(?:'?s|\s+is|\s+was|\s+turned|\s+has\s+turned)\s+"
            rf"(?:now\s+|just\s+|only\s+|almost\s+|nearly\s+|turning\s+|(?P<over>over)\s+)?{_NUM}\b{_NOT_AGE_UNIT}"
            rf"(?!\s*(?:and\s+a\s+half\s+)?(?:weeks?|months?)\s+pregnant)",
            re.I,
        ),
        "years_of_other",
    ),
    # "aged 64", "age: 65", "age 65", "my age is 65", "I turned 65", "I'll be 70"
    (
        re.compile(
            rf"\b(?:aged|age\s*(?:is|[:=])?|i\s+turned|i'?ve\s+turned|i'?ll\s+be|i\s+will\s+be)\s*{_NUM}\b{_NOT_AGE_UNIT}",
            re.I,
        ),
        "years",
    ),
]
_DECADE_WORD_RE = "|".join(t + "ies" for t in ("twent", "thirt", "fort", "fift", "sixt", "sevent", "eight", "ninet"))
_DECADE_RE = re.compile(
    rf"\b(?:i'?m\s+)?in\s+my\s+(?P<q>early|mid|late)?[\s-]*(?:(?P<d>[1-9]0)'?s|(?P<w>{_DECADE_WORD_RE}))\b",
    re.I,
)
_DECADE_WORDS = {
    "twenties": 20,
    "thirties": 30,
    "forties": 40,
    "fifties": 50,
    "sixties": 60,
    "seventies": 70,
    "eighties": 80,
    "nineties": 90,
}


@dataclass(frozen=True)
class AgeHit:
    start: int
    end: int
    value: float


def find_ages(text: str) -> list[AgeHit]:
    """Age statements in `text` (without attributing them to anyone)."""
    hits: list[AgeHit] = []

    def add(start: int, end: int, value: float) -> None:
        if not 0 < value <= 120:
            return
        if any(not (end <= h.start or start >= h.end) for h in hits):
            return
        hits.append(AgeHit(start, end, value))

    for pattern, unit in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            n = words_to_number(m.group("n"))
            if n is None:
                continue
            value = n / 12 if unit == "months" else float(n)
            if m.groupdict().get("over"):
                value += 1
            if unit == "years_of_other":
                # Only the number is the age: the relation before it is who it belongs to.
                add(m.start("n"), m.end("n"), value)
            else:
                add(m.start(), m.end(), value)
    for m in _DECADE_RE.finditer(text):
        decade = int(m.group("d")) if m.group("d") else _DECADE_WORDS[m.group("w").lower()]
        offset = {"early": 2, "mid": 5, "late": 8}.get((m.group("q") or "").lower(), 5)
        add(m.start(), m.end(), float(decade + offset))
    hits.sort(key=lambda h: h.start)
    return hits


# ----------------------------------------------------------------------------- results

REASONS = ("negated", "family", "self", "hypothetical", "historical")


@dataclass(frozen=True)
class Mention:
    text: str
    kind: str  # condition | medication | pregnancy | breastfeeding | age
    id: str
    start: int
    end: int
    reason: str | None = None  # None if used as the user's fact
    value: float | None = None  # the age, for kind == "age"

    def to_dict(self) -> dict[str, Any]:
        d = {"text": self.text, "kind": self.kind, "id": self.id, "start": self.start, "end": self.end}
        if self.reason:
            d["reason"] = self.reason
        if self.value is not None:
            d["value"] = self.value
        return d


@dataclass
class Extraction:
    profile: Profile
    mentions: list[Mention] = field(default_factory=list)  # used as the user's facts (incl. explicit "no")
    excluded: list[Mention] = field(default_factory=list)  # ignored, with the reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile.to_dict(),
            "mentions": [m.to_dict() for m in self.mentions],
            "excluded": [m.to_dict() for m in self.excluded],
        }


# ----------------------------------------------------------------------------- pipeline

_FAMILY_WORDS = [
    "mother", "mum", "mom", "mommy", "mummy", "mam", "mama", "father", "dad", "daddy", "papa",
    "husband", "hubby", "wife", "daughter", "son", "sister", "brother", "sibling", "grandma",
    "grandmother", "granny", "gran", "nan", "nana", "nanna", "grandad", "granddad", "grandpa",
    "grandfather", "grandson", "granddaughter", "grandchild", "aunt", "auntie", "aunty", "uncle",
    "cousin", "niece", "nephew", "friend", "partner", "boyfriend", "girlfriend", "fiance",
    "fiancee", "fiancé", "fiancée", "neighbour", "neighbor", "colleague", "relative", "child",
    "kid", "kids", "children", "baby", "toddler", "infant", "parents", "stepmother",
    "stepfather", "stepson", "stepdaughter", "flatmate", "roommate",
    "he", "she", "him", "her", "his", "hers", "they", "them", "their",
]  # fmt: skip
_GENERIC_PERSON = [
    "people", "someone", "somebody", "anyone", "anybody", "a person", "persons", "patients",
    "women", "men", "mothers", "mums", "moms", "ladies", "adults", "elderly", "seniors",
    "everyone", "everybody",
]  # fmt: skip

# Common English words that must never be "corrected" into lexicon words.
_PROTECTED_WORDS = [
    "other", "others", "bother", "making", "baking", "waking", "faking", "raking", "talking",
    "walking", "hearts", "hearth", "hearty", "heard", "sealed", "nursery", "nurses", "nursed",
    "expected", "expert", "renal", "animal", "rental", "dental", "mental", "stages", "stable",
    "bundles", "branches", "ranch", "feeling", "feelings", "reeling", "healing", "dealing",
    "seeding", "needing", "reading", "leading", "heading", "pumpkin", "pumping", "already",
    "second", "seconds", "thirds", "advanced", "advice", "remedy", "reduce", "reduces",
    "complete", "condition", "conditions", "function", "functions", "damage", "damaged",
    "problem", "problems", "trouble", "troubles", "issues", "tablet", "tablets", "capsule",
    "capsules", "supplement", "supplements", "medicine", "medicines", "degree", "degrees",
    "chronic", "failing", "failed", "failures", "diseases", "impaired", "impairment", "reduced",
]  # fmt: skip
# Everyday words that appear in lexicon phrases but are not worth typo-correcting.
_NOT_FUZZY = {
    "already", "taking", "second", "third", "first", "myself", "mother", "feeding", "advance",
    "remedy", "reduced", "complete", "branch", "bundle", "degree", "stage", "trouble", "damage",
    "issues", "problem", "problems", "failing", "function", "expecting", "nursing", "pumping",
    "expressing", "medicine", "medicines", "tablets", "tablet", "capsules", "supplement",
    "supplements", "condition", "impaired", "impairment", "insufficiency", "chronic", "cardiac",
    "disorder", "syndrome", "signals", "daughter", "drops", "inhibitor", "inhibitors", "heartbeat",
    "irregular", "rhythm", "liver", "cream", "indigestion", "heartburn", "twins", "weeks", "months",
    "control", "transplant",
}  # fmt: skip


_PLURAL_FAMILY = {"kids", "children", "parents"}
# First-person verb forms: after "<relative> ... and", these mean the user is speaking about themself.
_OWN_VERBS = {"take", "have", "use", "am", "'m", "need", "get", "do", "suffer", "feel", "was"}


def _family_still_subject(target: Any, modifier: Any, span_between: Any) -> bool:
    """A singular relative stays the subject until a verb in the first-person form appears."""
    return not any(tok.lower_ in _OWN_VERBS for tok in span_between)


def _context_rules() -> list[Any]:
    from medspacy.context import ConTextRule

    NOT = {"NORM": "not"}
    rules: list[Any] = []

    def add(literal: str, category: str, direction: str, pattern: Any = None, **kw: Any) -> None:
        rules.append(ConTextRule(literal, category, pattern=pattern, direction=direction, **kw))

    # -- negation (forward): "no", "not", "n't", "never", "without", "deny" ...
    add("not", "NEGATED_EXISTENCE", "FORWARD", [NOT], max_scope=8)
    for lit in ("no", "never", "without", "none", "neither", "nor", "nothing", "deny", "denies", "denied"):
        add(lit, "NEGATED_EXISTENCE", "FORWARD", max_scope=8)
    for lit in ("no longer", "not anymore", "stopped", "quit", "came off", "come off", "gave up", "given up"):
        add(lit, "NEGATED_EXISTENCE", "FORWARD", max_scope=5)
    add("not any more", "NEGATED_EXISTENCE", "BACKWARD", [NOT, {"LOWER": {"IN": ["anymore", "any"]}}], max_scope=8)
    for lit in ("anymore", "any more", "no more"):
        add(lit, "NEGATED_EXISTENCE", "BACKWARD", max_scope=8)
    # -- things that look like negation but are not
    # a bare "No," / "Nope." answering a question does not negate what follows it
    add("no,", "PSEUDO", "PSEUDO", [{"LOWER": {"IN": ["no", "nope", "nah"]}}, {"IS_PUNCT": True}])
    for lit in (
        "not only",
        "not just",
        "no doubt",
        "no problem",
        "no worries",
        "no matter",
        "never mind",
        "whether or not",
        "if not",
        "or not",
        "not bad",
        "nothing else",
    ):
        add(lit, "PSEUDO", "PSEUDO")
    # -- uncertainty: the fact still counts (safer), but it is not a negation or hypothetical
    add(
        "not sure",
        "POSSIBLE_EXISTENCE",
        "FORWARD",
        [
            NOT,
            {"LOWER": {"IN": ["sure", "certain", "know", "remember"]}},
            {"LOWER": {"IN": ["if", "whether"]}, "OP": "?"},
        ],
        max_scope=8,
    )
    add(
        "don't know if",
        "POSSIBLE_EXISTENCE",
        "FORWARD",
        [
            {"LOWER": {"IN": ["do", "does", "ca"]}},
            NOT,
            {"LOWER": {"IN": ["know", "remember", "tell"]}},
            {"LOWER": {"IN": ["if", "whether"]}, "OP": "?"},
        ],
        max_scope=8,
    )  # fmt: skip
    for lit in ("i think", "maybe", "might be", "might have", "may have", "may be", "possibly", "probably",
                "i wonder if", "wondering if", "could be", "suspect", "borderline", "no idea if"):  # fmt: skip
        add(lit, "POSSIBLE_EXISTENCE", "FORWARD", max_scope=8)

    # -- hypothetical (forward)
    for lit in (
        "what if",
        "suppose",
        "supposing",
        "in case",
        "hypothetically",
        "let's say",
        "lets say",
        "imagine",
        "should i ever",
        "in the future",
        "one day",
        "planning to",
        "planning a",
        "planning on",
        "trying to get",
        "trying for",
        "hoping to",
        "want to get",
        "wants to get",
        "thinking of",
        "thinking about getting",
        "if you",
        "if someone",
        "if somebody",
        "if a person",
        "if anyone",
        "when you",
    ):
        add(lit, "HYPOTHETICAL", "FORWARD", max_scope=8)
    add(
        "if i had",
        "HYPOTHETICAL",
        "FORWARD",
        [
            {"LOWER": {"IN": ["if", "when", "once"]}},
            {"LOWER": "i"},
            {"LOWER": {"IN": ["ever", "later", "then"]}, "OP": "?"},
            {
                "LOWER": {
                    "IN": [
                        "had", "were", "was", "get", "got", "become", "became", "develop", "developed",
                        "start", "started", "go", "went", "need", "needed", "end", "fall", "fell", "ended",
                        "'d", "d", "would",
                    ]
                }
            },
        ],
        max_scope=8,
    )  # fmt: skip
    # "Can I take magnesium ...?" asks about taking it; it does not say the user takes it already.
    add(
        "can i",
        "HYPOTHETICAL",
        "FORWARD",
        [{"LOWER": {"IN": ["can", "could", "should", "may", "shall", "would", "might"]}}],
        max_scope=2,
        allowed_types={"magnesium_supplement"},
    )
    for lit in _GENERIC_PERSON:
        add(lit, "HYPOTHETICAL", "BIDIRECTIONAL", max_scope=3)

    # -- historical
    for lit in ("used to", "when i was", "previously", "formerly", "had been on", "was on", "were on", "finished"):
        add(lit, "HISTORICAL", "FORWARD", max_scope=6)
    for lit in (
        "in the past",
        "years ago",
        "year ago",
        "months ago",
        "month ago",
        "weeks ago",
        "a while ago",
        "long ago",
        "last year",
        "as a child",
        "as a kid",
        "as a teenager",
        "as a baby",
        "in my youth",
        "when younger",
        "past history",
    ):
        add(lit, "HISTORICAL", "BIDIRECTIONAL", max_scope=6)

    # -- family and other people (forward; stops at the user's own "I"/"my", and at a verb in the
    #    user's own form: "pregnant with my first baby and take iron tablets")
    for lit in _FAMILY_WORDS:
        add(
            lit,
            "FAMILY",
            "FORWARD",
            max_scope=10,
            terminated_by={"FIRST_PERSON"},
            on_modifies=None if lit in _PLURAL_FAMILY else _family_still_subject,
        )
    add(
        "first person",
        "FIRST_PERSON",
        "PSEUDO",
        [{"LOWER": {"IN": ["i", "me", "myself", "my", "mine", "im", "ive", "id"]}}],
    )

    # -- scope ends
    for lit in (
        "but",
        "however",
        "although",
        "though",
        "except",
        "apart from",
        "other than",
        "besides",
        "aside from",
        "only",
        "just",
        "while",
        "whereas",
        "yet",
        "also",
        "because",
        "since",
        "as well",
        "plus",
    ):
        add(lit, "TERMINATE", "TERMINATE")
    add(
        "and i",
        "TERMINATE",
        "TERMINATE",
        [
            {"LOWER": {"IN": ["and", ",", ";", "so", "-", "then", "."]}},
            {"LOWER": {"IN": ["i", "im", "my", "me", "ive"]}},
        ],
    )
    return rules


_lock = threading.Lock()
_nlp: Any = None
_concepts: dict[str, Any] = {}
_FUZZY: list[Any] = [None]  # the typo normaliser's vocabulary, set when the pipeline is built


def _build_fuzzy_vocab() -> Any:
    from .fuzzy import FuzzyVocab

    words: set[str] = set()
    for concept in load_lexicon().concepts.values():
        for term in concept.terms:
            for w in re.findall(r"[a-z]+", term.lower()):
                if w not in _NOT_FUZZY:
                    words.add(w)
    return FuzzyVocab(words, min_word_len=6, protected=_PROTECTED_WORDS)


def get_nlp() -> Any:
    """The shared spaCy pipeline (built once, thread-safe)."""
    global _nlp
    if _nlp is not None:
        return _nlp
    with _lock:
        if _nlp is not None:
            return _nlp
        saved_filters = warnings.filters[:]  # medspaCy silences all warnings process-wide on import
        try:
            import spacy
            from medspacy.context import ConText  # noqa: F401  (registers the factory)
            from medspacy.target_matcher import TargetMatcher, TargetRule  # noqa: F401
            from spacy.language import Language
            from spacy.tokens import Doc
        finally:
            # typeshed declares warnings.filters a Sequence; at run time it is the list to restore.
            warnings.filters[:] = saved_filters  # type: ignore[index]

        lexicon = load_lexicon()
        vocab = _build_fuzzy_vocab()

        if not Doc.has_extension("sedorum_ages"):
            Doc.set_extension("sedorum_ages", default=None)

        if "sedorum_fuzzy_norm" not in Language.factories:

            @Language.component("sedorum_fuzzy_norm")
            def _fuzzy_norm(doc: Any) -> Any:
                fv = _FUZZY[0]
                for token in doc:
                    if token.is_alpha and len(token.text) >= 5:
                        fixed = fv.correct(token.lower_)
                        if fixed:
                            token.norm_ = fixed
                return doc

            @Language.component("sedorum_age")
            def _age(doc: Any) -> Any:
                ents = list(doc.ents)
                taken = [(e.start_char, e.end_char) for e in ents]
                values: dict[tuple[int, int], float] = {}
                for hit in find_ages(doc.text):
                    span = doc.char_span(hit.start, hit.end, label="AGE", alignment_mode="expand")
                    if span is None:
                        continue
                    if any(not (span.end_char <= s or span.start_char >= e) for s, e in taken):
                        continue
                    ents.append(span)
                    taken.append((span.start_char, span.end_char))
                    values[(span.start_char, span.end_char)] = hit.value
                doc.ents = sorted(ents, key=lambda s: s.start)
                doc._.sedorum_ages = values
                return doc

        _FUZZY[0] = vocab
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("sedorum_fuzzy_norm")
        matcher: Any = nlp.add_pipe("medspacy_target_matcher", config={"phrase_matcher_attr": "NORM"})
        target_rules = []
        for concept in lexicon.concepts.values():
            _concepts[concept.id] = concept
            for term in concept.terms:
                target_rules.append(TargetRule(term, concept.id))
        # medspaCy also runs a token Matcher; give it a pattern that never matches, or spaCy warns (W036)
        # on every message.
        target_rules.append(TargetRule("never", "NEVER_MATCHES", pattern=[{"TEXT": "\u0000never\u0000"}]))
        matcher.add(target_rules)
        nlp.add_pipe("sedorum_age")
        context: Any = nlp.add_pipe("medspacy_context", config={"rules": None})
        context.add(_context_rules())
        _nlp = nlp
        return _nlp


# ----------------------------------------------------------------------------- extraction

_MEDS_NONE_RE = re.compile(
    r"\b(?:(?:i(?:'m|\s+am)?\s+)?(?:not\s+(?:on|taking)|don'?t\s+take|do\s+not\s+take|never\s+take|take\s+no)\s+"
    r"(?:any\s+)?(?:other\s+|regular\s+|prescription\s+|prescribed\s+|daily\s+)*"
    r"(?:medications?|medicines?|meds|drugs|pills|tablets|prescriptions?)"
    r"|no\s+(?:other\s+|regular\s+|prescription\s+|prescribed\s+|daily\s+)*(?:medications?|medicines?|meds|drugs|pills|prescriptions?)"
    r"|i\s+(?:don'?t|do\s+not)\s+take\s+anything|i\s+take\s+nothing|nothing\s+regular)\b",
    re.I,
)
_MEDS_SOME_RE = re.compile(
    r"\bi(?:'m|\s+am)?\s+(?:on|take|taking)\s+(?:some|several|a\s+few|lots\s+of|many|a\s+lot\s+of|various|"
    r"regular|daily|prescription|prescribed|other)?\s*(?:medications?|medicines?|meds|drugs|prescriptions?)\b",
    re.I,
)
_MALE_RE = re.compile(
    r"\b(?:i'?m|i\s+am)\s+(?:a\s+)?(?:\d{1,3}\s*-?\s*(?:years?|yrs?|yr)?\s*-?\s*(?:old\s+)?)?(?:man|male|guy|gentleman|bloke)\b"
    r"|\bas\s+a\s+(?:man|male|guy)\b",
    re.I,
)
_KIDNEYS_FINE_RE = re.compile(
    r"\b(?:my|his|her|their)\s+kidneys?(?:\s+function)?\s+(?:are|is|work|works|are\s+working|is\s+working)\s+"
    r"(?:completely\s+|perfectly\s+|totally\s+|all\s+|absolutely\s+)?(?:fine|ok|okay|good|healthy|normal)\b"
    r"|\b(?:my|his|her|their)\s+kidney\s+function\s+is\s+(?:fine|ok|okay|good|normal)\b",
    re.I,
)
_HEART_FINE_RE = re.compile(
    r"\b(?:my|his|her|their)\s+heart\s+(?:is|works)\s+(?:completely\s+|perfectly\s+|totally\s+)?"
    r"(?:fine|ok|okay|good|healthy|normal)\b",
    re.I,
)
_NO_ORGAN_PROBLEMS_RE = re.compile(
    r"\b(?:no|not|never|without|(?:don'?t|do\s+not)\s+have)\s+(?:any\s+)?(?P<a>kidney|heart)\s+(?:or|and|nor|/)\s+"
    r"(?P<b>kidney|heart)\s+(?:problems?|issues?|disease|conditions?|trouble)\b",
    re.I,
)
_NO_HEALTH_PROBLEMS_RE = re.compile(
    r"\b(?:no|(?:i\s+|he\s+|she\s+)?(?:don'?t|do\s+not|doesn'?t|does\s+not)\s+have\s+any)\s+(?:other\s+)?"
    r"(?:(?:health|medical|known)\s+)?(?:problems?|conditions?|issues?|illness(?:es)?|diseases?)\b"
    r"|\b(?:i'?m|i\s+am|he'?s|he\s+is|she'?s|she\s+is)\s+(?:perfectly\s+|completely\s+|generally\s+|otherwise\s+|"
    r"very\s+|quite\s+|pretty\s+)?(?:healthy|fit\s+and\s+healthy|fit\s+and\s+well|in\s+good\s+health)\b"
    r"|\bnothing\s+(?:else\s+)?wrong\s+with\s+(?:me|him|her)\b|\bhealthy\s+otherwise\b"
    r"|\b(?:i'?m|i\s+am|he'?s|she'?s)\s+\d{1,3}\s+and\s+(?:otherwise\s+|perfectly\s+|very\s+|quite\s+)?healthy\b",
    re.I,
)


# A comma before a new clause in the visitor's own voice ("no kidney problems, I have
# myasthenia", "no kidney problems, take milk of magnesia") ends the sentence for the
# clinical NLP, so a "no" cannot reach across it.
_NEW_CLAUSE = re.compile(r",(?=\s+(?:i|i'm|im|i've|ive|i\s+am|take|taking|use|using|on|he|she|he's|she's)\b)", re.I)


def _normalise(text: str) -> str:
    # Same length as the input, so offsets stay valid.
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    return _NEW_CLAUSE.sub(".", text)


# "I'm a 68-year-old woman" is the visitor; "my 82-year-old dad" is not.
_RELATION_AFTER_AGE = frozenset(w for w in RELATIONS if w not in {"man", "woman", "lady", "gentleman", "boy", "girl"})
_RELATION_AFTER_AGE |= {w + "s" for w in _RELATION_AFTER_AGE}
_THIRD_PERSON = frozenset({"he", "she", "him", "her", "his", "they", "them", "their"}) | frozenset(RELATION_WORDS)
_FIRST_PERSON = frozenset({"i", "i'm", "im", "me", "my", "myself", "mine", "i've", "ive", "i'd", "i'll"})


def _owner(span: Any, about: str, is_age: bool = False) -> str | None:
    """Whose fact a mention is, seen from `about` ("self" or "other").

    "family" marks a fact that belongs to someone other than the person we screen, "self"
    (only when screening someone else) a fact the visitor states about themself.
    """
    family = bool(span._.is_family) or (is_age and (_relation_right_after(span) or _possessive_right_before(span)))
    if about == "self":
        return "family" if family else None
    if family:
        return None
    # Screening someone else: an unattributed fact ("on dialysis 3 times a week", answering
    # "Is he on dialysis?") is about them; one the visitor says of themself ("I have CKD") is not.
    # The nearest person word before the fact decides: "I have CKD, but he doesn't have kidney
    # disease" - the second mention is his.
    before = [t for t in span.sent if t.i < span.start]
    for index in range(len(before) - 1, -1, -1):
        word = before[index].lower_
        if word in _THIRD_PERSON:
            return None
        if word in _FIRST_PERSON:
            following = before[index + 1].lower_ if index + 1 < len(before) else ""
            if word in ("my", "our") and following in _THIRD_PERSON:
                return None  # "my husbnd has hart block": the relation, not the visitor
            return "self"
    return None


def _possessive_right_before(span: Any) -> bool:
    """ "breastfeeding my 3 month old": an age after "my" is someone else's."""
    starts_with_number = span[0].like_num or words_to_number(span[0].text) is not None
    return (
        starts_with_number
        and span.start > 0
        and span.doc[span.start - 1].lower_ in ("my", "our", "his", "her", "their")
    )


def _relation_right_after(span: Any) -> bool:
    """ "my 82-year-old dad": an age written right before the relation it belongs to."""
    doc = span.doc
    for tok in doc[span.end : min(span.end + 2, len(doc))]:
        if tok.lower_ in _RELATION_AFTER_AGE:
            return True
        if not tok.is_alpha:
            return False
    return False


def _reason(span: Any, about: str = "self") -> str | None:
    owner = _owner(span, about)
    if owner == "family":
        return "family"
    if owner == "self":
        return "self"
    if span._.is_hypothetical:
        return "hypothetical"
    if span._.is_negated:
        return "negated"
    if span._.is_historical:
        return "historical"
    return None


def _age_reason(span: Any, about: str = "self") -> str | None:
    owner = _owner(span, about, is_age=True)
    if owner:
        return owner
    if span._.is_hypothetical:
        return "hypothetical"
    # A negation counts for an age only right before it ("not 65"), not across a list.
    for mod in span._.modifiers:
        if mod.category == "NEGATED_EXISTENCE" and 0 <= span.start - mod.modifier_span[1] <= 1:
            return "negated"
    return None


def extract(text: str, about: str = "self") -> Extraction:
    """The current facts in `text` about one person, and what was ignored (with the reason).

    about="self" (default): the visitor's own facts; a relative's are excluded as "family".
    about="other": the facts of the person the visitor asks for (named as "my dad", "he",
    or not named at all in an answer); the visitor's own ("I have ...") are excluded as "self".
    """
    text = _normalise(text or "")
    profile = Profile()
    result = Extraction(profile=profile)
    if not text.strip():
        return result
    nlp = get_nlp()
    doc = nlp(text)
    ages = doc._.sedorum_ages or {}

    positives: dict[str, set[str]] = {"condition": set(), "medication": set()}
    negatives: dict[str, set[str]] = {"condition": set(), "medication": set()}
    preg: dict[str, list[bool]] = {"pregnant": [], "breastfeeding": []}
    user_ages: list[float] = []

    for ent in doc.ents:
        if ent.label_ == "AGE":
            value = ages.get((ent.start_char, ent.end_char))
            reason = _age_reason(ent, about)
            mention = Mention(ent.text, "age", "age", ent.start_char, ent.end_char, reason, value)
            if reason:
                result.excluded.append(mention)
            elif value is not None:
                user_ages.append(value)
                result.mentions.append(mention)
            continue
        concept = _concepts.get(ent.label_)
        if concept is None:
            continue
        reason = _reason(ent, about)
        mention = Mention(ent.text, concept.kind, concept.id, ent.start_char, ent.end_char, reason)
        if concept.kind in ("condition", "medication"):
            if reason is None:
                positives[concept.kind].add(concept.id)
                result.mentions.append(mention)
            elif reason == "negated" or (reason == "historical" and concept.kind == "medication"):
                # "I don't have X" / "I stopped taking Y": an explicit no for now.
                negatives[concept.kind].add(concept.id)
                result.mentions.append(mention)
                result.excluded.append(mention)
            else:
                result.excluded.append(mention)
        else:  # pregnancy / breastfeeding
            key = concept.id
            if reason is None:
                preg[key].append(True)
                result.mentions.append(mention)
            elif reason in ("negated", "historical"):
                preg[key].append(False)
                result.mentions.append(mention)
                result.excluded.append(mention)
            else:
                result.excluded.append(mention)

    # A "no" to a general heart problem rules out the whole heart group.
    if negatives["condition"] & HEART_CONDITIONS and "heart_other" in negatives["condition"]:
        negatives["condition"] |= HEART_CONDITIONS
    if _KIDNEYS_FINE_RE.search(text):
        negatives["condition"].add("kidney_disease")
    if _HEART_FINE_RE.search(text):
        negatives["condition"] |= HEART_CONDITIONS
    for m in _NO_ORGAN_PROBLEMS_RE.finditer(text):
        for organ in (m.group("a").lower(), m.group("b").lower()):
            negatives["condition"] |= {"kidney_disease"} if organ == "kidney" else HEART_CONDITIONS
    if _NO_HEALTH_PROBLEMS_RE.search(text):
        negatives["condition"] |= HEART_CONDITIONS | {"kidney_disease", "myasthenia_gravis"}

    profile.conditions = positives["condition"]
    profile.medications = positives["medication"]
    # Within one message a "yes" for a fact wins over a "no" for the same fact.
    profile.denied_conditions = negatives["condition"] - positives["condition"]
    profile.denied_medications = negatives["medication"] - positives["medication"]
    for key in ("pregnant", "breastfeeding"):
        if preg[key]:
            setattr(profile, key, any(preg[key]))
    if _MALE_RE.search(text):
        if profile.pregnant is None:
            profile.pregnant = False
        if profile.breastfeeding is None:
            profile.breastfeeding = False
    if user_ages:
        profile.age = user_ages[0]
    if profile.medications:
        profile.takes_medicines = True
    elif _MEDS_NONE_RE.search(text):
        profile.takes_medicines = False
    elif _MEDS_SOME_RE.search(text):
        profile.takes_medicines = True
    return result


# ----------------------------------------------------------------------------- answers

_FILLER = r"^\W*(?:(?:well|um+|erm+|hmm+|ok|okay|oh|ah|sadly|unfortunately|actually)\b[\s,.!]*)*"
_UNSURE_RE = re.compile(
    _FILLER + r"(?:i\s+)?(?:(?:don'?t|do\s+not|dunno)\s+know|(?:i'?m\s+|i\s+am\s+)?not\s+(?:sure|certain)|unsure|"
    r"no\s+idea|maybe|possibly|perhaps|not\s+that\s+i'?m\s+aware|can'?t\s+remember|dunno|no\s+clue)\b",
    re.I,
)
_YES_RE = re.compile(
    _FILLER
    + r"(?:yes|yeah|yea|yep|yup|ya|y|i\s+do|i\s+am|i\s+have|(?:he|she)\s+(?:does|is|has)|they\s+(?:do|are|have)|"
    r"sure|correct|right|affirmative|true|"
    r"that'?s\s+right|indeed|of\s+course|definitely|absolutely|certainly)\b(?![\s,]+(?:no|not|never|idea)\b)(?!\s*n'?t)",
    re.I,
)
_NO_RE = re.compile(
    _FILLER + r"(?:no|nope|nah|n|none|nothing|neither|never|negative|not\s+really|not\s+at\s+all|no\s+way|"
    r"not\s+that\s+i\s+know(?:\s+of)?|not\s+as\s+far\s+as\s+i\s+know|i\s+don'?t|i\s+do\s+not|i'?m\s+not|"
    r"i\s+am\s+not|i\s+haven'?t|i\s+have\s+not|(?:he|she)\s+(?:doesn'?t|does\s+not|isn'?t|is\s+not|hasn'?t|has\s+not)|"
    r"(?:he|she)'?s\s+not|they\s+(?:don'?t|do\s+not|aren'?t|are\s+not|haven'?t)|none\s+of\s+(?:those|them|these|the\s+above)|nothing\s+like\s+that)\b",
    re.I,
)
_BARE_NUMBER_RE = re.compile(
    rf"(?<![\d.])(?P<n>\d{{1,3}}(?:\.\d)?|{_WORDS_1_99})(?P<months>\s*-?\s*months?)?\b{_NOT_AGE_UNIT}",
    re.I,
)
_PREG_DETAIL_RE = re.compile(r"\b\d{1,2}\s*(?:weeks?|wks?|months?)\b|\btrimester\b|\bdue\b", re.I)
_QUESTION_RE = re.compile(r"\?\s*$|^\W*(?:what|why|how|when|where|which|who|can|could|should|is|are|does|do)\b", re.I)


# An answer this short is all number ("seventy two", "about 70"); in a longer one a number
# word means something else ("I'm the one on dialysis" is not age 1).
_SHORT_ANSWER_WORDS = 4


def _answer_age(text: str) -> float | None:
    short = len(re.findall(r"[a-z0-9]+", text.lower())) <= _SHORT_ANSWER_WORDS
    for m in _BARE_NUMBER_RE.finditer(text):
        raw = m.group("n")
        n: float | None
        try:
            n = float(raw)
        except ValueError:
            if not short:
                continue
            n = words_to_number(raw)
            if n is None:
                continue
        if m.group("months"):
            n = n / 12
        if 0 < n <= 120:
            return float(n)
    return None


def interpret_answer(text: str, asked: str, about: str = "self") -> dict[str, Any]:
    """Interpret a reply to one screening question.

    asked: one of age, kidney_disease, heart_condition, pregnancy_status, medications.
    about: "self" or "other" (the question was about the person the visitor cares for).
    "yes"/"no"-style replies and bare numbers map to the asked question; every other fact
    in the reply is extracted too (answers in any order, several in one message).

    Returns {"asked", "answered" (bool), "answer" ("yes" | "no" | "value" | None),
             "profile" (Profile.to_dict() of the new facts), "excluded" (list of dicts)}.
    """
    if asked not in SCREENING_QUESTIONS:
        raise ValueError(f"asked must be one of {SCREENING_QUESTIONS}, not {asked!r}")
    text = _normalise(text or "")
    ex = extract(text, about)
    p = ex.profile
    is_unsure = bool(_UNSURE_RE.search(text))
    is_no = not is_unsure and bool(_NO_RE.search(text))
    is_yes = not is_unsure and not is_no and bool(_YES_RE.search(text))
    answer: str | None = "no" if is_no else "yes" if is_yes else None
    answered = False

    if asked == "age":
        if p.age is None and not any(m.kind == "age" for m in ex.excluded):
            value = _answer_age(text)
            if value is not None:
                p.age = value
        answered = p.age is not None
        answer = "value" if answered else None
    elif asked == "kidney_disease":
        known = "kidney_disease" in p.conditions or "kidney_disease" in p.denied_conditions
        if not known and answer == "yes":
            p.conditions.add("kidney_disease")
        elif not known and answer == "no":
            p.denied_conditions.add("kidney_disease")
        answered = "kidney_disease" in p.conditions or "kidney_disease" in p.denied_conditions
    elif asked == "heart_condition":
        # The question names heart problems and myasthenia gravis: "yes, myasthenia" is not a heart
        # problem, and a bare "yes" records only that it is one of the two.
        named = HEART_CONDITIONS | {"myasthenia_gravis"}
        known = bool(p.conditions & named) or bool(p.denied_conditions & HEART_CONDITIONS)
        if not known and answer == "yes":
            p.conditions.add("heart_or_myasthenia")
        elif not known and answer == "no":
            p.denied_conditions |= named
        answered = bool(p.conditions & named) or bool(p.denied_conditions & HEART_CONDITIONS)
    elif asked == "pregnancy_status":
        if p.pregnant is None and p.breastfeeding is None:
            if answer == "yes" and _PREG_DETAIL_RE.search(text):
                p.pregnant = True  # "yes, 20 weeks"
            elif answer == "yes":
                p.pregnant_or_breastfeeding = True
            elif answer == "no":
                p.pregnant = False
                p.breastfeeding = False
                p.pregnant_or_breastfeeding = False
        elif p.pregnant is False and p.breastfeeding is None:
            # "not pregnant" as the answer to "are you pregnant or breastfeeding?"
            p.breastfeeding = False
            p.pregnant_or_breastfeeding = False
        elif p.breastfeeding is False and p.pregnant is None:
            p.pregnant = False
            p.pregnant_or_breastfeeding = False
        answered = p.pregnant is not None or p.breastfeeding is not None or p.pregnant_or_breastfeeding is not None
    elif asked == "medications":
        if p.medications:
            p.takes_medicines = True
        elif answer == "no":
            p.takes_medicines = False
        elif answer == "yes":
            p.takes_medicines = True
        elif (
            p.takes_medicines is None
            and not is_unsure
            and text.strip()
            and not _QUESTION_RE.search(text)
            and not ex.mentions
            and not ex.excluded
            and p.age is None
        ):
            # Named medicines the lexicon does not know: keep them for the pharmacist advice.
            p.takes_medicines = True
            p.other_medicines.add(" ".join(text.split())[:80])
        answered = p.takes_medicines is not None or bool(p.medications)

    return {
        "asked": asked,
        "answered": answered,
        "answer": answer if answered else None,
        "profile": p.to_dict(),
        "excluded": [m.to_dict() for m in ex.excluded],
    }
