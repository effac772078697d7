"""What to say to a health question, given what the person has told us so far.

Why this module: a visitor who said "I'm 81 and take milk of magnesia" and then asks "how
much magnesium can I take?" must not get the generic 350 mg answer as if they had said
nothing. Every personal-health answer (dose, product, side effects, interactions, "is it
safe") goes through `plan_answer`, which applies the reviewed rules (engine.evaluate) to the
remembered profile plus the facts in the current message, and decides:

1. the findings the stated facts already trigger, stated first;
2. the topic answer, shaped by the profile (no mg figure with kidney disease, the child
   limits for a child, no amounts when a clinician must decide first);
3. for "is it safe for me?", whether to offer the questions that are still unknown
   (skippable) or to start them.

Plain Python: the Rasa actions only turn a `Plan` into messages and slot events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA

from .engine import Screening, dose_allowed, evaluate
from .lexicon import load_lexicon
from .phrasing import to_third_person
from .profile import Profile
from .subject import RELATIONS, SELF, Subject
from .timing import is_timing_question, timing_answer

# Topic intents whose answer depends on the person's health, and the static answer each
# starts from (domain.yml responses).
PERSONAL_TOPICS: dict[str, str] = {
    "ask_dosage": "utter_dosage",
    "ask_side_effects": "utter_side_effects",
    "ask_product_info": "utter_product_info",
    "ask_supplement_forms": "utter_supplement_forms",
    "ask_magnesium_rls": "utter_magnesium_rls",
    "ask_pregnancy": "utter_pregnancy",
}
SAFETY_CHECK = "check_safety"


@dataclass
class Reply:
    """One chat message: a literal text, or a domain response by name (with its slots)."""

    text: str | None = None
    response: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    replies: list[Reply]
    # Rule ids whose advice has now been given in full (so later answers only remind).
    told: list[str] = field(default_factory=list)
    # "offer": ask whether to check what is still unknown; "start": start the questions now.
    screening: str | None = None
    missing: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- other medicines

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


def other_medicine_in_dose_question(text: str) -> str | None:
    """The other medicine a dose question is about ("ibuprofen", "Lantus"), or None.

    Why: "How much ibuprofen can I take?" is classified as a dose question, and the magnesium
    upper limit is a wrong and unsafe answer to it. Only the prescriber or pharmacist can
    answer doses of another medicine.
    """
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
    if _INSULIN_UNITS.search(text or "") and not re.search(r"\b(?:magnes|sedorum)", text or "", re.I):
        return "that medicine"
    return None


# ----------------------------------------------------------------------------- doses


def dose_text(profile: Profile, screening: Screening, subject: Subject = SELF) -> Reply:
    """The answer to "how much can I take?" for this person (S2, S4, S5, S7)."""
    kind = dose_allowed(profile)
    if kind == "general" and screening.has_stop:
        stop = [f for f in screening.findings if f.severity == "stop"]
        who = screening.ending(subject)
        text = (
            f"Because of {stop[0].title.lower()}, I won't give any amounts for you. {who}"
            if subject.is_self
            else f"Because of {stop[0].title.lower()}, I won't give any amounts for {subject.label}. {who}"
        )
        return Reply(text=text)
    if kind == "general" and subject.is_self:
        return Reply(response="utter_dosage")
    from .engine import dose_limit_text

    text = dose_limit_text(profile)
    if not subject.is_self and kind != "child":
        text = to_third_person(text, subject)
    return Reply(text=text)


# ----------------------------------------------------------------------------- the plan


def has_facts(profile: Profile) -> bool:
    return not profile.is_empty()


def plan_answer(
    intent: str,
    profile: Profile,
    subject: Subject = SELF,
    text: str = "",
    told: list[str] | None = None,
    restate: bool = True,
) -> Plan:
    """What to answer to `intent` for this person.

    `told`: rule ids already explained; `restate=False` when they were just said.
    """
    told = list(told or [])
    if intent == "ask_dosage":
        medicine = other_medicine_in_dose_question(text)
        if medicine:
            return Plan(replies=[Reply(response="utter_dose_other_medicine", kwargs={"medicine": medicine})], told=told)
    screening = evaluate(profile)
    replies: list[Reply] = []
    # Personal answers restate the findings in full: a dose, product or side-effect answer
    # is where they matter, and a shorter reminder would lose the reason ("it can build up").
    new = [f for f in screening.findings if f.rule_id not in told or (restate and intent in PERSONAL_TOPICS)]
    if intent == SAFETY_CHECK:
        return _plan_safety_check(profile, screening, subject, told)
    if new:
        replies.append(Reply(text=screening.render(subject)))
        told += [f.rule_id for f in new if f.rule_id not in told]
    if intent == "ask_dosage" and is_timing_question(text) and dose_allowed(profile) == "general":
        # "When is the best time to take it?": the spacing rules answer it, not the limit.
        replies.append(Reply(text=timing_answer(profile)))
    elif intent == "ask_dosage":
        replies.append(dose_text(profile, screening, subject))
    elif intent in PERSONAL_TOPICS:
        replies.append(Reply(response=PERSONAL_TOPICS[intent]))
    if not subject.is_self and not screening.findings and profile.missing():
        # Asked for someone we know little about: say what would let us advise on them.
        replies.append(Reply(text=invite_text(profile.missing(), subject)))
    return Plan(replies=replies, told=told)


def invite_text(missing: list[str], subject: Subject) -> str:
    """An invitation to tell us about the person the visitor asks for."""
    topics = [QUESTION_TOPICS[m] for m in missing if m in QUESTION_TOPICS]
    listed = ", ".join(topics[:-1]) + " and " + topics[-1] if len(topics) > 1 else "".join(topics)
    possessive = {"he": "his", "she": "her"}.get(subject.pronoun, "their")
    return (
        f"If you tell me about {possessive} {listed}, I can say who {subject.pronoun} should check with "
        f"before taking Sedorum."
    )


def _plan_safety_check(profile: Profile, screening: Screening, subject: Subject, told: list[str]) -> Plan:
    missing = profile.missing()
    if screening.findings:
        # The findings the stated facts already trigger come first; the rest is optional.
        replies = [Reply(text=screening.render(subject))]
        plan = Plan(replies=replies, told=told + [f.rule_id for f in screening.findings if f.rule_id not in told])
        if missing:
            plan.screening = "offer"
            plan.missing = missing
        return plan
    if not missing:
        return Plan(replies=[Reply(text=screening.render(subject))], told=told)
    return Plan(replies=[], told=told, screening="start", missing=missing)


QUESTION_TOPICS = {
    "age": "age",
    "kidney_disease": "kidneys",
    "heart_condition": "heart",
    "pregnancy_status": "pregnancy",
    "medications": "medicines",
}


def offer_text(missing: list[str], subject: Subject = SELF) -> str:
    """The skippable offer to check what is still unknown."""
    topics = [QUESTION_TOPICS[m] for m in missing if m in QUESTION_TOPICS]
    listed = ", ".join(topics[:-1]) + " and " + topics[-1] if len(topics) > 1 else "".join(topics)
    about = "you" if subject.is_self else {"he": "him", "she": "her"}.get(subject.pronoun, "them")
    return (
        f"I can also ask {len(topics)} short question{'s' if len(topics) != 1 else ''} about {about} "
        f"({listed}) to check for anything else. Shall I?"
    )
