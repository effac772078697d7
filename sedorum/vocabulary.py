"""Names and limits that several layers must agree on, written once.

Why one module: the NLU components, the dialogue policy, the custom actions (a separate
process), the handoff store, the staff console and the messaging channels each used to spell
these out themselves; a rename in one place would silently break another. This module is on
the ground floor: it imports nothing of the project and nothing of Rasa.
"""

from __future__ import annotations

import re

# The intent every emergency ends up as (S1 in docs/safety.md): the classifier's, or the one the
# deterministic detector forces. Also in domain.yml, data/ and the tests' stories.
EMERGENCY_INTENT = "report_emergency"

# The slot that says whether staff have the conversation, and its values (domain.yml).
HANDOFF_SLOT = "handoff"
HANDOFF_WAITING = "waiting"  # a person was asked for; the assistant acknowledges messages
HANDOFF_CLAIMED = "claimed"  # a staff member answers; the assistant is silent except for S1
# The handoff store's statuses: the two above, and how a handoff ends.
HANDOFF_RETURNED = "returned"
HANDOFF_CLOSED = "closed"

# The longest message the model reads and the longest staff reply the console accepts
# (SEDORUM_MAX_MESSAGE_CHARS changes the first).
MAX_MESSAGE_CHARS = 2000

# An e-mail address: kept as a contact detail by the handoff, replaced by "[email]" in the logs.
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# A phone number a visitor leaves for staff to call back: generous, a person reads it.
CONTACT_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
# A phone number in a log line: stricter (not dates, versions or ids), 9+ digits or "+" and 7+;
# sedorum/edge/redaction.py also skips ISO dates and short numbers it matches.
LOGGED_PHONE = re.compile(
    r"(?<![\w.:/-])(?:\+\d[\d\s().\-]{6,}\d|\(?\d{2,5}\)?[\s.\-]?\d{2,5}[\s.\-]?\d{3,5}(?:[\s.\-]?\d{2,5})?)(?![\w:])"
)

STAFF_SIGNATURE = "{staff} (support team): {text}"


def sign_staff_reply(staff: str, text: str) -> str:
    """A staff reply as the visitor sees it on every channel: signed once with the staff name.

    The one place a reply is signed: the console stores the signed text in the conversation,
    and every channel sends the stored text as it is.
    """
    return STAFF_SIGNATURE.format(staff=staff, text=text)
