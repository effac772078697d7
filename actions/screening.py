"""Answers that depend on the person: the safety engine decides, these actions only speak.

Every topic question, every "is it safe for me?", every message with personal details and every
greeting or off-topic message goes through the engine's reading of the whole conversation
(actions/conversation.py) and its plan (sedorum.safety.answers), so what the visitor said in
any earlier message is never ignored.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import (
    TOLD_SLOT,
    action_before_latest_message,
    latest_intent,
    latest_language,
    latest_text,
    reading_events,
    reading_of,
    told_findings,
)
from actions.topics import TOPICS, response_of, topic_of
from sedorum.content.locale import conversation_locale, template_values
from sedorum.conversation_events import ASKED_SLOT
from sedorum.safety.answers import (
    DOSAGE,
    PERSONAL_TOPICS,
    SAFETY_CHECK,
    Plan,
    asks_about_a_cure,
    asks_amount,
    asks_for_a_view,
    asks_go_ahead,
    asks_if_it_helps,
    asks_limit,
    follow_up_topic,
    offer_text,
    plan_answer,
)
from sedorum.safety.conversation import Reading
from sedorum.safety.emergency.risk import asks_for_urgent_help, has_risk_words, mentions_dying, urgent_help_text
from sedorum.safety.engine import evaluate
from sedorum.safety.general import (
    asks_about_a_trigger,
    blood_test_advice,
    cramps_advice,
    general_advice,
    storage_advice,
)
from sedorum.safety.language import ENGLISH, reply_lines, to_english
from sedorum.safety.profile import Profile
from sedorum.safety.timing import is_timing_question

SCREENING_BUTTONS = [
    {"title": "Side effects", "payload": "/ask_side_effects"},
    {"title": "Talk to a person", "payload": "/request_human"},
]
DOSE_BUTTONS = [
    {"title": "Who should not take it", "payload": "/check_safety"},
    {"title": "Side effects", "payload": "/ask_side_effects"},
]
UNCLEAR_BUTTONS = [{"title": "Talk to a person", "payload": "/request_human"}]
OFFER_BUTTONS = [
    {"title": "Yes, ask me", "payload": "/affirm"},
    {"title": "No, thanks", "payload": "/deny"},
]
# Set by action_safety_check: "start" (the questions begin now) or "offer" (the visitor may
# take the remaining questions or skip them). Rules in data/rules/screening.yml read it.
NEXT_SLOT = "screening_next"


def locale_values(tracker: Tracker) -> dict[str, str]:
    locale = conversation_locale(tracker.get_latest_input_channel(), tracker.sender_id)
    return template_values(locale)


def say_language_lines(dispatcher: CollectingDispatcher, tracker: Tracker, *kinds: str) -> None:
    """For a message in German, French, Spanish or Polish: "I answer in English" in that
    language, and the referral (or other line) there too, before the English answer."""
    language = latest_language(tracker)
    if language == ENGLISH:
        return
    lines = reply_lines(language, kinds, locale_values(tracker))
    if lines:
        dispatcher.utter_message(text="\n".join(lines))


def speak(dispatcher: CollectingDispatcher, plan: Plan, buttons_on_findings: bool = False) -> None:
    """Sends a plan's replies in order: the engine's texts, and topics by their domain response."""
    for index, reply in enumerate(plan.replies):
        last = index == len(plan.replies) - 1
        buttons = SCREENING_BUTTONS if buttons_on_findings and last and reply.text else None
        if reply.kind == "dose" and last:
            buttons = DOSE_BUTTONS
        elif reply.kind == "unclear":
            buttons = UNCLEAR_BUTTONS
        if reply.topic:
            dispatcher.utter_message(response=response_of(reply.topic))
        elif reply.text:
            dispatcher.utter_message(text=reply.text, buttons=buttons or [])


def say_general_advice(dispatcher: CollectingDispatcher, reading: Reading) -> None:
    """A relative's or a hypothetical condition: general information only (S11); tablets kept
    where a child can reach them: where to keep them."""
    if reading.subject.is_self:
        general = general_advice(reading.extraction)
        if general:
            dispatcher.utter_message(text=general)
    say_storage_advice(dispatcher, reading)


def say_storage_advice(dispatcher: CollectingDispatcher, reading: Reading) -> None:
    """Tablets kept where a child can get at them: where to keep them."""
    storage = storage_advice(reading.texts[-1], reading.texts[-2::-1]) if reading.texts else None
    if storage:
        dispatcher.utter_message(text=storage)


def english_text(tracker: Tracker) -> str:
    text = latest_text(tracker)
    return "" if text.startswith("/") else to_english(text)


def plan_for(topic: str, reading: Reading, tracker: Tracker, restate: bool = True) -> Plan:
    told = [] if reading.switched else told_findings(tracker)
    unclear = reading.unclear_words
    return plan_answer(
        topic,
        reading.profile,
        reading.subject,
        english_text(tracker),
        told,
        restate=restate,
        unclear=unclear,
        asked_before=reading.already_asked(unclear),
        new_unclear=reading.new_unclear,
        not_english=reading.not_english,
    )


def say_the_visitors_own_findings(dispatcher: CollectingDispatcher, reading: Reading) -> None:
    """ "asking for my mum ... I have kidney disease myself": the visitor's own stated facts are
    answered too, after the answer about the person asked for."""
    if reading.subject.is_self or reading.visitor_new.is_empty():
        return
    own = evaluate(reading.people.get("self", reading.visitor_new))
    if own.findings:
        dispatcher.utter_message(text=own.render())


def relatives_findings(reading: Reading) -> str | None:
    """What the facts the latest message told about one relative call for, rendered for them; None
    when it told nothing about a relative that matters, or the conversation is about them."""
    if reading.relative_new is None or not reading.subject.is_self:
        return None
    person, _ = reading.relative_new
    theirs = evaluate(reading.people.get(person.key, Profile()))
    return theirs.render(person) if theirs.findings else None


def say_the_relatives_findings(dispatcher: CollectingDispatcher, reading: Reading) -> None:
    """ "my daughter is 7 months pregnant ... I'm 60 and might take it too": the answer is about
    the visitor, and what the relative's stated facts call for is said too."""
    findings = relatives_findings(reading)
    if findings:
        dispatcher.utter_message(text=findings)


def plan_events(reading: Reading, tracker: Tracker, plan: Plan) -> list[dict[str, Any]]:
    return [*reading_events(reading, tracker), SlotSet(TOLD_SLOT, plan.told), SlotSet(ASKED_SLOT, plan.asked)]


def answer_topic(dispatcher: CollectingDispatcher, tracker: Tracker, topic: str) -> list[dict[str, Any]]:
    """A topic answer for the latest message: findings first, then the topic."""
    if topic == DOSAGE and mentions_dying(english_text(tracker)):
        # An amount asked for beside words of dying that neither detector layer read as a
        # crisis: the urgent-help lines (999, the crisis lines), never a figure.
        say_urgent_help(dispatcher, tracker)
        return []
    reading = reading_of(tracker)
    plan = plan_for(topic, reading, tracker)
    say_language_lines(dispatcher, tracker, "clinician")
    say_general_advice(dispatcher, reading)
    speak(dispatcher, plan)
    if not plan.replies:  # "is it safe?" while the questions cannot run (waiting for staff)
        dispatcher.utter_message(text=evaluate(reading.profile).render(reading.subject))
    say_the_visitors_own_findings(dispatcher, reading)
    say_the_relatives_findings(dispatcher, reading)
    cramps = cramps_advice(reading.texts[-1]) if reading.texts else None
    if cramps:
        dispatcher.utter_message(text=cramps)
    if asks_for_urgent_help(english_text(tracker)):
        # "if I ever get those symptoms, what number do I ring?": the number, whatever the topic
        dispatcher.utter_message(response="utter_urgent_advice")
    return plan_events(reading, tracker, plan)


# "Any interactions with Sedorum I should know about?": about this person, whatever it was classified as.
INTERACTIONS = re.compile(r"\binteract(?:s|ions?|ing)?\b|\bclash(?:es)?\b|\bmix(?:es)? (?:badly )?with\b", re.I)
# "will it go away after?" while pregnant: after the birth.
AFTER_THE_BIRTH = re.compile(
    r"\bgo(?:es)? away after\b|\bafter (?:the )?(?:birth|baby|delivery)\b|\bafter (?:i|she) (?:give|gives) birth\b"
    r"|\b(?:ever|eventually|ever\s+going\s+to)\s+(?:go|goes)\s+away\b|\bwill\s+(?:it|this|they)\s+ever\s+(?:stop|end|go)\b",
    re.I,
)


# A product made for children: "children's magnesium gummies", "kids' vitamins".
CHILDRENS_PRODUCTS = re.compile(
    r"\b(?:children'?s|childrens|kids'?|kiddies|child)\s+(?:\w+\s+)?(?:gumm(?:y|ies)|vitamins?|supplements?|tablets?|"
    r"magnesium|chewables?|syrup|drops)\b",
    re.I,
)


def topic_in_context(topic: str, text: str, reading: Reading) -> str:
    """The topic a question is about, given the conversation: the classifier reads one message."""
    if INTERACTIONS.search(text) and topic not in (DOSAGE, SAFETY_CHECK):
        return SAFETY_CHECK
    if topic not in PERSONAL_TOPICS and asks_go_ahead(text) and evaluate(reading.profile).findings:
        # "Right, I'll give the Sedorum a try then. Anything I should know first?" after an
        # antacid every night, read as another topic: the advice again, with whom to ask
        return SAFETY_CHECK
    if topic != SAFETY_CHECK and asks_for_a_view(text) and evaluate(reading.profile).findings:
        # "so what do you think?" after facts that call for advice, whatever it was read as
        return SAFETY_CHECK
    if topic not in PERSONAL_TOPICS and topic != "evidence" and (asks_if_it_helps(text) or asks_about_a_cure(text)):
        # "will sedorum get rid of my rls for good?" read as a treatment question: the evidence
        # answer (S8: never a cure), with any findings first.
        return topic_of("ask_magnesium_rls") or topic
    if topic not in PERSONAL_TOPICS and asks_limit(text):
        # "Europe has a lower limit for magnesium, what is it?" read as another topic
        return DOSAGE
    if reading.profile.pregnant and AFTER_THE_BIRTH.search(text):
        return topic_of("ask_pregnancy") or topic
    if topic not in PERSONAL_TOPICS and CHILDRENS_PRODUCTS.search(text):
        # "what about the children's magnesium gummies you see in shops?" read as a food question
        return topic_of("ask_supplement_forms") or topic
    return topic


class ActionAnswerTopic(Action):
    """Every topic question (actions/topics.py), shaped by what the conversation told us."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        topic = topic_of(latest_intent(tracker))
        if topic is None:
            dispatcher.utter_message(response="utter_default")
            return []
        text = english_text(tracker)
        if asks_for_urgent_help(text):
            # "it's not an emergency but my legs are awful and my GP is closed, who can I call?"
            dispatcher.utter_message(response="utter_urgent_advice")
        return answer_topic(dispatcher, tracker, topic_in_context(topic, text, reading_of(tracker)))


class ActionAnswerDosage(ActionAnswerTopic):
    """Dose questions (S7), shaped by what the user told us earlier (S2: no dose with CKD)."""

    def name(self) -> str:
        return "action_answer_dosage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return answer_topic(dispatcher, tracker, "dosage")


class ActionSafetyCheck(Action):
    """ "Is it safe for me / for my dad?": what the stated facts already show comes first.

    Then only real unknowns are asked: at once when nothing is known yet, or as a skippable
    offer when the facts already gave a finding.
    """

    def name(self) -> str:
        return "action_safety_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = english_text(tracker)
        if asks_if_it_helps(text) or asks_about_a_cure(text):
            # "my ferritin was 40, would sedorum help my rls?": what the evidence says (and the
            # iron threshold), with any findings first; not the screening questions. In pregnancy
            # ("a pregnant woman got rid of hers with magnesium in hospital"), the pregnancy
            # answer: RLS in pregnancy, and hospital magnesium is not a supplement.
            helps = "ask_pregnancy" if reading_of(tracker).profile.pregnant else "ask_magnesium_rls"
            return answer_topic(dispatcher, tracker, topic_of(helps) or SAFETY_CHECK)
        if is_timing_question(text) or asks_amount(text):
            # "can I swallow my iron and magnesium together at breakfast?", "I'm 52 and healthy,
            # what's the limit?": the dose answer says it (the spacing rules, or the limit when
            # every fact allows it), with any findings first.
            return answer_topic(dispatcher, tracker, DOSAGE)
        reading = reading_of(tracker)
        plan = plan_for(SAFETY_CHECK, reading, tracker)
        say_language_lines(dispatcher, tracker, "clinician")
        say_general_advice(dispatcher, reading)
        blood_test = blood_test_advice(text)
        if blood_test:
            # "my ferritin came back 40, worth taking Sedorum for the iron?": the RLS iron threshold
            dispatcher.utter_message(text=blood_test)
        speak(dispatcher, plan, buttons_on_findings=plan.screening is None)
        say_the_visitors_own_findings(dispatcher, reading)
        say_the_relatives_findings(dispatcher, reading)
        if plan.screening == "offer":
            dispatcher.utter_message(text=offer_text(plan.missing, reading.subject), buttons=OFFER_BUTTONS)
        elif plan.screening == "start":
            dispatcher.utter_message(response="utter_screening_intro")
        return [*plan_events(reading, tracker, plan), SlotSet(NEXT_SLOT, plan.screening)]


class ActionScreeningResult(Action):
    """Ends the screening with the engine's findings and whom to ask (S9: never an all-clear)."""

    def name(self) -> str:
        return "action_screening_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reading = reading_of(tracker)
        screening = evaluate(reading.profile)
        dispatcher.utter_message(text=screening.render(reading.subject), buttons=SCREENING_BUTTONS)
        return [
            *reading_events(reading, tracker),
            SlotSet("requested_slot", None),
            SlotSet(NEXT_SLOT, None),
            SlotSet(TOLD_SLOT, sorted({*told_findings(tracker), *screening.rule_ids})),
        ]


def say_urgent_help(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The urgent-help lines: 999 if someone is very unwell, A&E for a child, the crisis lines."""
    say_language_lines(dispatcher, tracker, "emergency")
    dispatcher.utter_message(text=urgent_help_text(locale_values(tracker)))


def say_not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Not understood: with words about danger in it, the urgent-help lines, never only "sorry"."""
    if has_risk_words(english_text(tracker)):
        say_urgent_help(dispatcher, tracker)
    else:
        say_language_lines(dispatcher, tracker, "clinician")
        dispatcher.utter_message(response="utter_default")


class ActionRememberProfile(Action):
    """Personal details given outside the screening: remember them and say what they mean."""

    def name(self) -> str:
        return "action_remember_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = english_text(tracker)
        reading = reading_of(tracker)
        extraction = reading.extraction
        read_nothing = not extraction.mentions and not extraction.excluded and extraction.profile.is_empty()
        if not reading.switched and read_nothing and not reading.unclear_words and not reading.changed:
            if asks_amount(text):
                # "just roughly, 300 mg?" after a kidney answer: the dose answer, safe by construction
                return answer_topic(dispatcher, tracker, DOSAGE)
            # Classified as personal details, but no detail could be read ("asdfgh 12345"):
            # say so rather than screen an empty profile.
            say_not_understood(dispatcher, tracker)
            return reading_events(reading, tracker)
        say_language_lines(dispatcher, tracker, "clinician")
        say_general_advice(dispatcher, reading)
        screening = evaluate(reading.profile)
        dispatcher.utter_message(text=screening.render(reading.subject), buttons=SCREENING_BUTTONS)
        say_the_relatives_findings(dispatcher, reading)
        told = sorted({*([] if reading.switched else told_findings(tracker)), *screening.rule_ids})
        events = [*reading_events(reading, tracker), SlotSet(TOLD_SLOT, told)]
        question = question_asked_alongside(text, tracker.latest_message.get("intent_ranking") or []) or (
            DOSAGE if asks_amount(text) else None  # "... I'm 45 and healthy. what's the adult limit for me?"
        )
        if question:
            plan = plan_for(question, reading, tracker, restate=False)
            plan.told = sorted({*plan.told, *told})
            speak(dispatcher, plan)
            events += [SlotSet(TOLD_SLOT, plan.told), SlotSet(ASKED_SLOT, plan.asked)]
        return events


SECOND_INTENT_MIN_CONFIDENCE = 0.05


def question_asked_alongside(text: str, ranking: list[dict[str, Any]]) -> str | None:
    """The topic a message classified as `inform` also asks about, if it plainly asks one.

    Only for messages with a question mark, and only the best-ranked topic intent: the
    classifier picks one intent per message, but people often state a fact and ask in one go.
    """
    if "?" not in text:
        return None
    for entry in ranking:
        name = str(entry.get("name"))
        if name in TOPICS and entry.get("confidence", 0.0) >= SECOND_INTENT_MIN_CONFIDENCE:
            return topic_of(name)
    return None


def states_findings(reading: Reading) -> bool:
    """Whether the latest message told facts (or turned to a person) whose findings facts_first says."""
    return bool((reading.extraction.mentions or reading.changed) and evaluate(reading.profile).findings)


def facts_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """Health facts in a message classified as small talk or off-topic still count.

    "Hallo, ich habe kidney disease..." or "my heart rate is always slow, around 45" must get
    the same findings as anywhere else; returns the events, or None when there is nothing to say.
    """
    reading = reading_of(tracker)
    if not states_findings(reading):
        return None
    screening = evaluate(reading.profile)
    if ASKS_IF_A_BOT.search(english_text(tracker)):
        # "am I talking to a bot? my mum's on dialysis": who answers, then what her facts mean
        dispatcher.utter_message(response="utter_bot_challenge")
    say_language_lines(dispatcher, tracker, "clinician")
    dispatcher.utter_message(text=screening.render(reading.subject), buttons=SCREENING_BUTTONS)
    say_storage_advice(dispatcher, reading)
    return [*reading_events(reading, tracker), SlotSet(TOLD_SLOT, screening.rule_ids)]


def relatives_facts(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """A relative's facts in a message nothing else could answer, said as anywhere else.

    "My husband is 87 and has an indigestion mixture with magnesium every night. Now he wants
    tablets for his cramps" is often not understood; what his facts call for must still be
    said. Returns the events, or None when the message told nothing about a relative that
    matters.
    """
    reading = reading_of(tracker)
    findings = relatives_findings(reading)
    if findings is None:
        return None
    say_language_lines(dispatcher, tracker, "clinician")
    dispatcher.utter_message(text=findings, buttons=SCREENING_BUTTONS)
    return reading_events(reading, tracker)


# The plain reply each small-talk intent gets when the message says nothing else.
SMALL_TALK_RESPONSES = {"goodbye": "utter_goodbye", "thank": "utter_thank", "bot_challenge": "utter_bot_challenge"}


# "am I talking to a bot?", "are you a real person?", "is this automated?"
ASKS_IF_A_BOT = re.compile(
    r"\b(?:am\s+i\s+(?:talking|speaking|chatting)\s+(?:to|with)\s+an?\s+(?:bot|robot|machine|computer|real\s+person|"
    r"human|person|ai)|are\s+you\s+(?:an?\s+)?(?:bot|robot|real|human|person|machine|ai|computer)|"
    r"is\s+this\s+(?:an?\s+)?(?:bot|robot|real\s+person|human|automated|ai))\b",
    re.I,
)


class ActionSmallTalk(Action):
    """Thanks, goodbye, "are you a bot?": unless the message also states health facts.

    Why not the static replies: "actually it's me, I'm the pregnant one" or "thanks, I'm on
    dialysis by the way" is read as small talk by the classifier, and the facts in it must get
    their advice at once, not "you're welcome".
    """

    def name(self) -> str:
        return "action_small_talk"

    def response(self, tracker: Tracker) -> str:
        """The plain reply when the message states no facts."""
        return SMALL_TALK_RESPONSES.get(latest_intent(tracker) or "", "utter_anything_else")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = english_text(tracker)
        if tracker.get_slot("deletion_asked") and action_before_latest_message(tracker) == "action_ask_deletion":
            # "thanks. can you confirm it's gone?" while "erase this chat?" is unanswered: nothing
            # is erased until the visitor says yes, so they are told and asked again
            dispatcher.utter_message(response="utter_deletion_not_done")
            dispatcher.utter_message(response="utter_ask_delete_confirmation")
            return []
        events = facts_first(dispatcher, tracker)
        if events is not None:
            return events
        ranking = tracker.latest_message.get("intent_ranking") or []
        topic = question_asked_alongside(text, ranking)
        if topic is not None:
            # "Hi there, does magnesium help restless legs?": the question, not only "hello"
            return answer_topic(dispatcher, tracker, topic_in_context(topic, text, reading_of(tracker)))
        if "?" in text and any(
            entry.get("name") == PURCHASE_INTENT and entry.get("confidence", 0.0) >= SECOND_INTENT_MIN_CONFIDENCE
            for entry in ranking
        ):
            # "Hi there, do you post to Northern Ireland?": the shop's answer
            dispatcher.utter_message(response="utter_product_purchase")
            return []
        say_language_lines(dispatcher, tracker)
        dispatcher.utter_message(response=self.response(tracker))
        return []


PURCHASE_INTENT = "ask_product_purchase"


class ActionGreet(ActionSmallTalk):
    """A greeting, unless the message also states health facts: those come first."""

    def name(self) -> str:
        return "action_greet"

    def response(self, tracker: Tracker) -> str:
        return "utter_greet"


class ActionOutOfScope(Action):
    """Off-topic, unless the message states health facts (then the findings), carries words
    about danger (then the urgent-help lines), or asks where to get urgent help that is not an
    emergency (then the locale's urgent-advice line)."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        events = facts_first(dispatcher, tracker)
        if events is not None:
            return events
        text = english_text(tracker)
        if asks_for_urgent_help(text):
            say_language_lines(dispatcher, tracker)
            dispatcher.utter_message(response="utter_urgent_advice")
            return []
        if has_risk_words(text):
            say_not_understood(dispatcher, tracker)
            return []
        reading = reading_of(tracker)
        if (reading.extraction.mentions or reading.extraction.excluded) and evaluate(reading.profile).findings:
            # "should I tell anyone about the omeprazole before starting?": about facts already
            # told, so the advice they call for, with whom to ask.
            return answer_topic(dispatcher, tracker, SAFETY_CHECK)
        blood_test = blood_test_advice(text)
        if blood_test:
            # "my granddaughter says I should get a blood test": the iron check for RLS
            say_language_lines(dispatcher, tracker, "clinician")
            dispatcher.utter_message(text=blood_test)
            return []
        if asks_about_a_trigger(text):
            # "and what about a glass of wine at night?": what can make RLS worse
            return answer_topic(dispatcher, tracker, "rls_causes")
        say_language_lines(dispatcher, tracker)
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ActionShortReply(Action):
    """A yes, no or "stop" outside any question of ours.

    Why not only "anything else?": such a message is often a follow-up to a health answer
    ("so is that a no? what about a small amount?", "so 2 tonight is fine yeah?", "ok I'll
    order some and start tonight"). An amount question gets the dose answer (no figure unless
    every fact allows it); a go-ahead after facts or findings gets them again with whom to ask;
    stated facts come first as everywhere.
    """

    def name(self) -> str:
        return "action_short_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        events = facts_first(dispatcher, tracker)
        if events is not None:
            return events
        reading = reading_of(tracker)
        topic = follow_up_topic(english_text(tracker), reading.profile, reading.previous_text)
        if topic is not None:
            return answer_topic(dispatcher, tracker, topic)
        say_language_lines(dispatcher, tracker)
        dispatcher.utter_message(response="utter_anything_else")
        return []
