"""When a custom action fails or times out, the user hears about it instead of getting nothing.

Why: Rasa 3.6's `RemoteAction.run` raises when the action server is down, slow or broken;
the processor logs "Bot will continue, but the actions events are lost" and the user gets an
empty reply (HTTP 200 with `[]`, measured), or half an answer. For a health assistant the
silent case is the dangerous one. Here a failed call returns the domain response
`utter_service_trouble` ("...please ask your doctor or pharmacist... call 911, 999 or 112")
once per turn, and a `FollowupAction(action_listen)` so that the policies do not try the same
broken action again and again until the 60 s conversation lock runs out.

Static responses that ran before the failure (S1's `utter_emergency` comes before
`action_flag_emergency`) have already been sent, so the emergency instruction still comes first.
`ActionExecutionRejection` (the action server's normal "not now" answer) is left alone.
The call is bounded by SEDORUM_ACTION_TIMEOUT_S (default 10 s), well inside the 60 s lock.

A refused connection is different from a failure: nothing reached the action server, which
is most likely being restarted by the supervisor (about 2 s, sedorum/server/supervisor.py).
The call is tried again every `RETRY_PAUSE_S` within the same bound, so the visitor gets the
real answer a moment later instead of the service-trouble reply. A call that reached the
server and then failed is never sent again: an action may have done something (a staff
alert, a handoff) before it failed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sedorum.patches.declaration import Patch
from sedorum.patches.turns import SERVICE_TROUBLE, SERVICE_TROUBLE_TEXT

if TYPE_CHECKING:
    from rasa.shared.core.trackers import DialogueStateTracker

    from sedorum.settings import Settings

logger = logging.getLogger(__name__)
_PATCHED = "_sedorum_faults_patched"
RETRY_PAUSE_S = 0.25


def connection_refused(error: BaseException) -> bool:
    """True when the action call failed before the action server could have run it.

    Either aiohttp could not connect, or it could not write the request body (a kept-alive
    connection to a server that has just died): an action server reads the whole body before
    it runs anything. Rasa wraps aiohttp's error in its own RasaException: the chain is followed.
    """
    import aiohttp

    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, aiohttp.ClientConnectorError):
            return True
        if isinstance(seen, aiohttp.ClientOSError) and "Can not write request body" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def already_told(tracker: DialogueStateTracker) -> bool:
    """True when this turn already carries the service-trouble message (say it once)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == SERVICE_TROUBLE:
            return True
    return False


async def service_trouble_events(nlg: Any, tracker: DialogueStateTracker, channel_name: str) -> list[Any]:
    """The events that tell the user about the failure and stop the prediction loop."""
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import FollowupAction

    events: list[Any] = []
    if not already_told(tracker):
        draft: dict[str, Any] | None = None
        try:
            draft = await nlg.generate(SERVICE_TROUBLE, tracker, channel_name)
        except Exception:  # the response must go out even if templating fails
            draft = None
        draft = dict(draft or {"text": SERVICE_TROUBLE_TEXT})
        draft["utter_action"] = SERVICE_TROUBLE
        events.append(create_bot_utterance(draft))
    events.append(FollowupAction(ACTION_LISTEN_NAME))
    return events


def install(settings: Settings) -> None:
    """Wraps RemoteAction.run once per process; the timeout comes from `settings`."""
    import rasa.core.actions.action as rasa_action

    rasa_action.DEFAULT_REQUEST_TIMEOUT = settings.action_timeout_s
    remote = rasa_action.RemoteAction
    remote._sedorum_timeout_s = settings.action_timeout_s
    if getattr(remote, _PATCHED, False):
        return
    original_run = remote.run

    async def run_with_fallback(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        # aiohttp's timeout covers the call; this outer bound also covers a stalled response body.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + remote._sedorum_timeout_s + 2.0
        attempts = 0
        while True:
            attempts += 1
            try:
                call = original_run(self, output_channel, nlg, tracker, domain)
                return await asyncio.wait_for(call, max(0.1, deadline - loop.time()))
            except rasa_action.ActionExecutionRejection:
                raise
            except Exception as error:
                if connection_refused(error) and loop.time() + RETRY_PAUSE_S < deadline:
                    if attempts == 1:
                        logger.warning("Action server refused %s; trying again while it restarts.", self.name())
                    await asyncio.sleep(RETRY_PAUSE_S)
                    continue
                logger.error(
                    "Custom action %s failed for conversation %s (%s, after %d attempt(s)); sending %s.",
                    self.name(),
                    tracker.sender_id,
                    type(error).__name__,
                    attempts,
                    SERVICE_TROUBLE,
                )
                return await service_trouble_events(nlg, tracker, output_channel.name())

    remote.run = run_with_fallback
    setattr(remote, _PATCHED, True)


# Collected by sedorum/patches/registry.py.
PATCHES = (
    Patch(
        name="action_timeout_and_fallback",
        targets=(
            "rasa.core.actions.action:DEFAULT_REQUEST_TIMEOUT",
            "rasa.core.actions.action:RemoteAction.run",
        ),
        why="Rasa waits 300 s for an action, longer than its 60 s conversation lock, and sends "
        "nothing when the action server fails: the call now times out after "
        "SEDORUM_ACTION_TIMEOUT_S and the visitor gets the service-trouble reply. A refused "
        "connection (the action server restarting) is tried again within that bound.",
        test="tests/unit/patches/test_turns_and_faults.py",
        apply=lambda context: install(context.settings),
    ),
)
