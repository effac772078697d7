"""A conversation played through the real actions on rasa-sdk trackers, as Rasa records it.

Why a harness: the actions read the whole conversation (every visitor message and the
questions asked before them), not only the slots, so a test builds the conversation the way
Rasa would have: user events with their parse data, the form's `requested_slot` when it asks,
and the events each action returns applied before the next turn.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[3]
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FORM = "safety_screening_form"


class Chat:
    """One visitor's conversation: say something, run an action, see what was said and set."""

    def __init__(self, sender: str = "visitor-1", channel: str = "rest") -> None:
        self.sender = sender
        self.channel = channel
        self.events: list[dict[str, Any]] = []
        self.slots: dict[str, Any] = {}
        self.loop: str | None = None
        self.latest: dict[str, Any] = {}

    def says(
        self, text: str, intent: str = "inform", ranking: list[tuple[str, float]] | None = None, **parse: Any
    ) -> Chat:
        rows = [{"name": name, "confidence": confidence} for name, confidence in ranking or [(intent, 0.9)]]
        data = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text, "intent_ranking": rows}
        data.update(parse)
        self.events.append({"event": "user", "text": text, "parse_data": data, "input_channel": self.channel})
        self.latest = data
        return self

    def form_asks(self, slot: str) -> Chat:
        """The screening form asks `slot` (it starts first if it was not running)."""
        if self.loop is None:
            self.loop = FORM
            self.events.append({"event": "active_loop", "name": FORM})
        return self.set(requested_slot=slot)

    def form_ends(self) -> Chat:
        self.loop = None
        self.events.append({"event": "active_loop", "name": None})
        return self.set(requested_slot=None)

    def set(self, **slots: Any) -> Chat:
        for name, value in slots.items():
            self.events.append({"event": "slot", "name": name, "value": value})
            self.slots[name] = value
        return self

    def tracker(self) -> Tracker:
        loop = {"name": self.loop} if self.loop else {}
        return Tracker(
            self.sender, dict(self.slots), dict(self.latest), list(self.events), False, None, loop, "action_listen"
        )

    def run(self, action: Action) -> tuple[list[str], dict[str, Any]]:
        """Runs the action on the conversation so far; returns what the visitor is told (texts,
        or <response names>) and the slots it set. Its events are applied, as Rasa would."""
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, self.tracker(), DOMAIN))
        said = [m.get("text") or f"<{m.get('response')}>" for m in dispatcher.messages]
        slots: dict[str, Any] = {}
        for event in events:
            if event.get("event") == "slot":
                slots[event["name"]] = event["value"]
                self.slots[event["name"]] = event["value"]
            self.events.append(event)
        self.buttons = [b for m in dispatcher.messages for b in m.get("buttons") or []]
        return said, slots

    def subject(self) -> str:
        return str((self.slots.get("safety_subject") or {}).get("key") or "self")

    def profile(self) -> dict[str, Any]:
        """The facts of the `safety_profile` slot, without the unknowns."""
        return {
            key: value for key, value in (self.slots.get("safety_profile") or {}).items() if value not in (None, [])
        }
