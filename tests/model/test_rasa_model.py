"""The trained model against Rasa's own checks: data validation and the test stories.

Both run Rasa's CLI in a subprocess (as a developer would) and assert on its results, so
a story that fails or a data conflict fails the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sedorum.settings import PROJECT_ROOT

RASA = [sys.executable, "-m", "rasa"]


def run_rasa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RASA, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)


def test_training_data_and_domain_validate_without_errors() -> None:
    result = run_rasa("data", "validate", "--domain", "domain.yml", "--data", "data", "--max-history", "4")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_every_public_intent_has_training_examples_and_a_test_story() -> None:
    import yaml

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    stories = (PROJECT_ROOT / "tests" / "test_stories.yml").read_text()
    examples: dict[str, int] = {}
    for path in (PROJECT_ROOT / "data").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            if "intent" in item:
                lines = [line for line in item["examples"].splitlines() if line.strip().startswith("- ")]
                examples[item["intent"]] = examples.get(item["intent"], 0) + len(lines)
    for intent in domain["intents"]:
        minimum = 60 if intent == "out_of_scope" else 30
        assert examples.get(intent, 0) >= minimum, f"{intent}: {examples.get(intent, 0)} examples"
        assert f"intent: {intent}\n" in stories, f"no test story for {intent}"


def test_test_stories_pass(trained_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = run_rasa(
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        "tests/test_stories.yml",
        "--out",
        str(out),
        "--no-plot",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    failed = out / "failed_test_stories.yml"
    failures = failed.read_text() if failed.exists() else ""
    assert "story:" not in failures, failures[:6000]
    report = json.loads((out / "story_report.json").read_text())
    assert report["accuracy"] == 1.0, report
