"""Routing and queueing rules of the front process (sedorum/server/routing.py)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from sedorum.server.routing import (
    CONVERSATION_PARAM,
    ConversationPins,
    FairQueue,
    ProcessHealth,
    SocketPlaces,
    failover_order,
    handshake_sid,
    platform_sender,
    process_for,
    route_request,
)
from tests.fakes import webhooks as wh

LIMIT = 16 * 1024


def rest(sender: str, message: str) -> bytes:
    return json.dumps({"sender": sender, "message": message}).encode()


def test_a_conversation_always_maps_to_the_same_process_and_all_processes_get_some() -> None:
    senders = [f"visitor-{uuid.uuid4().hex}" for _ in range(400)]
    first = [process_for(s, 4) for s in senders]
    assert [process_for(s, 4) for s in senders] == first
    counts = [first.count(i) for i in range(4)]
    assert all(60 <= c <= 140 for c in counts), counts  # roughly even, no empty process
    assert {process_for(s, 1) for s in senders} == {0}


def test_the_mapping_does_not_depend_on_the_python_process() -> None:
    # Python's own hash() is salted per process and would move conversations to another Rasa
    # process whenever the router restarts; another interpreter must give the same answer.
    import subprocess
    import sys

    other = subprocess.run(
        [sys.executable, "-c", "from sedorum.server.routing import process_for; print(process_for('alice', 7))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(other.stdout) == process_for("alice", 7)


def test_rest_turns_are_queued_on_their_conversations_process() -> None:
    route = route_request("POST", "/webhooks/rest/webhook", rest("someone", "what is rls?"), 3, LIMIT)
    assert route.queued and not route.emergency
    assert route.process == process_for("someone", 3) and route.sender == "someone"


def test_the_http_api_of_a_conversation_goes_to_its_process() -> None:
    for sender in ("abc", "user 7", "x/y"):
        from urllib.parse import quote

        route = route_request("GET", f"/conversations/{quote(sender, safe='')}/tracker", b"", 5, LIMIT)
        assert route.process == process_for(sender, 5) and not route.queued


def test_browser_traffic_and_unreadable_bodies_go_to_the_home_process_unqueued() -> None:
    for method, path, body in [
        ("GET", "/socket.io/", b""),
        ("POST", "/socket.io/", b"42[...]"),
        ("GET", "/staff/api/handoffs", b""),
        ("GET", "/shop/", b""),
        ("POST", "/webhooks/telegram/webhook", b"{}"),
        ("POST", "/webhooks/rest/webhook", b"not json"),
        ("POST", "/webhooks/rest/webhook", b"[1, 2]"),
        ("POST", "/webhooks/rest/webhook", b"[" * 5000),
        ("POST", "/webhooks/rest/webhook", b"\xff\xfe{"),
        ("POST", "/webhooks/rest/webhook", json.dumps({"message": "no sender"}).encode()),
        ("POST", "/webhooks/rest/webhook", rest("x", "y" * LIMIT)),
    ]:
        route = route_request(method, path, body, 4, LIMIT)
        assert route.process == 0 and not route.queued, (method, path)


def test_emergency_messages_take_the_emergency_lane() -> None:
    for text in ("I can't breathe", "my husband just collapsed", "I took the whole bottle of magnesium pills"):
        assert route_request("POST", "/webhooks/rest/webhook", rest("s", text), 2, LIMIT).emergency, text
    for text in ("what foods have magnesium?", "what are the symptoms of an overdose?", "no chest pain"):
        assert not route_request("POST", "/webhooks/rest/webhook", rest("s", text), 2, LIMIT).emergency, text


def test_queue_serves_in_arrival_order_with_a_bounded_number_at_a_time() -> None:
    async def scenario() -> tuple[list[int], int]:
        queue = FairQueue(limit=2)
        order: list[int] = []
        busy = 0
        most = 0

        async def turn(index: int) -> None:
            nonlocal busy, most
            async with queue.slot():
                busy += 1
                most = max(most, busy)
                order.append(index)
                await asyncio.sleep(0.001)
                busy -= 1

        tasks = []
        for index in range(20):
            tasks.append(asyncio.create_task(turn(index)))
            await asyncio.sleep(0)  # arrive one after the other
        await asyncio.gather(*tasks)
        return order, most

    order, most = asyncio.run(scenario())
    assert order == list(range(20))
    assert most == 2


def test_an_emergency_behind_fifty_queued_messages_is_served_next() -> None:
    async def scenario() -> list[str]:
        queue = FairQueue(limit=1)
        served: list[str] = []
        release = asyncio.Event()

        async def turn(name: str, emergency: bool = False) -> None:
            async with queue.slot(emergency):
                served.append(name)
                if name == "blocker":
                    await release.wait()

        tasks = [asyncio.create_task(turn("blocker"))]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(turn(f"ordinary-{i}")) for i in range(50)]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(turn("emergency", emergency=True)))
        await asyncio.sleep(0)
        assert queue.waiting == 51
        release.set()
        await asyncio.gather(*tasks)
        return served

    served = asyncio.run(scenario())
    assert served[:2] == ["blocker", "emergency"]
    assert served[2:] == [f"ordinary-{i}" for i in range(50)]


def test_a_client_that_leaves_the_queue_does_not_hold_a_slot() -> None:
    async def scenario() -> tuple[int, int]:
        queue = FairQueue(limit=1)
        release = asyncio.Event()

        async def turn(hold: bool) -> None:
            async with queue.slot():
                if hold:
                    await release.wait()

        holder = asyncio.create_task(turn(True))
        await asyncio.sleep(0)
        leaver = asyncio.create_task(turn(False))
        await asyncio.sleep(0)
        leaver.cancel()
        release.set()
        await holder
        await asyncio.gather(leaver, return_exceptions=True)
        await asyncio.wait_for(turn(False), 1)  # the slot is free again
        return queue.active, queue.waiting

    assert asyncio.run(scenario()) == (0, 0)


# --- Failover while a process is down ------------------------------------------------------


def test_a_conversation_fails_over_to_a_fixed_other_process_and_the_load_spreads() -> None:
    senders = [f"visitor-{uuid.uuid4().hex}" for _ in range(600)]
    for sender in senders[:50]:
        order = failover_order(sender, 4)
        assert order[0] == process_for(sender, 4)
        assert sorted(order) == [0, 1, 2, 3]
        assert failover_order(sender, 4) == order  # stable
    # The conversations of a process that is down spread over every other process.
    moved = [failover_order(s, 4)[1] for s in senders if process_for(s, 4) == 0]
    counts = [moved.count(i) for i in (1, 2, 3)]
    assert all(c >= len(moved) / 6 for c in counts), counts
    assert failover_order(None, 3) == (0, 1, 2)
    assert failover_order("anyone", 1) == (0,)


def test_the_first_live_process_serves_and_the_home_process_serves_again_once_back() -> None:
    health = ProcessHealth(3)
    order = (2, 0, 1)
    assert health.choose(order) == 2
    assert health.mark_down(2, now=10.0) is True
    assert health.mark_down(2, now=11.0) is False  # already known
    assert health.choose(order) == 0
    assert health.choose(order, tried={0}) == 1
    assert health.mark_up(2, now=25.5) == 15.5
    assert health.mark_up(2, now=26.0) is None
    assert health.choose(order) == 2  # its conversations return to it


def test_when_every_process_is_believed_down_the_untried_ones_are_still_tried() -> None:
    health = ProcessHealth(2)
    health.mark_down(0, 1.0)
    health.mark_down(1, 1.0)
    assert health.choose((1, 0)) == 1
    assert health.choose((1, 0), tried={1}) == 0
    assert health.choose((1, 0), tried={0, 1}) is None


def test_a_conversation_in_progress_is_pinned_to_its_process_until_its_turns_end() -> None:
    async def scenario() -> None:
        pins = ConversationPins()
        assert pins.pinned("a") is None
        with pins.hold("a", 1):
            with pins.hold("a", 1):  # a second turn of the same conversation, same process
                assert pins.pinned("a") == 1
            assert pins.pinned("a") == 1
            with pytest.raises(RuntimeError), pins.hold("a", 0):  # never on two processes at once
                pass
            assert not await pins.wait_until_free("a", timeout_s=0.01)
        assert pins.pinned("a") is None
        assert await pins.wait_until_free("a", timeout_s=0)

    asyncio.run(scenario())


def test_a_turn_that_must_move_waits_until_the_conversation_is_free() -> None:
    async def scenario() -> None:
        pins = ConversationPins()
        order: list[str] = []

        async def old_turn() -> None:
            with pins.hold("b", 0):
                await asyncio.sleep(0.05)
                order.append("old turn ended")

        async def moving_turn() -> None:
            await asyncio.sleep(0.01)
            assert await pins.wait_until_free("b", timeout_s=5)
            with pins.hold("b", 1):
                order.append("moved turn started")

        await asyncio.gather(old_turn(), moving_turn())
        assert order == ["old turn ended", "moved turn started"]

    asyncio.run(scenario())


def test_a_socket_naming_its_conversation_goes_to_that_conversation_s_process() -> None:
    places = SocketPlaces(4)
    conversations = [f"widget-{uuid.uuid4().hex}" for _ in range(40)]
    for conversation in conversations:
        assert places.route({CONVERSATION_PARAM: conversation, "EIO": "4"}).process == process_for(conversation, 4)
    assert {places.route({CONVERSATION_PARAM: c}).process for c in conversations} == {0, 1, 2, 3}


def test_other_sockets_are_spread_and_each_session_stays_where_it_opened() -> None:
    places = SocketPlaces(3)
    opened = [places.route({"EIO": "4", "transport": "polling"}).process for _ in range(6)]
    assert opened == [0, 1, 2, 0, 1, 2]
    places.remember("sid-a", 2)
    places.remember("sid-b", 1)
    assert places.route({"sid": "sid-a", "transport": "websocket"}).process == 2
    # The session decides, even over the conversation named in the URL.
    assert places.route({"sid": "sid-b", CONVERSATION_PARAM: "x"}).process == 1
    assert places.route({"sid": "unknown"}).process == 0


def test_socket_places_forget_the_oldest_sessions_first() -> None:
    places = SocketPlaces(2, limit=2)
    places.remember("one", 1)
    places.remember("two", 1)
    places.remember("one", 1)  # used again: now the newest
    places.remember("three", 1)
    assert places.route({"sid": "one"}).process == 1
    assert places.route({"sid": "three"}).process == 1
    assert places.route({"sid": "two"}).process == 0  # forgotten


@pytest.mark.parametrize(
    ("body", "sid"),
    [
        (b'0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000}', "abc"),
        (b'0{"sid":"abc"}\x1e40', "abc"),
        (b'40{"sid":"namespace-level"}', None),
        (b"0{not json", None),
        (b'0{"sid": 5}', None),
        (b"", None),
    ],
)
def test_the_session_id_is_read_from_the_engineio_open_packet(body: bytes, sid: str | None) -> None:
    assert handshake_sid(body) == sid


@pytest.mark.parametrize(
    ("path", "body", "sender", "text"),
    [
        ("/webhooks/telegram/webhook", json.dumps(wh.telegram_text(4711, "hello")).encode(), "4711", "hello"),
        ("/webhooks/telegram/webhook", json.dumps(wh.telegram_button(4711, "/ask_dosage")).encode(), "4711", ""),
        (
            "/webhooks/twilio/webhook",
            wh.form_body(wh.twilio_sms("+447700900123", "I can't breathe", "+441234", "AC1")).encode(),
            "+447700900123",
            "I can't breathe",
        ),
        ("/webhooks/facebook/webhook", json.dumps(wh.messenger_text("psid-9", "hi")).encode(), "psid-9", "hi"),
        ("/webhooks/slack/webhook", json.dumps(wh.slack_dm("U0PAT", "hey")).encode(), "U0PAT", "hey"),
        ("/webhooks/slack/webhook", wh.slack_button_click("U0PAT", "/greet", "Hello").encode(), "U0PAT", ""),
    ],
)
def test_a_platform_webhook_is_routed_by_its_conversation_and_queued(
    path: str, body: bytes, sender: str, text: str
) -> None:
    platform = {"telegram": "telegram", "twilio": "twilio", "facebook": "messenger", "slack": "slack"}[
        path.split("/")[2]
    ]
    assert platform_sender(platform, body) == (sender, text)
    route = route_request("POST", path, body, 4, LIMIT)
    assert route.process == process_for(sender, 4) and route.queued and route.sender == sender
    assert route.emergency == (text == "I can't breathe")
    assert not route.rest  # a dropped platform turn is not answered from the store in REST's format


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/webhooks/telegram/webhook", b"not json"),
        ("/webhooks/telegram/webhook", b'{"update_id": 1}'),
        ("/webhooks/twilio/webhook", b"Body=hi"),
        ("/webhooks/facebook/webhook", b'{"object": "page", "entry": [{"messaging": []}]}'),
        ("/webhooks/slack/webhook", b'{"type": "url_verification", "challenge": "x"}'),
        ("/webhooks/slack/webhook", b"payload=%7Bnot+json"),
        ("/webhooks/telegram/webhook", b"[1, 2]"),
    ],
)
def test_a_platform_body_without_a_conversation_goes_to_process_0_unqueued(path: str, body: bytes) -> None:
    assert route_request("POST", path, body, 4, LIMIT) == route_request("GET", "/status", b"", 4, LIMIT)
