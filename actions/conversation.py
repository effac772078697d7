"""The tracker in, the safety engine's reading of the conversation out, and slots back.

Why this module is all the actions know of the safety engine's state: the engine reads the
whole conversation itself (sedorum.safety.conversation): whom it is about, each person's facts,
what is unclear. Here the tracker's events become `Turn`s (each visitor message with the
question asked just before it) and the reading becomes slot events, which the screening form
and the domain's responses read ("Is he on dialysis?" needs `subject_pronoun`).

Slots, all written here and nowhere else:
- `safety_subject` (the visitor, or "your dad"), `subject_pronoun` (he / she / they);
- `safety_profile` (that person's facts), `safety_profiles_saved` (everyone else's);
- the form's own slots (age, kidney_disease, heart_condition, pregnancy_status, medications);
- `safety_findings_told` (rule ids already explained), `safety_asked` (a question about an
  unclear health word, "clarify:kidney", that the next message answers).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from sedorum.conversation_events import turns_from_events
from sedorum.safety.conversation import Reading, Turn, read_conversation
from sedorum.safety.profile import HEART_CONDITIONS, Profile

PROFILE_SLOT = "safety_profile"
SUBJECT_SLOT = "safety_subject"
SAVED_SLOT = "safety_profiles_saved"
PRONOUN_SLOT = "subject_pronoun"
TOLD_SLOT = "safety_findings_told"


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def action_before_latest_message(tracker: Tracker) -> str | None:
    """The last action the assistant ran before the visitor's latest message ("what was just
    asked"), other than listening."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return str(event.get("name"))
    return None


def latest_intent(tracker: Tracker) -> str:
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def latest_language(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("language") or "en")


def turns(tracker: Tracker) -> list[Turn]:
    """Every visitor message of the conversation, each with the question asked right before it
    (sedorum/conversation_events.py; the turns of an earlier session of a long conversation too)."""
    return turns_from_events(tracker.applied_events())


def reading_of(tracker: Tracker) -> Reading:
    """The engine's reading of the whole conversation, up to and including the latest message."""
    return read_conversation(turns(tracker))


def told_findings(tracker: Tracker) -> list[str]:
    value = tracker.get_slot(TOLD_SLOT)
    return [str(v) for v in value] if isinstance(value, list) else []


def reading_events(reading: Reading, tracker: Tracker) -> list[dict[str, Any]]:
    """Slot events that mirror the reading (only those that changed)."""
    values: dict[str, Any] = {
        PROFILE_SLOT: reading.profile.to_dict(),
        SUBJECT_SLOT: reading.subject.to_dict(),
        PRONOUN_SLOT: None if reading.subject.is_self else reading.subject.pronoun,
        SAVED_SLOT: reading.saved_profiles(),
        **screening_slot_values(reading.profile),
    }
    events = [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]
    if reading.switched:
        events.append(SlotSet(TOLD_SLOT, []))
    return events


def screening_slot_values(profile: Profile) -> dict[str, Any]:
    """The form's required slots as the profile answers them (None: still unknown)."""
    missing = set(profile.missing())
    return {
        "age": None if "age" in missing else profile.age,
        "kidney_disease": None if "kidney_disease" in missing else "kidney_disease" in profile.conditions,
        "heart_condition": None if "heart_condition" in missing else bool(profile.conditions & HEART_CONDITIONS),
        "pregnancy_status": None
        if "pregnancy_status" in missing
        else bool(profile.pregnant or profile.breastfeeding or profile.pregnant_or_breastfeeding),
        "medications": None if "medications" in missing else sorted(profile.medications),
    }
