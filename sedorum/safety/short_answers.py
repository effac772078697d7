"""Answers to one screening question: "yes", "nope", "not sure", "72", "20 weeks".

`interpret_answer(text, asked)` maps a short reply to the question asked (a bare "yes" to
"Do you have kidney disease?" is a yes to kidney disease) and keeps every other fact the
reply states, read by the extractor (`mentions.extract`), so a visitor may answer in any
order and several things at once.
"""

from __future__ import annotations

import re
from typing import TypedDict

from . import limits
from .ages import NOT_AGE_UNIT, WORDS_1_99, words_to_number
from .mentions import MentionDict, extract, normalise
from .profile import HEART_CONDITIONS, SCREENING_QUESTIONS, ProfileDict

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
    rf"(?<![\d.\-\u2212])(?P<n>\d{{1,3}}(?:\.\d)?|{WORDS_1_99})(?P<months>\s*-?\s*months?)?\b{NOT_AGE_UNIT}"
    r"(?!\s*(?:weeks?\s+|months?\s+)?(?:pregnant|along|gone))",
    re.I,
)
# "I weigh 70", "5 foot 2": a number, but not an age.
_WEIGHT_OR_HEIGHT = re.compile(r"\b(?:weigh|weighs|weight|tall|height|foot|feet|stone|kilos?|kg|lbs?|pounds)\b", re.I)
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
        if limits.load_limits().is_plausible_age(n) and not _WEIGHT_OR_HEIGHT.search(text):
            return float(n)
    return None


class Answer(TypedDict):
    """What a reply to one screening question says (`interpret_answer`)."""

    asked: str  # the question: one of SCREENING_QUESTIONS
    answered: bool
    answer: str | None  # "yes" | "no" | "value" (an age), or None when not answered
    profile: ProfileDict  # the facts of the reply, the answer included
    excluded: list[MentionDict]  # what the extractor set aside (someone else's, negated, ...)


def interpret_answer(text: str, asked: str, about: str = "self") -> Answer:
    """Interpret a reply to one screening question.

    asked: one of age, kidney_disease, heart_condition, pregnancy_status, medications.
    about: "self" or "other" (the question was about the person the visitor cares for).
    "yes"/"no"-style replies and bare numbers map to the asked question; every other fact
    in the reply is extracted too (answers in any order, several in one message).

    Returns an `Answer`: {"asked", "answered" (bool), "answer" ("yes" | "no" | "value" | None),
             "profile" (Profile.to_dict() of the new facts), "excluded" (Mention.to_dict() each)}.
    """
    if asked not in SCREENING_QUESTIONS:
        raise ValueError(f"asked must be one of {SCREENING_QUESTIONS}, not {asked!r}")
    text = normalise(text or "")
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
