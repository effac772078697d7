"""Every user turn either completes and is stored, or fails visibly so the client can retry.

Why: in Rasa 3.6 a turn that fails is silently "accepted". `FailSafeTrackerStore` answers a
database error on read with an *empty* tracker and on write falls back to an in-memory store,
and the REST channel turns any exception into HTTP 200 with whatever replies were collected.
With PostgreSQL restarting, users would get answers that are never stored (and a new,
empty conversation in the middle of a screening). Here:

* the tracker store wrapper raises `StoreUnavailable` instead of falling back;
* `Agent.handle_message` is wrapped: it cleans the text (channel-agnostic: REST, socket.io and
  the messaging channels), answers empty and over-long messages without running the model,
  rate-limits senders of channels that have no HTTP edge check, and records a failed turn on
  the current request's `TurnReport`, which the edge middleware turns into HTTP 503
  (`Retry-After`) for the REST channel;
* a failure *after* the turn was stored (releasing a Redis lock, say) is not a failure for
  the user: the stored answer is returned, so a client retry never stores a message twice;
* a message a client sends again after a dropped connection is looked up under the
  conversation's lock: when its first copy was stored (only the answer got lost), the stored
  replies are sent again instead of running the turn twice. The client names the message: the
  website widget with `customData.message_id` and `resend: true` on the copy
  (sedorum/web/static/chat.js), a REST client with an `Idempotency-Key` header on every
  attempt (read by the edge, sedorum/edge/hardening.py). The id is stored in the user
  message's metadata (`message_id`).

Errors are logged with the conversation id and the exception type, never the message text.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sedorum.content.locale import conversation_locale, default_locale, template_values
from sedorum.edge.inputs import (
    EMPTY_MESSAGE_REPLY,
    SLOW_DOWN_REPLY,
    TOO_LONG_REPLY,
    clean_text,
    valid_sender,
)
from sedorum.edge.ratelimit import TokenBucketLimiter
from sedorum.edge.turn_report import StoreUnavailable, current_report
from sedorum.patches.declaration import ApplyContext, Patch

if TYPE_CHECKING:
    from rasa.core.channels.channel import UserMessage

    from sedorum.settings import Settings

logger = logging.getLogger(__name__)

SERVICE_TROUBLE = "utter_service_trouble"
SERVICE_TROUBLE_TEXT = (
    "Sorry, something went wrong on our side. For questions about your health or your medicines, "
    "please ask your doctor or pharmacist.\nIn an emergency, call {emergency_number} ({other_emergency_numbers})."
).format(**template_values(default_locale()))  # the deployment's number first (SEDORUM_LOCALE)
# The widget's per-message id and its "sent again" mark, in the message metadata (customData).
MESSAGE_ID_KEY = "message_id"
RESEND_KEY = "resend"
# Channels whose senders the HTTP edge already rate-limits (one token per request).
EDGE_LIMITED_CHANNELS = frozenset({"rest"})
_PATCHED = "_sedorum_turns_patched"


@dataclass
class _TurnState:
    processed: bool = False


_turn_state: ContextVar[_TurnState | None] = ContextVar("sedorum_turn_state", default=None)


def _raise_unavailable(error: Exception) -> None:
    raise StoreUnavailable(f"tracker store unavailable: {type(error).__name__}") from error


async def _reply(message: UserMessage, text: str) -> list[dict[str, Any]] | None:
    from rasa.core.channels.channel import CollectingOutputChannel

    channel = message.output_channel
    try:
        await channel.send_text_message(message.sender_id, text)
    except Exception as error:  # a channel that cannot answer must not turn into a crash
        logger.warning("Could not send a guard reply to conversation %s: %s", message.sender_id, type(error).__name__)
    return channel.messages if isinstance(channel, CollectingOutputChannel) else None


def resent_message_id(message: UserMessage) -> str | None:
    """The id of a message that may have been stored before (a resend or a REST retry), else None.

    The widget marks its resends; a REST client's Idempotency-Key is looked up on every attempt,
    since the client cannot tell whether its first attempt was stored.
    """
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    message_id = metadata.get(MESSAGE_ID_KEY)
    if not isinstance(message_id, str) or not message_id:
        return None
    report = current_report()
    if metadata.get(RESEND_KEY) is True or (report is not None and report.message_id == message_id):
        return message_id
    return None


def name_the_message(message: UserMessage) -> None:
    """Stores the REST client's Idempotency-Key with the message (metadata `message_id`)."""
    report = current_report()
    if report is not None and report.message_id:
        metadata = dict(message.metadata) if isinstance(message.metadata, dict) else {}
        metadata[MESSAGE_ID_KEY] = report.message_id
        message.metadata = metadata


async def replay_if_stored(processor: Any, message: UserMessage) -> bool:
    """Sends the stored replies again when this resent message was already stored; True if so.

    Runs under the conversation's lock (MessageProcessor.handle_message), so a first copy still
    being answered in this process has finished and been stored by now.
    """
    from rasa.shared.core.events import BotUttered, UserUttered

    message_id = resent_message_id(message)
    if message_id is None:
        return False
    tracker = await processor.tracker_store.retrieve(message.sender_id)
    events = list(tracker.events) if tracker is not None else []
    first = next(
        (
            index
            for index, event in enumerate(events)
            if isinstance(event, UserUttered) and (event.metadata or {}).get(MESSAGE_ID_KEY) == message_id
        ),
        None,
    )
    if first is None:
        return False
    replies = []
    for event in events[first + 1 :]:
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            replies.append(event.message())
    logger.info(
        "Conversation %s: a resent message was already stored; its %d replies sent again.",
        message.sender_id,
        len(replies),
    )
    for reply in replies:
        await message.output_channel.send_response(message.sender_id, dict(reply))
    return True


def _trouble_text(agent: Any) -> str:
    try:
        return agent.domain.responses[SERVICE_TROUBLE][0]["text"]
    except Exception:
        return SERVICE_TROUBLE_TEXT


def install(settings: Settings, sender_limiter: TokenBucketLimiter) -> None:
    """Patches Agent and MessageProcessor once per process (before the agent loads)."""
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import FailSafeTrackerStore

    if getattr(Agent, _PATCHED, False):
        Agent._sedorum_settings = settings
        Agent._sedorum_sender_limiter = sender_limiter
        return

    original_create_store = Agent._create_tracker_store

    def strict_tracker_store(store: Any, domain: Any) -> Any:
        created = original_create_store(store, domain)
        if isinstance(created, FailSafeTrackerStore):
            created._on_tracker_store_error = _raise_unavailable
        return created

    Agent._create_tracker_store = staticmethod(strict_tracker_store)

    original_process = MessageProcessor.handle_message

    async def process_and_mark(self: MessageProcessor, message: UserMessage) -> Any:
        if await replay_if_stored(self, message):
            from rasa.core.channels.channel import CollectingOutputChannel

            channel = message.output_channel
            return channel.messages if isinstance(channel, CollectingOutputChannel) else None
        result = await original_process(self, message)
        state = _turn_state.get()
        if state is not None:
            state.processed = True  # the tracker was saved: this is processor.handle_message's last step
        return result

    MessageProcessor.handle_message = process_and_mark

    original_handle = Agent.handle_message

    async def guarded_handle_message(self: Agent, message: UserMessage) -> Any:
        active: Settings = Agent._sedorum_settings
        limiter: TokenBucketLimiter = Agent._sedorum_sender_limiter
        if not valid_sender(message.sender_id):
            logger.warning(
                "Dropped a message on channel %s: invalid sender id (%d characters).",
                message.input_channel,
                len(str(message.sender_id)),
            )
            return None
        text = message.text if isinstance(message.text, str) else ""
        cleaned = clean_text(text)
        if not cleaned:
            return await _reply(message, EMPTY_MESSAGE_REPLY)
        if len(cleaned) > active.max_message_chars:
            logger.info(
                "Conversation %s: message of %d characters refused (limit %d).",
                message.sender_id,
                len(cleaned),
                active.max_message_chars,
            )
            numbers = template_values(conversation_locale(message.input_channel, message.sender_id))
            return await _reply(message, TOO_LONG_REPLY.format(limit=f"{active.max_message_chars:,}", **numbers))
        if message.input_channel not in EDGE_LIMITED_CHANNELS and not limiter.allow(message.sender_id)[0]:
            return await _reply(message, SLOW_DOWN_REPLY)
        message.text = cleaned
        name_the_message(message)

        state = _TurnState()
        token = _turn_state.set(state)
        try:
            return await original_handle(self, message)
        except Exception as error:
            if state.processed:
                logger.warning(
                    "Conversation %s: turn stored, then %s while releasing resources; answer kept.",
                    message.sender_id,
                    type(error).__name__,
                )
                from rasa.core.channels.channel import CollectingOutputChannel

                channel = message.output_channel
                return channel.messages if isinstance(channel, CollectingOutputChannel) else None
            logger.error(
                "Conversation %s: turn failed and was not stored (%s: %s).",
                message.sender_id,
                type(error).__name__,
                type(getattr(error, "__cause__", None)).__name__,
            )
            report = current_report()
            if report is not None:
                report.failed = True
                report.error = type(error).__name__
            if message.input_channel not in EDGE_LIMITED_CHANNELS:
                await _reply(message, _trouble_text(self))
            raise
        finally:
            _turn_state.reset(token)

    Agent.handle_message = guarded_handle_message
    Agent._sedorum_settings = settings
    Agent._sedorum_sender_limiter = sender_limiter
    setattr(Agent, _PATCHED, True)


def _install_with_context(context: ApplyContext) -> None:
    """The Rasa server passes the HTTP edge's per-sender limiter, so both count the same turns."""
    settings = context.settings
    limiter = context.sender_limiter or TokenBucketLimiter(settings.rate_sender_per_s, settings.rate_sender_burst)
    install(settings, limiter)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="turns_fail_loudly",
        targets=(
            "rasa.core.agent:Agent._create_tracker_store",
            "rasa.core.agent:Agent.handle_message",
            "rasa.core.processor:MessageProcessor.handle_message",
        ),
        why="Rasa falls back to an in-memory store when PostgreSQL or Redis fails and answers as if "
        "nothing happened; a turn is now either stored or refused (503), and channels without an "
        "HTTP edge get the per-sender rate limit and the message length limit.",
        test="tests/unit/patches/test_turns_and_faults.py",
        apply=_install_with_context,
    ),
)
