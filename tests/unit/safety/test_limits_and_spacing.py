"""The figures the engine states live in limits.yml and spacing.yml, once (limits.py, spacing.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sedorum.safety import limits, spacing, wording
from sedorum.safety.engine import dose_limit_text, load_rules
from sedorum.safety.profile import Profile

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("age", "mg"), [(0.5, None), (1, 65), (3.9, 65), (4, 110), (8.9, 110), (9, 350), (70, 350)])
def test_each_age_falls_in_its_band(age: float, mg: int | None) -> None:
    assert limits.load_limits().band_for(age).mg == mg


def test_an_unknown_age_gets_the_adult_band_and_is_no_child() -> None:
    table = limits.load_limits()
    assert table.band_for(None).mg == 350 and not table.is_child(None)


@pytest.mark.parametrize(("age", "plausible"), [(-5, False), (0, False), (0.5, True), (115, True), (150, False)])
def test_only_plausible_ages_are_ages(age: float, plausible: bool) -> None:
    assert limits.load_limits().is_plausible_age(age) is plausible


def test_every_dose_answer_takes_its_figures_from_the_table() -> None:
    adult = dose_limit_text(Profile(age=40))
    assert "350 mg" in adult and "250 mg" in adult  # EFSA's limit in the personal answer too
    assert "65 mg" in dose_limit_text(Profile(age=2)) and "110 mg" in dose_limit_text(Profile(age=6))


def test_the_rules_advice_states_the_tables_figures() -> None:
    advice = {rule.id: rule.advice for rule in load_rules()}
    # a child's limit is said by the dose answer only, when an amount is asked for
    assert not any(re.search(r"\d+ mg", advice[rule]) for rule in ("child_1_to_3", "child_4_to_8"))
    assert "350 mg" in advice["other_magnesium"]
    assert "at least 4 hours apart" in advice["levothyroxine"]
    assert not any("{" in text for text in advice.values())


def test_a_figure_changed_in_the_table_changes_every_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = tmp_path / "limits.yml"
    changed.write_text(limits.LIMITS_PATH.read_text(encoding="utf-8").replace("mg: 350", "mg: 345"), encoding="utf-8")
    table = limits.load_limits(changed)
    monkeypatch.setattr(limits, "load_limits", lambda path=None: table)
    limits.template_values.cache_clear()
    try:
        assert "345 mg" in wording.text("dose.general")
    finally:
        limits.template_values.cache_clear()


def test_spacing_lines_state_their_hours() -> None:
    gaps = {gap.id: gap for gap in spacing.load_spacing()}
    assert gaps["levothyroxine"].hours == 4 and "4 hours" in gaps["levothyroxine"].text
    assert gaps["iron_calcium_antacid"].hours == 2 and "{" not in gaps["levodopa"].text


def test_no_python_file_of_the_safety_engine_writes_a_dose_figure_an_age_limit_or_a_spacing_hour() -> None:
    """The figures live in the YAML files; a number in the code would drift from them."""
    files = subprocess.run(
        ["git", "ls-files", "sedorum/*.py", "sedorum/**/*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    pattern = re.compile(
        r"(?i:\b(?:65|110|250|350)\s*mg\b|\bage\s*[<>]=?\s*\d|\b\d+\s*hours?\s+apart\b)|\b(?:CHILD|ADULT|OLDER|PREGNANCY)\w*\s*=\s*\d"
    )
    found = {f: pattern.findall((ROOT / f).read_text(encoding="utf-8")) for f in files}
    assert not {f: hits for f, hits in found.items() if hits}
