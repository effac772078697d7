"""A contact detail the handoff keeps for staff never reaches a log line.

Why: the handoff (actions/handoff.py) keeps the first e-mail address or phone number a
waiting visitor writes, and the log redaction (sedorum/edge/redaction.py) must remove that
same detail from every log line. Both read sedorum/contact_patterns.py; this holds them to it.
"""

from __future__ import annotations

import pytest

from sedorum.contact_patterns import CONTACT_PHONE, EMAIL
from sedorum.edge.redaction import redact

LEFT_FOR_STAFF = [
    ("please call me on +44 7700 900123", "+44 7700 900123"),
    ("my number is 020 7946 0958", "020 7946 0958"),
    ("ring 07700-900-456 thanks", "07700-900-456"),
    ("(0161) 496 0000 after six", "0161) 496 0000"),
    ("mail me at anna.k@example.org", "anna.k@example.org"),
    ("write to j.smith+rls@mail.example.co.uk or call", "j.smith+rls@mail.example.co.uk"),
]


def _kept(message: str) -> str | None:
    found = EMAIL.search(message) or CONTACT_PHONE.search(message)
    return found.group(0).strip() if found else None


@pytest.mark.parametrize(("message", "contact"), LEFT_FOR_STAFF)
def test_the_handoff_keeps_the_contact_and_the_logs_lose_it(message: str, contact: str) -> None:
    assert _kept(message) == contact
    logged = redact(message)
    assert contact not in logged
    assert not any(digit in logged for digit in "0123456789")
    assert "@" not in logged


@pytest.mark.parametrize("message", ["I take 350 mg a day", "is 2 x 150 mg too much?", "my husband is 71"])
def test_a_dose_or_an_age_is_no_contact(message: str) -> None:
    assert _kept(message) is None
