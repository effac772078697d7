"""Dose questions about another medicine than Sedorum's own ingredients.

Why: "How much ibuprofen can I take?" or "what's the max dose of ropinirole" is classified as a
dose question, and the magnesium upper limit is a wrong and unsafe answer to it. Only the
prescriber or pharmacist can answer doses of another medicine, so such a question is found
here and referred.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from .lexicon import load_lexicon
from .subject import RELATIONS

# Words that may follow "how much" without naming a medicine.
_NOT_A_MEDICINE = {
    "magnesium", "mag", "sedorum", "supplement", "supplements", "it", "this", "that", "these", "those", "them",
    "of", "the", "a", "an", "should", "can", "could", "do", "does", "did", "is", "are", "am", "was", "i", "we",
    "you", "my", "he", "she", "they", "his", "her", "their", "per", "daily", "day", "too", "much", "many",
    "mg", "milligrams", "milligram", "tablet", "tablets", "pill", "pills", "capsule", "capsules", "dose",
    "doses", "iron", "calcium", "folic", "folate", "vitamin", "b12", "would", "will", "may", "might", "at",
    "in", "to", "for", "from", "with", "each", "every", "one", "two", "more", "less", "extra", "be",
    "total", "maximum", "max", "safe", "safely", "okay", "ok", "food", "foods", "water", "sleep", "exercise",
    "time", "money", "citrate", "oxide", "glycinate", "chloride", "sulfate", "sulphate", "elemental",
    "spray", "oil", "flakes", "salts", "epsom", "cream", "lotion", "what", "how", "when", "if", "and", "or",
}  # fmt: skip
# People, not medicines: "the maximum for my dad", "how much for children".
_NOT_A_MEDICINE |= set(RELATIONS) | {w + "s" for w in RELATIONS} | {
    "me", "him", "children", "kids", "adults", "women", "men", "someone", "people", "elderly", "pregnancy",
    "pregnant", "older", "teens", "teenagers", "babies",
}  # fmt: skip
_OUR_WORDS = ("magnesium", "sedorum", "supplement")
_UNIT = (
    r"(?:units?|mg|milligrams?|mcg|micrograms?|tablets?|pills?|capsules?|caps|doses?|puffs?|drops?|mls?|grams?|"
    r"spoons?|teaspoons?)"
)
_HOW_MUCH = re.compile(rf"\bhow\s+(?:much|many)\s+(?:(?P<unit>{_UNIT})\s+(?:of\s+)?)?(?P<thing>[a-z][a-z0-9-]*)", re.I)
_DOSE_OF = re.compile(
    r"\b(?:dose|dosage|doses|amount|maximum|max|limit)\s+(?:of|for)\s+(?:my\s+|his\s+|her\s+|the\s+)?(?P<thing>[a-z][a-z0-9-]*)",
    re.I,
)
# "max paracetamol dose", "increase my gabapentin"
_NAMED_DOSE = re.compile(
    r"\b(?:max|maximum|safe|daily|usual|normal|highest)\s+(?P<thing>[a-z][a-z0-9-]*)\s+(?:dose|dosage|amount)"
    r"|\b(?:increase|raise|double|up|lower|reduce|halve)\s+(?:my|his|her|the)\s+(?P<thing2>[a-z][a-z0-9-]*)",
    re.I,
)
_INSULIN_UNITS = re.compile(r"\bunits?\b", re.I)


def _is_ours(word: str) -> bool:
    w = word.lower()
    if w in _NOT_A_MEDICINE:
        return True
    return any(len(w) >= 5 and OSA.distance(w, ours, score_cutoff=2) <= 2 for ours in _OUR_WORDS)


def _lexicon_medicine(word: str) -> str | None:
    """The lexicon id of a named medicine that is not one of Sedorum's own ingredients."""
    w = word.lower()
    for concept in load_lexicon().concepts.values():
        if concept.kind != "medication" or concept.id in ("magnesium_supplement", "oral_iron"):
            continue
        if any(w == term.lower() for term in concept.terms):
            return concept.id
    return None


# An amount of one of Sedorum's other ingredients, or another vitamin: "how much folic acid should
# a 63 year old take?", "B12 dose for older people".
_NUTRIENT = r"(?:folic\s+acid|folate|calcium|vitamin\s+b\s?12|b\s?12|vitamin\s+[a-e]\d?|zinc|potassium)"
_NUTRIENT_RE = re.compile(_NUTRIENT, re.I)
_ASKS_NUTRIENT_AMOUNT = re.compile(
    rf"\bhow\s+(?:much|many)\s+(?:(?:mg|mcg|micrograms?|milligrams?|units?|tablets?)\s+(?:of\s+)?)?{_NUTRIENT}\b"
    rf"|\b{_NUTRIENT}\s+(?:dose|dosage|amount|limit)\b"
    rf"|\b(?:dose|dosage|amount|limit)\s+(?:of|for)\s+{_NUTRIENT}\b",
    re.I,
)


def other_medicine_in_dose_question(text: str) -> str | None:
    """The other medicine a dose question is about ("ibuprofen", "Lantus"), or None.

    Why: "How much ibuprofen can I take?" is classified as a dose question, and the magnesium
    upper limit is a wrong and unsafe answer to it. Only the prescriber or pharmacist can
    answer doses of another medicine.
    """
    nutrient = _ASKS_NUTRIENT_AMOUNT.search(text or "")
    if nutrient:
        # Sedorum's other ingredients have no limit in what the assistant may state: the
        # magnesium limit is no answer to "how much folic acid should I take?".
        named = _NUTRIENT_RE.search(nutrient.group(0))
        return " ".join((named.group(0) if named else nutrient.group(0)).lower().split())
    for pattern in (_HOW_MUCH, _DOSE_OF):
        for m in pattern.finditer(text or ""):
            thing = m.group("thing")
            unit = (m.groupdict().get("unit") or "").lower()
            if unit.startswith("unit"):
                return thing if not _is_ours(thing) else "that medicine"
            if _lexicon_medicine(thing) or not _is_ours(thing):
                return thing
    for named in _NAMED_DOSE.finditer(text or ""):
        thing = named.group("thing") or named.group("thing2")
        if _lexicon_medicine(thing) or not _is_ours(thing):
            return thing
    ours = re.search(r"\b(?:magnes\w*|sedorum|supplements?)\b", text or "", re.I)
    if _INSULIN_UNITS.search(text or "") and not ours:
        return "that medicine"
    if not ours:
        # "what's the max pregabalin for rls?", "been on mirapexin, should I up the dose?": a dose
        # question that names another medicine and not ours is about that medicine.
        other = _named_medicine(text or "")
        if other:
            return other
    return None


_OURS_IDS = frozenset(
    {"magnesium_supplement", "magnesium_antacid", "magnesium_laxative", "oral_iron", "calcium_supplement"}
)


def _named_medicine(text: str) -> str | None:
    low = text.lower()
    for concept in load_lexicon().concepts.values():
        if concept.kind != "medication" or concept.id in _OURS_IDS:
            continue
        for term in concept.terms:
            if re.search(rf"(?<![a-z]){re.escape(term.lower())}(?![a-z])", low):
                return term
    return None


_IRON = re.compile(r"\biron\b|\bferrous\b|\bferritin\b", re.I)


# The amount asked about is iron itself: "how many mg of iron", "iron dose", "is sedorum's iron enough".
_ASKS_IRON_AMOUNT = re.compile(
    r"\bhow\s+(?:much|many)\s+(?:(?:mg|milligrams?|tablets?|pills?)\s+(?:of\s+)?)?(?:iron|ferrous)\b"
    r"|\biron\s+(?:dose|dosage|amount)\b|\b(?:sedorum'?s|the)\s+iron\s+(?:is\s+)?enough\b",
    re.I,
)


# A blood result about iron: "my ferritin came back at 40", "my iron levels are low".
_IRON_RESULT = re.compile(
    r"\bferritin\b|\btransferrin\b|\biron\s+(?:levels?|stores|results?|studies|count)\b|\bha?emoglobin\b|\banaemi\w*|\banemi\w*",
    re.I,
)


def iron_dose_question(text: str) -> bool:
    """ "Should I take iron for my RLS? how much?": a dose question about iron, not magnesium
    (also when Sedorum is named: "how many mg of iron should I take, is sedorum's iron enough?")."""
    text = text or ""
    if (_ASKS_IRON_AMOUNT.search(text) or _IRON_RESULT.search(text)) and not re.search(r"\bmagnes\w*", text, re.I):
        # "My ferritin came back at 40. Should I start Sedorum, and how many a day?": a blood
        # result makes it a question for the doctor who reads it, not the magnesium limits.
        return True
    return bool(_IRON.search(text)) and not re.search(r"\b(?:magnes\w*|sedorum)\b", text, re.I)
