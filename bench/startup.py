"""The first reply after "ready" and the resident memory of every process, with and without the start-up changes.

Part of `make bench-load` (bench/bench_load.py), and on its own with
`python -m bench.bench_load --startup-only`. In the same run the assistant is started twice,
as `make run` starts it and with the start-up changes switched off (SEDORUM_WARM_UP=0,
SEDORUM_SKIP_UNUSED_MODULES=0), one after the other on the same ports:

- the first message each Rasa process gets after "The assistant is ready." (a visitor's first
  words, sent through the router to a conversation that lands on that process), against the
  median of the next few first messages of new conversations on the same process;
- the resident memory (RSS, from /proc) of every process, after the same small load.

A third start measures the default with MALLOC_ARENA_MAX=2 (glibc's heaps per thread bounded),
a change that was tried and not adopted.

The starter bot's memory is measured the same way (`starter_rss_mb`).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import say
from bench.load_driver import Sample, System, drive, send
from sedorum.server.routing import process_for
from sedorum.server.stack import RunningStack, running_stack

FIRST_TEXT = "what is restless legs syndrome?"  # a visitor's first words (not the warm-up's question)
LATER_SAMPLES = 5
LOAD_USERS = 16
LOAD_MESSAGES = 3
# The start-up changes, switched off: the layout before them.
BEFORE = {"SEDORUM_WARM_UP": "0", "SEDORUM_SKIP_UNUSED_MODULES": "0"}


def process_rss_kb(pid: int) -> int:
    """Resident memory of one process (VmRSS); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return 0


def children(pid: int) -> list[int]:
    """Every live descendant of `pid` (a Sanic server may run its worker as a child)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB."""
    return round(sum(process_rss_kb(p) for p in [pid, *children(pid)]) / 1024, 1)


def stack_rss_mb(stack: RunningStack) -> dict[str, float]:
    """Process name -> resident MB, for every process the supervisor started, and the supervisor."""
    sizes = {name: rss_mb(stack.process(name).pid) for name in stack.supervisor.slots}
    sizes["supervisor"] = supervisor_rss_mb()
    return sizes


def supervisor_rss_mb() -> float:
    """What `make run`'s own process holds: a Python that imported the supervisor (it runs nothing else).

    Measured in a separate interpreter because the benchmark itself is the supervisor here and
    holds the benchmark's own imports.
    """
    code = "import sys, sedorum.server.stack; print('ready', flush=True); sys.stdin.read()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        return rss_mb(proc.pid)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def sender_on(process: int, processes: int, prefix: str) -> str:
    while True:
        sender = f"{prefix}-{uuid.uuid4().hex[:10]}"
        if process_for(sender, processes) == process:
            return sender


async def first_replies(system: System, processes: int) -> dict[str, Any]:
    """Per process: ms of its first message after ready, and the median of the next new conversations."""
    timeout = aiohttp.ClientTimeout(total=120)
    result: dict[str, Any] = {}
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for index in range(processes):
            sample = Sample()
            first = await send(http, system, sender_on(index, processes, "first"), FIRST_TEXT, sample)
            later = [await send(http, system, sender_on(index, processes, "later"), FIRST_TEXT, sample)]
            for _ in range(LATER_SAMPLES - 1):
                later.append(await send(http, system, sender_on(index, processes, "later"), FIRST_TEXT, sample))
            answered = [ms for ms in later if ms is not None]
            result[f"process_{index}"] = {
                "first_ms": round(first, 1) if first is not None else None,
                "later_median_ms": round(statistics.median(answered), 1) if answered else None,
                "errors": sample.errors,
            }
    return result


def measure_layout(label: str, env: Mapping[str, str], system: System, logs: Path) -> dict[str, Any]:
    """Starts the stack with `env`, takes its first replies, a small load, then every process's memory."""
    say(f"Start-up and memory, {label}: starting the assistant")
    started = time.monotonic()
    with running_stack(env, log_dir=logs / label) as stack:
        ready_s = round(time.monotonic() - started, 1)
        processes = stack.settings.process_count if stack.settings.router else 1
        live = System(system.name, stack.url, system.scripts, system.long_script, system.burst, system.token)
        first = asyncio.run(first_replies(live, processes))

        async def load() -> dict[str, Any]:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
                return await drive(http, live, LOAD_USERS, LOAD_MESSAGES)

        run = asyncio.run(load())
        sizes = stack_rss_mb(stack)
    firsts = [p["first_ms"] for p in first.values() if p["first_ms"] is not None]
    summary = {
        "ready_s": ready_s,
        "first_reply_after_ready_ms": max(firsts) if firsts else None,
        "per_process": first,
        "rss_mb": sizes,
        "rss_total_mb": round(sum(sizes.values()), 1),
        "load_errors": run["errors"],
    }
    say(
        f"    {label}: ready after {ready_s} s, first reply {summary['first_reply_after_ready_ms']} ms "
        f"({first}), memory {sizes} = {summary['rss_total_mb']} MB"
    )
    return summary


def startup_and_memory(env: Mapping[str, str], system: System, logs: Path) -> dict[str, Any]:
    """The default start-up next to the one before the changes, in this order, on the same ports."""
    after = measure_layout("default", env, system, logs)
    before = measure_layout("before", {**env, **BEFORE}, system, logs)
    # Tried and measured, not adopted: fewer malloc arenas made no difference (docs/performance.md).
    arenas = measure_layout("malloc_arena_max_2", {**env, "MALLOC_ARENA_MAX": "2"}, system, logs)
    return {"default": after, "before": before, "before_switches": BEFORE, "malloc_arena_max_2": arenas}


def starter_memory(system: System, pid: int) -> float:
    """The starter bot's resident MB after the same small load."""

    async def load() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
            await drive(http, system, LOAD_USERS, LOAD_MESSAGES)

    asyncio.run(load())
    return rss_mb(pid)


def startup_keys(startup: dict[str, Any], starter_rss: float) -> dict[str, Any]:
    """The published keys of bench/results/load.json for these figures."""
    default, before = startup["default"], startup["before"]
    return {
        "first_reply_after_ready_ms": default["first_reply_after_ready_ms"],
        "first_reply_after_ready_ms_before": before["first_reply_after_ready_ms"],
        "rss_mb": default["rss_mb"],
        "rss_mb_before": before["rss_mb"],
        "starter_rss_mb": starter_rss,
    }
