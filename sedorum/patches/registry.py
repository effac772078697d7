"""Every replacement of a third-party function, declared once.

Why a registry: Rasa 3.6 is the last open-source Rasa and pins old libraries (Sanic 21.12,
python-socketio 5.9, SQLAlchemy 1.4). Where they are slow, unsafe or broken on Python 3.11,
the project replaces a function of theirs at start-up. Each replacement lives in its own
module of this package; this file says, for each one, what it
replaces, why, which upstream lines it copies if any, how it is undone, and which test holds
it. Nothing else in the project replaces a library function.

- `apply_all(process, settings, ...)` applies every patch of one process (the Rasa server or
  the action server), in the order listed here. It first refuses to run on library versions the
  patches were not checked against (`check_versions`).
- `Snapshot.take()` records the state of every replaced attribute; `restore()` puts it back,
  including the markers the patch modules leave (`_sedorum_*`). The tests' `undo_patches`
  fixture (tests/unit/conftest.py) does this around every unit test.

Adding a patch: write the module, add a `Patch` below with its targets (every attribute it
assigns, as "module:Owner.attribute"), add a test, and re-check `CHECKED_VERSIONS` when a
pinned library moves.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sedorum.edge.ratelimit import TokenBucketLimiter
    from sedorum.settings import Settings

# The library versions every patch below was read against and tested with. A different
# installed version may have moved or fixed the code a patch replaces: start-up stops.
CHECKED_VERSIONS: dict[str, str] = {
    "rasa": "3.6.21",
    "rasa-sdk": "3.6.2",
    "sanic": "21.12.2",
    "python-socketio": "5.9.0",
}

RASA_SERVER = "rasa"
ACTION_SERVER = "action"

_MISSING = object()


class UncheckedVersionError(SystemExit):
    """Start-up stops: a patched library is not the version the patches were checked against."""


@dataclass(frozen=True)
class ApplyContext:
    """What the patches of one process need to know."""

    settings: Settings
    sender_limiter: TokenBucketLimiter | None = None


@dataclass(frozen=True)
class Patch:
    """One replacement of third-party code."""

    name: str
    # Every attribute the patch assigns, as "module:Owner.attribute" or "module:attribute".
    targets: tuple[str, ...]
    why: str
    module: str  # where the replacement is written
    test: str  # the test that holds it
    apply: Callable[[ApplyContext], None]
    processes: frozenset[str] = frozenset({RASA_SERVER})
    # Upstream code the replacement copies or recompiles, with its lines in the checked version.
    copies: str = ""
    # When False for the settings, the patch is not applied (and undone if it was).
    enabled: Callable[[Settings], bool] = field(default=lambda settings: True)
    # State that is not an attribute (logging filters, event listeners): saved and restored here.
    save_extra: Callable[[], Any] | None = None
    restore_extra: Callable[[Any], None] | None = None

    @property
    def undo(self) -> str:
        """How the patch is undone, in words (for people reading `describe()`)."""
        how = "the replaced attributes are put back as they were before `apply_all` (Snapshot.restore)"
        if self.restore_extra is not None:
            how += ", and its other state is restored too"
        return how


# --------------------------------------------------------------------------- apply functions
# Thin adapters from the registry's context to each module's own install function.


def _sanic_websockets(context: ApplyContext) -> None:
    from sedorum.patches import compat

    compat.patch_sanic_websockets()


def _socketio_guard(context: ApplyContext) -> None:
    from sedorum.patches import socketio_guard

    socketio_guard.install()


def _action_timeout_and_fallback(context: ApplyContext) -> None:
    from sedorum.patches import faults

    faults.install(context.settings)


def _action_payload_trim(context: ApplyContext) -> None:
    from sedorum.patches import action_client

    action_client.install_payload_trim(context.settings.action_event_turns)


def _action_shared_session(context: ApplyContext) -> None:
    from sedorum.patches import action_client

    action_client.install_shared_session()


def _action_response_validation(context: ApplyContext) -> None:
    from sedorum.patches import action_client

    action_client.install_fast_response_validation()


def _lock_store(context: ApplyContext) -> None:
    from sedorum.patches import lock_store

    lock_store.install(poll_interval_s=max(context.settings.lock_poll_ms, 1.0) / 1000)


def _session_bound(context: ApplyContext) -> None:
    from sedorum.patches import session_bound

    session_bound.install(context.settings.session_max_turns)


def _event_types(context: ApplyContext) -> None:
    from sedorum.patches import event_types

    event_types.install()


def _sqlite_fast_commit(context: ApplyContext) -> None:
    from sedorum.patches import performance

    performance.install_sqlite_fast_commit()


def _sqlite_listener_state() -> bool:
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine

    from sedorum.patches import performance

    return bool(sa.event.contains(Engine, "connect", performance.on_sqlite_connect))


def _restore_sqlite_listener(was_listening: bool) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine

    from sedorum.patches import performance

    listening = sa.event.contains(Engine, "connect", performance.on_sqlite_connect)
    if listening and not was_listening:
        sa.event.remove(Engine, "connect", performance.on_sqlite_connect)
    elif was_listening and not listening:
        sa.event.listen(Engine, "connect", performance.on_sqlite_connect)


def _lazy_ted(context: ApplyContext) -> None:
    from sedorum.patches import lazy_ted

    lazy_ted.install(enabled=context.settings.lazy_ted)


def _model_load(context: ApplyContext) -> None:
    from sedorum.patches import model_load

    model_load.install()


def _turns(context: ApplyContext) -> None:
    from sedorum.edge.ratelimit import TokenBucketLimiter
    from sedorum.patches import turns

    settings = context.settings
    limiter = context.sender_limiter or TokenBucketLimiter(settings.rate_sender_per_s, settings.rate_sender_burst)
    turns.install(settings, limiter)


def _log_redaction(context: ApplyContext) -> None:
    from sedorum.edge.redaction import install_log_redaction

    install_log_redaction()


def _logging_state() -> Any:
    import logging

    import structlog

    from sedorum.edge import redaction

    loggers = [logging.getLogger(name) for name in redaction.LOGGERS]
    holders = [*loggers, *(handler for target in loggers for handler in target.handlers)]
    return [(holder, list(holder.filters)) for holder in holders], structlog.get_config()


def _restore_logging_state(state: Any) -> None:
    import structlog

    holders, structlog_config = state
    for holder, filters in holders:
        holder.filters[:] = filters
    structlog.configure(**structlog_config)


# --------------------------------------------------------------------------- the registry

PATCHES: tuple[Patch, ...] = (
    Patch(
        name="sanic_websockets_on_python_3_11",
        targets=(
            "sanic.server.websockets.impl:WebsocketImplProtocol.recv",
            "sanic.server.websockets.impl:WebsocketImplProtocol.recv_burst",
        ),
        why="Sanic 21.12 hands a bare coroutine to asyncio.wait, which Python 3.11 refuses: every "
        "socket.io WebSocket upgrade broke. Sanic 21.12 gets no release with the fix.",
        module="sedorum/patches/compat.py",
        test="tests/e2e/test_socketio.py",
        apply=_sanic_websockets,
        processes=frozenset({RASA_SERVER, ACTION_SERVER}),
        copies="sanic/server/websockets/impl.py lines 487-536 (recv) and 538-599 (recv_burst) of Sanic "
        "21.12.2: read from the installed source and recompiled with one line each changed; start-up "
        "stops if those lines are not found",
    ),
    Patch(
        name="socketio_event_guard",
        targets=(
            "socketio:AsyncServer._trigger_event",
            "engineio.payload:Payload.max_decode_packets",
        ),
        why="Rasa's socket.io handlers crash or store garbage on a malformed user_uttered or "
        "session_request payload; the guard coerces or drops it. The packet limit lets a browser "
        "batch its polling packets.",
        module="sedorum/patches/socketio_guard.py",
        test="tests/unit/edge/test_inputs.py",
        apply=_socketio_guard,
    ),
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
        module="sedorum/patches/faults.py",
        test="tests/unit/patches/test_turns_and_faults.py",
        apply=_action_timeout_and_fallback,
    ),
    Patch(
        name="action_payload_trim",
        targets=("rasa.core.actions.action:RemoteAction._action_call_format",),
        why="Every action call sent the whole session and rebuilt the domain dict; now only the "
        "events of the last SEDORUM_ACTION_EVENT_TURNS user turns, and the domain dict built once.",
        module="sedorum/patches/action_client.py",
        test="tests/unit/patches/test_action_client.py",
        apply=_action_payload_trim,
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
        module="sedorum/patches/action_client.py",
        test="tests/unit/patches/test_action_client.py",
        apply=_action_shared_session,
        enabled=lambda settings: settings.action_http_pool,
    ),
    Patch(
        name="action_response_validation",
        targets=("rasa.core.actions.action:RemoteAction._validate_action_result",),
        why="jsonschema.validate re-checked the constant schema against the meta-schema on every "
        "action response (tens of ms); the schema is checked once, each response still fully.",
        module="sedorum/patches/action_client.py",
        test="tests/unit/patches/test_action_client.py",
        apply=_action_response_validation,
        copies="rasa/core/actions/action.py lines 699-713 (RemoteAction._validate_action_result, Rasa "
        "3.6.21): the same error message appended to the validation error",
    ),
    Patch(
        name="lock_store",
        targets=("rasa.core.lock_store:_create_from_endpoint_config",),
        why="A message waiting for its conversation's lock slept a whole second between checks, and "
        "Rasa's Redis lock store loses tickets between replicas; ours wakes on release, re-checks "
        "every SEDORUM_LOCK_POLL_MS and updates Redis in one transaction. A replica that died "
        "during a turn held the conversation for the ticket's 60 s lifetime; its tickets are "
        "released once its heartbeat stops.",
        module="sedorum/patches/lock_store.py",
        test="tests/unit/patches/test_lock_store.py",
        apply=_lock_store,
    ),
    Patch(
        name="session_bound",
        targets=("rasa.core.processor:MessageProcessor._update_tracker_session",),
        why="A turn's cost grew with the conversation; a new session (slots kept) every "
        "SEDORUM_SESSION_MAX_TURNS user turns bounds it.",
        module="sedorum/patches/session_bound.py",
        test="tests/unit/patches/test_session_bound.py",
        apply=_session_bound,
    ),
    Patch(
        name="event_type_lookup",
        targets=("rasa.shared.core.events:Event.resolve_by_type",),
        why="Reading a stored event walked the whole Event class tree; the class for a type name is "
        "now looked up once and cached (unknown names keep Rasa's behaviour).",
        module="sedorum/patches/event_types.py",
        test="tests/unit/patches/test_event_types.py",
        apply=_event_types,
    ),
    Patch(
        name="sqlalchemy_sqlite_settings",
        targets=("rasa.core.tracker_store:create_engine_kwargs",),
        why="SQLAlchemy 1.4 opens and closes a SQLite file for every read and write (NullPool) with "
        "a rollback journal; pooled connections, WAL and synchronous=NORMAL stop each turn waiting "
        "for an fsync. PostgreSQL is not affected.",
        module="sedorum/patches/performance.py",
        test="tests/unit/patches/test_registry.py",
        apply=_sqlite_fast_commit,
        enabled=lambda settings: settings.sqlite_fast_commit,
        save_extra=_sqlite_listener_state,
        restore_extra=_restore_sqlite_listener,
    ),
    Patch(
        name="lazy_ted",
        targets=(
            "rasa.core.policies.ted_policy:TEDPolicy.predict_action_probabilities",
            "rasa.core.policies.ensemble:DefaultPolicyPredictionEnsemble.combine_predictions_from_kwargs",
        ),
        why="TED (a TensorFlow model) ran for every prediction although a rule or the SafetyPolicy "
        "decides most steps with certainty; it now runs only when, by the ensemble's own rules, "
        "it could win.",
        module="sedorum/patches/lazy_ted.py",
        test="tests/unit/patches/test_lazy_ted.py",
        apply=_lazy_ted,
    ),
    Patch(
        name="fast_model_load",
        targets=("rasa.utils.tensorflow.models:RasaModel.load",),
        why="Loading a TensorFlow model traced and ran a training step only to create the weights, "
        "most of the cold start; one eager prediction creates them instead.",
        module="sedorum/patches/model_load.py",
        test="tests/unit/patches/test_model_load.py",
        apply=_model_load,
        enabled=lambda settings: settings.fast_model_load,
        copies="rasa/utils/tensorflow/models.py lines 407-455 (RasaModel.load, Rasa 3.6.21): the "
        "finetune and no-example branches call Rasa's own method; the rest is rewritten",
    ),
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
        module="sedorum/patches/turns.py",
        test="tests/unit/patches/test_turns_and_faults.py",
        apply=_turns,
    ),
    Patch(
        name="log_redaction",
        targets=("logging:_logRecordFactory",),
        why="Rasa logs user text at DEBUG, and database errors carry it as SQL parameters; every log "
        "record, Rasa's structlog events and medspaCy's loguru output are redacted.",
        module="sedorum/edge/redaction.py",
        test="tests/unit/edge/test_redaction.py",
        apply=_log_redaction,
        processes=frozenset({RASA_SERVER, ACTION_SERVER}),
        save_extra=_logging_state,
        restore_extra=_restore_logging_state,
    ),
)

# Not a replacement of a library function, listed so nobody looks for it here: the socket.io
# CORS allow-list is set on the project's own socket.io server instance by its channel class
# (sedorum/channels/socketio.py, tested by tests/e2e/test_security.py), and goes away with it.


# --------------------------------------------------------------------------- versions


def installed_versions(names: Iterable[str] = CHECKED_VERSIONS) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def check_versions(installed: dict[str, str | None] | None = None) -> None:
    """Stops start-up when a patched library is not the version the patches were checked against."""
    found = installed if installed is not None else installed_versions()
    wrong = {name: found.get(name) for name, version in CHECKED_VERSIONS.items() if found.get(name) != version}
    if wrong:
        lines = ", ".join(
            f"{name} {found_version or 'not installed'} (checked: {CHECKED_VERSIONS[name]})"
            for name, found_version in wrong.items()
        )
        raise UncheckedVersionError(
            f"Refusing to start: the start-up patches in sedorum/patches/registry.py were checked against "
            f"other library versions: {lines}. Install the pinned versions (requirements/), or re-check "
            f"every patch against the new versions and update CHECKED_VERSIONS."
        )


# --------------------------------------------------------------------------- apply and undo


def patches_for(process: str) -> tuple[Patch, ...]:
    if process not in (RASA_SERVER, ACTION_SERVER):
        raise ValueError(f"unknown process {process!r}")
    return tuple(patch for patch in PATCHES if process in patch.processes)


def apply_all(
    process: str,
    settings: Settings,
    sender_limiter: TokenBucketLimiter | None = None,
    installed: dict[str, str | None] | None = None,
) -> list[str]:
    """Checks the library versions, then applies every enabled patch of `process`, in order.

    A patch switched off by its setting is undone if an earlier call applied it. Returns the
    names of the applied patches.
    """
    check_versions(installed)
    context = ApplyContext(settings=settings, sender_limiter=sender_limiter)
    chosen = patches_for(process)
    _ORIGINALS.record(chosen)
    applied = []
    for patch in chosen:
        if patch.enabled(settings):
            patch.apply(context)
            applied.append(patch.name)
        else:
            _ORIGINALS.restore(only=(patch,))
    return applied


def _resolve(target: str) -> tuple[Any, str]:
    """("module:Owner.attribute") -> (Owner, "attribute")."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *owners, attribute = path.split(".")
    for name in owners:
        owner = getattr(owner, name)
    return owner, attribute


def _owner_state(owner: Any, attributes: Iterable[str]) -> dict[str, Any]:
    """The raw values (descriptors included) of `attributes` and of every `_sedorum*` marker."""
    names = set(attributes) | {name for name in vars(owner) if name.startswith("_sedorum")}
    return {name: vars(owner).get(name, _MISSING) for name in names}


def _set_raw(owner: Any, name: str, value: Any) -> None:
    if value is _MISSING:
        if name in vars(owner):
            delattr(owner, name)
    else:
        setattr(owner, name, value)


@dataclass
class Snapshot:
    """The state of every patched attribute (and marker) at one moment, to go back to."""

    owners: list[tuple[Patch, Any, dict[str, Any]]] = field(default_factory=list)
    extras: list[tuple[Patch, Any]] = field(default_factory=list)

    @classmethod
    def take(cls, patches: Iterable[Patch] = PATCHES) -> Snapshot:
        snapshot = cls()
        for patch in patches:
            by_owner: dict[int, tuple[Any, list[str]]] = {}
            for target in patch.targets:
                owner, attribute = _resolve(target)
                by_owner.setdefault(id(owner), (owner, []))[1].append(attribute)
            for owner, attributes in by_owner.values():
                snapshot.owners.append((patch, owner, _owner_state(owner, attributes)))
            if patch.save_extra is not None:
                snapshot.extras.append((patch, patch.save_extra()))
        return snapshot

    def restore(self, only: Iterable[Patch] | None = None) -> None:
        chosen = None if only is None else {patch.name for patch in only}
        for patch, owner, state in self.owners:
            if chosen is not None and patch.name not in chosen:
                continue
            for name in [n for n in vars(owner) if n.startswith("_sedorum") and n not in state]:
                delattr(owner, name)
            for name, value in state.items():
                _set_raw(owner, name, value)
        for patch, saved in self.extras:
            if (chosen is None or patch.name in chosen) and patch.restore_extra is not None:
                patch.restore_extra(saved)


class _Originals:
    """The libraries' own state, recorded per patch before it is first applied in this process."""

    def __init__(self) -> None:
        self._snapshots: dict[str, Snapshot] = {}

    def record(self, patches: Iterable[Patch]) -> None:
        for patch in patches:
            if patch.name not in self._snapshots:
                self._snapshots[patch.name] = Snapshot.take((patch,))

    def restore(self, only: Iterable[Patch]) -> None:
        for patch in only:
            snapshot = self._snapshots.get(patch.name)
            if snapshot is not None:
                snapshot.restore()


_ORIGINALS = _Originals()


def describe() -> str:
    """The registry in words: one paragraph per patch."""
    parts = []
    for patch in PATCHES:
        lines = [
            f"{patch.name} ({', '.join(sorted(patch.processes))} server)",
            f"  replaces: {', '.join(patch.targets)}",
            f"  why:      {patch.why}",
            f"  code:     {patch.module}; test: {patch.test}",
            f"  checked:  {', '.join(f'{k} {v}' for k, v in CHECKED_VERSIONS.items())}",
            f"  undone:   {patch.undo}",
        ]
        if patch.copies:
            lines.append(f"  copies:   {patch.copies}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


if __name__ == "__main__":
    print(describe())
