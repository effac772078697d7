"""Every replacement of a third-party function, collected from the modules that declare it.

Why a registry: Rasa 3.6 is the last open-source Rasa and pins old libraries (Sanic 21.12,
python-socketio 5.9, SQLAlchemy 1.4). Where they are slow, unsafe or broken on Python 3.11,
the project replaces a function of theirs at start-up. Each replacement lives in its own
module of this package, which declares it next to its code (`PATCHES`, see declaration.py):
what it replaces, why, which upstream lines it copies if any, and which test holds it. This
file collects them in the order they are applied, refuses library versions they were not
checked against, applies them and lists them. Nothing else in the project replaces a library
function.

- `apply_all(process, settings, ...)` applies every patch of one process (the Rasa server or
  the action server), in order. It first refuses to run on library versions the patches were
  not checked against (`check_versions`).
- `Snapshot.take(...)` records the state of every replaced attribute; `restore()` puts it back
  (snapshot.py). The tests' `undo_patches` fixture (tests/unit/conftest.py) does this around
  every unit test.
- `python -m sedorum.patches.registry` lists every patch in words.

Adding a patch: write the module with its `PATCHES` (every attribute it assigns as a target,
"module:Owner.attribute"), add the module to `_declaring_modules` below, add a test, and
re-check `CHECKED_VERSIONS` when a pinned library moves.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from sedorum.patches.declaration import ACTION_SERVER, RASA_SERVER, ApplyContext, Patch
from sedorum.patches.snapshot import Snapshot

if TYPE_CHECKING:
    from sedorum.edge.ratelimit import TokenBucketLimiter
    from sedorum.settings import Settings

# The library versions every patch was read against and tested with. A different installed
# version may have moved or fixed the code a patch replaces: start-up stops.
CHECKED_VERSIONS: dict[str, str] = {
    "rasa": "3.6.21",
    "rasa-sdk": "3.6.2",
    "sanic": "21.12.2",
    "python-socketio": "5.9.0",
}


class UncheckedVersionError(SystemExit):
    """Start-up stops: a patched library is not the version the patches were checked against."""


# --------------------------------------------------------------------------- the declarations


def _declaring_modules(process: str) -> tuple[ModuleType, ...]:
    """The modules whose patches `process` applies, in the order they are applied.

    Imported here, not at the top: the action server applies two patches (the Sanic fix and
    the log redaction) and must not load Rasa for the others. A test checks that no other
    module declares a patch for the action server.
    """
    from sedorum.patches import compat, log_redaction

    if process == ACTION_SERVER:
        return (compat, log_redaction)
    if process != RASA_SERVER:
        raise ValueError(f"unknown process {process!r}")
    from sedorum.patches import (
        action_client,
        event_types,
        faults,
        lazy_ted,
        lock_store,
        model_load,
        performance,
        session_bound,
        socketio_guard,
        turns,
    )

    return (
        compat,
        socketio_guard,
        faults,
        action_client,
        lock_store,
        session_bound,
        event_types,
        performance,
        lazy_ted,
        model_load,
        turns,
        log_redaction,
    )


@cache
def patches_for(process: str) -> tuple[Patch, ...]:
    """The patches `process` applies, in order."""
    declared = (patch for module in _declaring_modules(process) for patch in module.PATCHES)
    return tuple(patch for patch in declared if process in patch.processes)


def all_patches() -> tuple[Patch, ...]:
    """Every declared patch (the Rasa server's modules declare them all), in order."""
    return tuple(patch for module in _declaring_modules(RASA_SERVER) for patch in module.PATCHES)


# Not a replacement of a library function, listed so nobody looks for it here: the socket.io
# CORS allow-list is set on the project's own socket.io server instance by its channel class
# (sedorum/channels/socketio.py, tested by tests/e2e/test_security.py), and goes away with it.


# --------------------------------------------------------------------------- versions


def installed_versions(names: Iterable[str] = CHECKED_VERSIONS) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def check_versions(installed: dict[str, str | None] | None = None) -> None:
    """Stops start-up when a patched library is not the version the patches were checked against."""
    found = installed if installed is not None else installed_versions()
    wrong = {name: found.get(name) for name, version in CHECKED_VERSIONS.items() if found.get(name) != version}
    if wrong:
        lines = ", ".join(
            f"{name} {found_version or 'not installed'} (checked: {CHECKED_VERSIONS[name]})"
            for name, found_version in wrong.items()
        )
        raise UncheckedVersionError(
            f"Refusing to start: the start-up patches in sedorum/patches/ were checked against "
            f"other library versions: {lines}. Install the pinned versions (requirements/), or re-check "
            f"every patch against the new versions and update CHECKED_VERSIONS in sedorum/patches/registry.py."
        )


# --------------------------------------------------------------------------- apply and undo


class _Originals:
    """The libraries' own state, recorded per patch before it is first applied in this process."""

    def __init__(self) -> None:
        self._snapshots: dict[str, Snapshot] = {}

    def record(self, patches: Iterable[Patch]) -> None:
        for patch in patches:
            if patch.name not in self._snapshots:
                self._snapshots[patch.name] = Snapshot.take((patch,))

    def restore(self, only: Iterable[Patch]) -> None:
        for patch in only:
            snapshot = self._snapshots.get(patch.name)
            if snapshot is not None:
                snapshot.restore()


_ORIGINALS = _Originals()


def apply_all(
    process: str,
    settings: Settings,
    sender_limiter: TokenBucketLimiter | None = None,
    installed: dict[str, str | None] | None = None,
) -> list[str]:
    """Checks the library versions, then applies every enabled patch of `process`, in order.

    A patch switched off by its setting is undone if an earlier call applied it. Returns the
    names of the applied patches.
    """
    check_versions(installed)
    context = ApplyContext(settings=settings, sender_limiter=sender_limiter)
    chosen = patches_for(process)
    _ORIGINALS.record(chosen)
    applied = []
    for patch in chosen:
        if patch.enabled(settings):
            patch.apply(context)
            applied.append(patch.name)
        else:
            _ORIGINALS.restore(only=(patch,))
    return applied


# --------------------------------------------------------------------------- the listing


def describe() -> str:
    """The registry in words: one paragraph per patch."""
    parts = []
    for patch in all_patches():
        lines = [
            f"{patch.name} ({', '.join(sorted(patch.processes))} server)",
            f"  replaces: {', '.join(patch.targets)}",
            f"  why:      {patch.why}",
            f"  code:     {patch.module}; test: {patch.test}",
            f"  checked:  {', '.join(f'{k} {v}' for k, v in CHECKED_VERSIONS.items())}",
            f"  undone:   {patch.undo}",
        ]
        if patch.copies:
            lines.append(f"  copies:   {patch.copies}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


if __name__ == "__main__":
    print(describe())
