"""Handoff outside office hours: the visitor hears the hours, leaves a contact, staff see it.

Own stack (ports 5220/5270) with SEDORUM_OFFICE_HOURS_ALWAYS_OPEN=0, so the result does not
depend on the clock; the in-hours path is covered with =1 in test_widget_browser.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sedorum.handoff.accounts import hash_password
from sedorum.handoff.hours import ALWAYS_OPEN_ENV, office_status
from sedorum.server.stack import RunningStack, running_stack
from tests.conftest import ARTIFACTS, Chat, stack_env
from tests.e2e.test_handoff_api import StaffClient
from tests.ports import port

PASSWORD = "night-" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def closed_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("closed-var")
    env = stack_env(
        var,
        port(5220),
        port(5270),
        SEDORUM_OFFICE_HOURS_ALWAYS_OPEN="0",
        SEDORUM_STAFF_USERS=f"night:{hash_password(PASSWORD)}",
        SEDORUM_HANDOFF_DB_URL=f"sqlite:///{var / 'handoff.db'}",
    )
    with running_stack(env, log_dir=ARTIFACTS / "logs" / "out-of-hours") as running:
        yield running


# config/handoff.yml: weekdays 08:00-20:00 in Europe/London, labelled "UK time".
OFFICE_HOURS = "Monday to Friday, 8:00 to 20:00 (UK time)"
NEXT_OPENING = re.compile(r"\b(?:today|tomorrow|on (?:Monday|Tuesday|Wednesday|Thursday|Friday)) at 8:00 \(UK time\)")


def test_out_of_hours_handoff_asks_for_a_contact(closed_stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALWAYS_OPEN_ENV, "0")
    chat = Chat(closed_stack.url)
    reply = chat.say("Can I talk to someone from your team?")
    assert OFFICE_HOURS in reply, reply
    # When the office opens next depends on the clock; that it is said, and the same as the
    # schedule's own answer now, does not.
    assert NEXT_OPENING.search(reply), reply
    assert office_status().next_open_text in reply, reply
    assert "email" in reply.lower() and "phone" in reply.lower(), reply

    saved = chat.say("Yes, please email me at ann.visitor@example.org")
    assert "contact" in saved.lower(), saved

    staff = StaffClient(closed_stack, "night", PASSWORD)
    handoff = staff.waiting_for(chat.sender)
    assert handoff["contact"] == "ann.visitor@example.org"
    assert handoff["reason"] == "asked_for_person"
    audit = staff.detail(handoff["id"])["audit"]
    assert [a["action"] for a in audit] == ["requested", "contact_saved"]
    assert all(a["text"] != "ann.visitor@example.org" for a in audit), "the audit row does not copy the contact"
