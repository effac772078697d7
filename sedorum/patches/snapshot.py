"""The state of every attribute a patch replaces, taken at one moment and put back later.

Why: a patch must be undoable. The registry takes a snapshot of the libraries' own state
before it first applies a patch (so a patch switched off by its setting is undone), and the
unit tests' `undo_patches` fixture (tests/unit/conftest.py) takes one around every test. The
snapshot covers the declared targets, the `_sedorum*` markers the patch modules leave on the
same owners, and what a patch saves besides (`save_extra`/`restore_extra`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sedorum.patches.declaration import Patch

_MISSING = object()


def resolve_target(target: str) -> tuple[Any, str]:
    """("module:Owner.attribute") -> (Owner, "attribute"); imports the module."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *owners, attribute = path.split(".")
    for name in owners:
        owner = getattr(owner, name)
    return owner, attribute


def _owner_state(owner: Any, attributes: Iterable[str]) -> dict[str, Any]:
    """The raw values (descriptors included) of `attributes` and of every `_sedorum*` marker."""
    names = set(attributes) | {name for name in vars(owner) if name.startswith("_sedorum")}
    return {name: vars(owner).get(name, _MISSING) for name in names}


def _set_raw(owner: Any, name: str, value: Any) -> None:
    if value is _MISSING:
        if name in vars(owner):
            delattr(owner, name)
    else:
        setattr(owner, name, value)


@dataclass
class Snapshot:
    """The state of every patched attribute (and marker) at one moment, to go back to."""

    owners: list[tuple[Patch, Any, dict[str, Any]]] = field(default_factory=list)
    extras: list[tuple[Patch, Any]] = field(default_factory=list)

    @classmethod
    def take(cls, patches: Iterable[Patch]) -> Snapshot:
        snapshot = cls()
        for patch in patches:
            by_owner: dict[int, tuple[Any, list[str]]] = {}
            for target in patch.targets:
                owner, attribute = resolve_target(target)
                by_owner.setdefault(id(owner), (owner, []))[1].append(attribute)
            for owner, attributes in by_owner.values():
                snapshot.owners.append((patch, owner, _owner_state(owner, attributes)))
            if patch.save_extra is not None:
                snapshot.extras.append((patch, patch.save_extra()))
        return snapshot

    def restore(self, only: Iterable[Patch] | None = None) -> None:
        chosen = None if only is None else {patch.name for patch in only}
        for patch, owner, state in self.owners:
            if chosen is not None and patch.name not in chosen:
                continue
            for name in [n for n in vars(owner) if n.startswith("_sedorum") and n not in state]:
                delattr(owner, name)
            for name, value in state.items():
                _set_raw(owner, name, value)
        for patch, saved in self.extras:
            if (chosen is None or patch.name in chosen) and patch.restore_extra is not None:
                patch.restore_extra(saved)
