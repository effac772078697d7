"""Advice about conditions the user asked about in general ("if I had kidney disease...").

Why: S11 says a hypothetical or someone else's condition is never the user's own, so it must
not enter their profile. But the question still deserves an answer: the same reviewed rule
advice, framed as general information ("For someone with kidney disease: ..."), never as a
verdict about the user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sedorum.safety import wording
from sedorum.safety.engine import evaluate, sources_line
from sedorum.safety.extract import Extraction
from sedorum.safety.phrasing import to_third_person
from sedorum.safety.profile import Profile
from sedorum.safety.subject import Subject, names_a_young_child

GENERAL_REASONS = frozenset({"hypothetical", "family"})


def general_advice(extraction: Extraction) -> str | None:
    """Advice for conditions mentioned hypothetically or about someone else.

    Conditions only: "can I take magnesium" mentions a product hypothetically, and a general
    note about it would only add noise.
    """
    conditions = {m.id for m in extraction.excluded if m.reason in GENERAL_REASONS and m.kind == "condition"}
    if not conditions:
        return None
    screening = evaluate(Profile(conditions=conditions))
    if not screening.findings:
        return None
    # One message: channels split a text at blank lines, and the header must stay with it.
    lines = [wording.text("findings.general_header")]
    # Said about "them" (anyone who has it), not to "you": the visitor did not say they have it.
    anyone = Subject(key="anyone", group="other", pronoun="they")
    lines += [f"{finding.title}: {to_third_person(finding.advice, anyone)}" for finding in screening.findings]
    lines.append(sources_line(screening.sources))
    return "\n".join(lines)


# Tablets kept where a child lives or visits: "my 2 year old can open the drawer I keep my iron in",
# "grandkids are coming to stay, anything I should do about my tablets?"
_TABLETS = re.compile(r"\b(?:tablets?|pills?|iron|sedorum|medicines?|meds|vitamins?|gummies|capsules?)\b", re.I)
_KEPT = re.compile(
    r"\b(?:keep|kept|store|stored|drawer|cupboard|shelf|bag|handbag|bedside|counter|reach|open|opens|lid|"
    r"staying|stay|visit|visiting|coming)\b",
    re.I,
)


# "where should I keep my sedorum while they're here?": asked after the children were named.
_WHERE_TO_KEEP = re.compile(
    r"\b(?:where|how)\s+(?:should|do|can|shall|would|to)\s+(?:i\s+|we\s+)?(?:best\s+)?(?:keep|store|put|hide)\b",
    re.I,
)


def storage_advice(text: str, earlier: Sequence[str] = ()) -> str | None:
    """Where tablets are kept around children: out of their reach and sight (iron can kill a child).
    `earlier`: the visitor's previous messages, most recent first (the children named before)."""
    advice = wording.text("general.storage") + "\n" + sources_line(("PI-FE-LEVO", "SmPC-FeSO4"))
    if names_a_young_child(text) and _TABLETS.search(text) and _KEPT.search(text):
        return advice
    asks_where = _WHERE_TO_KEEP.search(text) and (_TABLETS.search(text) or re.search(r"\b(?:it|them)\b", text, re.I))
    if asks_where and any(names_a_young_child(before) for before in earlier[:3]):
        return advice
    return None


_CRAMPS = re.compile(
    r"\bcramp(?:s|ing|ed)?\b|\bcharley\s+horses?\b"
    # a cramp described without the word: "woke with my calf in a rock hard knot"
    r"|\b(?:calf|calves|foot|feet|toes?|thighs?|hamstrings?|leg|legs)\b[^.!?]{0,30}?"
    r"\b(?:rock[- ]hard|in\s+(?:a\s+)?knots?|knotted|seiz(?:es|ed|ing)\s+up|lock(?:s|ed|ing)\s+up)\b",
    re.I,
)
_STOMACH = re.compile(r"\b(?:stomach|tummy|belly|abdominal|period)\s+cramp", re.I)


def cramps_advice(text: str) -> str | None:
    """A question about leg cramps: not RLS, and magnesium is unlikely to help much (Cochrane 2020).

    Stomach cramps are a side effect, answered by the side-effects text, not here.
    """
    if _CRAMPS.search(text) and not _STOMACH.search(text):
        return wording.text("general.cramps") + "\n" + sources_line(("COCH-CRAMP",))
    return None


# "Eight months of hardly any sleep because of my legs. Nothing works.": a story of restless legs
# that asks nothing the classifier knows. Legs (or RLS) with lost sleep or nothing helping.
_LEGS = re.compile(r"\b(?:legs?|rls|restless|willis[- ]ekbom)\b", re.I)
_SUFFERING = re.compile(
    r"\b(?:(?:no|hardly\s+any|barely\s+any|little|can'?t|cannot|couldn'?t)\s+sleep\w*|sleepless|awake|"
    r"nothing\s+(?:works|helps|has\s+helped|worked)|tried\s+everything|exhausted|at\s+my\s+wits'?\s+end|desperate)\b",
    re.I,
)


def rls_complaint(text: str) -> bool:
    """True for a story of restless legs and lost sleep that asks no question the assistant knows.

    Why: "sorry, I didn't understand" is the worst reply to someone awake at 3 am with their
    legs; what guidelines say helps (and seeing a GP) is what they came for.
    """
    return bool(_LEGS.search(text or "")) and bool(_SUFFERING.search(text or ""))


_BLOOD_TEST = re.compile(
    r"\bblood\s*tests?\b|\bbloods\b|\bferritin\b|\biron\s+(?:test(?:ed)?|check(?:ed)?|levels?|studies|stores)\b"
    r"|\b(?:check|test)\s+(?:my|his|her|your|their)?\s*iron\b",
    re.I,
)


def blood_test_advice(text: str) -> str | None:
    """A message about a blood test or ferritin: for RLS, iron is what to check (AASM 2024).

    Why: "my granddaughter says I should get a blood test" or "my ferritin was 40 and the GP
    said that's normal" reads as off-topic or as a safety question, but the RLS threshold for
    iron (ferritin 75 or less) is exactly what the visitor needs to know.
    """
    if _BLOOD_TEST.search(text or ""):
        return wording.text("general.blood_test") + "\n" + sources_line(("AASM-CPG",))
    return None


# "Is caffeine a trigger?", "and what about a glass of wine at night?": the things that can make
# RLS worse, asked about one by one.
_TRIGGER = re.compile(
    r"\b(?:wine|beer|alcohol|booze|drinking|pints?|spirits|whisky|gin|coffee|caffeine|tea|cola|energy\s+drinks?|"
    r"smok\w*|cigarettes?|nicotine|vap\w*)\b",
    re.I,
)


def asks_about_a_trigger(text: str) -> bool:
    """True for a question about something that can make RLS worse (alcohol, caffeine, nicotine).

    Why: read alone, "what about a glass of wine at night?" looks off-topic; what is known about
    triggers (the causes answer) is what the visitor asks for.
    """
    return bool(_TRIGGER.search(text or "")) and (
        "?" in (text or "") or bool(re.search(r"\bwhat about\b", text or "", re.I))
    )
