"""Shared helpers for the benchmarks: how progress is printed, where results go and how they are written."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

from sedorum.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


def say(message: str) -> None:
    """One line of progress, flushed at once (a benchmark runs for minutes)."""
    print(f"==> {message}", flush=True)


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Writes bench/results/<name>.json with the machine and time it was measured on."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        **payload,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    print(f"==> wrote {path.relative_to(PROJECT_ROOT)}", flush=True)
    return path


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))
