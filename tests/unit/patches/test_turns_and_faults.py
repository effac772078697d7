"""Faults inside a turn: a broken action server and a broken store never leave the user silent or misled."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, FollowupAction, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from sedorum.edge import turn_report
from sedorum.edge.inputs import EMPTY_MESSAGE_REPLY, SLOW_DOWN_REPLY
from sedorum.edge.ratelimit import TokenBucketLimiter
from sedorum.patches import faults, turns
from sedorum.settings import PROJECT_ROOT, Settings

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets faults/turns patch Rasa for one test; monkeypatch restores the classes afterwards."""
    import rasa.core.actions.action as rasa_action
    from rasa.core.processor import MessageProcessor

    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    monkeypatch.setattr(RemoteAction, "_sedorum_faults_patched", False, raising=False)
    monkeypatch.setattr(RemoteAction, "_sedorum_timeout_s", 10.0, raising=False)
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", rasa_action.DEFAULT_REQUEST_TIMEOUT)
    monkeypatch.setattr(Agent, "handle_message", Agent.handle_message)
    monkeypatch.setattr(Agent, "_create_tracker_store", Agent._create_tracker_store)
    monkeypatch.setattr(Agent, "_sedorum_turns_patched", False, raising=False)
    monkeypatch.setattr(Agent, "_sedorum_settings", None, raising=False)
    monkeypatch.setattr(Agent, "_sedorum_sender_limiter", None, raising=False)
    monkeypatch.setattr(MessageProcessor, "handle_message", MessageProcessor.handle_message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tracker_after(text: str, *extra: Any) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "conv-1",
        [ActionExecuted("action_listen"), UserUttered(text, {"name": "ask_dosage", "confidence": 1.0}), *extra],
        slots=DOMAIN.slots,
    )


async def run_action(url: str, tracker: DialogueStateTracker) -> list[Any]:
    action = RemoteAction("action_answer_dosage", EndpointConfig(url=url))
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    return await action.run(CollectingOutputChannel(), nlg, tracker, DOMAIN)


def assert_service_trouble(events: list[Any]) -> None:
    assert isinstance(events[0], BotUttered)
    assert "doctor or pharmacist" in events[0].text
    assert "911" in events[0].text
    assert events[0].metadata["utter_action"] == "utter_service_trouble"
    assert events[-1] == FollowupAction("action_listen")


def test_action_server_down_gives_the_service_trouble_reply(patched: None) -> None:
    faults.install(Settings(action_timeout_s=0.5))  # refused until the bound (2.5 s), then the reply
    events = asyncio.run(run_action(f"http://127.0.0.1:{free_port()}/webhook", tracker_after("how much?")))
    assert_service_trouble(events)


def test_a_slow_action_server_times_out_long_before_the_60_s_lock(patched: None) -> None:
    async def scenario() -> tuple[list[Any], float]:
        async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await asyncio.sleep(30)

        server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        started = time.monotonic()
        try:
            events = await run_action(f"http://127.0.0.1:{port}/webhook", tracker_after("how much?"))
        finally:
            server.close()
        return events, time.monotonic() - started

    faults.install(Settings(action_timeout_s=0.5))
    events, elapsed = asyncio.run(scenario())
    assert_service_trouble(events)
    assert elapsed < 5


def test_an_action_server_that_is_restarting_answers_the_call_once_it_is_back(patched: None) -> None:
    """Refused connections (nothing sent) are tried again within the bound; the answer is the real one."""
    calls: list[str] = []

    async def scenario() -> tuple[list[Any], float]:
        from aiohttp import web

        async def webhook(request: web.Request) -> web.Response:
            calls.append((await request.json())["next_action"])
            return web.json_response({"events": [], "responses": [{"text": "the real answer"}]})

        port = free_port()
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)

        async def come_back_later() -> None:
            await asyncio.sleep(1.0)  # refused until then, as while the supervisor restarts it
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()

        started = time.monotonic()
        back = asyncio.ensure_future(come_back_later())
        try:
            events = await run_action(f"http://127.0.0.1:{port}/webhook", tracker_after("how much?"))
        finally:
            await back
            await runner.cleanup()
        return events, time.monotonic() - started

    faults.install(Settings(action_timeout_s=5))
    events, elapsed = asyncio.run(scenario())
    assert [event.text for event in events if isinstance(event, BotUttered)] == ["the real answer"]
    assert calls == ["action_answer_dosage"]  # sent once, when it could be
    assert 1.0 <= elapsed < 5


def test_a_call_that_reached_the_action_server_is_never_sent_twice(patched: None) -> None:
    calls: list[int] = []

    async def scenario() -> list[Any]:
        async def drop_after_reading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            calls.append(1)
            await reader.read(1024)
            writer.close()  # the action server died during the call

        server = await asyncio.start_server(drop_after_reading, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await run_action(f"http://127.0.0.1:{port}/webhook", tracker_after("how much?"))
        finally:
            server.close()

    faults.install(Settings(action_timeout_s=3))
    assert_service_trouble(asyncio.run(scenario()))
    assert calls == [1]


def test_the_trouble_message_is_said_once_per_turn(patched: None) -> None:
    faults.install(Settings(action_timeout_s=0.5))
    told = BotUttered("Sorry...", metadata={"utter_action": "utter_service_trouble"})
    events = asyncio.run(run_action(f"http://127.0.0.1:{free_port()}/webhook", tracker_after("more?", told)))
    assert events == [FollowupAction("action_listen")]


def test_action_rejections_still_reach_the_policies(patched: None, monkeypatch: pytest.MonkeyPatch) -> None:
    async def reject(*_: Any) -> list[Any]:
        raise ActionExecutionRejection("action_answer_dosage")

    monkeypatch.setattr(RemoteAction, "run", reject)
    faults.install(Settings())
    with pytest.raises(ActionExecutionRejection):
        asyncio.run(run_action("http://127.0.0.1:1/webhook", tracker_after("x")))


class BrokenStore(InMemoryTrackerStore):
    async def save(self, tracker: DialogueStateTracker) -> None:
        raise ConnectionError("database restarting")

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        raise ConnectionError("database restarting")


def test_store_errors_raise_instead_of_silently_falling_back(patched: None) -> None:
    turns.install(Settings(), TokenBucketLimiter(0, 1))
    store = Agent._create_tracker_store(BrokenStore(DOMAIN), DOMAIN)
    with pytest.raises(turn_report.StoreUnavailable):
        asyncio.run(store.save(DialogueStateTracker("x", [])))
    with pytest.raises(turn_report.StoreUnavailable):
        asyncio.run(store.retrieve("x"))


def send(agent: Agent, text: Any, sender: str = "conv-1", channel: str = "rest") -> Any:
    message = UserMessage(text, CollectingOutputChannel(), sender, input_channel=channel)
    return asyncio.run(agent.handle_message(message))


def test_the_guard_answers_empty_and_long_messages_without_the_model(patched: None) -> None:
    turns.install(Settings(max_message_chars=50), TokenBucketLimiter(0, 1))
    agent = Agent()
    assert send(agent, "  \x00\n ") == [{"recipient_id": "conv-1", "text": EMPTY_MESSAGE_REPLY}]
    assert send(agent, None)[0]["text"] == EMPTY_MESSAGE_REPLY
    too_long = send(agent, "x" * 51)[0]["text"]
    assert "shorter" in too_long and "50" in too_long and "911" in too_long
    assert send(agent, "hi", sender="bad sender\x00") is None


def test_channels_without_an_edge_check_are_rate_limited_per_sender(patched: None) -> None:
    turns.install(Settings(), TokenBucketLimiter(rate_per_s=0.001, burst=1))
    agent = Agent()
    assert send(agent, "hello", channel="socketio") is None  # passed the guard (agent not ready)
    assert send(agent, "hello", channel="socketio") == [{"recipient_id": "conv-1", "text": SLOW_DOWN_REPLY}]


class FakeProcessor:
    def __init__(self, fail: bool) -> None:
        self.fail = fail

    async def handle_message(self, message: UserMessage) -> Any:
        if self.fail:
            raise turn_report.StoreUnavailable("db down")
        await message.output_channel.send_text_message(message.sender_id, "answer")
        state = turns._turn_state.get()
        assert state is not None, "the Agent wrapper opens the turn before the processor runs"
        state.processed = True  # what the MessageProcessor wrapper records
        return message.output_channel.messages


class LockReleaseFails(InMemoryLockStore):
    @asynccontextmanager
    async def lock(self, conversation_id: str, *args: Any, **kwargs: Any) -> AsyncIterator[None]:
        yield None
        raise ConnectionError("redis restarting")


def test_a_failed_turn_is_reported_and_a_stored_turn_is_kept(patched: None, monkeypatch: pytest.MonkeyPatch) -> None:
    turns.install(Settings(), TokenBucketLimiter(0, 1))
    monkeypatch.setattr(Agent, "is_ready", lambda self: True)
    agent = Agent()

    async def with_report(text: str) -> tuple[turn_report.TurnReport, Any]:
        report = turn_report.begin_request_report()
        try:
            result = await agent.handle_message(UserMessage(text, CollectingOutputChannel(), "c", input_channel="rest"))
        except turn_report.StoreUnavailable:
            result = "raised"
        return report, result

    agent.processor = FakeProcessor(fail=True)
    report, result = asyncio.run(with_report("hi"))
    assert report.failed and result == "raised"

    agent.processor = FakeProcessor(fail=False)
    agent.lock_store = LockReleaseFails()
    report, result = asyncio.run(with_report("hi"))
    assert not report.failed
    assert result == [{"recipient_id": "c", "text": "answer"}]


def test_a_resent_widget_message_that_was_stored_gets_its_stored_replies_not_a_second_turn() -> None:
    from types import SimpleNamespace

    store = InMemoryTrackerStore(DOMAIN)
    stored = DialogueStateTracker.from_events(
        "visitor",
        [
            UserUttered("how much?", {"name": "ask_dosage", "confidence": 1.0}, metadata={"message_id": "m-1"}),
            BotUttered("Ask your kidney doctor first.", data={"buttons": [{"title": "Why?", "payload": "/why"}]}),
            BotUttered("Source: MSD Manual."),
        ],
    )
    asyncio.run(store.save(stored))
    processor = SimpleNamespace(tracker_store=store)

    def resend(message_id: str, resend: bool = True) -> tuple[bool, list[dict]]:
        channel = CollectingOutputChannel()
        metadata = {"message_id": message_id, "resend": resend}
        message = UserMessage("how much?", channel, "visitor", input_channel="socketio", metadata=metadata)
        return asyncio.run(turns.replay_if_stored(processor, message)), channel.messages

    replayed, sent = resend("m-1")
    assert replayed
    assert [(m["text"], m.get("buttons")) for m in sent] == [
        ("Ask your kidney doctor first.", [{"title": "Why?", "payload": "/why"}]),
        ("Source: MSD Manual.", None),
    ]
    assert resend("m-2") == (False, [])  # never stored: the turn runs
    assert resend("m-1", resend=False) == (False, [])  # a first send is never looked up

    async def rest_attempt(key: str) -> tuple[bool, list[dict], Any]:
        """A REST request with an Idempotency-Key (the edge puts it on the request's report)."""
        turn_report.begin_request_report().message_id = key
        channel = CollectingOutputChannel()
        message = UserMessage("how much?", channel, "visitor", input_channel="rest")
        turns.name_the_message(message)
        return await turns.replay_if_stored(processor, message), channel.messages, message.metadata

    replayed, sent, metadata = asyncio.run(rest_attempt("m-1"))  # a retry of a stored message
    assert replayed and sent[0]["text"] == "Ask your kidney doctor first."
    replayed, sent, metadata = asyncio.run(rest_attempt("k-9"))  # a first attempt: runs, and is named
    assert (replayed, sent, metadata) == (False, [], {"message_id": "k-9"})


def test_only_calls_the_action_server_cannot_have_run_are_tried_again() -> None:
    import aiohttp
    from rasa.shared.exceptions import RasaException

    def wrapped(cause: Exception) -> RasaException:
        try:
            try:
                raise cause
            except aiohttp.ClientConnectionError:
                raise RasaException("Failed to execute custom action.")  # noqa: B904 - as Rasa does
        except RasaException as error:
            return error

    refused = aiohttp.ClientConnectorError(None, ConnectionRefusedError(111, "refused"))  # type: ignore[arg-type]
    assert faults.connection_refused(wrapped(refused))
    assert faults.connection_refused(wrapped(aiohttp.ClientOSError(None, "Can not write request body for http://x")))
    assert not faults.connection_refused(wrapped(aiohttp.ServerDisconnectedError()))  # it may have run
    assert not faults.connection_refused(wrapped(aiohttp.ClientOSError(104, "Connection reset by peer")))
