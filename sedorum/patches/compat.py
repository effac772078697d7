"""Compatibility patches for running Rasa 3.6's pinned Sanic 21.12 on Python 3.11.

Sanic 21.12's WebSocket `recv` and `recv_burst` hand a bare coroutine to `asyncio.wait`,
which Python 3.11 forbids; every socket.io WebSocket upgrade then breaks ("Invalid frame
header" in the browser). The fix wraps that coroutine in `asyncio.ensure_future`. Sanic 21.12
will never get a release with it, so we patch at start-up (declared at the end of this
module, collected by sedorum/patches/registry.py), loudly refusing to run if the source we patch has changed.
Tested by a real WebSocket round trip (tests/e2e/test_socketio.py).
"""

from __future__ import annotations

import asyncio
import inspect
import textwrap

from sedorum.patches.declaration import ACTION_SERVER, RASA_SERVER, Patch

_PATCHED_FLAG = "_sedorum_py311_patched"

_REPLACEMENTS = {
    "recv": ("self.assembler.get(timeout)", "asyncio.ensure_future(self.assembler.get(timeout))"),
    "recv_burst": (
        "self.assembler.get(timeout=0)",
        "asyncio.ensure_future(self.assembler.get(timeout=0))",
    ),
}


def patch_sanic_websockets() -> None:
    """Rewrite `WebsocketImplProtocol.recv`/`recv_burst` to pass a Task to `asyncio.wait`."""
    from sanic.server.websockets import impl

    cls = impl.WebsocketImplProtocol
    if getattr(cls, _PATCHED_FLAG, False):
        return
    for name, (old, new) in _REPLACEMENTS.items():
        source = textwrap.dedent(inspect.getsource(getattr(cls, name)))
        if new in source:
            continue  # already fixed upstream
        if old not in source:
            raise RuntimeError(f"Sanic's WebsocketImplProtocol.{name} changed; review sedorum/patches/compat.py")
        namespace: dict = {}
        exec(compile(source.replace(old, new), impl.__file__, "exec"), vars(impl) | {"asyncio": asyncio}, namespace)
        setattr(cls, name, namespace[name])
    setattr(cls, _PATCHED_FLAG, True)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="sanic_websockets_on_python_3_11",
        targets=(
            "sanic.server.websockets.impl:WebsocketImplProtocol.recv",
            "sanic.server.websockets.impl:WebsocketImplProtocol.recv_burst",
        ),
        why="Sanic 21.12 hands a bare coroutine to asyncio.wait, which Python 3.11 refuses: every "
        "socket.io WebSocket upgrade broke. Sanic 21.12 gets no release with the fix.",
        test="tests/e2e/test_socketio.py",
        apply=lambda context: patch_sanic_websockets(),
        processes=frozenset({RASA_SERVER, ACTION_SERVER}),
        copies="sanic/server/websockets/impl.py lines 487-536 (recv) and 538-599 (recv_burst) of Sanic "
        "21.12.2: read from the installed source and recompiled with one line each changed; start-up "
        "stops if those lines are not found",
    ),
)
