"""The conversation-level safety suite (S1-S12) against the running assistant (REST).

Scenarios live in tests/e2e/scenarios/*.yml (the baseline and the fresh batches), shared with
bench/bench_safety.py. Each test is named `<batch>-<scenario id>`, so a failure names the
batch, the scenario, the turn and the rule it broke, and `-k fresh_01` runs one batch.

The conversations are sent a few at a time (evaluation.scenarios.run_scenarios), a block ahead
of the test that reports each one: one conversation at a time would leave a core idle.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evaluation.scenarios import Outcome, Scenario, load_scenarios, run_scenarios
from sedorum.server.stack import RunningStack

SCENARIOS, NEVER = load_scenarios()
# Conversations sent ahead at once: small enough that no test waits long for its block.
BLOCK = 60


def _key(scenario: Scenario) -> str:
    return f"{scenario.batch}-{scenario.id}"


class Ahead:
    """Runs the selected scenarios a block at a time, in the order the tests will ask for them."""

    def __init__(self, url: str, chosen: list[Scenario]) -> None:
        self.url = url
        self.pending = list(chosen)
        self.done: dict[str, Outcome] = {}

    def outcome(self, scenario: Scenario) -> Outcome:
        key = _key(scenario)
        while key not in self.done:
            block = self.pending[:BLOCK] or [scenario]
            self.pending = self.pending[len(block) :]
            self.done.update((_key(o.scenario), o) for o in run_scenarios(self.url, block, NEVER))
        return self.done.pop(key)


@pytest.fixture(scope="module")
def ahead(stack: RunningStack, request: pytest.FixtureRequest) -> Iterator[Ahead]:
    params = [
        item.callspec.params["scenario"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_safety_scenario"
        and hasattr(item, "callspec")
        and item.module is request.module
    ]
    chosen = [param for param in params if isinstance(param, Scenario)]
    yield Ahead(stack.url, chosen)


def test_the_suite_covers_every_safety_behaviour() -> None:
    covered = {tag for scenario in SCENARIOS for tag in scenario.covers}
    assert {f"S{n}" for n in range(1, 13)} <= covered, sorted(covered)
    assert len(SCENARIOS) >= 80


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[_key(s) for s in SCENARIOS])
def test_safety_scenario(ahead: Ahead, scenario: Scenario) -> None:
    outcome = ahead.outcome(scenario)
    transcript = "\n".join(f"USER: {user}\nBOT: {bot}" for user, bot in outcome.transcript)
    assert outcome.passed, "\n".join(outcome.failures) + "\n--- transcript ---\n" + transcript
