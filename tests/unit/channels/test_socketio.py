"""The socket.io channel subclass: origin allow-list, single CORS header, line breaks."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import UserMessage

from sedorum.channels.socketio import (
    LineBreakSocketIOOutput,
    OriginCheckedSocketIOInput,
    hard_line_breaks,
)


def make_channel(**credentials) -> OriginCheckedSocketIOInput:
    base = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True}
    channel = OriginCheckedSocketIOInput.from_credentials({**base, **credentials})
    assert isinstance(channel, OriginCheckedSocketIOInput)
    return channel


def test_origins_default_to_the_deployment_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_ALLOWED_ORIGINS", "https://shop.example, https://www.shop.example")
    channel = make_channel()
    assert channel.allowed_origins == ("https://shop.example", "https://www.shop.example")
    assert channel.name() == "socketio", "trackers and output channels keep Rasa's name"


def test_engineio_checks_the_allow_list_and_leaves_headers_to_rasa_cors() -> None:
    async def on_message(_: UserMessage) -> None:
        return None

    channel = make_channel(cors_allowed_origins="https://shop.example")
    channel.blueprint(on_message)
    eio = channel.sio.eio
    assert eio.cors_allowed_origins == ["https://shop.example"], "[] would mean: no check at all"
    assert eio._cors_headers({"HTTP_ORIGIN": "https://shop.example"}) == []
    assert isinstance(channel.get_output_channel(), LineBreakSocketIOOutput)


def test_messages_from_the_widget_use_the_line_break_output() -> None:
    received: list[UserMessage] = []

    async def on_message(message: UserMessage) -> None:
        received.append(message)

    channel = make_channel(cors_allowed_origins=["http://127.0.0.1:1"])
    channel.blueprint(on_message)
    handler = channel.sio.handlers["/"]["user_uttered"]
    asyncio.run(handler("sid-1", {"message": "hello", "session_id": "abc"}))
    asyncio.run(handler("sid-1", {"message": "no session"}))
    assert [(m.text, m.sender_id, m.input_channel) for m in received] == [("hello", "abc", "socketio")]
    assert isinstance(received[0].output_channel, LineBreakSocketIOOutput)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call 999 now.\nOr go to A&E.", "Call 999 now.  \nOr go to A&E."),
        ("already  \nhard", "already  \nhard"),
        ("one line", "one line"),
        ("a\n- b\n- c", "a  \n- b  \n- c"),
    ],
)
def test_hard_line_breaks(text: str, expected: str) -> None:
    assert hard_line_breaks(text) == expected


def test_output_sends_markdown_line_breaks() -> None:
    sent: list[tuple] = []

    class FakeSio:
        async def emit(self, event, data, room=None) -> None:
            sent.append((event, data, room))

    output = LineBreakSocketIOOutput(FakeSio(), "bot_uttered")
    asyncio.run(output.send_text_message("room-1", "Call 999 now.\nDon't wait."))
    assert sent == [("bot_uttered", {"text": "Call 999 now.  \nDon't wait."}, "room-1")]
