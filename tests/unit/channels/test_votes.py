"""Which assistant messages get the vote buttons, what a vote button carries, and how a vote is
stored (sedorum.channels.votes), without a server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.channels import votes
from sedorum.stores.tracker_store import ErasableSQLTrackerStore
from tests.unit.channels.harness import vote_data

ANSWER = "Magnesium is a mineral found in nuts, seeds and green vegetables."
STORED = {"timestamp": 1_760_000_000.0}  # what Rasa hands over with a stored message


@pytest.mark.parametrize(
    ("text", "message", "expected"),
    [
        (ANSWER, {**STORED, "utter_action": "utter_magnesium_overview"}, True),
        (ANSWER, {**STORED}, True),  # a custom action's own text
        ("Call 999 now.", {**STORED, "utter_action": "utter_emergency"}, False),
        ("Staff alerted.", {**STORED, "utter_action": "utter_emergency_staff_alerted"}, False),
        ("Call 999 or go to A&E with the packet.", {**STORED, "utter_action": "utter_emergency_poisoning"}, False),
        ("Please get this checked today.", {**STORED, "utter_action": "utter_urgent_same_day"}, False),
        ("How old are you?", {**STORED, "utter_action": "utter_ask_age"}, False),
        ("A person will answer.", {**STORED, "utter_action": "utter_handoff_in_hours"}, False),
        ("Your data is deleted.", {**STORED, "utter_action": "utter_data_deleted"}, False),
        ("Kept until staff close it.", {**STORED, "utter_action": "utter_data_deletion_deferred"}, False),
        ("Nothing was deleted.", {**STORED, "utter_action": "utter_deletion_cancelled"}, False),
        ("We will contact you.", {**STORED, "utter_action": "utter_contact_saved"}, False),
        ("Sam (support team): Hi", {**STORED, "staff": "Sam", "staff_text": "Hi"}, False),
        (ANSWER, {}, False),  # a guard's reply outside a turn: not stored, nothing to vote on
        ("   ", {**STORED}, False),
    ],
)
def test_which_messages_are_voted_on(text: str, message: dict, expected: bool) -> None:
    assert votes.votable(text, message) is expected


def test_the_vote_buttons_come_after_the_answers_own_options() -> None:
    options = [{"title": "Side effects", "payload": "/ask_side_effects"}]
    assert votes.choices(ANSWER, options, STORED) == [
        options[0],
        {"title": "👍 Helpful", "payload": vote_data("up", ANSWER)},
        {"title": "👎 Not helpful", "payload": vote_data("down", ANSWER)},
    ]
    assert votes.choices(ANSWER, options, {}) == options
    assert votes.options_only(votes.choices(ANSWER, options, STORED)) == options


def test_a_vote_button_fits_telegrams_64_bytes_and_reads_back() -> None:
    data = votes.payload("down", ANSWER)
    assert data == vote_data("down", ANSWER) and len(data.encode()) <= 64
    assert votes.parse(data) == votes.Vote("down", data.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    "data",
    ["/ask_side_effects", "vote:maybe:0123456789abcdef", "vote:up:0123", "vote:up:0123456789ABCDEF", "vote:", "", None],
)
def test_anything_else_is_not_a_vote(data: str | None) -> None:
    assert votes.parse(data) is None


def test_what_the_voter_reads() -> None:
    assert votes.acknowledgement("up", True) == "Thanks for telling us."
    assert votes.acknowledgement("down", True) == (
        "Thanks for telling us. Would you like to talk to a person from our support team?"
    )
    assert votes.acknowledgement("up", False) == "Sorry, your vote could not be saved."


def test_a_vote_is_stored_against_the_conversations_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SEDORUM_TRACKER_DB_URL", raising=False)
    store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker("chat-1", [])
    tracker.update(BotUttered(ANSWER, metadata={"utter_action": "utter_magnesium_overview"}, timestamp=time.time()))
    asyncio.run(store.save(tracker))
    up = votes.parse(votes.payload("up", ANSWER))
    assert up is not None
    assert asyncio.run(votes.record("chat-1", up, "telegram")) is True
    assert asyncio.run(votes.record("chat-2", up, "telegram")) is False  # not that conversation's answer
    other = votes.parse(votes.payload("up", "An answer never sent"))
    assert other is not None and asyncio.run(votes.record("chat-1", other, "telegram")) is False
