"""A Sanic server with the channels' webhooks and a scripted stand-in for Rasa's agent.

Why: webhook handling (signatures, payload shapes, retries, numbered replies, votes) is tested
in seconds without a trained model. The channels are registered exactly as Rasa registers them
(`rasa.core.channels.channel.register`, prefix /webhooks/), and the stand-in answers as Rasa's
processor does: each reply becomes a BotUttered event, sent through the message's own output
channel as `event.message()`, and the conversation is saved in the project's SQL tracker store,
where `latest_choices` reads it and a vote finds its answer, as in the running assistant.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from sedorum.stores.tracker_store import ErasableSQLTrackerStore

Reply = dict[str, Any]


class StubAgent:
    """Records every message; replies with `script(message)` through the message's output channel.

    A reply is {"text", "buttons"?, "utter_action"?}; the tracker store is an SQLite file
    (`db`), which is what the insights read votes against.
    """

    def __init__(self, db: Path, script: Callable[[UserMessage], list[Reply]] | None = None) -> None:
        self.received: list[UserMessage] = []
        self.tracker_store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
        self.script = script or (lambda message: [])

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        tracker = await self.tracker_store.retrieve(message.sender_id) or DialogueStateTracker(message.sender_id, [])
        tracker.update(UserUttered(message.text, input_channel=message.input_channel))
        for reply in self.script(message):
            metadata = {key: value for key, value in reply.items() if key not in ("text", "buttons")}
            event = BotUttered(reply.get("text"), data={"buttons": reply.get("buttons")}, metadata=metadata)
            tracker.update(event)
            await message.output_channel.send_response(message.sender_id, event.message())
        await self.tracker_store.save(tracker)

    def said(self, sender: str, *replies: Reply) -> None:
        """Stores assistant messages in a conversation, as if sent earlier (not sent now)."""

        async def save() -> None:
            tracker = await self.tracker_store.retrieve(sender) or DialogueStateTracker(sender, [])
            for reply in replies:
                metadata = {key: value for key, value in reply.items() if key not in ("text", "buttons")}
                tracker.update(BotUttered(reply.get("text"), data={"buttons": reply.get("buttons")}, metadata=metadata))
            await self.tracker_store.save(tracker)

        asyncio.run(save())

    def texts(self, sender: str | None = None) -> list[str]:
        return [m.text for m in self.received if sender is None or m.sender_id == sender]

    def wait_for(self, count: int, timeout_s: float = 5) -> list[UserMessage]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(self.received) < count:
            time.sleep(0.02)
        return list(self.received)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChannelApp:
    """Runs Sanic in a background thread with the given channels on /webhooks/<name>/."""

    def __init__(self, channels: list[InputChannel], agent: StubAgent) -> None:
        self.channels = channels
        self.agent = agent
        self.port = _free_port()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChannelApp:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                self._loop = asyncio.new_event_loop()
                asyncio.set_event_loop(self._loop)
                app = Sanic(f"channels_{uuid.uuid4().hex[:8]}")
                app.ctx.agent = self.agent
                register(self.channels, app, route="/webhooks/")
                server = self._loop.run_until_complete(
                    app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False)
                )
                if server is None:
                    raise RuntimeError("Sanic returned no server object")
                self._loop.run_until_complete(server.startup())
                self._loop.run_until_complete(server.before_start())
                self._loop.run_until_complete(server.after_start())
                self._server = server
                ready.set()
                self._loop.run_forever()
                self._loop.run_until_complete(server.before_stop())
                server.close()
                self._loop.run_until_complete(server.after_stop())
            except BaseException as error:  # noqa: BLE001 - reported to the starting thread
                failure.append(error)
                ready.set()

        self._thread = threading.Thread(target=run, name="channel-app", daemon=True)
        self._thread.start()
        ready.wait(20)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> ChannelApp:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
