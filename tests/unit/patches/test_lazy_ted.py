"""Deferring TED changes no decision.

- The ensemble with a deferred TED picks exactly what Rasa's ensemble picks with TED's real
  prediction, in every case of its rules: "no user" predictions, end-to-end predictions,
  certain rules, uncertain rules, a rejected action, priorities; TED is computed exactly
  when it could win.
- Whole conversations with the project's trained model and the real action server (rules,
  forms, fallbacks, emergencies, handoff) give the same actions, policies and confidences
  with and without deferral, while TED is skipped.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sedorum.patches import lazy_ted
from sedorum.server.stack import _child_env, stop_processes, wait_for_http
from sedorum.settings import PROJECT_ROOT
from tests.ports import port

ACTION_PORT = port(5395)
CONVERSATIONS = [
    ["hi", "what is restless legs syndrome?", "how much magnesium can I take a day?", "thanks", "bye"],
    ["is sedorum safe for me?", "I am 70", "no", "no", "no", "I take antacids", "what are the side effects?"],
    ["is it safe for me", "stop", "what foods have magnesium", "I have kidney disease", "how much can I take?"],
    ["asdkjh qwe", "zzxq blorp", "hello", "I want to talk to a person", "my email is a@b.org"],
    ["I have chest pain and can't breathe", "what is rls", "can I take it while pregnant?", "what's the weather"],
    ["does magnesium cure rls?", "which form is best?", "is there evidence?", "delete my data", "ok"],
    ["yes", "no", "I am 45", "my mother has kidney disease", "ok thanks", "hmm", "sure"],
]


DOMAIN_YAML = """
version: "3.1"
intents: [greet]
responses:
  utter_a: [{text: a}]
  utter_b: [{text: b}]
"""


def prediction(domain: Any, action: str | None, confidence: float, priority: int, **flags: Any) -> Any:
    from rasa.core.policies.policy import PolicyPrediction

    probabilities = [0.0] * domain.num_actions
    if action is not None:
        probabilities[domain.index_for_action(action)] = confidence
    return PolicyPrediction(probabilities, f"Policy{priority}", priority, **flags)


def tracker_ending_with(domain: Any, *events: Any) -> Any:
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("t", domain.slots)
    tracker.update_with_events(
        [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("hi", {"name": "greet", "confidence": 1.0}), *events], domain
    )
    return tracker


# A prediction: (action or None, confidence, policy priority, extra PolicyPrediction fields).
Guess = tuple[str | None, float, int, dict[str, Any]]
CASES: dict[str, tuple[list[Guess], Guess, list[str], bool]] = {
    # name: (other predictions, TED's real prediction, extra tracker events, TED computed?)
    "certain rule beats TED": ([("utter_a", 1.0, 6, {})], ("utter_b", 1.0, 1, {}), [], False),
    "uncertain rule: TED may win": ([("utter_a", 0.3, 6, {})], ("utter_b", 0.9, 1, {}), [], True),
    "uncertain rule: TED computed but loses": ([("utter_a", 0.8, 6, {})], ("utter_b", 0.5, 1, {}), [], True),
    "no-user prediction overrules": (
        [("utter_a", 0.2, 7, {"is_no_user_prediction": True})],
        ("utter_b", 0.99, 1, {}),
        [],
        False,
    ),
    "end-to-end prediction overrules": (
        [("utter_a", 0.2, 3, {"is_end_to_end_prediction": True})],
        ("utter_b", 0.99, 1, {}),
        [],
        False,
    ),
    "nobody predicts": ([(None, 0.0, 6, {})], ("utter_b", 0.7, 1, {}), [], True),
    "equal confidence, TED's priority higher": ([("utter_a", 1.0, 1, {})], ("utter_b", 1.0, 2, {}), [], True),
    "rejected action zeroed: TED may win": (
        [("utter_a", 1.0, 6, {})],
        ("utter_b", 0.6, 1, {}),
        ["reject utter_a"],
        True,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_deferred_ensemble_picks_what_rasa_picks(case: str) -> None:
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecutionRejected

    others, ted, extra, expect_computed = CASES[case]
    domain = Domain.from_yaml(DOMAIN_YAML)
    events = [ActionExecutionRejected(e.split()[1]) for e in extra]

    def fresh() -> tuple[dict[str, Any], Any]:
        kwargs = {f"policy{i}": prediction(domain, a, c, p, **f) for i, (a, c, p, f) in enumerate(others)}
        return kwargs, prediction(domain, ted[0], ted[1], ted[2], **ted[3])

    ensemble = DefaultPolicyPredictionEnsemble()
    lazy_ted.uninstall()
    kwargs, ted_prediction = fresh()
    expected = ensemble.combine_predictions_from_kwargs(
        tracker_ending_with(domain, *events), domain, **kwargs, ted=ted_prediction
    )
    try:
        lazy_ted.install()
        lazy_ted.counts.update(skipped=0, computed=0)
        kwargs, ted_prediction = fresh()
        deferred = lazy_ted.DeferredPrediction(lambda: ted_prediction, ted[2])
        got = DefaultPolicyPredictionEnsemble().combine_predictions_from_kwargs(
            tracker_ending_with(domain, *events), domain, **kwargs, ted=deferred
        )
    finally:
        lazy_ted.uninstall()
    assert (got.policy_name, got.probabilities, got.events) == (
        expected.policy_name,
        expected.probabilities,
        expected.events,
    )
    assert lazy_ted.counts["computed"] == int(expect_computed)
    assert lazy_ted.counts["skipped"] == int(not expect_computed)


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = _child_env(
        {"SEDORUM_ACTION_PORT": str(ACTION_PORT), "SEDORUM_VAR_DIR": str(tmp_path_factory.mktemp("lazy-ted"))}
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "sedorum.server.action_server"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{ACTION_PORT}/health", 120, proc)
        yield f"http://127.0.0.1:{ACTION_PORT}/webhook"
    finally:
        stop_processes([proc])


def decisions(agent: Any, script: list[str]) -> list[tuple[Any, ...]]:
    """Every action the assistant took, with the policy that chose it and its confidence."""
    from rasa.shared.core.events import ActionExecuted, BotUttered

    async def run() -> list[tuple[Any, ...]]:
        sender = "lazy-" + uuid.uuid4().hex[:8]
        for text in script:
            await agent.handle_text(text, sender_id=sender)
        tracker = await agent.tracker_store.retrieve_full_tracker(sender)
        out: list[tuple[Any, ...]] = []
        for event in tracker.events:
            if isinstance(event, ActionExecuted):
                out.append(("action", event.action_name, event.policy, event.confidence))
            elif isinstance(event, BotUttered):
                out.append(("bot", (event.metadata or {}).get("utter_action")))  # texts may vary at random
        return out

    return asyncio.run(run())


@pytest.mark.timeout(600)
def test_lazy_ted_takes_the_same_decisions(trained_model: Path, action_server: str) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from sedorum.patches import compat, model_load

    os.environ.setdefault("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "1")  # same handoff text both runs
    compat.patch_sanic_websockets()
    model_load.install()
    lazy_ted.install(enabled=False)  # before loading: Rasa binds policy methods at load time
    try:
        agent = Agent.load(str(trained_model), action_endpoint=EndpointConfig(action_server))
        eager = [decisions(agent, script) for script in CONVERSATIONS]
        lazy_ted.install(enabled=True)
        lazy_ted.counts.update(skipped=0, computed=0)
        lazy = [decisions(agent, script) for script in CONVERSATIONS]
    finally:
        lazy_ted.uninstall()
        model_load.uninstall()
    for script, expected, got in zip(CONVERSATIONS, eager, lazy, strict=True):
        assert got == expected, f"different decisions in {script}"
    assert lazy_ted.counts["skipped"] > lazy_ted.counts["computed"], lazy_ted.counts
