"""What the Rasa server sends to the action server, and over which HTTP connections.

Why: on every custom action Rasa 3.6 serialises the whole tracker of the session
(`current_state(EventVerbosity.ALL)`) and the whole domain (`domain.as_dict()`, rebuilt on
each call), and `EndpointConfig.request` opens and closes a new aiohttp ClientSession - a new
TCP connection - for each call (rasa/utils/endpoints.py).

- Events: the tail from the `event_turns`-th last user message on can be sent instead of the
  whole session. 0 (the default) sends all: the actions read every visitor message of the
  session (actions/conversation.py: the safety engine reads facts from the whole
  conversation), so a trimmed tail forgets what the visitor said earlier.
- Domain: the domain never changes while a model is loaded, so its dict is built once per
  Domain object instead of once per action call. (It is still sent: rasa-sdk's
  FormValidationAction reads the form's required slots from it.)
- Connections: optionally one shared ClientSession per event loop, so calls reuse kept-alive
  connections. `bench/bench_load.py` measures both ways and records the figures in load.json.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

import aiohttp
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from sedorum.patches.declaration import Patch

logger = logging.getLogger(__name__)

# Sanic (the action server) closes idle keep-alive connections after 5 s. A client that
# reuses a connection the server is closing gets "Server disconnected": keep ours shorter.
KEEPALIVE_TIMEOUT_S = 2.0


def event_tail(events: list[Event], turns: int) -> list[Event]:
    """The events from the `turns`-th last user message on (all events if turns <= 0)."""
    if turns <= 0:
        return list(events)
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == turns:
                return list(events[index:])
    return list(events)


def action_tracker_state(tracker: DialogueStateTracker, turns: int) -> dict[str, Any]:
    """The tracker state Rasa would send, with only the recent events serialised."""
    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in event_tail(list(tracker.events), turns)]
    return state


def cached_domain_dict(domain: Any) -> dict[str, Any]:
    """domain.as_dict(), built once per Domain object."""
    cached = domain.__dict__.get("_sedorum_as_dict")
    if cached is None:
        cached = domain.__dict__["_sedorum_as_dict"] = domain.as_dict()
    return cached


def install_payload_trim(event_turns: int) -> None:
    """Replaces RemoteAction._action_call_format with the trimmed, cached version."""
    import rasa
    from rasa.core.actions.action import RemoteAction

    def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Any) -> dict[str, Any]:
        result: dict[str, Any] = {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": action_tracker_state(tracker, event_turns),
            "version": rasa.__version__,
        }
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = cached_domain_dict(domain)
        return result

    RemoteAction._action_call_format = _action_call_format


class _Borrowed:
    """`async with` yields the shared session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_: object) -> None:
        return None


# One session per event loop, keyed by the loop itself (a new loop may reuse an old one's id()).
_shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def shared_session() -> aiohttp.ClientSession:
    """One ClientSession per running event loop (created on first use inside that loop)."""
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    session = _shared.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_TIMEOUT_S, limit=200)
        session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT)
        )
        _shared[loop] = session
    return session


async def close_shared_sessions() -> None:
    """Closes the sessions of the running loop (server shutdown)."""
    loop = asyncio.get_running_loop()
    session = _shared.pop(loop, None)
    if session is not None and not session.closed:
        await session.close()


def install_shared_session() -> None:
    """Makes EndpointConfig.request reuse one session (endpoints without basic auth)."""
    from rasa.core import run as rasa_run
    from rasa.utils.endpoints import EndpointConfig

    original_session = getattr(EndpointConfig, "_sedorum_original_session", EndpointConfig.session)
    EndpointConfig._sedorum_original_session = original_session

    def session(self: EndpointConfig) -> Any:
        if self.basic_auth:  # the session carries the credentials: keep Rasa's own
            return original_session(self)
        return _Borrowed(shared_session())

    EndpointConfig.session = session

    original_close = getattr(rasa_run, "_sedorum_original_close", rasa_run.close_resources)
    rasa_run._sedorum_original_close = original_close

    async def close_resources(app: Any, loop: Any) -> None:
        await original_close(app, loop)
        await close_shared_sessions()

    rasa_run.close_resources = close_resources


def uninstall_shared_session() -> None:
    """Back to a new session per request (used by the benchmark's comparison and tests)."""
    from rasa.core import run as rasa_run
    from rasa.utils.endpoints import EndpointConfig

    original_session = getattr(EndpointConfig, "_sedorum_original_session", None)
    if original_session is not None:
        EndpointConfig.session = original_session
    original_close = getattr(rasa_run, "_sedorum_original_close", None)
    if original_close is not None:
        rasa_run.close_resources = original_close


def install_fast_response_validation() -> None:
    """Validates action server responses with one prepared validator.

    Rasa calls `jsonschema.validate` for every action response, which first checks the
    *schema itself* against the JSON Schema meta-schema and builds a new validator: profiled
    at tens of milliseconds per custom action call, more than the call itself. The schema is a
    constant, so it is checked once; each response is still fully validated, with Rasa's
    error message.
    """
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        if isinstance(error, ValidationError):
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from the "
                f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
        raise error

    RemoteAction._validate_action_result = _validate_action_result


# Collected by sedorum/patches/registry.py, in this order.
PATCHES = (
    Patch(
        name="action_payload_trim",
        targets=("rasa.core.actions.action:RemoteAction._action_call_format",),
        why="Every action call sent the whole session and rebuilt the domain dict; now only the "
        "events of the last SEDORUM_ACTION_EVENT_TURNS user turns, and the domain dict built once.",
        test="tests/unit/patches/test_action_client.py",
        apply=lambda context: install_payload_trim(context.settings.action_event_turns),
        copies="rasa/core/actions/action.py lines 651-674 (RemoteAction._action_call_format, Rasa "
        "3.6.21): the same payload keys, with the tracker trimmed and the domain cached",
    ),
    Patch(
        name="action_shared_http_session",
        targets=(
            "rasa.utils.endpoints:EndpointConfig.session",
            "rasa.core.run:close_resources",
        ),
        why="Every action call opened a new aiohttp session (a new TCP connection); one kept-alive "
        "session per event loop is reused, and closed with Rasa's other resources.",
        test="tests/unit/patches/test_action_client.py",
        apply=lambda context: install_shared_session(),
        enabled=lambda settings: settings.action_http_pool,
    ),
    Patch(
        name="action_response_validation",
        targets=("rasa.core.actions.action:RemoteAction._validate_action_result",),
        why="jsonschema.validate re-checked the constant schema against the meta-schema on every "
        "action response (tens of ms); the schema is checked once, each response still fully.",
        test="tests/unit/patches/test_action_client.py",
        apply=lambda context: install_fast_response_validation(),
        copies="rasa/core/actions/action.py lines 699-713 (RemoteAction._validate_action_result, Rasa "
        "3.6.21): the same error message appended to the validation error",
    ),
)
