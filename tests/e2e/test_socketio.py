"""The website's socket.io channel: a real WebSocket round trip, and the Origin allow-list.

Why a real WebSocket: on Python 3.11 every upgrade broke inside Sanic 21.12 until the start-up
patch in sedorum/server/compat.py; long-polling alone would hide that. Why the Origin test:
Rasa 3.6 does not check it (cors_allowed_origins=[] means "allow all" to engine.io), so any
site could talk to the assistant from a visitor's browser; our channel subclass refuses that.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import requests
import socketio

from sedorum.stack import RunningStack

FOREIGN = "http://evil.example"


def allowed_origin(stack: RunningStack) -> str:
    return f"http://127.0.0.1:{stack.settings.rasa_port}"


async def _round_trip(url: str, origin: str, session_id: str) -> tuple[str, list[dict]]:
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    replies: list[dict] = []
    got_reply = asyncio.Event()

    @client.on("session_confirm")
    async def _confirm(data) -> None:
        if not confirmed.done():
            confirmed.set_result(data)

    @client.on("bot_uttered")
    async def _bot(data) -> None:
        replies.append(data)
        got_reply.set()

    await client.connect(url, headers={"Origin": origin}, transports=["websocket"], socketio_path="/socket.io")
    try:
        transport = client.transport()
        await client.emit("session_request", {"session_id": session_id})
        assert await asyncio.wait_for(confirmed, 15) == session_id
        await client.emit("user_uttered", {"message": "/greet", "session_id": session_id})
        await asyncio.wait_for(got_reply.wait(), 60)
        await asyncio.sleep(0.5)  # a greeting may come in several parts
    finally:
        await client.disconnect()
    return transport, replies


def test_websocket_round_trip_from_the_allowed_origin(stack: RunningStack) -> None:
    session_id = "ws-" + uuid.uuid4().hex
    transport, replies = asyncio.run(_round_trip(stack.url, allowed_origin(stack), session_id))
    assert transport == "websocket"
    assert replies and replies[0].get("text"), replies
    tracker = requests.get(
        f"{stack.url}/conversations/{session_id}/tracker", params={"token": stack.settings.auth_token}, timeout=30
    ).json()
    assert any(e.get("event") == "user" and e.get("input_channel") == "socketio" for e in tracker["events"])


def test_websocket_from_a_foreign_origin_is_refused(stack: RunningStack) -> None:
    async def connect() -> None:
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(
                stack.url, headers={"Origin": FOREIGN}, transports=["websocket"], socketio_path="/socket.io"
            )
        finally:
            await client.disconnect()

    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(connect())


@pytest.mark.parametrize(("origin", "allowed"), [("own", True), (FOREIGN, False), ("http://localhost:1", False)])
def test_polling_handshake_checks_the_origin(stack: RunningStack, origin: str, allowed: bool) -> None:
    header = allowed_origin(stack) if origin == "own" else origin
    reply = requests.get(
        f"{stack.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, headers={"Origin": header}, timeout=10
    )
    if allowed:
        assert reply.status_code == 200 and reply.text.startswith("0{"), reply.text
        assert reply.headers.get("Access-Control-Allow-Origin") == header
    else:
        assert reply.status_code == 400
        assert "Access-Control-Allow-Origin" not in reply.headers or reply.headers["Access-Control-Allow-Origin"] != header
