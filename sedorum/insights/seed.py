"""Builds realistic conversations in a tracker store, for tests and the benchmark.

`conversation_events` returns Rasa's own event objects (so their JSON is exactly what the SQL
tracker store writes); `bulk_rows` turns many of them into `events` rows for a fast bulk insert.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered


@dataclass
class Turn:
    """One visitor message and what followed it."""

    text: str
    intent: str
    confidence: float = 0.95
    actions: list[str] = field(default_factory=list)
    reply: str | None = "Here is what we know."
    utter_action: str | None = "utter_answer"
    handoff: str | None = None  # value the handoff slot takes in this turn
    staff_reply: str | None = None  # a staff message `staff_delay_s` after the turn
    staff_delay_s: float = 60.0
    screening: bool = False  # the screening form starts in this turn


def conversation_events(turns: list[Turn], start_ts: float, channel: str = "socketio") -> list[Event]:
    """The events Rasa stores for `turns`, one turn every 30 seconds from `start_ts`."""
    produced: list[Event] = [ActionExecuted("action_listen")]
    ts = start_ts
    for turn in turns:
        parse = {"intent": {"name": turn.intent, "confidence": turn.confidence}, "entities": [], "text": turn.text}
        produced.append(
            UserUttered(turn.text, intent=parse["intent"], parse_data=parse, input_channel=channel, timestamp=ts)
        )
        for action in turn.actions:
            produced.append(ActionExecuted(action, timestamp=ts + 1))
        if turn.screening:
            produced.append(ActiveLoop("safety_screening_form", timestamp=ts + 1))
        if turn.handoff:
            produced.append(SlotSet("handoff", turn.handoff, timestamp=ts + 1))
        if turn.reply:
            metadata = {"utter_action": turn.utter_action} if turn.utter_action else {}
            produced.append(BotUttered(turn.reply, metadata=metadata, timestamp=ts + 2))
        if turn.staff_reply:
            produced.append(
                BotUttered(
                    f"alice (support team): {turn.staff_reply}",
                    metadata={"staff": "alice", "staff_text": turn.staff_reply},
                    timestamp=ts + turn.staff_delay_s,
                )
            )
        produced.append(ActionExecuted("action_listen", timestamp=ts + 3))
        ts += 30
    produced[0].timestamp = start_ts
    return produced


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The `events` row Rasa's SQLTrackerStore writes for `event`."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": event.timestamp,
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def bulk_rows(conversations: Iterator[tuple[str, list[Event]]]) -> Iterator[dict[str, Any]]:
    for sender_id, produced in conversations:
        for event in produced:
            yield event_row(sender_id, event)
