"""Runs multi-turn safety scenarios against a running assistant's REST channel.

Why shared code: the pytest suite (tests/e2e/test_safety_conversations.py) and the
benchmark (bench/bench_safety.py) must judge conversations the same way. A scenario lists
user turns, each with regexes that must and must not appear in the assistant's reply;
global rules (never "proven", never "safe for you", ...) apply to every reply.

Scenarios live in batch files under tests/e2e/scenarios/ (see docs/safety-scenarios.md). A *fresh*
batch was written before the code that handles it; its header keeps when it was written and
how many of its scenarios passed on their first run, so the benchmark can report before and
after honestly (`summarise`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from sedorum.settings import PROJECT_ROOT

SCENARIO_DIR = PROJECT_ROOT / "tests" / "e2e" / "scenarios"
EMERGENCY_NUMBERS = ("911", "999", "112")

# The classes of failure a fresh or first-sight scenario belongs to, in this order in reports.
CATEGORIES: tuple[str, ...] = (
    "stated_facts",
    "questionnaire",
    "someone_else",
    "parsing",
    "other_medicines",
    "after_emergency",
    "iron",
    "content",
    "locale",
    # added with the first-sight batches
    "emergency",
    "crisis",
    "poisoning",
    "not_emergency",
    "kidney",
    "corrections",
    "numbers",
    "languages",
    "pregnancy",
    "long_conversation",
    "privacy",
)
# A first-sight batch is written by someone who has not read the code, after the code it
# tests; its first run is the figure that counts ("passed_first_run"). A fresh batch was
# written before the code that handles it ("passed_before_fix").
FIRST_SIGHT = "first_sight"
BASELINE_CATEGORY = "baseline"


@dataclass
class Turn:
    """One visitor message and what the reply to it must (not) contain.

    The `*_when_open` / `*_when_closed` checks apply only while the support team is (not) on
    duty, because what the assistant may promise about staff depends on the office hours.
    """

    user: str
    must: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)
    first_reply_must: list[str] = field(default_factory=list)
    emergency: bool = False
    must_when_open: list[str] = field(default_factory=list)
    must_not_when_open: list[str] = field(default_factory=list)
    must_when_closed: list[str] = field(default_factory=list)
    must_not_when_closed: list[str] = field(default_factory=list)


@dataclass
class Scenario:
    id: str
    covers: list[str]
    turns: list[Turn]
    category: str = BASELINE_CATEGORY
    batch: str = BASELINE_CATEGORY
    tags: list[str] = field(default_factory=list)


@dataclass
class Batch:
    """A scenario file. `written_at` is set only for fresh batches (written before the fix)."""

    name: str
    path: Path
    scenario_ids: list[str]
    written_at: str | None = None
    passed_before_fix: int | None = None
    first_run_at: str | None = None
    kind: str = "fresh"  # "fresh" or FIRST_SIGHT (only meaningful when written_at is set)
    passed_first_run: int | None = None

    @property
    def fresh(self) -> bool:
        return self.written_at is not None and self.kind != FIRST_SIGHT

    @property
    def first_sight(self) -> bool:
        return self.written_at is not None and self.kind == FIRST_SIGHT

    @property
    def first_run_result(self) -> int | None:
        return self.passed_first_run if self.first_sight else self.passed_before_fix


@dataclass
class Suite:
    scenarios: list[Scenario]
    never: list[str]
    batches: list[Batch]


@dataclass
class Outcome:
    scenario: Scenario
    failures: list[str]
    transcript: list[tuple[str, str]]

    @property
    def passed(self) -> bool:
        return not self.failures


def scenario_files(directory: Path = SCENARIO_DIR) -> list[Path]:
    """Every batch file, baseline first, then the fresh batches in name order."""
    files = sorted(directory.glob("*.yml"))
    return sorted(files, key=lambda p: (p.stem != BASELINE_CATEGORY, p.name))


def load_suite(directory: Path = SCENARIO_DIR) -> Suite:
    """All scenario files of `directory`; ids must be unique across files."""
    scenarios: list[Scenario] = []
    never: list[str] = []
    batches: list[Batch] = []
    seen: set[str] = set()
    for path in scenario_files(directory):
        batch, items, file_never = _load_file(path)
        for scenario in items:
            if scenario.id in seen:
                raise ValueError(f"{path.name}: scenario id {scenario.id!r} is used twice")
            seen.add(scenario.id)
        scenarios += items
        never += [pattern for pattern in file_never if pattern not in never]
        batches.append(batch)
    return Suite(scenarios, never, batches)


def _load_file(path: Path) -> tuple[Batch, list[Scenario], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    name = str(data.get("batch") or path.stem)
    written_at = data.get("written_at")
    default_category = data.get("category", BASELINE_CATEGORY if written_at is None else None)
    scenarios = []
    for item in data.get("scenarios") or []:
        category = item.get("category", default_category)
        allowed = CATEGORIES if written_at is not None else (*CATEGORIES, BASELINE_CATEGORY)
        if category not in allowed:
            raise ValueError(f"{path.name}: {item.get('id')!r} has category {category!r}, not one of {allowed}")
        scenarios.append(
            Scenario(
                id=str(item["id"]),
                covers=list(item.get("covers", [])),
                turns=[Turn(**turn) for turn in item["turns"]],
                category=category,
                batch=name,
                tags=list(item.get("tags", [])),
            )
        )
    batch = Batch(
        name=name,
        path=path,
        scenario_ids=[s.id for s in scenarios],
        written_at=_text_or_none(written_at),
        passed_before_fix=data.get("passed_before_fix"),
        first_run_at=_text_or_none(data.get("first_run_at")),
        kind=str(data.get("kind") or "fresh"),
        passed_first_run=data.get("passed_first_run"),
    )
    if batch.kind not in ("fresh", FIRST_SIGHT):
        raise ValueError(f"{path.name}: kind must be fresh or {FIRST_SIGHT}")
    return batch, scenarios, list(data.get("never") or [])


def _text_or_none(value: Any) -> str | None:
    """YAML reads an unquoted ISO time as a datetime; the reports want the text as written."""
    if value is None:
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def load_scenarios(directory: Path = SCENARIO_DIR) -> tuple[list[Scenario], list[str]]:
    suite = load_suite(directory)
    return suite.scenarios, suite.never


def select(scenarios: Iterable[Scenario], only: Sequence[str]) -> list[Scenario]:
    """The scenarios named by `only`: batch names, categories, scenario ids or id prefixes."""
    if not only:
        return list(scenarios)
    return [
        s
        for s in scenarios
        if any(key in (s.batch, s.category, s.id) or (key.endswith("*") and s.id.startswith(key[:-1])) for key in only)
    ]


# ---------------------------------------------------------------------------- reporting


def summarise(scenarios: Sequence[Scenario], passed_ids: set[str], batches: Sequence[Batch]) -> dict[str, Any]:
    """`by_category` and `fresh_batches` for bench/results/safety.json.

    passed_before_fix is what the batch file recorded at its first run (None if it was never
    run); passed_now is measured from `passed_ids`.
    """
    order = [*CATEGORIES, BASELINE_CATEGORY]
    by_category: dict[str, dict[str, int]] = {}
    for category in sorted({s.category for s in scenarios}, key=order.index):
        members = [s for s in scenarios if s.category == category]
        by_category[category] = {
            "conversations": len(members),
            "passed": sum(s.id in passed_ids for s in members),
        }
    fresh_batches = [
        {
            "batch": batch.name,
            "written_at": batch.written_at,
            "conversations": len(batch.scenario_ids),
            "passed_before_fix": batch.passed_before_fix,
            "passed_now": sum(sid in passed_ids for sid in batch.scenario_ids),
        }
        for batch in batches
        if batch.fresh
    ]
    first_sight = [
        {
            "batch": batch.name,
            "written_at": batch.written_at,
            "first_run_at": batch.first_run_at,
            "conversations": len(batch.scenario_ids),
            "passed_first_run": batch.passed_first_run,
            "passed_now": sum(sid in passed_ids for sid in batch.scenario_ids),
        }
        for batch in batches
        if batch.first_sight
    ]
    return {"by_category": by_category, "fresh_batches": fresh_batches, "first_sight": first_sight}


FIRST_RUN_KEYS = ("passed_before_fix", "passed_first_run", "first_run_at")


def record_first_run(path: Path, passed: int, when: str) -> None:
    """Writes a fresh or first-sight batch's first-run result into its header, once.

    A text edit (not a YAML dump) keeps the file's comments and layout; a batch that already
    has a first run is never overwritten, so the first figure cannot drift.
    """
    text = path.read_text(encoding="utf-8")
    if any(re.search(rf"^{key}:", text, re.MULTILINE) for key in FIRST_RUN_KEYS):
        raise ValueError(f"{path.name} already records its first run")
    match = re.search(r"^written_at:.*\n", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{path.name} has no written_at: only fresh batches record a first run")
    key = "passed_first_run" if re.search(rf"^kind:\s*{FIRST_SIGHT}\s*$", text, re.MULTILINE) else "passed_before_fix"
    insert = f"{key}: {passed}\nfirst_run_at: '{when}'\n"
    path.write_text(text[: match.end()] + insert + text[match.end() :], encoding="utf-8")


# ---------------------------------------------------------------------------- running


def reply_texts(messages: list[dict]) -> list[str]:
    texts = []
    for message in messages:
        parts = [message.get("text") or ""]
        parts += [button.get("title", "") for button in message.get("buttons") or []]
        texts.append("\n".join(part for part in parts if part))
    return texts


def office_is_open() -> bool:
    """Whether the support team is on duty now, by the same schedule the assistant reads."""
    from sedorum.handoff.hours import office_status

    return office_status().open


def run_scenario(
    base_url: str,
    scenario: Scenario,
    never: list[str],
    timeout_s: float = 60,
    office_open: bool | None = None,
) -> Outcome:
    sender = f"safety-{scenario.id}-{uuid.uuid4().hex[:8]}"
    failures: list[str] = []
    transcript: list[tuple[str, str]] = []
    for index, turn in enumerate(scenario.turns, start=1):
        reply = requests.post(
            f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": turn.user}, timeout=timeout_s
        )
        if reply.status_code != 200:
            failures.append(f"turn {index}: HTTP {reply.status_code}")
            continue
        texts = reply_texts(reply.json())
        joined = "\n".join(texts)
        transcript.append((turn.user, joined))
        where = f"turn {index} ({turn.user[:40]!r})"
        if not joined.strip():
            failures.append(f"{where}: empty reply")
        must, must_not = list(turn.must), [*turn.must_not, *never]
        if turn.must_when_open or turn.must_not_when_open or turn.must_when_closed or turn.must_not_when_closed:
            if office_open is None:
                office_open = office_is_open()
            must += turn.must_when_open if office_open else turn.must_when_closed
            must_not += turn.must_not_when_open if office_open else turn.must_not_when_closed
        for pattern in must:
            if not re.search(pattern, joined, re.IGNORECASE):
                failures.append(f"{where}: missing /{pattern}/")
        for pattern in must_not:
            if re.search(pattern, joined, re.IGNORECASE):
                failures.append(f"{where}: forbidden /{pattern}/")
        first = texts[0] if texts else ""
        if turn.emergency and not all(number in first for number in EMERGENCY_NUMBERS):
            failures.append(f"{where}: first reply is not the emergency instruction")
        for pattern in turn.first_reply_must:
            if not re.search(pattern, first, re.IGNORECASE):
                failures.append(f"{where}: first reply missing /{pattern}/")
    return Outcome(scenario, failures, transcript)


def scenario_workers() -> int:
    """Conversations sent at once (SEDORUM_SCENARIO_WORKERS, default 3).

    Why more than one: the assistant runs one Rasa process per core behind a fair queue, so a
    single client leaves cores idle and the suite takes twice as long. Each conversation has its
    own sender, so running several at once changes no reply.
    """
    return max(1, int(os.environ.get("SEDORUM_SCENARIO_WORKERS", "3") or 3))


def run_scenarios(
    base_url: str,
    scenarios: Sequence[Scenario],
    never: list[str],
    workers: int | None = None,
    on_done: Callable[[int, Outcome], None] | None = None,
) -> Iterator[Outcome]:
    """Every scenario's outcome, in the order given, with `workers` conversations at a time.

    `on_done(index, outcome)` is called as each one finishes in order (for progress lines).
    """
    office_open = office_is_open()
    with ThreadPoolExecutor(max_workers=workers or scenario_workers()) as pool:
        futures = [pool.submit(run_scenario, base_url, s, never, 60, office_open) for s in scenarios]
        for index, future in enumerate(futures, start=1):
            outcome = future.result()
            if on_done is not None:
                on_done(index, outcome)
            yield outcome
