"""The widget's helpful / not helpful buttons on the messaging channels.

Why the widget's own record (sedorum.insights.feedback): the insights page counts votes per
answer and per channel from one table, whichever channel they came from. A vote names its
answer by a short key of the answer's text (`feedback.answer_key`), because a Telegram
button holds 64 bytes; the key is matched against the conversation's stored assistant
messages as the widget's text is, so nobody can vote on an answer never sent to them.

A vote is not a message to the assistant: it never reaches Rasa, does not show in the
transcript and does not interrupt a form, as in the widget. "Not helpful" is answered with
the offer of a person (the human handoff), as in the widget.

The vote buttons travel as two extra buttons at the end of an answer's own (`choices`), so
every platform's formatting treats them like the answer's options, in the platform's own
form: an inline keyboard row (Telegram), quick replies (Messenger), a Block Kit actions block
(Slack), WhatsApp quick-reply buttons under "Was this answer helpful?" (Twilio, with a content
template) or two more numbers in "Reply 1 for ..., 3 if this helped, 4 if not." (SMS). A typed
number is mapped back through the same `choices` of the stored message (common.latest_choices),
so both ends agree by construction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sedorum.insights import feedback
from sedorum.insights.db import engine_for, tracker_db_url
from sedorum.settings import Settings

logger = logging.getLogger("sedorum.channels")

PREFIX = "vote:"
UP, DOWN = "up", "down"
TITLES = {UP: "👍 Helpful", DOWN: "👎 Not helpful"}
SPOKEN = {UP: "if this helped", DOWN: "if not"}  # in "Reply 1 for ..., 3 if this helped, 4 if not."

QUESTION = "Was this answer helpful?"  # where the buttons come in a message of their own (WhatsApp)
THANKS = "Thanks for telling us."
NOT_SAVED = "Sorry, your vote could not be saved."
OFFER = "Would you like to talk to a person from our support team?"
# The same button the domain's answers offer; it asks for a person through the handoff rules.
PERSON_BUTTON: dict[str, Any] = {"title": "Talk to a person", "payload": "/request_human"}
# Where a number cannot pick it (SMS): the offer is not stored in the conversation, so a
# number would map to the answer's options. "human" is one of request_human's own examples.
TYPED_OFFER = 'To talk to a person from our support team, reply "human".'

# Replies under which no vote is offered, and why:
NO_VOTE_PREFIXES = (
    "utter_emergency",  # S1: the instruction to call for help stands alone
    "utter_urgent_",  # so does the instruction to get checked today
    "utter_ask_",  # the assistant's own questions wait for an answer, not a verdict
    "utter_handoff_",  # a person is being fetched: "not helpful, talk to a person" would loop
    "utter_data_",  # delete-my-data: the conversation is (about to be) erased, nothing to vote on
    "utter_deletion_",  # as above
)
NO_VOTE_RESPONSES = frozenset({"utter_contact_saved"})  # part of the handoff, as above


@dataclass(frozen=True)
class Vote:
    value: str  # UP or DOWN
    key: str  # feedback.answer_key of the answer's text


def payload(value: str, text: str) -> str:
    """The button data of a vote on the answer `text`: "vote:up:<key>" (24 bytes)."""
    return f"{PREFIX}{value}:{feedback.answer_key(text)}"


def parse(data: str | None) -> Vote | None:
    """The vote a button's data stands for, or None (an option's payload, or anything else)."""
    if not data or not data.startswith(PREFIX):
        return None
    value, _, key = data[len(PREFIX) :].partition(":")
    if value not in (UP, DOWN) or not feedback.is_answer_key(key):
        return None
    return Vote(value, key)


def is_vote(button: Mapping[str, Any]) -> bool:
    return parse(str(button.get("payload") or "")) is not None


def votable(text: str | None, message: Mapping[str, Any]) -> bool:
    """Whether an assistant message gets the vote buttons.

    `message` is the rest of the message as Rasa hands it to the output channel, which is
    `BotUttered.message()` of the stored event (so a typed number is resolved against the same
    answer). Only messages of stored events carry a timestamp: a reply sent outside a turn
    (the guard's "too long" or "try again later") is not in the conversation to be voted on.
    """
    if not (text or "").strip() or "timestamp" not in message or message.get("staff_text") is not None:
        return False  # nothing to judge, not stored, or a person wrote it
    name = str(message.get("utter_action") or message.get("template_name") or "")
    return not (name.startswith(NO_VOTE_PREFIXES) or name in NO_VOTE_RESPONSES)


def buttons(text: str) -> list[dict[str, Any]]:
    return [{"title": TITLES[value], "payload": payload(value, text)} for value in (UP, DOWN)]


def choices(
    text: str | None, options: Sequence[Mapping[str, Any]] | None, message: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """An answer's options, then the two vote buttons when it gets them."""
    listed = [dict(option) for option in options or []]
    return listed + buttons(text or "") if votable(text, message) else listed


def options_only(listed: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [button for button in listed if not is_vote(button)]


def voted_answer(listed: Sequence[Mapping[str, Any]]) -> str | None:
    """The answer key the vote buttons in `listed` carry, if it holds them."""
    for button in listed:
        vote = parse(str(button.get("payload") or ""))
        if vote:
            return vote.key
    return None


def thanks(saved: bool) -> str:
    return THANKS if saved else NOT_SAVED


def acknowledgement(value: str, saved: bool, offer: str = OFFER) -> str:
    """What the person reads after voting: thanks (or that it failed), and after "not helpful"
    the offer of a person."""
    return f"{thanks(saved)} {offer}" if value == DOWN else thanks(saved)


async def record(sender_id: str, vote: Vote, channel: str) -> bool:
    """Stores the vote like the widget's; False if there is no such answer or the database failed.

    The database is the tracker store's (sedorum.insights.db), opened with the same settings.
    """
    try:
        engine = engine_for(tracker_db_url(Settings.from_env()))
        saved = await asyncio.to_thread(feedback.record_by_key, engine, sender_id, vote.key, vote.value)
    except Exception:  # noqa: BLE001 - a failed vote must not fail the webhook
        logger.exception("Could not store a %s vote", channel)
        return False
    if saved is None:
        logger.info("A %s vote named no answer of its conversation; not stored.", channel)
        return False
    return True
