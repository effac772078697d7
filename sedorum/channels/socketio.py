"""Rasa's socket.io channel with the Origin of browser connections checked.

Why: Rasa 3.6 creates its socket.io server with `cors_allowed_origins=[]`, which
python-engineio reads as "do not check", so any web page on any site could open a WebSocket
to the assistant in a visitor's browser. This subclass keeps everything else of Rasa's
channel (events, session persistence, the "socketio" name the trackers and output channels
use) and sets the allow-list: `cors_allowed_origins` from credentials.yml, else the
deployment's SEDORUM_ALLOWED_ORIGINS (by default the server's own http://localhost:PORT and
http://127.0.0.1:PORT). A connection from another Origin is refused with HTTP 400; clients
that send no Origin at all (not browsers: scripts, tests) are let through, as engine.io does.

It also keeps the line breaks of our responses in the widget: rasa-webchat renders text as
Markdown, where a single newline is a space, so "Call 999 now.\nOr go to ..." (the S1 reply)
would run together; each newline is sent as a Markdown hard break instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.shared.utils.io
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from sedorum.settings import Settings

_SOFT_NEWLINE = re.compile(r"(?<!  )(?<!\\)\n")


def hard_line_breaks(text: str) -> str:
    """Markdown hard breaks ("two spaces, newline") for every single newline."""
    return _SOFT_NEWLINE.sub("  \n", text)


class LineBreakSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with newlines kept as line breaks in the widget."""

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and isinstance(response.get("text"), str):
            response = {**response, "text": hard_line_breaks(response["text"])}
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
        # Read by engine.io on every handshake; an empty list would mean "allow all".
        sio.eio.cors_allowed_origins = list(self.allowed_origins)
        # Rasa's app-wide CORS (the same allow-list, `--cors`) already answers with
        # Access-Control-Allow-Origin; engine.io adding a second copy makes browsers refuse
        # the response. Engine.io keeps the check, Rasa's CORS writes the headers.
        sio.eio._cors_headers = lambda environ: []
        # Rasa's message handler builds a plain SocketIOOutput; replace it with the same
        # handler using ours (python-socketio keeps one handler per event and namespace).
        sio.on(self.user_message_evt, handler=self._message_handler(on_new_message), namespace=self.namespace)
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
