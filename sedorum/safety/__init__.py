"""Clinical safety engine of the Sedorum assistant (plain Python, no Rasa imports).

Public API:
    from sedorum.safety.profile import Profile                 the user's own facts (JSON-able)
    from sedorum.safety.extract import extract, interpret_answer
        extract(text) -> Extraction                            facts in a message (spaCy + medspaCy)
        interpret_answer(text, asked) -> Answer                a reply to one screening question (a TypedDict)
    from sedorum.safety.engine import evaluate, dose_allowed, dose_limit_text
        evaluate(profile) -> Screening                         rules.yml applied; .render() for the chat
        dose_allowed(profile) -> str                           "withhold_kidney" | "child" | "general"
    from sedorum.safety.emergency import detect_emergency
        detect_emergency(text) -> EmergencyMatch | None        regex safety net (no spaCy)

`extract` is not re-exported here because it is also the name of its module; importing this
package does not load spaCy (only sedorum.safety.extract does, on first use).
"""

from __future__ import annotations

from .emergency import EmergencyMatch, detect_all, detect_emergency
from .engine import Finding, Screening, dose_allowed, dose_limit_text, evaluate, load_rules
from .profile import SCREENING_QUESTIONS, Profile

__all__ = [
    "SCREENING_QUESTIONS",
    "EmergencyMatch",
    "Finding",
    "Profile",
    "Screening",
    "detect_all",
    "detect_emergency",
    "dose_allowed",
    "dose_limit_text",
    "evaluate",
    "load_rules",
]
