"""Ages in a chat message: number words ("seventy-two") and age statements ("I'm 72", "my dad is 82").

Kept apart from the clinical NLP because it is plain regular expressions: `find_ages` finds
where an age is written and its value, and the pipeline (`sedorum/safety/pipeline.py`) turns
each hit into an AGE entity whose owner ConText then decides (the visitor, a relative...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .limits import load_limits
from .subject import BARE_KIN, RELATIONS

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
WORDS_1_99 = rf"(?:{_WORDS_10_99}|{_ONES_RE})"


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


_NUM = rf"(?P<n>\d{{1,3}}|{WORDS_1_99})"
_NUM10 = rf"(?P<n>\d{{1,3}}|{_WORDS_10_99})"
# What may not follow a number for it to be an age.
NOT_AGE_UNIT = (
    r"(?!\s*(?:%|percent|mg\b|mcg\b|µg\b|g\b|grams?\b|kg\b|kilos?\b|lbs?\b|pounds?\b|stone\b|st\b|cm\b|ft\b|"
    r"feet\b|foot\b|inch|'|\"|weeks?\b|wks?\b|days?\b|months?\b|hours?\b|hrs?\b|minutes?\b|mins?\b|times\b|"
    r"tablets?\b|pills?\b|capsules?\b|caps\b|doses?\b|x\b|/|\.\d|th\b|nd\b|rd\b|ml\b|units?\b|mmol\b))"
)

_AGE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # "72 years old", "72-year-old", "seventy two years old", "72 yrs old"
    # "72 years old", and the joke "70 years young"
    (re.compile(rf"(?<![-\u2212])\b{_NUM}\s*-?\s*(?:years?|yrs?|yr)\s*-?\s*(?:old|young)\b", re.I), "years"),
    # "72yo", "72 y/o", "72 y.o."
    (re.compile(r"(?<![-\u2212])\b(?P<n>\d{1,3})\s*(?:yo|y/o|y\.o\.?)(?![a-z])", re.I), "years"),
    # "72, female", "male, 34, 180cm", "34 here": a number beside the visitor's sex, or "here"
    (
        re.compile(rf"(?<![-\u2212\d])\b{_NUM10}\s*,?\s*(?:female|male|woman|man|lady|guy|bloke)\b", re.I),
        "years_of_other",
    ),
    (
        re.compile(rf"\b(?:female|male|woman|man|lady|guy|bloke)\s*,?\s*{_NUM10}\b{NOT_AGE_UNIT}", re.I),
        "years_of_other",
    ),
    (re.compile(rf"^\W*{_NUM10}\s+here\b", re.I), "years_of_other"),
    # "70, bad kidneys, ...", "seventy-eight, i have indigestion tablets": an age said first
    (re.compile(rf"^\W*(?P<n>1[89]|[2-9]\d|1[01]\d|{_WORDS_10_99})\s*[,.;](?!\d)", re.I), "years_of_other"),
    # "at 68 i thought i'd be sleeping better": an age said first, after "at"
    (
        re.compile(rf"^\W*at\s+(?P<n>1[89]|[2-9]\d|1[01]\d)\b{NOT_AGE_UNIT}(?!\s*(?:am|pm|o'?clock|:))", re.I),
        "years_of_other",
    ),
    # "8 months old"
    (re.compile(rf"\b{_NUM}\s*-?\s*months?\s*-?\s*old\b", re.I), "months"),
    # "I'm 72", "I am 72", "I'm over 65", "I'm nearly seventy"
    (
        re.compile(
            rf"\b(?:i'?m|i\s+am)\s+(?:now\s+|just\s+|only\s+|almost\s+|nearly\s+|turning\s+|(?P<over>over)\s+)?"
            rf"{_NUM10}\b{NOT_AGE_UNIT}",
            re.I,
        ),
        "years",
    ),
    # "he's 82", "she is 79", "my dad is 82", "my son's 8": found here, attributed by ConText
    # (the relation or pronoun before it marks it as someone else's age).
    (
        re.compile(
            rf"\b(?:he|she|(?:my|our)\s+(?:[a-z]+\s+)?(?:{_RELATION_RE})|(?:one|some)\s+of\s+(?:my|our|the)\s+"
            rf"(?:[a-z]+\s+)?(?:{_RELATION_RE})s?|{BARE_KIN})(?:'?s|\s+is|\s+was|\s+turned|\s+has\s+turned)\s+"
            rf"(?:now\s+|just\s+|only\s+|almost\s+|nearly\s+|turning\s+|(?P<over>over)\s+)?{_NUM}\b{NOT_AGE_UNIT}"
            rf"(?!\s*(?:and\s+a\s+half\s+)?(?:weeks?|months?)\s+pregnant)",
            re.I,
        ),
        "years_of_other",
    ),
    # "pregnant at 31", "a mum at 40": the visitor's age when they say what they are at it
    # (only the number is the age: the word before it is a fact of its own)
    (re.compile(rf"\b(?:pregnant|expecting|mum|mom|mother)\s+at\s+{_NUM10}\b{NOT_AGE_UNIT}", re.I), "years_of_other"),
    # "aged 64", "age: 65", "age 65", "my age is 65", "I turned 65", "I'll be 70"
    (
        re.compile(
            # not "the RDA for men my age is 420": that is the RDA, not an age
            rf"(?:\b(?:aged|(?<!men my )(?<!women my )(?<!people my )(?<!for my )age\s*(?:is|[:=])?|"
            rf"i\s+turned|i'?ve\s+turned|just\s+turned|^\W*turned|i'?ll\s+be|i\s+will\s+be)"
            # "I'm a pensioner (turned 70 in May)"
            rf"|(?<=[(,])\s*turned)"
            rf"\s*{_NUM}\b{NOT_AGE_UNIT}",
            re.I,
        ),
        "years",
    ),
]
_ALONE_RE = re.compile(rf"^\W*{_NUM}\W*$", re.I)
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


# "I am in my eighty-first year", "in her 90th year": the formal way of giving an age.
_YEAR_OF_LIFE_RE = re.compile(
    r"\bin\s+(?:my|his|her|their)\s+(?P<ord>\d{1,3}(?:st|nd|rd|th)|[a-z]+(?:[- ][a-z]+)?)\s+year\b", re.I
)
_ORDINAL_WORDS = {"first": "one", "second": "two", "third": "three", "fifth": "five", "eighth": "eight",
                  "ninth": "nine", "twelfth": "twelve"}  # fmt: skip


def _ordinal_to_number(word: str) -> int | None:
    """'eighty-first' -> 81, '90th' -> 90, 'seventieth' -> 70; None if not an ordinal."""
    w = word.strip().lower()
    digits = re.fullmatch(r"(\d{1,3})(?:st|nd|rd|th)", w)
    if digits:
        return int(digits.group(1))
    *head, last = re.split(r"[- ]", w)
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("ieth"):
        last = last[: -len("ieth")] + "y"
    elif last.endswith("th"):
        last = last[: -len("th")]
    else:
        return None
    return words_to_number(" ".join([*head, last]))


@dataclass(frozen=True)
class AgeHit:
    """An age written in the text: character offsets and the value in years (months as a fraction)."""

    start: int
    end: int
    value: float


# "I'm -5", "age: -5": a negative number where an age is stated.
_NEGATIVE_AGE_RE = re.compile(r"\b(?:i'?m|i\s+am|aged|age\s*(?:is|[:=])?)\s*[-\u2212]\s*\d{1,3}\b", re.I)


def implausible_ages(text: str) -> list[AgeHit]:
    """Age statements whose number cannot be an age ("I'm 150", "age: -5", "I'm 0").

    Why: such an age is not recorded, and it is not the same as no age at all: the visitor
    meant to say one, so the assistant gives no figure and asks for it again.
    """
    candidates = [hit for hit in _statements(text) if not load_limits().is_plausible_age(hit.value)]
    candidates += [AgeHit(m.start(), m.end(), -1.0) for m in _NEGATIVE_AGE_RE.finditer(text)]
    found: list[AgeHit] = []
    for hit in sorted(candidates, key=lambda h: (h.start, -h.end)):
        if all(hit.end <= h.start or hit.start >= h.end for h in found):
            found.append(hit)
    return found


def find_ages(text: str) -> list[AgeHit]:
    """Age statements in `text` (without attributing them to anyone)."""
    hits: list[AgeHit] = []
    for hit in _statements(text):
        if not load_limits().is_plausible_age(hit.value):
            continue  # "-5", "150": not an age; the question is asked again
        if any(not (hit.end <= h.start or hit.start >= h.end) for h in hits):
            continue
        hits.append(hit)
    hits.sort(key=lambda h: h.start)
    return hits


def _statements(text: str) -> list[AgeHit]:
    """Every age statement in `text`, plausible or not, in the order the patterns find them."""
    hits: list[AgeHit] = []

    def add(start: int, end: int, value: float) -> None:
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
    alone = _ALONE_RE.match(text)
    if alone and not hits:
        # A message that is only a number ("72", "seventy-two") is the visitor's age when it could
        # only be an adult's: a small number alone is more often a menu choice or a count.
        n = words_to_number(alone.group("n"))
        if n is not None and n >= 18:
            add(alone.start("n"), alone.end("n"), float(n))
    for m in _YEAR_OF_LIFE_RE.finditer(text):
        n = _ordinal_to_number(m.group("ord"))
        if n is not None and n > 1:
            add(m.start(), m.end(), float(n - 1))  # "in my eighty-first year": aged 80
    for m in _DECADE_RE.finditer(text):
        decade = int(m.group("d")) if m.group("d") else _DECADE_WORDS[m.group("w").lower()]
        offset = {"early": 2, "mid": 5, "late": 8}.get((m.group("q") or "").lower(), 5)
        add(m.start(), m.end(), float(decade + offset))
    this_year = date.today().year
    for m in _BORN_IN_RE.finditer(text):
        born = int(m.group("year"))
        if 1900 <= born <= this_year:
            # "born in 1944": the younger of the two ages the year allows (no birthday given)
            add(m.start(), m.end(), float(this_year - born - 1))
    return hits


# "born in 1944", "I was born 1950", "b. 1938": an age given as a year of birth.
_BORN_IN_RE = re.compile(r"\b(?:born|b\.)\s+(?:in\s+)?(?:the\s+year\s+)?(?P<year>(?:19|20)\d\d)\b", re.I)
