"""What goes to the action server: a bounded tail of events that our actions still work with,
the domain built once, and (when enabled) one kept-alive HTTP connection for many calls."""

from __future__ import annotations

import asyncio

from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from actions.handoff import previous_user_intent
from sedorum.patches import action_client
from sedorum.patches.action_client import action_tracker_state, cached_domain_dict, event_tail

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_dosage, nlu_fallback]
slots:
  handoff:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: "hi"}]
actions: [action_answer_dosage]
"""
)


def long_tracker(turns: int = 50) -> DialogueStateTracker:
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME), DOMAIN)
    tracker.update(SlotSet("handoff", "waiting"), DOMAIN)  # set early: must still be sent
    for number in range(turns):
        intent = "nlu_fallback" if number >= turns - 2 else "greet"
        tracker.update_with_events(
            [
                UserUttered(f"m{number}", {"name": intent, "confidence": 1.0}, input_channel="rest"),
                ActionExecuted("utter_greet"),
                BotUttered(f"r{number}"),
                ActionExecuted(ACTION_LISTEN_NAME),
            ],
            DOMAIN,
        )
    return tracker


def test_event_tail_starts_at_the_nth_last_user_message() -> None:
    events = list(long_tracker(10).events)
    tail = event_tail(events, 3)
    assert [e.text for e in tail if isinstance(e, UserUttered)] == ["m7", "m8", "m9"]
    assert isinstance(tail[0], UserUttered)
    assert event_tail(events, 0) == events
    assert event_tail(events, 50) == events, "shorter than the bound: everything"


def test_trimmed_state_keeps_what_actions_read() -> None:
    tracker = long_tracker(50)
    state = action_tracker_state(tracker, 5)
    assert len(state["events"]) < len(tracker.events) / 5
    sdk_tracker = Tracker.from_dict(state)
    assert sdk_tracker.get_slot("handoff") == "waiting", "slots travel in the state, not the events"
    assert sdk_tracker.latest_message["text"] == "m49"
    assert sdk_tracker.get_latest_input_channel() == "rest"
    assert previous_user_intent(sdk_tracker) == "nlu_fallback", "actions/handoff.py reads the last two"


def test_by_default_the_actions_get_every_visitor_message_of_the_session(monkeypatch) -> None:  # noqa: ANN001
    """The safety engine reads facts from the whole conversation (actions/conversation.py): a
    trimmed tail forgot a kidney condition stated six messages before a dose question."""
    from actions.conversation import turns
    from sedorum.settings import Settings

    monkeypatch.delenv("SEDORUM_ACTION_EVENT_TURNS", raising=False)
    tracker = long_tracker(30)
    state = action_tracker_state(tracker, Settings.from_env().action_event_turns)
    told = [turn.text for turn in turns(Tracker.from_dict(state))]
    assert told[0] == "m0" and len(told) == 30


def test_remote_action_payload_is_trimmed_and_domain_cached() -> None:
    original = RemoteAction._action_call_format
    try:
        action_client.install_payload_trim(event_turns=5)
        action = RemoteAction("action_answer_dosage", EndpointConfig("http://127.0.0.1:1/webhook"))
        tracker = long_tracker(50)
        payload = action._action_call_format(tracker, DOMAIN)
        assert payload["next_action"] == "action_answer_dosage"
        assert payload["sender_id"] == "c1"
        assert sum(e["event"] == "user" for e in payload["tracker"]["events"]) == 5
        assert payload["domain"] == DOMAIN.as_dict()
        assert action._action_call_format(tracker, DOMAIN)["domain"] is cached_domain_dict(DOMAIN)
    finally:
        RemoteAction._action_call_format = original


async def _peer_ports(calls: int) -> list[int]:
    """Calls a local server `calls` times through EndpointConfig.request; the client ports it saw."""
    ports: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        assert request.transport is not None
        ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        for _ in range(calls):
            assert await endpoint.request(json={"next_action": "x"}, method="post") == {"events": [], "responses": []}
        await action_client.close_shared_sessions()
    finally:
        await runner.cleanup()
    return ports


def test_shared_session_reuses_one_connection_and_rasas_default_does_not() -> None:
    try:
        action_client.install_shared_session()
        shared = asyncio.run(_peer_ports(5))
        action_client.uninstall_shared_session()
        fresh = asyncio.run(_peer_ports(5))
    finally:
        action_client.uninstall_shared_session()
    assert len(set(shared)) == 1, shared
    assert len(set(fresh)) == 5, fresh


def test_response_validation_accepts_valid_and_rejects_invalid_responses() -> None:
    from jsonschema import ValidationError

    original = RemoteAction._validate_action_result
    try:
        action_client.install_fast_response_validation()
        action = RemoteAction("action_answer_dosage", EndpointConfig("http://127.0.0.1:1/webhook"))
        assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []})
        try:
            action._validate_action_result({"events": [{"no_event_key": 1}], "responses": []})
        except ValidationError as error:
            assert "Failed to validate Action server response" in error.message
        else:
            raise AssertionError("an event without 'event' must be rejected")
    finally:
        RemoteAction._validate_action_result = original
