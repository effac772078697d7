"""Looks up Rasa event classes by type name in a dictionary instead of a class-tree walk.

Why: every event read from the tracker store goes through `Event.resolve_by_type`, which in
Rasa 3.6 walks the whole tree of Event subclasses (`all_subclasses`, with an
`inspect.isabstract` check per class) for *each event*. Profiling a 200-turn conversation,
that walk was a quarter of the whole turn (8 s of 36 s over 30 turns); even a 10-turn
session pays it for ~80 events on every message. The class for a type name never changes
once the event classes are imported, so the answer is cached after the first lookup. Misses
(unknown names, "topic", defaults) still go through Rasa's own code unchanged.
"""

from __future__ import annotations

from typing import Any

from sedorum.patches.declaration import Patch

_cache: dict[str, type] = {}


def install() -> None:
    """Replaces Event.resolve_by_type with the cached lookup (idempotent)."""
    from rasa.shared.core.events import Event

    original = getattr(Event, "_sedorum_original_resolve", None) or Event.resolve_by_type
    Event._sedorum_original_resolve = staticmethod(original)

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = _cache.get(type_name)
        if found is not None:
            return found
        try:
            found = original(type_name)
        except ValueError:
            found = None
        if found is not None:
            _cache[type_name] = found
            return found
        return original(type_name, default)  # Rasa's behaviour for unknown names

    Event.resolve_by_type = staticmethod(resolve_by_type)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="event_type_lookup",
        targets=("rasa.shared.core.events:Event.resolve_by_type",),
        why="Reading a stored event walked the whole Event class tree; the class for a type name is "
        "now looked up once and cached (unknown names keep Rasa's behaviour).",
        test="tests/unit/patches/test_event_types.py",
        apply=lambda context: install(),
    ),
)
