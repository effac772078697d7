"""The cached event-class lookup answers exactly as Rasa's class-tree walk does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from sedorum.patches import event_types


@pytest.fixture
def cached() -> Iterator[None]:
    original = Event.resolve_by_type
    event_types.install()
    yield
    Event.resolve_by_type = staticmethod(original)


def test_every_event_type_resolves_to_rasas_class(cached: None) -> None:
    original = Event._sedorum_original_resolve
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "slot", "action", "session_started"} <= names
    for name in names:
        assert Event.resolve_by_type(name) is original(name)
        assert Event.resolve_by_type(name) is original(name), "second (cached) lookup"


def test_unknown_names_keep_rasas_behaviour(cached: None) -> None:
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None


def test_events_round_trip_through_the_cache(cached: None) -> None:
    event = UserUttered("hello", {"name": "greet", "confidence": 1.0})
    restored = Event.from_parameters(event.as_dict())
    assert isinstance(restored, UserUttered) and restored.text == "hello"
