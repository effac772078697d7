"""A local stand-in for a platform API: an aiohttp server on 127.0.0.1 that records every call.

Why real HTTP servers and not mocks: the channels are tested as they run in production, over
aiohttp, against the platform's wire format (paths, auth, form or JSON bodies, error JSON),
and the Rasa server under test runs in another process, so only a socket can observe it.
Each fake enforces the limits the real API enforces (message length, button data), so a
formatting bug fails a test the way it would fail in production.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import parse_qs

from aiohttp import web


@dataclass
class Call:
    """One request the fake received, decoded the way the platform would decode it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None
    # time.perf_counter() when the request arrived: a benchmark in the same process times a
    # reply to the moment the platform would have received it.
    received_at: float = 0.0

    @property
    def params(self) -> dict[str, Any]:
        """JSON body or form fields, whichever the client sent."""
        return self.json if isinstance(self.json, dict) else self.form


class FakePlatform:
    """Subclasses add routes with `handle(method, path, call) -> (status, json)`."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- to override ---------------------------------------------------------------------
    def handle(self, call: Call) -> tuple[int, Any]:
        raise NotImplementedError

    # -- server --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._dispatch)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=run, name=f"fake-{self.name}", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"fake {self.name} did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    async def _dispatch(self, request: web.Request) -> web.Response:
        received_at = time.perf_counter()
        body = await request.read()
        call = Call(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={key.lower(): value for key, value in request.headers.items()},
            body=body,
            received_at=received_at,
        )
        content_type = request.headers.get("Content-Type", "")
        if "json" in content_type and body:
            try:
                call.json = json.loads(body)
            except ValueError:
                call.json = None
        elif "form" in content_type:
            call.form = {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
        status, payload = self.handle(call)
        call.status = status
        call.response = payload
        with self._lock:
            self.calls.append(call)
        return web.json_response(payload, status=status)

    # -- assertions ----------------------------------------------------------------------
    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def wait_for(
        self, predicate: Callable[[list[Call]], bool], timeout_s: float = 10, settle_s: float = 0.3
    ) -> list[Call]:
        """Polls the record until `predicate` holds (sends are asynchronous), then lets it settle."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            calls = self.snapshot()
            if predicate(calls):
                time.sleep(settle_s)  # later parts of the same reply
                return self.snapshot()
            time.sleep(0.05)
        raise AssertionError(f"{self.name} fake: condition not met in {timeout_s} s; calls: {self.describe()}")

    def describe(self) -> str:
        return "; ".join(f"{c.method} {c.path} -> {c.status} {json.dumps(c.params)[:300]}" for c in self.snapshot())


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
