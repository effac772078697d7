"""Safety benchmark: the conversation suite's pass rate and the emergency detector's accuracy.

Starts the assistant (ports 5805/5855, a temporary SQLite store), runs every scenario of
tests/e2e/safety_scenarios.yml through the REST channel, scores the deterministic emergency
detector on the labelled set in bench/data/, and writes bench/results/safety.json.
    python -m bench.bench_safety
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.bench_emergency import run as run_emergency  # noqa: E402
from bench.common import write_result  # noqa: E402
from sedorum.server.settings import PROJECT_ROOT  # noqa: E402
from sedorum.stack import ensure_env_file, running_stack, train_if_needed  # noqa: E402
from sedorum.testing.scenarios import load_scenarios, run_scenario  # noqa: E402


def main() -> None:
    ensure_env_file()
    train_if_needed(PROJECT_ROOT / "models")
    scenarios, never = load_scenarios()
    emergency = run_emergency()
    print(
        f"==> emergency detector: precision {emergency['emergency_precision']:.3f}, "
        f"recall {emergency['emergency_recall']:.3f} on {emergency['n']} labelled messages",
        flush=True,
    )
    failures: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SEDORUM_RASA_PORT": "5805", "SEDORUM_ACTION_PORT": "5855", "SEDORUM_VAR_DIR": tmp}
        with running_stack(env, log_dir=Path(tmp) / "logs") as stack:
            for index, scenario in enumerate(scenarios, start=1):
                outcome = run_scenario(stack.url, scenario, never)
                mark = "ok  " if outcome.passed else "FAIL"
                print(f"[{index:3}/{len(scenarios)}] {mark} {scenario.id}", flush=True)
                if not outcome.passed:
                    failures[scenario.id] = outcome.failures
    passed = len(scenarios) - len(failures)
    write_result(
        "safety",
        {
            "conversations": len(scenarios),
            "passed": passed,
            "pass_rate": round(passed / len(scenarios), 4),
            "emergency_precision": emergency["emergency_precision"],
            "emergency_recall": emergency["emergency_recall"],
            "emergency_labelled_messages": emergency["n"],
            "failures": failures,
        },
    )


if __name__ == "__main__":
    main()
