"""Handing conversations to support staff: triggers, waiting messages, contact details.

The handoff store (sedorum.handoff) is shared with the staff console in the Rasa process;
these actions only open handoffs and tell the visitor what happens next.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.profile import latest_text, person_events, person_with_latest_message, stored_profile
from actions.screening import answer_topic, asks_for_urgent_help
from sedorum.contact_patterns import CONTACT_PHONE, EMAIL
from sedorum.handoff.hours import office_status
from sedorum.handoff.store import open_store
from sedorum.safety.answers import PERSONAL_TOPICS, SAFETY_CHECK
from sedorum.safety.engine import evaluate
from sedorum.vocabulary import HANDOFF_SLOT, HANDOFF_WAITING

ORDER_PROBLEM = re.compile(
    r"\b(order|parcel|package|delivery|deliver(ed)?|payment|paid|charged?|refund|card|invoice|"
    r"tracking|arriv|cancel|wrong item|damaged|missing)\w*",
    re.IGNORECASE,
)
FALLBACK_INTENT = "nlu_fallback"
# True once an emergency was flagged in this conversation: later replies repeat the S1 line.
EMERGENCY_SLOT = "emergency_flagged"


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def open_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, announce: bool = True
) -> list[dict[str, Any]]:
    """Records the handoff with the screening findings and tells the visitor when to expect a person."""
    findings = [finding.rule_id for finding in evaluate(stored_profile(tracker)).findings]
    open_store().request(tracker.sender_id, channel_of(tracker), reason, findings)
    if announce:
        status = office_status()
        if status.open:
            dispatcher.utter_message(response="utter_handoff_in_hours", wait_minutes=status.wait_minutes)
        else:
            dispatcher.utter_message(
                response="utter_handoff_out_of_hours",
                office_hours=status.office_hours_text,
                next_open=status.next_open_text,
            )
    events: list[dict[str, Any]] = [SlotSet(HANDOFF_SLOT, HANDOFF_WAITING)]
    if tracker.active_loop_name:
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return events


class ActionHandoff(Action):
    """A visitor asked for a person."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return open_handoff(dispatcher, tracker, "asked_for_person")


class ActionFlagEmergency(Action):
    """After the S1 reply (already sent as a static response): alert staff, end any form.

    It says that staff were alerted only when someone is on duty; out of hours it says when
    the team is back, so nobody waits for a person who is not there.
    """

    def name(self) -> str:
        return "action_flag_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say_staff_status(dispatcher)
        # Facts in the emergency message ("I'm pregnant and can't breathe") still count for
        # the safety questions that may follow while the visitor waits.
        person = person_with_latest_message(tracker)
        events: list[dict[str, Any]] = [SlotSet(EMERGENCY_SLOT, True), *person_events(person)]
        if tracker.get_slot(HANDOFF_SLOT):
            open_store().request(tracker.sender_id, channel_of(tracker), "emergency")
            return events
        return [*events, *open_handoff(dispatcher, tracker, "emergency", announce=False)]


def say_staff_status(dispatcher: CollectingDispatcher) -> None:
    status = office_status()
    if status.open:
        dispatcher.utter_message(response="utter_emergency_staff_alerted")
    else:
        dispatcher.utter_message(response="utter_emergency_staff_offline", next_open=status.next_open_text)


class ActionHandoffWaiting(Action):
    """Messages while waiting for a person.

    Contact details are kept. After an emergency, every reply starts with the emergency
    instruction again (S1), and health questions still get the engine's answers: waiting
    for a person must never mean waiting for safety advice.
    """

    def name(self) -> str:
        return "action_handoff_waiting"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        emergency = bool(tracker.get_slot(EMERGENCY_SLOT))
        if emergency:
            dispatcher.utter_message(response="utter_emergency")
        contact = EMAIL.search(text) or CONTACT_PHONE.search(text)
        if contact:
            open_store().save_contact(tracker.sender_id, contact.group(0).strip())
            dispatcher.utter_message(response="utter_contact_saved")
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        events: list[dict[str, Any]] = []
        if intent in PERSONAL_TOPICS or intent in (SAFETY_CHECK, "inform"):
            events = answer_topic(dispatcher, tracker, intent if intent in PERSONAL_TOPICS else SAFETY_CHECK)
        if emergency:
            say_staff_status(dispatcher)
        else:
            dispatcher.utter_message(response="utter_handoff_waiting")
        return events


class ActionDefaultFallbackWithHandoff(Action):
    """Not understood: ask to rephrase; the second time in a row, bring in a person."""

    def name(self) -> str:
        return "action_default_fallback_with_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        # Health facts in a message we did not understand still count: "I have CKD" inside a
        # long story must not be lost, and gets the same referral as anywhere else.
        before = stored_profile(tracker)
        person = person_with_latest_message(tracker)
        profile = person.profile
        changed = profile.to_dict() != before.to_dict() or person.switched
        if changed and evaluate(profile).findings:
            dispatcher.utter_message(text=evaluate(profile).render(person.subject))
            return person_events(person)
        if asks_for_urgent_help(latest_text(tracker)):
            dispatcher.utter_message(response="utter_urgent_advice")
            return []
        if previous_user_intent(tracker) == FALLBACK_INTENT:
            return open_handoff(dispatcher, tracker, "not_understood")
        dispatcher.utter_message(response="utter_default")
        return []


class ActionAnswerPurchase(Action):
    """Buying is the shop's checkout; an order or payment problem goes to a person."""

    def name(self) -> str:
        return "action_answer_purchase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if ORDER_PROBLEM.search(latest_text(tracker)):
            return open_handoff(dispatcher, tracker, "order_problem")
        dispatcher.utter_message(response="utter_product_purchase")
        return []


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one (None if there is none)."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return None
