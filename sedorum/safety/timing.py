"""Answers "when is the best time to take it?" from the spacing rules, the user's own first.

Why: the timing question is a dose-style question (NLU intent ask_dosage), but the upper
limit does not answer it. What the fact sheet does support is spacing: Sedorum has calcium,
magnesium and iron, and each of them keeps certain medicines (or iron itself) from being
taken in [SmPC-FeSO4][ODS*][SmPC-MgAsp]. The answer never names a time of day (no source
does), puts the gaps for the medicines the user told us about first, and ends with the
pharmacist and the source line.
"""

from __future__ import annotations

import re

from . import wording
from .engine import sources_line
from .profile import Profile
from .spacing import load_spacing

_TIMING_RE = re.compile(
    r"\b(?:when|what time|which time|time of (?:the )?day|morning or (?:night|evening)|night or morning|"
    r"at night|in the morning|before bed(?:time)?|bedtime|with (?:food|meals?|breakfast|dinner)|"
    r"empty stomach|how (?:far|long) apart|same time|how long (?:after|before)|gap between|"
    # "swallow them together at breakfast, is that ok?"
    r"together|at (?:breakfast|lunch|dinner|tea|supper)(?:\s*time)?|in one go|(?:space|spread) (?:them )?out)\b",
    re.IGNORECASE,
)
_ABOUT_TAKING_RE = re.compile(r"\b(?:take|taking|took|have|use|best|swallow|swallowing|pop)\b", re.IGNORECASE)
_AMOUNT_RE = re.compile(
    r"\bhow (?:much|many)\b|\bdose\b|\bmg\b|\b\d+\s*(?:\w+\s+)?(?:tablets?|pills?|capsules?)\b", re.IGNORECASE
)


def is_timing_question(text: str) -> bool:
    """True for "when / what time / with food" questions about taking it, not "how much"."""
    return bool(_TIMING_RE.search(text) and _ABOUT_TAKING_RE.search(text) and not _AMOUNT_RE.search(text))


def timing_answer(profile: Profile) -> str:
    """Spacing advice (spacing.yml), the user's own medicines first; never a time of day or a dose."""
    gaps = load_spacing()
    own = [gap for gap in gaps if gap.medicines & profile.medications]
    rest = [gap for gap in gaps if gap not in own]
    lines = [wording.text("timing.intro")]
    if own:
        lines.append(wording.text("timing.own"))
        lines += [f"- {gap.text}" for gap in own]
        lines.append(wording.text("timing.rest_after_own"))
    else:
        lines.append(wording.text("timing.rest"))
    lines += [f"- {gap.text}" for gap in rest]
    lines.append(wording.text("timing.blood_test"))
    lines.append(wording.text("timing.pharmacist"))
    keys = [key for gap in own + rest for key in gap.sources] + ["AASM-CPG"]
    lines.append(sources_line(keys))
    return "\n".join(lines)
