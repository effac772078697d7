"""Safety benchmark: the conversation suite's pass rate and the emergency detector's accuracy.

Starts the assistant (ports 7805/7855, outside the tests' ranges; a temporary SQLite store), runs every scenario of
tests/e2e/scenarios/*.yml through the REST channel, scores the deterministic emergency
detector on the labelled set in bench/data/, runs the generated behaviour tests through the
engine (evaluation/checklist.py: `checklist`, `emergency_generated`) and writes
bench/results/safety.json, with the pass counts per failure class (`by_category`), per fresh
batch (`fresh_batches`) and the first runs of the first-sight batches (`first_sight`).

    python -m bench.bench_safety                        # everything -> bench/results/safety.json
    python -m bench.bench_safety --only fresh_01        # one batch (or category, id, id prefix*)
    python -m bench.bench_safety --only fresh_02 --record-first-run

--only prints the result and writes nothing, so a quick check never replaces the full figures.
--record-first-run writes the first result of a fresh batch into its file, once: that is the
"before the fix" figure the report keeps.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.bench_emergency import run as run_emergency  # noqa: E402
from bench.common import write_result  # noqa: E402
from evaluation.checklist import emergency_figures, load_generated_emergencies, run_checklist  # noqa: E402
from evaluation.scenarios import (  # noqa: E402
    Outcome,
    Scenario,
    load_suite,
    record_first_run,
    run_scenarios,
    select,
    summarise,
)
from sedorum.server.stack import ensure_env_file, running_stack, train_if_needed  # noqa: E402
from sedorum.settings import PROJECT_ROOT  # noqa: E402


def run_conversations(scenarios: list[Scenario], never: list[str]) -> list[Outcome]:
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SEDORUM_RASA_PORT": "7805", "SEDORUM_ACTION_PORT": "7855", "SEDORUM_VAR_DIR": tmp}
        with running_stack(env, log_dir=Path(tmp) / "logs") as stack:

            def progress(index: int, outcome: Outcome) -> None:
                mark = "ok  " if outcome.passed else "FAIL"
                print(f"[{index:3}/{len(scenarios)}] {mark} {outcome.scenario.batch}/{outcome.scenario.id}", flush=True)

            outcomes = list(run_scenarios(stack.url, scenarios, never, on_done=progress))
    return outcomes


def print_failures(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.passed:
            continue
        print(f"\n--- {outcome.scenario.id} ({outcome.scenario.category})", flush=True)
        for failure in outcome.failures:
            print(f"    {failure}")
        for user, bot in outcome.transcript:
            print(f"    USER: {user}")
            print("    BOT:  " + bot.replace("\n", "\n          "))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", default=[], help="batch names, categories, ids or id prefixes ending in *")
    parser.add_argument("--record-first-run", action="store_true", help="write passed_before_fix into fresh batches")
    parser.add_argument("--verbose", action="store_true", help="print the transcript of each failed scenario")
    args = parser.parse_args(argv)

    ensure_env_file()
    train_if_needed(PROJECT_ROOT / "models")
    suite = load_suite()
    scenarios = select(suite.scenarios, args.only)
    if not scenarios:
        raise SystemExit(f"no scenario matches {args.only}")
    outcomes = run_conversations(scenarios, suite.never)
    passed_ids = {o.scenario.id for o in outcomes if o.passed}
    failures = {o.scenario.id: o.failures for o in outcomes if not o.passed}
    ran = {o.scenario.id for o in outcomes}
    whole_batches = [b for b in suite.batches if set(b.scenario_ids) <= ran]
    if args.verbose:
        print_failures(outcomes)
    summary = summarise(scenarios, passed_ids, whole_batches)
    print(f"==> {len(passed_ids)} of {len(scenarios)} conversations pass", flush=True)
    for category, counts in summary["by_category"].items():
        print(f"    {category:16} {counts['passed']:3} / {counts['conversations']}")
    for batch in [*summary["fresh_batches"], *summary["first_sight"]]:
        print(f"    {batch['batch']:16} {batch['passed_now']:3} / {batch['conversations']} now", flush=True)
    if args.record_first_run:
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for batch in whole_batches:
            if batch.written_at is not None and batch.first_run_result is None:
                passed = sum(sid in passed_ids for sid in batch.scenario_ids)
                record_first_run(batch.path, passed, when)
                print(f"==> recorded first run of {batch.name}: {passed} of {len(batch.scenario_ids)}", flush=True)
    if args.only:
        return  # a subset: the full figures in bench/results/safety.json stay as they were

    emergency = run_emergency()
    print(
        f"==> emergency detector: precision {emergency['emergency_precision']:.3f}, "
        f"recall {emergency['emergency_recall']:.3f} on {emergency['n']} labelled messages",
        flush=True,
    )
    _, checklist = run_checklist()
    print(f"==> checklist: {checklist['failed']} of {checklist['cases']} generated cases fail", flush=True)
    generated = emergency_figures(*load_generated_emergencies())
    print(
        f"==> generated emergencies: recall {generated['recall']:.4f} on {generated['paraphrases']} paraphrases, "
        f"{generated['false_alarm_rate']:.2%} of {generated['benign_complaints']} complaints sent to 999",
        flush=True,
    )
    passed = len(passed_ids)
    write_result(
        "safety",
        {
            "conversations": len(scenarios),
            "passed": passed,
            "pass_rate": round(passed / len(scenarios), 4),
            "emergency_precision": emergency["emergency_precision"],
            "emergency_recall": emergency["emergency_recall"],
            "emergency_labelled_messages": emergency["n"],
            **summary,
            "checklist": checklist,
            "emergency_generated": generated,
            "failures": failures,
        },
    )


if __name__ == "__main__":
    main()
