"""What a contact detail looks like: an e-mail address and a phone number, written once.

Why one module: the handoff keeps a contact detail a visitor leaves for staff, and the log
redaction removes the same details from every log line; if the two disagreed, a detail kept
for staff could still leak into the logs. On the ground floor: it imports nothing of the
project.
"""

from __future__ import annotations

import re

# An e-mail address: kept as a contact detail by the handoff, replaced by "[email]" in the logs.
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# A phone number a visitor leaves for staff to call back: generous, a person reads it.
CONTACT_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
# A phone number in a log line: stricter (not dates, versions or ids), 9+ digits or "+" and 7+;
# sedorum/edge/redaction.py also skips ISO dates and short numbers it matches.
LOGGED_PHONE = re.compile(
    r"(?<![\w.:/-])(?:\+\d[\d\s().\-]{6,}\d|\(?\d{2,5}\)?[\s.\-]?\d{2,5}[\s.\-]?\d{3,5}(?:[\s.\-]?\d{2,5})?)(?![\w:])"
)
