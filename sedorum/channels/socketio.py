"""Rasa's socket.io channel with the Origin of browser connections checked.

Why: Rasa 3.6 creates its socket.io server with `cors_allowed_origins=[]`, which
python-engineio reads as "do not check", so any web page on any site could open a WebSocket
to the assistant in a visitor's browser. This subclass keeps everything else of Rasa's
channel (events, session persistence, the "socketio" name the trackers and output channels
use) and sets the allow-list: `cors_allowed_origins` from credentials.yml, else the
deployment's SEDORUM_ALLOWED_ORIGINS (by default the server's own http://localhost:PORT and
http://127.0.0.1:PORT). A connection from another Origin is refused with HTTP 400; clients
that send no Origin at all (not browsers: scripts, tests) are let through, as engine.io does.

Behind the router (`make run`), each Rasa process holds the sockets of some visitors. A message
for a visitor whose socket is held by another process (a staff reply sent from the console,
whichever process serves it) is handed to the other processes (`POST
/webhooks/socketio/deliver` on their loopback ports, with the API token); the one that holds
the visitor's room emits it. SEDORUM_WORKER_PORTS names the processes, SEDORUM_RASA_PORT this one.
With SEDORUM_REDIS_URL set, python-socketio's AsyncRedisManager shares every emit between the
processes (and the replicas of the nginx deployment) instead.

It also keeps the line breaks of our responses in the widget: rasa-webchat renders text as
Markdown, where a single newline is a space, so "Call 999 now.\nOr go to ..." (the S1 reply)
would run together; each newline is sent as a Markdown hard break instead.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import rasa.shared.utils.io
import socketio
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio.asyncio_pubsub_manager import AsyncPubSubManager

from sedorum.settings import Settings

_SOFT_NEWLINE = re.compile(r"(?<!  )(?<!\\)\n")
logger = logging.getLogger(__name__)
DELIVER_PATH = "/deliver"  # under the channel's prefix: /webhooks/socketio/deliver
DELIVER_TIMEOUT_S = 5.0
REDIS_CHANNEL = "sedorum-socketio"  # the Redis pub/sub channel the processes share their emits on


def peer_urls(environ: dict[str, str] | None = None) -> list[str]:
    """The other Rasa processes' delivery URLs (none when this process runs alone)."""
    env = os.environ if environ is None else environ
    own = env.get("SEDORUM_RASA_PORT", "").strip()
    ports = [part.strip() for part in env.get("SEDORUM_WORKER_PORTS", "").split(",") if part.strip()]
    return [f"http://127.0.0.1:{port}/webhooks/socketio{DELIVER_PATH}" for port in ports if port != own]


def has_room(sio: Any, room: str, namespace: str = "/") -> bool:
    """True when a socket of this process is in `room` (a conversation's sockets join its id)."""
    return bool(sio.manager.rooms.get(namespace, {}).get(room))


async def deliver_to_peers(urls: list[str], token: str, room: str, event: str, data: Any) -> bool:
    """Asks the other processes to emit `event` to `room`; True when one of them holds it."""
    payload = {"room": room, "event": event, "data": data}
    headers = {"Authorization": f"Bearer {token}"}
    delivered = False
    timeout = aiohttp.ClientTimeout(total=DELIVER_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for url in urls:
            try:
                async with http.post(url, json=payload, headers=headers) as reply:
                    if reply.status == 200 and (await reply.json()).get("delivered"):
                        delivered = True
            except (TimeoutError, aiohttp.ClientError, ValueError) as error:
                logger.warning("Could not hand a message to the process at %s: %s", url, type(error).__name__)
    return delivered


def hard_line_breaks(text: str) -> str:
    """Markdown hard breaks ("two spaces, newline") for every single newline."""
    return _SOFT_NEWLINE.sub("  \n", text)


class LineBreakSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with newlines kept as line breaks in the widget.

    A message for a room no socket of this process is in goes to the other processes.
    """

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and isinstance(response.get("text"), str):
            response = {**response, "text": hard_line_breaks(response["text"])}
        peers = peer_urls()
        shared = isinstance(getattr(self.sio, "manager", None), AsyncPubSubManager)
        if peers and not shared and not has_room(self.sio, socket_id):
            token = Settings.from_env().auth_token
            if await deliver_to_peers(peers, token, socket_id, self.bot_message_evt, response):
                return
        await super()._send_message(socket_id, response)


class OriginCheckedSocketIOInput(SocketIOInput):
    """`socketio` channel whose engine.io server only accepts the allowed browser origins."""

    allowed_origins: tuple[str, ...] = ()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        origins = credentials.pop("cors_allowed_origins", None)
        channel = super().from_credentials(credentials)
        assert isinstance(channel, OriginCheckedSocketIOInput)
        if isinstance(origins, str):
            origins = [part.strip() for part in origins.split(",") if part.strip()]
        channel.allowed_origins = tuple(origins or Settings.from_env().allowed_origins)
        return channel

    def get_output_channel(self) -> OutputChannel | None:
        output = super().get_output_channel()
        return LineBreakSocketIOOutput(self.sio, self.bot_message_evt) if output is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        if not self.allowed_origins:
            raise ValueError("OriginCheckedSocketIOInput needs at least one allowed origin")
        sio = self.sio
        assert sio is not None
        redis_url = Settings.from_env().redis_url
        if redis_url:
            # Every emit goes through Redis to each process; the one holding the room delivers it.
            manager = socketio.AsyncRedisManager(redis_url, channel=REDIS_CHANNEL)
            manager.set_server(sio)
            sio.manager = manager
        # Read by engine.io on every handshake; an empty list would mean "allow all".
        sio.eio.cors_allowed_origins = list(self.allowed_origins)
        # Rasa's app-wide CORS (the same allow-list, `--cors`) already answers with
        # Access-Control-Allow-Origin; engine.io adding a second copy makes browsers refuse
        # the response. Engine.io keeps the check, Rasa's CORS writes the headers.
        sio.eio._cors_headers = lambda environ: []
        # Rasa's message handler builds a plain SocketIOOutput; replace it with the same
        # handler using ours (python-socketio keeps one handler per event and namespace).
        sio.on(self.user_message_evt, handler=self._message_handler(on_new_message), namespace=self.namespace)
        token = Settings.from_env().auth_token

        @socketio_webhook.route(DELIVER_PATH, methods=["POST"])
        async def deliver(request: Request) -> Any:
            """Another process's message for a visitor whose socket may be here (loopback, token)."""
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not token or not hmac.compare_digest(given.encode(), token.encode()):
                return response.json({"error": "unauthorized"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            room, event = body.get("room"), body.get("event")
            if (
                not isinstance(room, str)
                or not isinstance(event, str)
                or not has_room(sio, room, self.namespace or "/")
            ):
                return response.json({"delivered": False})
            await sio.emit(event, body.get("data"), room=room, namespace=self.namespace)
            return response.json({"delivered": True})

        return socketio_webhook

    def _message_handler(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable:
        """Rasa 3.6's `handle_message`, unchanged except for the output channel class."""

        async def handle_message(sid: str, data: dict) -> None:
            output_channel = LineBreakSocketIOOutput(self.sio, self.bot_message_evt)
            if self.session_persistence:
                if not data.get("session_id"):
                    rasa.shared.utils.io.raise_warning(
                        "A message without a valid session_id was received. This message will be ignored. "
                        "Make sure to set a proper session id using the `session_request` socketIO event."
                    )
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key, {})
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            message = UserMessage(
                data.get("message", ""), output_channel, sender_id, input_channel=self.name(), metadata=metadata
            )
            await on_new_message(message)

        return handle_message
