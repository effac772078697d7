"""Answers "when is the best time to take it?" from the spacing rules, the user's own first.

Why: the timing question is a dose-style question (NLU intent ask_dosage), but the 350 mg
limit does not answer it. What the fact sheet does support is spacing: Sedorum has calcium,
magnesium and iron, and each of them keeps certain medicines (or iron itself) from being
taken in [SmPC-FeSO4][ODS*][SmPC-MgAsp]. The answer never names a time of day (no source
does), puts the gaps for the medicines the user told us about first, and ends with the
pharmacist and the source line.
"""

from __future__ import annotations

import re

from .engine import sources_line
from .profile import Profile

_TIMING_RE = re.compile(
    r"\b(?:when|what time|which time|time of (?:the )?day|morning or (?:night|evening)|night or morning|"
    r"at night|in the morning|before bed(?:time)?|bedtime|with (?:food|meals?|breakfast|dinner)|"
    r"empty stomach|how (?:far|long) apart|same time|how long (?:after|before)|gap between)\b",
    re.IGNORECASE,
)
_ABOUT_TAKING_RE = re.compile(r"\b(?:take|taking|took|have|use|best)\b", re.IGNORECASE)
_AMOUNT_RE = re.compile(r"\bhow (?:much|many)\b|\bdose\b|\bmg\b", re.IGNORECASE)

# (medication ids the line is about, the line, its source keys). Lines for the user's own
# medicines come first.
_GAPS: tuple[tuple[frozenset[str], str, tuple[str, ...]], ...] = (
    (
        frozenset({"oral_iron", "calcium_supplement", "magnesium_antacid"}),
        "Iron tablets, calcium pills and antacids: keep them at least 2 hours apart from Sedorum. "
        "Calcium and magnesium lower how much iron your body takes in.",
        ("SmPC-FeSO4",),
    ),
    (
        frozenset({"tetracycline", "quinolone", "antibiotic_unnamed"}),
        "Antibiotics such as doxycycline or ciprofloxacin: take the antibiotic at least 2 hours "
        "before Sedorum, or 4 to 6 hours after it.",
        ("ODS*", "SmPC-MgAsp"),
    ),
    (
        frozenset({"bisphosphonate"}),
        "Bone medicines such as alendronate: at least 2 hours apart. One magnesium label says 3 to 4 hours.",
        ("ODS*", "SmPC-MgAsp"),
    ),
    (
        frozenset({"levodopa"}),
        "Levodopa: iron lowers how much of it your body takes in. So do not take them at the "
        "same time. Ask your pharmacist how far apart.",
        ("SmPC-FeSO4",),
    ),
    (
        frozenset({"levothyroxine"}),
        "Thyroid medicine (levothyroxine): ask your pharmacist how far apart to take it and Sedorum.",
        ("SmPC-FeSO4",),
    ),
)
_BLOOD_TEST = (
    "For an iron blood test, guidelines say to have it in the morning, after at least 24 hours "
    "without supplements or foods that contain iron."
)


def is_timing_question(text: str) -> bool:
    """True for "when / what time / with food" questions about taking it, not "how much"."""
    return bool(_TIMING_RE.search(text) and _ABOUT_TAKING_RE.search(text) and not _AMOUNT_RE.search(text))


def timing_answer(profile: Profile) -> str:
    """Spacing advice, the user's own medicines first; never a time of day or a dose."""
    own = [gap for gap in _GAPS if gap[0] & profile.medications]
    rest = [gap for gap in _GAPS if gap not in own]
    lines = ["I can't tell you the best time of day for you. Follow the label on the pack."]
    if own:
        lines.append("You told me about medicines that need a gap from Sedorum:")
        lines += [f"- {text}" for _, text, _ in own]
        lines.append("Other things that need a gap:")
    else:
        lines.append("Sedorum has calcium, magnesium and iron. So some things need a gap from it:")
    lines += [f"- {text}" for _, text, _ in rest]
    lines.append(_BLOOD_TEST)
    lines.append("Your pharmacist can help you plan the times.")
    keys = [key for _, _, gap_keys in own + rest for key in gap_keys] + ["AASM-CPG"]
    lines.append(sources_line(keys))
    return "\n".join(lines)
