"""The generated behaviour tests (evaluation/checklist.py) through the safety engine.

Thousands of cases from templates x fillers x perturbations, written by someone who had not
read the code, each read by the engine without a server. Two kinds of assertion:
- absolute targets: at least 5,000 cases; on the generated emergency paraphrases a recall of
  at least 0.99 and at most 2 % of restless-legs complaints sent to the emergency number;
- a ratchet per capability (evaluation/data/checklist_ceilings.yml): no capability may fail
  more cases than it did when the ceilings were last measured. A ceiling is lowered when a
  capability improves (`python -m evaluation.checklist --ceilings` prints the new ones).
"""

from __future__ import annotations

from typing import Any

import pytest

from evaluation.checklist import (
    Case,
    Result,
    emergency_figures,
    expand,
    failure_lines,
    judge_reply,
    load_ceilings,
    load_checklist,
    load_generated_emergencies,
    main,
    run_case,
    run_checklist,
    sample,
)


@pytest.fixture(scope="module")
def checklist() -> tuple[list[Result], dict[str, Any]]:
    return run_checklist()


def test_there_are_at_least_5000_generated_cases(checklist: tuple[list[Result], dict[str, Any]]) -> None:
    _, figures = checklist
    assert figures["cases"] >= 5000


def test_no_capability_fails_more_cases_than_its_ceiling(checklist: tuple[list[Result], dict[str, Any]]) -> None:
    results, figures = checklist
    ceilings = load_ceilings()
    assert set(figures["by_capability"]) <= set(ceilings), "every capability has a ceiling"
    worse = {
        name: (counts["failed"], ceilings[name])
        for name, counts in figures["by_capability"].items()
        if counts["failed"] > ceilings[name]
    }
    examples = [
        f"{r.case.capability}: {list(r.case.turns)} -> {r.failures}"
        for r in results
        if not r.passed and r.case.capability in worse
    ][:20]
    assert not worse, f"capabilities that got worse (failed, ceiling): {worse}\n" + "\n".join(examples)


def test_generated_emergencies_are_caught_and_complaints_are_not_sent_to_999() -> None:
    figures = emergency_figures(*load_generated_emergencies())
    assert figures["paraphrases"] >= 1000 and figures["benign_complaints"] >= 500
    assert figures["recall"] >= 0.99, figures["misses"]
    assert figures["false_alarm_rate"] <= 0.02, figures["false_alarms"]


def test_the_sample_sent_through_the_servers_holds_only_cases_the_engine_gets_right() -> None:
    cases = expand(load_checklist())
    chosen = sample(cases)
    assert len({case.capability for case in chosen}) >= 40
    assert all(run_case(case).passed for case in chosen)
    wrong = Case("wrongly_labelled", ("I'm on dialysis", "how much magnesium can I take"), {"dose": "figure"}, "")
    right = Case("wrongly_labelled", ("how much magnesium can I take a day",), {"dose": "figure"}, "")
    assert sample([wrong, right]) == [right]


def test_the_reply_judge_tells_a_call_to_999_from_the_safety_net() -> None:
    calm = Case("rls", ("my legs twitch at night",), {"emergency": "none"}, "")
    dispatch = ["Call 999 now, or go to A&E. Don't wait.\nNot in the UK? Call 112 in the EU or 911 in the US."]
    safety_net = [
        "I'm not sure I understood, so to be safe:\n- If someone is very unwell, can't breathe, has collapsed or "
        "has taken too many tablets, call 999 now.\nOtherwise, please tell me a bit more."
    ]
    side_effects = ["An itchy rash: stop taking it and ask a pharmacist or GP. If your lips swell, call 999."]
    assert judge_reply(calm, dispatch)
    assert not judge_reply(calm, safety_net)
    assert not judge_reply(calm, side_effects)
    assert not judge_reply(Case("em", ("he collapsed",), {"emergency": "emergency"}, ""), dispatch)


def test_only_runs_the_capabilities_with_that_prefix_and_lists_each_failure() -> None:
    results, figures = run_checklist(only="lang_de_")
    assert figures["by_capability"] and all(name.startswith("lang_de_") for name in figures["by_capability"])
    assert figures["cases"] == len(results) < 1000
    assert len(failure_lines(results)) == figures["failed"]


def test_a_failure_line_shows_the_messages_what_failed_and_the_language() -> None:
    wrong = ["emergency: expected emergency, got none"]
    failed = Result(Case("lang_x", ("hallo", "hilfe"), {}), wrong, {"language": "de"})
    passed = Result(Case("lang_x", ("hi",), {}), [], {"language": "en"})
    assert failure_lines([failed, passed]) == [
        "lang_x: ['hallo', 'hilfe'] -> ['emergency: expected emergency, got none'] (language de)"
    ]


def test_only_and_ceilings_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--only", "lang_", "--ceilings"])
    assert "--ceilings" in capsys.readouterr().err
