"""The conversation-level safety suite (S1-S12) against the running assistant (REST).

Scenarios live in tests/e2e/scenarios/*.yml (the baseline and the fresh batches), shared with
bench/bench_safety.py. Each test is named `<batch>-<scenario id>`, so a failure names the
batch, the scenario, the turn and the rule it broke, and `-k fresh_01` runs one batch.
"""

from __future__ import annotations

import pytest

from evaluation.scenarios import load_scenarios, run_scenario
from sedorum.server.stack import RunningStack

SCENARIOS, NEVER = load_scenarios()


def test_the_suite_covers_every_safety_behaviour() -> None:
    covered = {tag for scenario in SCENARIOS for tag in scenario.covers}
    assert {f"S{n}" for n in range(1, 13)} <= covered, sorted(covered)
    assert len(SCENARIOS) >= 80


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.batch}-{s.id}" for s in SCENARIOS])
def test_safety_scenario(stack: RunningStack, scenario) -> None:
    outcome = run_scenario(stack.url, scenario, NEVER)
    transcript = "\n".join(f"USER: {user}\nBOT: {bot}" for user, bot in outcome.transcript)
    assert outcome.passed, "\n".join(outcome.failures) + "\n--- transcript ---\n" + transcript
