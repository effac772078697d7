"""Advice about conditions the user asked about in general ("if I had kidney disease...").

Why: S11 says a hypothetical or someone else's condition is never the user's own, so it must
not enter their profile. But the question still deserves an answer: the same reviewed rule
advice, framed as general information ("For someone with kidney disease: ..."), never as a
verdict about the user.
"""

from __future__ import annotations

from sedorum.safety import wording
from sedorum.safety.engine import evaluate, sources_line
from sedorum.safety.extract import Extraction
from sedorum.safety.profile import Profile

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
    lines += [f"{finding.title}: {finding.advice}" for finding in screening.findings]
    lines.append(sources_line(screening.sources))
    return "\n".join(lines)
