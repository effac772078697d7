"""The socket.io channel subclass: origin allow-list, single CORS header, line breaks."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import UserMessage

from sedorum.channels.socketio import (
    LineBreakSocketIOOutput,
    OriginCheckedSocketIOInput,
    hard_line_breaks,
    has_room,
    peer_urls,
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


def test_the_other_processes_are_found_from_the_worker_ports() -> None:
    env = {"SEDORUM_WORKER_PORTS": "6006,6007,6008", "SEDORUM_RASA_PORT": "6007"}
    assert peer_urls(env) == [
        "http://127.0.0.1:6006/webhooks/socketio/deliver",
        "http://127.0.0.1:6008/webhooks/socketio/deliver",
    ]
    assert peer_urls({"SEDORUM_RASA_PORT": "5005"}) == []  # one process, no router


class _Manager:
    def __init__(self, rooms: dict) -> None:
        self.rooms = rooms


class _RoomSio:
    def __init__(self, rooms: dict) -> None:
        self.manager = _Manager(rooms)
        self.sent: list[tuple] = []

    async def emit(self, event, data, room=None) -> None:
        self.sent.append((event, data, room))


def test_a_room_is_here_only_when_a_socket_of_this_process_is_in_it() -> None:
    sio = _RoomSio({"/": {"conv-a": {"sio-1": "eio-1"}, "conv-empty": {}}})
    assert has_room(sio, "conv-a")
    assert not has_room(sio, "conv-empty")
    assert not has_room(sio, "conv-b")
    assert not has_room(_RoomSio({}), "conv-a")


def test_a_message_for_a_socket_elsewhere_goes_to_the_other_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEDORUM_WORKER_PORTS", "6006,6007")
    monkeypatch.setenv("SEDORUM_RASA_PORT", "6006")
    monkeypatch.setenv("RASA_AUTH_TOKEN", "tok")
    handed: list[tuple] = []

    async def fake_deliver(urls: list[str], token: str, room: str, event: str, data: object) -> bool:
        handed.append((urls, token, room, event, data))
        return True

    monkeypatch.setattr("sedorum.channels.socketio.deliver_to_peers", fake_deliver)
    sio = _RoomSio({"/": {"here": {"sio-1": "eio-1"}}})
    output = LineBreakSocketIOOutput(sio, "bot_uttered")
    asyncio.run(output.send_text_message("here", "hi"))
    asyncio.run(output.send_text_message("elsewhere", "Sam (support team): a\nb"))
    assert sio.sent == [("bot_uttered", {"text": "hi"}, "here")]
    assert handed == [
        (
            ["http://127.0.0.1:6007/webhooks/socketio/deliver"],
            "tok",
            "elsewhere",
            "bot_uttered",
            {"text": "Sam (support team): a  \nb"},
        )
    ]


def test_with_redis_every_emit_is_shared_through_it_and_nothing_is_handed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from socketio import AsyncManager, AsyncRedisManager

    async def on_message(_: UserMessage) -> None:
        return None

    plain = make_channel(cors_allowed_origins="https://shop.example")
    plain.blueprint(on_message)
    assert type(plain.sio.manager) is AsyncManager
    monkeypatch.setenv("SEDORUM_REDIS_URL", "redis://127.0.0.1:6379/6")
    monkeypatch.setenv("SEDORUM_WORKER_PORTS", "6006,6007")
    monkeypatch.setenv("SEDORUM_RASA_PORT", "6006")
    channel = make_channel(cors_allowed_origins="https://shop.example")
    channel.blueprint(on_message)
    assert isinstance(channel.sio.manager, AsyncRedisManager) and channel.sio.manager.server is channel.sio
    handed: list[str] = []
    emitted: list[tuple] = []

    async def fake_deliver(*args: object) -> bool:
        handed.append("peers")
        return True

    async def fake_emit(event, data, room=None, **_: object) -> None:
        emitted.append((event, data, room))

    monkeypatch.setattr("sedorum.channels.socketio.deliver_to_peers", fake_deliver)
    monkeypatch.setattr(channel.sio, "emit", fake_emit)
    output = channel.get_output_channel()
    assert isinstance(output, LineBreakSocketIOOutput)
    asyncio.run(output.send_text_message("a-room-elsewhere", "hi"))
    assert handed == [] and emitted == [("bot_uttered", {"text": "hi"}, "a-room-elsewhere")]
