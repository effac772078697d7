"""The decision table of the policy that enforces S1 and handoff silence in every state."""

from __future__ import annotations

import pytest

from sedorum.rasa_ext.safety_policy import next_safety_action

LISTEN = "action_listen"


@pytest.mark.parametrize("handoff", [None, "waiting", "claimed"])
def test_emergency_reply_comes_first_in_every_handoff_state(handoff: str | None) -> None:
    assert next_safety_action(LISTEN, "report_emergency", handoff) == "utter_emergency"


def test_emergency_reply_is_followed_by_the_staff_alert_then_listening() -> None:
    assert next_safety_action("utter_emergency", "report_emergency", None) == "action_flag_emergency"
    assert next_safety_action("action_flag_emergency", "report_emergency", "waiting") == LISTEN


def test_claimed_conversation_stays_silent() -> None:
    assert next_safety_action(LISTEN, "ask_dosage", "claimed") == LISTEN
    assert next_safety_action(LISTEN, "greet", "claimed") == LISTEN


def test_waiting_conversation_gets_the_waiting_action_once() -> None:
    assert next_safety_action(LISTEN, "ask_dosage", "waiting") == "action_handoff_waiting"
    assert next_safety_action("action_handoff_waiting", "ask_dosage", "waiting") == LISTEN


@pytest.mark.parametrize("handoff", ["waiting", "claimed"])
def test_deletion_requests_pass_through_a_handoff(handoff: str) -> None:
    assert next_safety_action(LISTEN, "delete_data", handoff) is None


def test_abstains_in_normal_dialogue() -> None:
    assert next_safety_action(LISTEN, "ask_dosage", None) is None
    assert next_safety_action("utter_greet", "greet", None) is None


def test_an_emergency_only_the_classifier_heard_gets_the_urgent_help_lines_then_listening() -> None:
    assert next_safety_action(LISTEN, "report_emergency", None, reply_kind="unconfirmed") == "action_urgent_help"
    assert next_safety_action("action_urgent_help", "report_emergency", "waiting") == LISTEN
