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

from actions.conversation import latest_intent, latest_text, reading_events, reading_of
from actions.screening import (
    answer_topic,
    english_text,
    facts_first,
    relatives_facts,
    say_not_understood,
    say_urgent_help,
    topic_in_context,
)
from actions.topics import INFORM_INTENT, SAFETY_CHECK_INTENT, topic_of
from sedorum.contact_patterns import CONTACT_PHONE, EMAIL
from sedorum.handoff.hours import office_status
from sedorum.handoff.store import open_store
from sedorum.safety import wording
from sedorum.safety.after_emergency import after_emergency_advice, without_amounts
from sedorum.safety.answers import (
    DOSAGE,
    SAFETY_CHECK,
    asks_about_a_cure,
    asks_go_ahead,
    asks_if_it_helps,
    follow_up_topic,
)
from sedorum.safety.emergency.risk import asks_for_urgent_help, has_risk_words
from sedorum.safety.engine import evaluate
from sedorum.safety.general import cramps_advice, rls_complaint, storage_advice
from sedorum.vocabulary import HANDOFF_SLOT, HANDOFF_WAITING

# A problem with an order or a payment (a person is brought in), not a question about buying or
# delivery in general ("do you deliver to the Highlands?" is answered by the shop's checkout text).
ORDER_PROBLEM = re.compile(
    r"\b(?:my|our|the|this)\s+(?:order|parcel|package|delivery|payment|refund|invoice)\b"
    r"|\b(?:refund|charged|invoice|tracking|cancel|wrong item|damaged|missing|hasn'?t (?:come|arrived)|"
    r"(?:not|never|didn'?t|hasn'?t|still not) (?:arrived|arrive|come|turned up|delivered)|still waiting|paid)\w*",
    re.IGNORECASE,
)
FALLBACK_INTENT = "nlu_fallback"
# "the ambulance is 40 minutes away": help is on its way, so nothing new is taken meanwhile.
# True once an emergency was flagged in this conversation: later replies repeat the S1 line.
EMERGENCY_SLOT = "emergency_flagged"
# Which emergency reply it was (poisoning, crisis, emergency, urgent), and the response of each.
EMERGENCY_KIND_SLOT = "emergency_kind"
EMERGENCY_RESPONSES = {
    "emergency": "utter_emergency",
    "poisoning": "utter_emergency_poisoning",
    "crisis": "utter_emergency_crisis",
    "urgent": "utter_urgent_same_day",
}


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


def open_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, announce: bool = True
) -> list[dict[str, Any]]:
    """Records the handoff with the screening findings and tells the visitor when to expect a person."""
    findings = [finding.rule_id for finding in evaluate(reading_of(tracker).profile).findings]
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
        text = english_text(tracker)
        if not text.startswith("/") and not PERSON_WORDS.search(text):
            # "so who can have it?" read as asking for a person: a go-ahead question about the
            # people named, answered with their advice and whom to ask
            reading = reading_of(tracker)
            topic = follow_up_topic(text, reading.profile, reading.previous_text)
            if topic is not None or (asks_go_ahead(text) and any(not p.is_empty() for p in reading.people.values())):
                return answer_topic(dispatcher, tracker, topic or SAFETY_CHECK)
        if asks_for_urgent_help(text):
            # "not an emergency, but I'd like to speak to someone medical tonight": our support
            # team is not medical, so where to get medical help comes first.
            dispatcher.utter_message(response="utter_urgent_advice")
        return open_handoff(dispatcher, tracker, "asked_for_person")


# Words of asking for a person; a message read as that request without any may be something else.
PERSON_WORDS = re.compile(
    r"\b(?:person|people|human|someone|somebody|anyone|staff|team|agent|advisor|adviser|operator|"
    r"real|talk|speak|chat|call|ring|phone|contact|pharmacist|doctor|nurse|help|manager|support|live|bot)\b",
    re.I,
)


class ActionFlagEmergency(Action):
    """After the S1 reply (already sent as a static response): alert staff, end any form.

    It says that staff were alerted only when someone is on duty; out of hours it says when
    the team is back, so nobody waits for a person who is not there.
    """

    def name(self) -> str:
        return "action_flag_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        # A message that called for two replies (a teenager's overdose on purpose: poisoning and
        # crisis) got the most pressing one first; the others follow now.
        for kind in list((tracker.latest_message or {}).get("emergency_replies") or [])[1:]:
            if kind in EMERGENCY_RESPONSES:
                dispatcher.utter_message(response=EMERGENCY_RESPONSES[kind])
        say_staff_status(dispatcher)
        # Facts in the emergency message ("I'm pregnant and can't breathe") still count for
        # the safety questions that may follow while the visitor waits.
        kind = str((tracker.latest_message or {}).get("emergency_reply") or "emergency")
        events: list[dict[str, Any]] = [
            SlotSet(EMERGENCY_SLOT, True),
            SlotSet(EMERGENCY_KIND_SLOT, kind),
            *reading_events(reading_of(tracker), tracker),
        ]
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


RUNNER_UP_MIN_CONFIDENCE = 0.1
# A message the classifier was unsure of is answered with its best topic when that topic has at
# least this much weight: every topic answer is safe as it stands, and a near miss helps more
# than "sorry, I didn't understand".
BEST_GUESS_MIN_CONFIDENCE = 0.25


def best_guess(ranking: list[dict[str, Any]]) -> str | None:
    """The topic the classifier ranked first after "not understood", if it gave it enough weight."""
    for entry in ranking:
        name = str(entry.get("name"))
        if name == FALLBACK_INTENT:
            continue
        if float(entry.get("confidence") or 0.0) < BEST_GUESS_MIN_CONFIDENCE:
            return None
        if name == SAFETY_CHECK_INTENT:
            return SAFETY_CHECK
        return topic_of(name)
    return None


def runner_up_topic(ranking: list[dict[str, Any]]) -> str | None:
    """The best-ranked answerable topic after the emergency, if the classifier gave it some weight."""
    for entry in ranking:
        topic = topic_of(str(entry.get("name")))
        if topic is not None:
            return topic if float(entry.get("confidence") or 0.0) >= RUNNER_UP_MIN_CONFIDENCE else None
    return None


class ActionUrgentHelp(Action):
    """The classifier alone heard an emergency that the detector could not confirm.

    The message names no sign the detector knows, so it is neither set aside nor answered with
    "Call 999 now": "my mum can't sleep because of her legs" scored as an emergency would
    frighten a visitor who needed the restless legs answer. The visitor gets the urgent-help
    lines (999 if someone is very unwell, A&E for a child who swallowed tablets, the crisis
    lines), and staff are alerted as for an emergency, so a person reads what the engine could not.
    """

    def name(self) -> str:
        return "action_urgent_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot(EMERGENCY_SLOT):
            # "she's got something chalky round her mouth" after a child's poisoning: the
            # emergency already open is the answer, said again first
            kind = str(tracker.get_slot(EMERGENCY_KIND_SLOT) or "emergency")
            dispatcher.utter_message(response=EMERGENCY_RESPONSES.get(kind, "utter_emergency"))
        say_urgent_help(dispatcher, tracker)
        events = reading_events(reading_of(tracker), tracker)
        topic = runner_up_topic(tracker.latest_message.get("intent_ranking") or [])
        if topic == DOSAGE:
            # "I line up all my tablets and think about taking the lot": an amount asked beside
            # words the engine could not place is never answered with a figure.
            topic = None
        if topic is not None:
            # "An itchy rash since I started it, no swelling": the side-effects answer too, in
            # case that is what was asked.
            events = answer_topic(dispatcher, tracker, topic)
        say_staff_status(dispatcher)
        if tracker.get_slot(HANDOFF_SLOT):
            open_store().request(tracker.sender_id, channel_of(tracker), "emergency")
            return events
        return [*events, *open_handoff(dispatcher, tracker, "emergency", announce=False)]


# "can she have sedorum?", "could my dad take it": whether someone may take it, however classified.
CAN_TAKE = re.compile(
    r"\b(?:can|could|should|may)\s+(?:i|he|she|they|we|my\s+\w+)\s+(?:\w+\s+)?(?:have|take|use|try|start)\b", re.I
)
# Words of a question about buying; a message read as one without any is about something else
# ("it was only a small one they said" after a heart finding).
PURCHASE_WORDS = re.compile(
    r"\b(?:buy\w*|order\w*|price\w*|cost\w*|£|\$|€|pay\w*|checkout|basket|cart|deliver\w*|post(?:age)?|ship\w*|"
    r"stock|discount|offer|sell\w*|shop|purchase\w*|get\s+(?:it|some)|afford|cheap\w*|expensive|refund|subscri\w*)\b",
    re.I,
)


class NoAmountsDispatcher(CollectingDispatcher):
    """A dispatcher whose texts lose every sentence that gives an amount: while an emergency is
    open, no reply carries a figure, whichever answer it came from (a finding that states the
    upper limit, a dose answer)."""

    def __init__(self, inner: CollectingDispatcher) -> None:
        super().__init__()
        self.messages = inner.messages  # the same list: what is said here is said there

    def utter_message(
        self,
        text: str | None = None,
        image: str | None = None,
        json_message: dict[str, Any] | None = None,
        template: str | None = None,
        response: str | None = None,
        attachment: str | None = None,
        buttons: list[dict[str, Any]] | None = None,
        elements: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        if text:
            text = without_amounts(text) or None
            if text is None and not (response or template or buttons or image or json_message):
                return
        super().utter_message(text, image, json_message, template, response, attachment, buttons, elements, **kwargs)


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
            dispatcher = NoAmountsDispatcher(dispatcher)
            kind = str(tracker.get_slot(EMERGENCY_KIND_SLOT) or "emergency")
            dispatcher.utter_message(response=EMERGENCY_RESPONSES.get(kind, "utter_emergency"))
        contact = EMAIL.search(text) or CONTACT_PHONE.search(text)
        if contact:
            open_store().save_contact(tracker.sender_id, contact.group(0).strip())
            dispatcher.utter_message(response="utter_contact_saved")
            return []
        topic = topic_of(latest_intent(tracker))
        events: list[dict[str, Any]] = []
        reading = reading_of(tracker) if emergency else None
        advice = after_emergency_advice(text, topic == DOSAGE, reading.subject) if reading is not None else None
        if reading is not None and advice is not None:
            # "can I take a Sedorum while I wait?", "should I tell the paramedics about the
            # magnesium?", "when can I start it again?": one plain instruction, never an amount.
            dispatcher.utter_message(text=advice)
            screening = evaluate(reading.profile)
            if screening.findings:  # "I have kidney disease, how much can I take?"
                dispatcher.utter_message(text=screening.render(reading.subject))
            events = reading_events(reading, tracker)
        elif topic is not None:
            # Every question is still answered while the visitor waits for a person: waiting must
            # never mean going without an answer the assistant can give.
            events = answer_topic(dispatcher, tracker, topic)
        elif latest_intent(tracker) in (SAFETY_CHECK_INTENT, INFORM_INTENT) or (
            emergency and CAN_TAKE.search(english_text(tracker))
        ):
            # "and can she have sedorum for her legs though?" after a crisis: answered too
            events = answer_topic(dispatcher, tracker, SAFETY_CHECK)
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
        events = facts_first(dispatcher, tracker)
        if events is not None:
            return events
        text = english_text(tracker)
        if asks_for_urgent_help(text):
            dispatcher.utter_message(response="utter_urgent_advice")
            return []
        reading = reading_of(tracker)
        follow_up = follow_up_topic(text, reading.profile, reading.previous_text)
        if follow_up == DOSAGE:
            # "what's the upper limit for me" scored between two intents: a dose answer is safe
            # by construction (no figure unless every fact allows it), so it is given.
            return answer_topic(dispatcher, tracker, DOSAGE)
        if asks_if_it_helps(text) or asks_about_a_cure(text):
            # "he's got terrible restless legs, could sedorum help him?" not understood: what the
            # evidence says, with the findings of whoever it is about first
            return answer_topic(dispatcher, tracker, topic_of("ask_magnesium_rls") or SAFETY_CHECK)
        if reading.new_unclear:
            # "I have porphyria, how much is safe?", "I take zelvoxatine": a health word the
            # engine does not know gets its referral and a question, never only "sorry".
            return answer_topic(dispatcher, tracker, SAFETY_CHECK)
        # "so what do you think?" after facts that call for advice: the advice again.
        guess = best_guess(tracker.latest_message.get("intent_ranking") or []) or follow_up
        if guess is not None and not has_risk_words(text):
            return answer_topic(dispatcher, tracker, topic_in_context(guess, text, reading))
        relative = relatives_facts(dispatcher, tracker)
        advice = [line for line in (storage_advice(text), cramps_advice(text)) if line]
        if advice or relative is not None:
            # "grandchildren stay every weekend, anything I should know about keeping Sedorum?",
            # "calf in a rock hard knot at 4am", a husband's antacid: what fits, not "sorry".
            for line in advice:
                dispatcher.utter_message(text=line)
            return relative or []
        if has_risk_words(text):
            # Not understood, but about danger: the urgent-help lines, never only "sorry".
            say_not_understood(dispatcher, tracker)
            return []
        if rls_complaint(text):
            # "Eight months of hardly any sleep because of my legs. Nothing works."
            dispatcher.utter_message(text=wording.text("general.rls_complaint"))
            return answer_topic(dispatcher, tracker, "rls_treatment")
        if previous_user_intent(tracker) == FALLBACK_INTENT:
            return open_handoff(dispatcher, tracker, "not_understood")
        say_not_understood(dispatcher, tracker)
        return []


# Asking whether to buy at all: a question for advice, not for the checkout.
SHOULD_I_BUY = re.compile(
    r"\b(?:should|shall)\s+i\s+(?:buy|get|order|try)\s+(?:it|some|sedorum|them)\b|\bis\s+it\s+worth\s+(?:buying|it)\b"
    r"|\bworth\s+(?:the\s+money|buying)\b",
    re.I,
)


class ActionAnswerPurchase(Action):
    """Buying is the shop's checkout; an order or payment problem goes to a person."""

    def name(self) -> str:
        return "action_answer_purchase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        # "What's the price? I'm 80 and use Rennie a lot": the facts come first here too.
        first = facts_first(dispatcher, tracker)
        events = first or []
        text = latest_text(tracker)
        if ORDER_PROBLEM.search(text):
            return [*events, *open_handoff(dispatcher, tracker, "order_problem")]
        english = english_text(tracker)
        has_findings = bool(evaluate(reading_of(tracker).profile).findings)
        if first is None and not PURCHASE_WORDS.search(english) and has_findings:
            # "it was only a small one they said" after a heart finding, read as a purchase
            # question: no checkout, the advice again with whom to ask
            return answer_topic(dispatcher, tracker, SAFETY_CHECK)
        if first is None and asks_go_ahead(english) and has_findings:
            # "right, can I just order sedorum and start it tonight then?" from someone who is
            # pregnant: the advice on who to ask comes before the checkout.
            events = answer_topic(dispatcher, tracker, SAFETY_CHECK)
        elif first is None and SHOULD_I_BUY.search(english):
            # "so should I buy it or not?": no personal all-clear (S9), but whom to ask and what
            # the evidence says, before the checkout
            dispatcher.utter_message(response="utter_evidence_before_buying")
        dispatcher.utter_message(response="utter_product_purchase")
        return events


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one (None if there is none)."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return None
