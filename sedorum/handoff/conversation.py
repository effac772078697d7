"""What a handoff does to the Rasa conversation itself, inside the Rasa server process.

Why here and not over Rasa's HTTP API: the console runs in the same process as the agent, so
it uses the agent's own tracker store, lock store, response generator and output channels,
exactly as `rasa.server.append_events` does - under the conversation lock, so a visitor's
message being processed and a staff action never interleave.

- claim:     slot handoff="claimed" (the SafetyPolicy keeps the assistant silent except S1)
             and a "<name> has joined" message;
- message:   a BotUttered with metadata {"staff": name}, so the transcript and the bot's
             history both hold it, delivered through the conversation's own output channel
             (socket.io: `bot_uttered` to the session's room; messaging channels the same way);
- hand back: slot handoff=None and the `utter_handoff_returned` response.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rasa.core.actions.action import create_bot_utterance
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel
from rasa.shared.core.events import BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.handoff.signature import sign_staff_reply
from sedorum.vocabulary import HANDOFF_CLAIMED, HANDOFF_SLOT

logger = logging.getLogger(__name__)

CLAIMED = HANDOFF_CLAIMED
FALLBACK_TEXTS = {
    "utter_handoff_claimed": "{staff} from our support team has joined the chat and will answer you here.",
    "utter_handoff_returned": "You are back with the assistant. Ask me anything about RLS, magnesium or Sedorum.",
    "utter_handoff_closed": (
        "Our support team has closed this conversation. The assistant is here if you need more help."
    ),
}
TRANSCRIPT_LIMIT = 400


@dataclass
class ConversationBridge:
    """Tracker-side effects of claiming, answering and handing back a conversation.

    `agent` is Rasa's Agent (app.ctx.agent); `input_channels` the registered input channels
    (app.ctx.input_channels), used to rebuild a conversation's output channel.
    """

    agent: Any
    input_channels: Iterable[InputChannel]

    async def claim(self, sender_id: str, staff: str) -> None:
        async def events(tracker: DialogueStateTracker) -> list[Event]:
            joined = await self._utterance("utter_handoff_claimed", tracker, staff, {"staff": staff})
            return [SlotSet(HANDOFF_SLOT, CLAIMED), joined]

        await self._append(sender_id, events)

    async def staff_message(self, sender_id: str, staff: str, text: str) -> None:
        """Stores and sends `text` signed with the staff name, so the visitor knows a person wrote it.

        The one place a staff reply is signed (sedorum.handoff.signature.sign_staff_reply): the
        transcript, the widget and every messaging channel show the stored text as it is.
        """

        async def events(_: DialogueStateTracker) -> list[Event]:
            return [BotUttered(sign_staff_reply(staff, text), metadata={"staff": staff, "staff_text": text})]

        await self._append(sender_id, events)

    async def hand_back(self, sender_id: str, staff: str, close: bool = False) -> None:
        name = "utter_handoff_closed" if close else "utter_handoff_returned"

        async def events(tracker: DialogueStateTracker) -> list[Event]:
            return [SlotSet(HANDOFF_SLOT, None), await self._utterance(name, tracker, staff)]

        await self._append(sender_id, events)

    async def erase(self, sender_id: str) -> bool:
        """Erases the stored conversation (a deletion the visitor asked for during an emergency,
        done once staff have closed it). False when the tracker store cannot erase."""
        store = self.agent.tracker_store
        delete = getattr(store, "delete_sender", None)
        if delete is None:
            return False
        async with self.agent.lock_store.lock(sender_id):
            delete(sender_id)
        return True

    async def transcript(self, sender_id: str) -> list[dict[str, Any]]:
        """Visitor, assistant and staff messages (all sessions) for the console, oldest first."""
        tracker = await self.agent.tracker_store.retrieve_full_tracker(sender_id)
        if tracker is None:
            return []
        return transcript_entries(tracker.events)[-TRANSCRIPT_LIMIT:]

    # -- internals -------------------------------------------------------------------------

    async def _utterance(
        self, name: str, tracker: DialogueStateTracker, staff: str, metadata: dict | None = None
    ) -> BotUttered:
        """The domain's response `name` if the domain has one, else our fallback text."""
        rendered = None
        if name in (self.agent.domain.responses or {}):
            rendered = await self.agent.nlg.generate(name, tracker, self.output_channel_for(tracker).name())
        if not rendered:
            rendered = {"text": FALLBACK_TEXTS[name].format(staff=staff)}
        utterance = create_bot_utterance(dict(rendered))
        utterance.metadata = {**(utterance.metadata or {}), "utter_action": name, **(metadata or {})}
        return utterance

    async def _append(
        self, sender_id: str, build: Callable[[DialogueStateTracker], Awaitable[list[Event]]]
    ) -> DialogueStateTracker:
        """Appends `build(tracker)` under the conversation lock, then sends its bot messages."""
        agent = self.agent
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.processor.get_tracker(sender_id)
            output_channel = self.output_channel_for(tracker)
            events = await build(tracker)
            for event in events:
                tracker.update(event, agent.domain)
            await agent.tracker_store.save(tracker)
        for event in events:
            if isinstance(event, BotUttered):
                await self._deliver(output_channel, sender_id, event)
        return tracker

    def output_channel_for(self, tracker: DialogueStateTracker) -> OutputChannel:
        """The output channel of the conversation's latest input channel (like rasa.server)."""
        wanted = tracker.get_latest_input_channel()
        for channel in self.input_channels:
            if channel.name() == wanted:
                output = channel.get_output_channel()
                if output is not None:
                    return output
        return CollectingOutputChannel()

    @staticmethod
    async def _deliver(output_channel: OutputChannel, sender_id: str, event: BotUttered) -> None:
        try:
            await output_channel.send_response(sender_id, event.message())
        except Exception:  # the tracker already holds the message; delivery is best effort
            logger.exception("Could not deliver a handoff message to %s", sender_id)


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None


def transcript_entries(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Console view of tracker events: who said what, and handoff state changes."""
    entries: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            entries.append(
                {"who": "visitor", "text": event.text or "", "at": _iso(event.timestamp), "intent": event.intent_name}
            )
        elif isinstance(event, BotUttered):
            metadata = event.metadata or {}
            staff = metadata.get("staff")
            data = event.data or {}
            buttons = [b.get("title", "") for b in (data.get("buttons") or data.get("quick_replies") or [])]
            entries.append(
                {
                    "who": "staff" if staff and not metadata.get("utter_action") else "assistant",
                    "staff": staff,
                    "text": metadata.get("staff_text") or event.text or "",
                    "buttons": buttons,
                    "at": _iso(event.timestamp),
                }
            )
        elif isinstance(event, SlotSet) and event.key == HANDOFF_SLOT:
            state = event.value or "back to the assistant"
            entries.append({"who": "system", "text": f"handoff: {state}", "at": _iso(event.timestamp)})
        elif isinstance(event, SessionStarted):
            entries.append({"who": "system", "text": "new session", "at": _iso(event.timestamp)})
    return entries
