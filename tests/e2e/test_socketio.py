"""The website's socket.io channel: a real WebSocket round trip, and the Origin allow-list.

Why a real WebSocket: on Python 3.11 every upgrade broke inside Sanic 21.12 until the start-up
patch in sedorum/patches/compat.py; long-polling alone would hide that. Why the Origin test:
Rasa 3.6 does not check it (cors_allowed_origins=[] means "allow all" to engine.io), so any
site could talk to the assistant from a visitor's browser; our channel subclass refuses that.

The client speaks Engine.IO 4 / Socket.IO 5 by hand over `websockets` (the pinned aiohttp is
too old for python-engineio's WebSocket client); that is a dozen lines and shows exactly
which frames the widget exchanges with the server.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
import requests
import websockets
import websockets.client

from sedorum.server.routing import CONVERSATION_PARAM
from sedorum.server.stack import RunningStack

FOREIGN = "http://evil.example"


def allowed_origin(stack: RunningStack) -> str:
    return f"http://127.0.0.1:{stack.settings.rasa_port}"


class RawSocketIO:
    """A minimal Socket.IO client over one real WebSocket (no long-polling, no upgrade)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, base_url: str, origin: str, conversation: str | None = None) -> RawSocketIO:
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        if conversation:
            url += f"&{CONVERSATION_PARAM}={conversation}"  # as the widget names its stored conversation
        ws = await websockets.client.connect(url, extra_headers={"Origin": origin}, open_timeout=15)
        opened = await asyncio.wait_for(ws.recv(), 15)
        assert isinstance(opened, str) and opened.startswith("0{"), opened  # Engine.IO "open", with its parameters
        await ws.send("40")  # Socket.IO CONNECT to the default namespace
        while not str(await asyncio.wait_for(ws.recv(), 15)).startswith("40"):
            pass
        return cls(ws)

    async def emit(self, event: str, data: Any) -> None:
        await self.ws.send("42" + json.dumps([event, data]))

    async def next_event(self, timeout_s: float = 60) -> tuple[str, Any]:
        """The next Socket.IO event; Engine.IO pings are answered on the way."""
        while True:
            frame = await asyncio.wait_for(self.ws.recv(), timeout_s)
            if frame == "2":
                await self.ws.send("3")
            elif frame.startswith("42"):
                event, *args = json.loads(frame[2:])
                return event, (args[0] if args else None)

    async def wait_for(self, event: str, timeout_s: float = 60) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            name, data = await self.next_event(max(0.1, deadline - loop.time()))
            if name == event:
                return data

    async def start_session(self, session_id: str) -> None:
        await self.emit("session_request", {"session_id": session_id})
        assert await self.wait_for("session_confirm", 15) == session_id

    async def close(self) -> None:
        await self.ws.close()


async def _round_trip(url: str, origin: str, session_id: str) -> list[dict]:
    client = await RawSocketIO.connect(url, origin)
    try:
        await client.start_session(session_id)
        await client.emit("user_uttered", {"message": "/greet", "session_id": session_id})
        replies = [await client.wait_for("bot_uttered", 60)]
        try:
            while True:  # a greeting may come in several parts
                replies.append(await client.wait_for("bot_uttered", 1.0))
        except TimeoutError:
            pass
    finally:
        await client.close()
    return replies


def test_websocket_round_trip_from_the_allowed_origin(stack: RunningStack) -> None:
    session_id = "ws-" + uuid.uuid4().hex
    replies = asyncio.run(_round_trip(stack.url, allowed_origin(stack), session_id))
    assert replies and replies[0].get("text"), replies
    tracker = requests.get(
        f"{stack.url}/conversations/{session_id}/tracker", params={"token": stack.settings.auth_token}, timeout=30
    ).json()
    assert any(e.get("event") == "user" and e.get("input_channel") == "socketio" for e in tracker["events"])


def test_websocket_from_a_foreign_origin_is_refused(stack: RunningStack) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
        asyncio.run(RawSocketIO.connect(stack.url, FOREIGN))
    assert refused.value.status_code == 400


@pytest.mark.parametrize(("origin", "allowed"), [("own", True), (FOREIGN, False), ("http://localhost:1", False)])
def test_polling_handshake_checks_the_origin(stack: RunningStack, origin: str, allowed: bool) -> None:
    header = allowed_origin(stack) if origin == "own" else origin
    reply = requests.get(
        f"{stack.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, headers={"Origin": header}, timeout=10
    )
    if allowed:
        assert reply.status_code == 200 and reply.text.startswith("0{"), reply.text
        # Exactly one CORS header: two copies (Rasa's CORS plus engine.io's) break browsers.
        assert reply.headers.get("Access-Control-Allow-Origin") == header
    else:
        assert reply.status_code == 400
        assert reply.headers.get("Access-Control-Allow-Origin") != header
