"""Reading and writing the user's remembered safety profile on the tracker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from sedorum.safety.extract import extract
from sedorum.safety.profile import HEART_CONDITIONS, Profile

PROFILE_SLOT = "safety_profile"


def stored_profile(tracker: Tracker) -> Profile:
    data = tracker.get_slot(PROFILE_SLOT)
    return Profile.from_dict(data) if isinstance(data, dict) else Profile()


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def profile_with_latest_message(tracker: Tracker) -> Profile:
    """What we know so far plus whatever the latest message adds (S11: all facts used)."""
    text = latest_text(tracker)
    profile = stored_profile(tracker)
    if text and not text.startswith("/"):
        profile = profile.merge(extract(text).profile)
    return profile


def profile_events(profile: Profile) -> list[dict[str, Any]]:
    """Slot events mirroring the profile, so the screening form skips what is known."""
    return [SlotSet(PROFILE_SLOT, profile.to_dict()), *screening_slot_events(profile)]


def screening_slot_events(profile: Profile) -> list[dict[str, Any]]:
    values = screening_slot_values(profile)
    return [SlotSet(name, value) for name, value in values.items() if value is not None]


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
