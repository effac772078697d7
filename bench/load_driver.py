"""How the load benchmarks drive an assistant: REST turns, many visitors at once, percentiles.

Why its own module: the main load run (bench/bench_load.py) and the side-by-side rounds
(bench/fairness.py) must send, time and count errors the same way; both import this, and it
imports neither, so the two never import each other.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.common import say

# The reply sedorum/patches/faults.py sends when a custom action fails: an error, not an answer.
TROUBLE_MARK = "something went wrong on our side"


@dataclass
class Config:
    per_user: dict[int, int]  # users -> messages per conversation
    burst_repeats: int
    long_turns: int
    action_calls: int
    starter_long: bool
    repeats: int = 3  # of the side-by-side all-cores / one-process / emergency rounds
    emergencies: int = 10  # emergency messages sent into each saturated round


@dataclass
class System:
    name: str
    url: str
    scripts: Sequence[Sequence[str]]
    long_script: Sequence[str]
    burst: Sequence[str]
    token: str = ""


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(what)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def send(http: aiohttp.ClientSession, system: System, sender: str, text: str, sample: Sample) -> float | None:
    """One REST turn; its latency in ms, or None (counted as an error) if it got no reply."""
    started = time.perf_counter()
    try:
        async with http.post(f"{system.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as reply:
            if reply.status != 200:
                sample.error(f"HTTP {reply.status}: {(await reply.text())[:120]}")
                return None
            body = await reply.json(content_type=None)
            elapsed = (time.perf_counter() - started) * 1000
            if not body:
                sample.error(f"no reply to {text!r}")
                return None
            if any(TROUBLE_MARK in (message.get("text") or "") for message in body):
                sample.error(f"service-trouble reply to {text!r} (an action failed)")
                return None
            sample.latencies_ms.append(elapsed)
            return elapsed
    except (aiohttp.ClientError, TimeoutError) as error:
        sample.error(f"{type(error).__name__}: {error}")
        return None


async def drive(http: aiohttp.ClientSession, system: System, users: int, per_user: int) -> dict[str, Any]:
    """`users` conversations at once, each sending `per_user` messages one after the other."""
    sample = Sample()
    run_id = uuid.uuid4().hex[:6]

    async def conversation(index: int) -> None:
        script = system.scripts[index % len(system.scripts)]
        sender = f"load-{run_id}-{users}-{index}"
        for turn in range(per_user):
            await send(http, system, sender, script[turn % len(script)], sample)

    started = time.perf_counter()
    await asyncio.gather(*(conversation(i) for i in range(users)))
    wall = time.perf_counter() - started
    return run_figures(system, users, per_user, sample, wall)


def run_figures(system: System, users: int, per_user: int, sample: Sample, wall: float) -> dict[str, Any]:
    """One run's figures, the same keys for every channel the benchmark drives."""
    return {
        "system": system.name,
        "users": users,
        "messages": users * per_user,
        "errors": sample.errors,
        "p50_ms": round(percentile(sample.latencies_ms, 50), 1),
        "p95_ms": round(percentile(sample.latencies_ms, 95), 1),
        "p99_ms": round(percentile(sample.latencies_ms, 99), 1),
        "max_ms": round(max(sample.latencies_ms, default=0.0), 1),
        "msgs_per_s": round(len(sample.latencies_ms) / wall, 1) if wall else 0.0,
        "wall_s": round(wall, 2),
        "error_examples": sample.error_examples,
    }


async def warm_up(http: aiohttp.ClientSession, system: System) -> Sample:
    """One conversation per script, its first messages in order (as the measured runs send them)."""
    sample = Sample()
    for index, script in enumerate(system.scripts):
        sender = f"warm-{index}-{uuid.uuid4().hex[:6]}"
        for text in script[:3]:
            await send(http, system, sender, text, sample)
    if not sample.latencies_ms:
        raise RuntimeError(f"{system.name} answers nothing: {sample.error_examples}")
    if sample.errors:
        say(f"    WARNING: {system.name} warm-up errors: {sample.error_examples}")
    return sample
