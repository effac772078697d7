"""Rasa's socket.io channel with the Origin of browser connections checked.

Why: Rasa 3.6 creates its socket.io server with `cors_allowed_origins=[]`, which
python-engineio reads as "do not check", so any web page on any site could open a WebSocket
to the assistant in a visitor's browser. This subclass keeps everything else of Rasa's
channel (events, session persistence, the "socketio" name the trackers and output channels
use) and sets the allow-list: `cors_allowed_origins` from credentials.yml, else the
deployment's SEDORUM_ALLOWED_ORIGINS (by default the server's own http://localhost:PORT and
http://127.0.0.1:PORT). A connection from another Origin is refused with HTTP 400; clients
that send no Origin at all (not browsers: scripts, tests) are let through, as engine.io does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from sedorum.server.settings import Settings


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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        if not self.allowed_origins:
            raise ValueError("OriginCheckedSocketIOInput needs at least one allowed origin")
        # Read by engine.io on every handshake; an empty list would mean "allow all".
        assert self.sio is not None
        self.sio.eio.cors_allowed_origins = list(self.allowed_origins)
        return socketio_webhook
