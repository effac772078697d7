"""Reading and writing, on the tracker, what we know about the person a question is about.

Three slots hold it: `safety_subject` (the visitor, or "your dad"), `safety_profile` (that
person's facts) and `safety_profiles_saved` (the facts of anyone asked about before, so a
carer who asks for their dad and then for themself gets each person's own advice).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from sedorum.safety.extract import Extraction, extract
from sedorum.safety.profile import HEART_CONDITIONS, Profile
from sedorum.safety.subject import SELF, Subject, is_self_reveal, mentions, named_people, requested_subject

PROFILE_SLOT = "safety_profile"
SUBJECT_SLOT = "safety_subject"
SAVED_SLOT = "safety_profiles_saved"
PRONOUN_SLOT = "subject_pronoun"
TOLD_SLOT = "safety_findings_told"


def stored_profile(tracker: Tracker) -> Profile:
    data = tracker.get_slot(PROFILE_SLOT)
    return Profile.from_dict(data) if isinstance(data, dict) else Profile()


def stored_subject(tracker: Tracker) -> Subject:
    return Subject.from_dict(tracker.get_slot(SUBJECT_SLOT))


def told_findings(tracker: Tracker) -> list[str]:
    value = tracker.get_slot(TOLD_SLOT)
    return [str(v) for v in value] if isinstance(value, list) else []


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


# How far back a "he"/"she" may point to a person named earlier.
EARLIER_MESSAGES = 6


def earlier_user_texts(tracker: Tracker) -> list[str]:
    """The visitor's messages before the latest one, most recent first."""
    texts: list[str] = []
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            texts.append(event.get("text") or "")
    return [t for t in texts[1 : EARLIER_MESSAGES + 1] if t and not t.startswith("/")]


@dataclass
class Person:
    """The person the latest message is about, with what we now know of them."""

    subject: Subject
    profile: Profile
    extraction: Extraction
    switched: bool = False
    saved: dict[str, Any] | None = None


def _fresh_profile(subject: Subject) -> Profile:
    profile = Profile()
    if subject.pronoun == "he":  # not asked whether he is pregnant
        profile.pregnant = False
        profile.breastfeeding = False
    return profile


def person_with_latest_message(tracker: Tracker, text: str | None = None) -> Person:
    """Who the message is about, and their profile with the message's facts merged in (S11).

    A request about someone else ("is it ok for my dad?") switches to that person, keeping
    the visitor's own facts aside; "actually it's me" after "asking for a friend" makes the
    friend's facts the visitor's own.
    """
    text = latest_text(tracker) if text is None else text
    subject = stored_subject(tracker)
    profile = stored_profile(tracker)
    saved = dict(tracker.get_slot(SAVED_SLOT) or {})
    switched = False
    if text and not text.startswith("/"):
        earlier = earlier_user_texts(tracker)
        wanted = requested_subject(text, subject, earlier)
        if wanted is not None and wanted != subject:
            switched = True
            if wanted.is_self and is_self_reveal(text):
                # The facts given "for a friend" were the visitor's own, added to what they
                # said of themself before asking for someone else. What was only assumed for
                # a "he" (not pregnant) was never said, so the question is asked again.
                if subject.pronoun == "he":
                    profile = replace(profile, pregnant=None, breastfeeding=None, pregnant_or_breastfeeding=None)
                if SELF.key in saved:
                    profile = Profile.from_dict(saved.pop(SELF.key)).merge(profile)
            else:
                saved[subject.key] = profile.to_dict()
                if wanted.key in saved:
                    profile = Profile.from_dict(saved.pop(wanted.key))
                else:
                    profile = _fresh_profile(wanted)
                    # "my son is 7 and ..." said before "how much can he have?": his facts count.
                    for said in reversed(earlier):
                        if not wanted.is_self and mentions(said, wanted):
                            profile = profile.merge(extract(said, "other").profile)
            subject = wanted
    readable = text if text and not text.startswith("/") else ""
    if not switched and about_someone_else(readable, subject):
        # "my mother is on dialysis" while the questions are about dad: her facts are not his
        # (and, as in any message about a relative, not the visitor's either).
        return Person(subject=subject, profile=profile, extraction=extract(readable, "self"), saved=saved)
    extraction = extract(readable, "self" if subject.is_self else "other")
    profile = profile.merge(extraction.profile)
    return Person(subject=subject, profile=profile, extraction=extraction, switched=switched, saved=saved)


def about_someone_else(text: str, subject: Subject) -> bool:
    """Whether a message about a relative names only people other than the one asked about."""
    if subject.is_self or not text:
        return False
    named = named_people(text)
    return bool(named) and not any(_may_be_the_same(person, subject) for person in named)


def _may_be_the_same(named: Subject, subject: Subject) -> bool:
    """ "my father" is "dad", "my son" is "my 7 year old": the same kind of relation and a
    pronoun that fits. Only a clearly different person (mum while asking for dad) is not."""
    if named.key == subject.key:
        return True
    return named.group == subject.group and (
        named.pronoun == subject.pronoun or "they" in (named.pronoun, subject.pronoun)
    )


def profile_with_latest_message(tracker: Tracker) -> Profile:
    """What we know so far plus whatever the latest message adds (S11: all facts used)."""
    return person_with_latest_message(tracker).profile


def person_events(person: Person) -> list[dict[str, Any]]:
    """Slot events for the person and their profile."""
    events = profile_events(person.profile, reset_unknown=person.switched)
    if person.switched:
        events += [
            SlotSet(SUBJECT_SLOT, person.subject.to_dict()),
            SlotSet(PRONOUN_SLOT, None if person.subject.is_self else person.subject.pronoun),
            SlotSet(SAVED_SLOT, person.saved or {}),
            SlotSet(TOLD_SLOT, []),
        ]
    return events


def profile_events(profile: Profile, reset_unknown: bool = False) -> list[dict[str, Any]]:
    """Slot events mirroring the profile, so the screening form skips what is known."""
    return [SlotSet(PROFILE_SLOT, profile.to_dict()), *screening_slot_events(profile, reset_unknown)]


def screening_slot_events(profile: Profile, reset_unknown: bool = False) -> list[dict[str, Any]]:
    values = screening_slot_values(profile)
    return [SlotSet(name, value) for name, value in values.items() if value is not None or reset_unknown]


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
