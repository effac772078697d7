"""The visitor's messages of a conversation, read from its tracker events (plain dicts).

Why a module of its own: two processes need the same reading. The action server turns the
tracker into the safety engine's `Turn`s on every message (actions/conversation.py), and the
Rasa process, when it starts a new session in the middle of a long conversation
(sedorum/patches/session_bound.py), hands the turns said so far to the new session in one slot,
so that a kidney disease named in message 3 still withholds the dose in message 30, whatever
the tracker store keeps of the earlier session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sedorum.safety.conversation import Turn

FORM_QUESTION_SLOT = "requested_slot"
ASKED_SLOT = "safety_asked"
# The turns of the conversation before a session started in mid-conversation (a list of
# {"text", "asked"}): set only when a long conversation rolls over to a new session.
CARRIED_TURNS_SLOT = "safety_earlier_turns"
# After these nothing said before counts: an idle session's end (slots are not carried over
# then), a restart, a deletion ("delete my data" resets every slot).
FRESH_START_EVENTS = frozenset({"session_started", "restart", "reset_slots"})


def turns_from_events(events: Iterable[Mapping[str, object]]) -> list[Turn]:
    """Every visitor message, each with the question asked right before it.

    The question is the form's `requested_slot` while the form runs, or a clarifying question
    (`safety_asked`) set after the previous message.
    """
    out: list[Turn] = []
    requested: object = None
    loop_active = False
    clarify: object = None
    for event in events:
        kind = event.get("event")
        if kind in FRESH_START_EVENTS:
            out, requested, loop_active, clarify = [], None, False, None
            continue
        if kind == "slot" and event.get("name") == CARRIED_TURNS_SLOT:
            out = carried_turns(event.get("value"))
        elif kind == "slot" and event.get("name") == FORM_QUESTION_SLOT:
            requested = event.get("value")
        elif kind == "slot" and event.get("name") == ASKED_SLOT:
            clarify = event.get("value")
        elif kind == "active_loop":
            loop_active = bool(event.get("name"))
            if not loop_active:
                requested = None
        elif kind == "user":
            asked = clarify or (requested if loop_active else None)
            out.append(Turn(text=str(event.get("text") or ""), asked=str(asked) if asked else None))
            clarify = None
    return out


def carried_turns(value: object) -> list[Turn]:
    """The turns kept in CARRIED_TURNS_SLOT (anything malformed is left out)."""
    if not isinstance(value, list):
        return []
    out: list[Turn] = []
    for item in value:
        if isinstance(item, Mapping) and isinstance(item.get("text"), str):
            asked = item.get("asked")
            out.append(Turn(text=item["text"], asked=asked if isinstance(asked, str) else None))
    return out


def turns_to_slot(turns: Iterable[Turn]) -> list[dict[str, str | None]]:
    """The value of CARRIED_TURNS_SLOT for these turns."""
    return [{"text": turn.text, "asked": turn.asked} for turn in turns]
