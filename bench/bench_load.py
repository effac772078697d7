"""Load benchmark: this assistant against a plain `rasa init` starter bot, in the same run.

Both run on loopback, each on its own ports, and are driven back to back over the REST
channel at 1, 16 and 64 concurrent conversations (in the order A1 S1 S16 A16 A64 S64, so
drift on a shared machine affects both). Then, for the assistant: five messages at once to
one conversation (burst5_s), the median turn at conversation length 10 and 400, the cold
start, and what a shared HTTP session and the trimmed tracker save per action call. The same
long-conversation and burst figures are taken from the starter bot for comparison.
The assistant runs as `make run` runs it: the router and one Rasa process per core.

Then the side-by-side rounds of bench/fairness.py (three, medians reported): the same
assistant as one Rasa process next to the default layout at 64 visitors (throughput ratio,
p99/p50), 256 visitors at once (longest wait), and emergency messages sent while 64 visitors
saturate it (emergency p95 vs ordinary p95). The same rounds drive the website widget's path
too (socket.io, bench/widget_driver.py): 64 widget visitors next to 64 REST visitors and on
the one-process layout, 256 widget visitors at once, and emergency messages over socket.io
while 256 widget visitors saturate it (the `widget` object of load.json). And a messaging
channel's emergency lane: emergency messages posted as Telegram updates while 64 REST visitors
saturate it, timed until the fake Telegram Bot API (fakes/telegram.py, started here) received
the emergency reply (bench/telegram_driver.py; the `telegram` object of load.json).
docs/performance.md explains the figures.

Writes bench/results/load.json (the published result keys, plus ratios, targets and extras) and prints
a Markdown table for docs/performance.md.

    python -m bench.bench_load                 # the full run (about 10 minutes, plus training)
    python -m bench.bench_load --quick         # small counts, to check the harness (not figures)
    python -m bench.bench_load --starter-model PATH   # reuse a trained starter model
    python -m bench.bench_load --no-train      # use models/sedorum.tar.gz without checking it
    python -m bench.bench_load --startup-only  # only the start-up and memory figures (bench/startup.py)
    python -m bench.bench_load --only-lanes    # only the emergency lanes: REST, widget, Telegram (minutes)

The start-up and memory figures (bench/startup.py: the first reply after "ready", the resident
memory of every process, with and without the start-up changes, and the starter bot's memory)
are taken last, when the other measurements have stopped their servers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import say, write_result
from bench.fairness import emergency_lanes, side_by_side
from bench.load_driver import Config, Sample, System, drive, percentile, send, warm_up
from bench.startup import rss_mb, stack_rss_mb, starter_memory, startup_and_memory, startup_keys
from bench.telegram_driver import TelegramLane, channel_env, fake_bot_api, warm_up_telegram
from bench.widget_driver import warm_up_widget, widget_session
from fakes.telegram import FakeTelegram
from sedorum.server.stack import running_stack, stop_processes, train_if_needed, wait_for_http
from sedorum.settings import PROJECT_ROOT, Settings

# Benchmark ports stay out of the tests' ranges (5100-5999 and 6100-6999, shifted by a checkout's
# SEDORUM_TEST_PORT_OFFSET), so a benchmark and a test run can share the machine.
ASSISTANT_PORTS = (7605, 7655)  # Rasa, actions
STARTER_PORT = 7606
ORDER = (("assistant", 1), ("starter", 1), ("starter", 16), ("assistant", 16), ("assistant", 64), ("starter", 64))
REQUEST_TIMEOUT_S = 60
# All benchmark traffic comes from one loopback address, and the long conversation sends 400
# messages in a row: the edge rate limits (sedorum/edge/hardening.py) would answer 429.
# They are raised here so the benchmark measures the assistant, not the limiter.
NO_RATE_LIMITS = {
    "SEDORUM_RATE_IP_PER_S": "100000",
    "SEDORUM_RATE_IP_BURST": "100000",
    "SEDORUM_RATE_SENDER_PER_S": "100000",
    "SEDORUM_RATE_SENDER_BURST": "100000",
}

# A realistic mix for the assistant: topic questions, dose questions (custom action), the
# safety screening form (a validation action on every answer) and small talk.
ASSISTANT_SCRIPTS: tuple[tuple[str, ...], ...] = (
    (
        "hi",
        "what is restless legs syndrome?",
        "how much magnesium can I take a day?",
        "what are the side effects of magnesium?",
        "which foods contain magnesium?",
        "thanks",
    ),
    (
        "hello",
        "is sedorum safe for me?",
        "I am 52",
        "no",
        "no",
        "no",
        "I don't take any medicines",
    ),
    (
        "does magnesium help restless legs?",
        "what is the maximum dose of magnesium?",
        "what's in sedorum?",
        "can I take magnesium while pregnant?",
        "what causes rls?",
        "thank you",
    ),
    (
        "hey",
        "what are the symptoms of rls?",
        "which form of magnesium is best?",
        "how many mg of magnesium should I take for my legs?",
        "is there good evidence for magnesium?",
        "bye",
    ),
)
# The moodbot's own story paths, each ending with its goodbye rule, so every message has an
# answer in the starter's training data.
STARTER_SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("hi", "I am sad", "yes", "bye"),
    ("hello", "I am feeling very good", "are you a bot?", "goodbye"),
    ("hey", "I am unhappy", "no", "bye"),
    ("good morning", "I am great", "are you a human?", "see you later"),
)
# Long conversations stay out of forms and handoff: the same kind of turn at every length.
ASSISTANT_LONG = (
    "what is restless legs syndrome?",
    "how much magnesium can I take a day?",
    "which foods contain magnesium?",
    "what are the side effects of magnesium?",
    "what causes rls?",
    "thanks",
)
STARTER_LONG = ("hi", "I am sad", "yes", "hello", "I am feeling very good", "are you a bot?")
ASSISTANT_BURST = (
    "what is restless legs syndrome?",
    "how much magnesium can I take a day?",
    "which foods contain magnesium?",
    "what are the side effects of magnesium?",
    "thanks",
)
STARTER_BURST = ("hello", "are you a bot?", "bye", "are you a human?", "goodbye")


FULL = Config(
    per_user={1: 60, 16: 10, 64: 5, 256: 2}, burst_repeats=5, long_turns=405, action_calls=200, starter_long=True
)
QUICK = Config(
    per_user={1: 8, 16: 2, 64: 1, 256: 1},
    burst_repeats=1,
    long_turns=20,
    action_calls=20,
    starter_long=False,
    repeats=1,
    emergencies=3,
)
ONE_PROCESS_PORTS = (7615, 7665)  # the same assistant as one Rasa process, no router


async def burst5(http: aiohttp.ClientSession, system: System, repeats: int, sample: Sample) -> list[float]:
    """Seconds from sending five messages at once to one conversation until the last reply."""
    results = []
    for _ in range(repeats):
        sender = f"burst-{uuid.uuid4().hex[:8]}"
        await send(http, system, sender, system.scripts[0][0], sample)  # an existing conversation
        started = time.perf_counter()
        await asyncio.gather(*(send(http, system, sender, text, sample) for text in system.burst))
        results.append(time.perf_counter() - started)
    return results


async def long_conversation(
    http: aiohttp.ClientSession, system: System, sender: str, turns: int, sample: Sample
) -> list[float]:
    """Latency (ms) of every turn of one conversation of `turns` turns (NaN: no answer)."""
    latencies: list[float] = []
    for turn in range(1, turns + 1):
        latency = await send(http, system, sender, system.long_script[(turn - 1) % len(system.long_script)], sample)
        latencies.append(latency if latency is not None else float("nan"))
        if turn % 50 == 0:
            recent = [x for x in latencies[-10:] if x == x] or [float("nan")]
            say(f"    {system.name}: turn {turn}/{turns}, last 10 turns median {statistics.median(recent):.0f} ms")
    return latencies


def turn_median(latencies: Sequence[float], turn: int, half_window: int = 5) -> float:
    """Median latency of the turns turn-half_window .. turn+half_window (1-based)."""
    window = [x for x in latencies[max(0, turn - 1 - half_window) : turn + half_window] if x == x]
    return round(statistics.median(window), 1) if window else float("nan")


async def action_call_costs(system: System, action_url: str, sender: str, calls: int) -> dict[str, Any]:
    """Per-call cost of an action call: new session vs shared session, trimmed vs full tracker.

    Calls the running action server's webhook directly with the payload Rasa would send for
    action_answer_dosage in the long conversation (its full tracker: what Rasa sends without
    the session bound and trimming; and the trimmed one).
    """
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from sedorum.patches.action_client import action_tracker_state

    params = {"token": system.token}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{system.url}/conversations/{sender}/tracker", params=params) as reply:
            full_state = await reply.json()
        async with http.get(f"{system.url}/domain", params=params, headers={"Accept": "application/json"}) as reply:
            domain_dict = await reply.json()
    domain = Domain.from_dict(domain_dict)
    tracker = DialogueStateTracker.from_dict(sender, full_state["events"], domain.slots)
    settings = Settings.from_env()

    def payload(state: dict[str, Any]) -> bytes:
        body = {"next_action": "action_answer_dosage", "sender_id": sender, "tracker": state, "domain": domain_dict}
        return json.dumps(body).encode()

    trimmed_body = payload(action_tracker_state(tracker, settings.action_event_turns))
    full_body = payload(full_state)
    headers = {"Content-Type": "application/json"}

    async def timed(session: aiohttp.ClientSession, body: bytes) -> float:
        started = time.perf_counter()
        async with session.post(action_url, data=body, headers=headers) as reply:
            await reply.read()
            if reply.status != 200:
                raise RuntimeError(f"action server answered {reply.status}")
        return (time.perf_counter() - started) * 1000

    async def new_session(body: bytes) -> float:
        started = time.perf_counter()
        async with aiohttp.ClientSession() as session:  # what rasa.utils.endpoints does per call
            await timed(session, body)
        return (time.perf_counter() - started) * 1000

    results: dict[str, list[float]] = {"new_session": [], "shared_session": [], "full_tracker": []}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=2)) as shared:
        await timed(shared, trimmed_body)
        for block in range(calls // 10):  # interleaved blocks: drift affects all three alike
            for _ in range(10):
                results["new_session"].append(await new_session(trimmed_body))
            for _ in range(10):
                results["shared_session"].append(await timed(shared, trimmed_body))
            for _ in range(10):
                results["full_tracker"].append(await timed(shared, full_body))
            if block % 5 == 4:
                say(f"    action calls: {(block + 1) * 30}/{calls // 10 * 30}")
    summary = {
        key: {"p50_ms": round(percentile(v, 50), 2), "p95_ms": round(percentile(v, 95), 2)}
        for key, v in results.items()
    }
    return {
        "calls_each": len(results["new_session"]),
        "new_session_per_call": summary["new_session"],
        "shared_session_per_call": summary["shared_session"],
        "full_tracker_per_call": summary["full_tracker"],
        "payload_bytes_trimmed": len(trimmed_body),
        "payload_bytes_full_tracker": len(full_body),
        "full_tracker_events": len(full_state["events"]),
        "note": "direct calls to the running action server with action_answer_dosage's payload; "
        "new_session opens an aiohttp ClientSession per call as rasa.utils.endpoints does; "
        "full_tracker sends every event of the long conversation (no session bound, no trimming)",
    }


def train_starter(workdir: Path) -> Path:
    """`rasa init` trains the starter bot into workdir/starter/models."""
    target = workdir / "starter"
    target.mkdir(parents=True)
    say("Training the plain `rasa init` starter bot in a temporary folder (about a minute)...")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(target)],
        cwd=workdir,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        check=True,
        timeout=900,
    )
    model = next((target / "models").glob("*.tar.gz"))
    say(f"Starter bot trained in {time.monotonic() - started:.0f} s")
    return model


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def start_starter(model: Path, log: Path) -> tuple[subprocess.Popen, float]:
    """Starts the starter bot on loopback; returns the process and seconds until it answered."""
    started = time.monotonic()
    out = open(log, "ab")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--enable-api", "-m", str(model), "-i", "127.0.0.1"]
        + ["-p", str(STARTER_PORT), "--cors", "http://127.0.0.1"],
        cwd=model.parent.parent,
        env=_env(),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_http(f"http://127.0.0.1:{STARTER_PORT}/status", 300, proc)
    return proc, time.monotonic() - started


async def first_answer(url: str, text: str) -> None:
    system = System("probe", url, (), (), ())
    sample = Sample()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as http:
        await send(http, system, f"cold-{uuid.uuid4().hex[:6]}", text, sample)
    if sample.errors:
        raise RuntimeError(f"first message failed: {sample.error_examples}")


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| system | users | messages | errors | p50 ms | p95 ms | p99 ms | msg/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in sorted(runs, key=lambda r: (r["users"], r["system"])):
        lines.append(
            f"| {run['system']} | {run['users']} | {run['messages']} | {run['errors']} | {run['p50_ms']} | "
            f"{run['p95_ms']} | {run['p99_ms']} | {run['msgs_per_s']} |"
        )
    return "\n".join(lines)


async def measure(config: Config, assistant: System, starter: System, extras: dict[str, Any]) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    runs: list[dict[str, Any]] = []
    systems = {"assistant": assistant, "starter": starter}
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
        say("Warming up both systems")
        extras["warm_up_errors"] = {
            "assistant": (await warm_up(http, assistant)).error_examples,
            "starter": (await warm_up(http, starter)).error_examples,
        }
        for step, (name, users) in enumerate(ORDER, start=1):
            per_user = config.per_user[users]
            say(f"[{step}/{len(ORDER)}] {name}: {users} concurrent conversation(s) x {per_user} messages")
            run = await drive(http, systems[name], users, per_user)
            runs.append(run)
            say(
                f"    p50 {run['p50_ms']} ms  p95 {run['p95_ms']} ms  p99 {run['p99_ms']} ms  "
                f"{run['msgs_per_s']} msg/s  errors {run['errors']}"
            )
        say(f"Burst: 5 messages at once to one conversation ({config.burst_repeats} times each)")
        checks = {name: Sample() for name in ("assistant_burst", "starter_burst", "assistant_long", "starter_long")}
        bursts = await burst5(http, assistant, config.burst_repeats, checks["assistant_burst"])
        starter_bursts = await burst5(http, starter, max(1, min(3, config.burst_repeats)), checks["starter_burst"])
        say(f"    assistant {[round(b, 3) for b in bursts]} s; starter {[round(b, 3) for b in starter_bursts]} s")
        say(f"Long conversation: {config.long_turns} turns with the assistant")
        long_sender = f"long-{uuid.uuid4().hex[:8]}"
        long_assistant = await long_conversation(
            http, assistant, long_sender, config.long_turns, checks["assistant_long"]
        )
        long_starter: list[float] = []
        if config.starter_long:
            say(f"Long conversation: {config.long_turns} turns with the starter bot (its cost grows; ~2 min)")
            long_starter = await long_conversation(
                http, starter, f"long-{uuid.uuid4().hex[:8]}", config.long_turns, checks["starter_long"]
            )
    far = min(400, config.long_turns - 5)
    extras["long_conversation"] = {
        "assistant_turn_ms": [round(x, 1) for x in long_assistant],
        "starter_turn10_ms": turn_median(long_starter, 10) if long_starter else None,
        "starter_turn400_ms": turn_median(long_starter, far) if long_starter else None,
        "window": "median of turns n-5..n+5",
    }
    extras["errors_outside_runs"] = {
        name: {"errors": sample.errors, "examples": sample.error_examples} for name, sample in checks.items()
    }
    for name, sample in checks.items():
        if sample.errors:
            say(f"    WARNING: {sample.errors} errors in {name}: {sample.error_examples}")
    extras["burst5_runs_s"] = {
        "assistant": [round(b, 3) for b in bursts],
        "starter": [round(b, 3) for b in starter_bursts],
    }
    return {
        "runs": runs,
        "burst5_s": round(statistics.median(bursts), 3),
        "turn10_ms": turn_median(long_assistant, 10),
        "turn400_ms": turn_median(long_assistant, far),
        "long_sender": long_sender,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts: checks the harness, not for figures")
    parser.add_argument("--starter-model", type=Path, help="a trained `rasa init` model to reuse")
    parser.add_argument(
        "--no-train",
        action="store_true",
        help="use models/sedorum.tar.gz as it is, without checking it against the training data "
        "(e.g. while tests share the machine and the model directory)",
    )
    parser.add_argument(
        "--startup-only",
        action="store_true",
        help="only the start-up and memory figures, written into the existing bench/results/load.json",
    )
    parser.add_argument(
        "--only-lanes",
        action="store_true",
        help="only the emergency lanes under saturation (REST, widget, Telegram); the Telegram figures are "
        "written into the existing bench/results/load.json, the others kept",
    )
    args = parser.parse_args()
    config = QUICK if args.quick else FULL
    started = time.monotonic()
    token = secrets.token_urlsafe(24)
    # The fake Telegram Bot API runs for the whole run: the assistant is started pointing at it.
    with tempfile.TemporaryDirectory(prefix="sedorum-bench-") as tmp, fake_bot_api() as bot_api:
        workdir = Path(tmp)
        logs = PROJECT_ROOT / "bench" / "work" / time.strftime("load-%Y%m%d-%H%M%S")  # git-ignored
        logs.mkdir(parents=True)
        say(f"Server logs: {logs.relative_to(PROJECT_ROOT)}")
        if args.no_train:
            if not (PROJECT_ROOT / "models" / "sedorum.tar.gz").exists():
                raise SystemExit("--no-train: there is no models/sedorum.tar.gz to use")
            say("Using models/sedorum.tar.gz as it is (--no-train)")
        else:
            say("Checking the assistant's model")
            train_if_needed(PROJECT_ROOT / "models")
        if args.only_lanes:
            only_lanes(config, token, workdir, logs, bot_api, args.quick)
            return
        starter_model = args.starter_model or train_starter(workdir)
        if args.startup_only:
            only_startup(token, workdir, logs, starter_model)
            return
        env = {**assistant_env(token, workdir / "var"), **channel_env(bot_api.url)}
        say("Cold start: starting the assistant (action server + Rasa server, embedded stores)")
        cold_started = time.monotonic()
        with running_stack(env, log_dir=logs) as stack:
            asyncio.run(first_answer(stack.url, "hi"))
            cold_start_s = time.monotonic() - cold_started
            say(f"    first answer after {cold_start_s:.1f} s")
            say("Starting the starter bot (rasa run, in-memory stores, no action server)")
            starter_proc, starter_ready_s = start_starter(starter_model, logs / "starter.log")
            try:
                first = time.monotonic()
                asyncio.run(first_answer(f"http://127.0.0.1:{STARTER_PORT}", "hi"))
                starter_cold_s = starter_ready_s + time.monotonic() - first
                say(f"    starter first answer after {starter_cold_s:.1f} s")
                assistant = System("assistant", stack.url, ASSISTANT_SCRIPTS, ASSISTANT_LONG, ASSISTANT_BURST, token)
                starter = System(
                    "starter", f"http://127.0.0.1:{STARTER_PORT}", STARTER_SCRIPTS, STARTER_LONG, STARTER_BURST
                )
                extras: dict[str, Any] = {}
                figures = asyncio.run(measure(config, assistant, starter, extras))
                extras["rss_mb_after_load"] = {**stack_rss_mb(stack), "starter": rss_mb(starter_proc.pid)}
                extras["processes_alive_after_load"] = {
                    # Alive and never restarted by the supervisor.
                    "actions": stack.processes[0].poll() is None and "actions" not in stack.restarts,
                    "rasa_and_router": all(proc.poll() is None for proc in stack.processes[1:])
                    and not set(stack.restarts) - {"actions"},
                    "starter": starter_proc.poll() is None,
                }
                if not all(extras["processes_alive_after_load"].values()):
                    say(f"WARNING: a server stopped: {extras['processes_alive_after_load']} (logs: {logs})")
                say("Action calls: new vs shared HTTP session, trimmed vs full tracker")
                try:
                    extras["action_http"] = asyncio.run(
                        action_call_costs(
                            assistant,
                            f"http://127.0.0.1:{ASSISTANT_PORTS[1]}/webhook",
                            figures.pop("long_sender"),
                            config.action_calls,
                        )
                    )
                except (aiohttp.ClientError, RuntimeError) as error:
                    extras["action_http"] = {"error": f"{type(error).__name__}: {error}"}
                    say(f"WARNING: action call measurement failed: {error}")
                fairness = measure_side_by_side(config, assistant, env, workdir, logs, TelegramLane(bot_api))
                starter_rss = starter_memory(starter, starter_proc.pid)
            finally:
                stop_processes([starter_proc])
        startup = startup_and_memory(assistant_env(token, workdir / "var-startup"), assistant, logs / "startup")
    runs = figures["runs"] + [fairness.pop("run_256")]
    widget = fairness.pop("widget")
    telegram = fairness.pop("telegram")
    result = _with_ratios(figures, runs, cold_start_s, starter_cold_s, extras, config, args.quick)
    result = {**result, **{key: value for key, value in fairness.items() if key != "rounds"}}
    result["widget"] = widget.pop("figures")
    result["extras"]["widget"] = widget
    result["telegram"] = telegram.pop("figures")
    result["extras"]["telegram"] = telegram
    result["extras"]["side_by_side_rounds"] = fairness["rounds"]
    result.update(startup_keys(startup, starter_rss))
    result["extras"]["startup"] = startup
    result["targets"].update(
        {
            "fairness_64_p99_at_most_3x_p50": fairness["fairness_64_p99_over_p50"] <= 3,
            "max_wait_256_under_10_s": fairness["max_wait_256_ms"] < 10_000 and fairness["errors_256"] == 0,
            "all_cores_throughput_at_least_1.7x_one_process": fairness["throughput_all_cores_over_one_process"] >= 1.7,
            "emergency_under_load_p95_under_1_s": fairness["emergency_under_load_p95_ms"] < 1000
            and fairness["emergency_errors"] == 0,
            **widget_targets(result["widget"], widget),
            **telegram_targets(result["telegram"]),
        }
    )
    result["seconds"] = round(time.monotonic() - started)
    write_result("load", result)
    print()
    print(markdown(runs))
    print()
    for key in ("burst5_s", "turn10_ms", "turn400_ms", "cold_start_s"):
        print(f"- {key}: {result[key]}")
    for key, value in result["ratios"].items():
        print(f"- {key}: {value}")
    print()
    layouts = {"all_cores_64": "all cores", "one_process_64": "one process", "all_cores_256": "all cores"}
    print(markdown([{**widget[name], "system": f"widget, {layout}"} for name, layout in layouts.items()]))
    print()
    for key, value in result["widget"].items():
        print(f"- widget.{key}: {value}")
    print(
        f"- widget errors: 256 visitors {widget['errors_256']}, emergencies {widget['emergency_errors']}, "
        f"all widget runs {widget['errors']}; sockets not on a WebSocket {widget['not_on_websocket']}"
    )
    print_telegram(result["telegram"])


def widget_targets(figures: dict[str, Any], details: dict[str, Any]) -> dict[str, bool]:
    """The widget path's targets, named like the REST ones (bench/fairness.py `widget_figures`)."""
    return {
        "widget_fairness_64_p99_at_most_3x_p50": figures["fairness_64_p99_over_p50"] <= 3,
        "widget_max_wait_256_under_10_s": figures["max_wait_256_ms"] < 10_000 and details["errors_256"] == 0,
        "widget_emergency_under_load_p95_under_1_s": figures["emergency_under_load_p95_ms"] < 1000
        and details["emergency_errors"] == 0,
        "widget_throughput_at_least_0.9x_rest": figures["throughput_over_rest"] >= 0.9,
        "widget_all_cores_throughput_at_least_1.7x_one_process": figures["throughput_all_cores_over_one_process"]
        >= 1.7,
        "widget_zero_errors": details["errors"] == 0,
        "widget_every_socket_on_a_websocket": details["not_on_websocket"] == 0,
    }


def telegram_targets(figures: dict[str, Any]) -> dict[str, bool]:
    """The Telegram lane's target, named like the REST and widget ones: the same second."""
    return {
        "telegram_emergency_under_load_p95_under_1_s": figures["emergency_under_load_p95_ms"] < 1000
        and figures["emergency_errors"] == 0
    }


def print_telegram(figures: dict[str, Any]) -> None:
    for key, value in figures.items():
        print(f"- telegram.{key}: {value}")


def assistant_env(token: str, var_dir: Path) -> dict[str, str]:
    """The assistant's environment for the benchmark: its ports, its own stores, no rate limits."""
    return {
        "RASA_AUTH_TOKEN": token,
        "SEDORUM_RASA_PORT": str(ASSISTANT_PORTS[0]),
        "SEDORUM_ACTION_PORT": str(ASSISTANT_PORTS[1]),
        "SEDORUM_VAR_DIR": str(var_dir),
        "SEDORUM_LOG_LEVEL": "WARNING",
        **NO_RATE_LIMITS,
    }


def only_startup(token: str, workdir: Path, logs: Path, starter_model: Path) -> None:
    """`--startup-only`: the start-up and memory figures, merged into the existing load.json."""
    started = time.monotonic()
    assistant = System("assistant", "", ASSISTANT_SCRIPTS, ASSISTANT_LONG, ASSISTANT_BURST, token)
    startup = startup_and_memory(assistant_env(token, workdir / "var-startup"), assistant, logs / "startup")
    say("Starting the starter bot for its memory")
    starter_proc, _ = start_starter(starter_model, logs / "starter.log")
    try:
        starter = System("starter", f"http://127.0.0.1:{STARTER_PORT}", STARTER_SCRIPTS, STARTER_LONG, STARTER_BURST)
        starter_rss = starter_memory(starter, starter_proc.pid)
    finally:
        stop_processes([starter_proc])
    path = PROJECT_ROOT / "bench" / "results" / "load.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    result.update(startup_keys(startup, starter_rss))
    result.setdefault("extras", {})["startup"] = {
        **startup,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.monotonic() - started),
        "command": "python -m bench.bench_load --startup-only (the other figures are from measured_at)",
    }
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {path.relative_to(PROJECT_ROOT)} (start-up and memory keys only)")
    for key, value in startup_keys(startup, starter_rss).items():
        print(f"- {key}: {value}")


def only_lanes(config: Config, token: str, workdir: Path, logs: Path, bot_api: FakeTelegram, quick: bool) -> None:
    """`--only-lanes`: the emergency lanes under saturation; the Telegram figures merged into load.json.

    A mode of its own because the full run takes half an hour and the lanes a few minutes: a
    change to the router's lanes or to a channel is checked on them alone.
    """
    started = time.monotonic()
    env = {**assistant_env(token, workdir / "var"), **channel_env(bot_api.url)}
    say("Starting the assistant, its Telegram channel pointed at the fake Bot API")
    with running_stack(env, log_dir=logs) as stack:
        asyncio.run(first_answer(stack.url, "hi"))
        system = System("assistant", stack.url, ASSISTANT_SCRIPTS, ASSISTANT_LONG, ASSISTANT_BURST, token)
        lanes = asyncio.run(measure_lanes(config, system, TelegramLane(bot_api)))
    path = PROJECT_ROOT / "bench" / "results" / "load.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    measured_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    merged = merge_lanes(result, lanes, measured_at, round(time.monotonic() - started), quick)
    path.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {path.relative_to(PROJECT_ROOT)} (the Telegram lane's keys only)")
    print_telegram(merged["telegram"])
    for lane in ("rest", "widget"):
        print(f"- same run, {lane}: {lanes[lane]['figures']}")


async def measure_lanes(config: Config, system: System, telegram: TelegramLane) -> dict[str, Any]:
    """Warms every channel's path up, then runs bench/fairness.py's `emergency_lanes`."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with (
        aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http,
        widget_session() as widget_http,
    ):
        say("Warming up REST, the widget's path and the Telegram channel")
        await warm_up(http, system)
        await warm_up_widget(widget_http, system)
        await warm_up_telegram(http, system.url, telegram)
        return await emergency_lanes(http, widget_http, system, telegram, config)


def merge_lanes(
    result: dict[str, Any], lanes: dict[str, Any], measured_at: str, seconds: int, quick: bool
) -> dict[str, Any]:
    """load.json with the Telegram lane of an `--only-lanes` run; every other figure kept as it was.

    The REST and widget lanes of the same run go to `extras.telegram.same_run` only, to compare
    with on the same machine at the same time: their published figures stay the full run's,
    measured with everything else.
    """
    telegram = dict(lanes["telegram"])
    figures = telegram.pop("figures")
    details = {
        **telegram,
        "same_run": {lane: lanes[lane]["figures"] for lane in ("rest", "widget")},
        "measured_at": measured_at,
        "seconds": seconds,
        "quick": quick,
        "command": "python -m bench.bench_load --only-lanes (the other figures are from measured_at)",
    }
    return {
        **result,
        "telegram": figures,
        "targets": {**result.get("targets", {}), **telegram_targets(figures)},
        "extras": {**result.get("extras", {}), "telegram": details},
    }


def measure_side_by_side(
    config: Config, all_cores: System, env: dict[str, str], workdir: Path, logs: Path, telegram: TelegramLane
) -> dict[str, Any]:
    """Starts the one-process layout next to the running default one and runs bench/fairness.py."""
    one_env = {
        **env,
        "SEDORUM_ROUTER": "0",
        "SEDORUM_RASA_PORT": str(ONE_PROCESS_PORTS[0]),
        "SEDORUM_ACTION_PORT": str(ONE_PROCESS_PORTS[1]),
        "SEDORUM_VAR_DIR": str(workdir / "var-one"),
    }
    say("Starting the same assistant as one Rasa process (SEDORUM_ROUTER=0) for the side-by-side rounds")
    one_logs = logs / "one-process"
    started = time.monotonic()
    with running_stack(one_env, log_dir=one_logs) as one:
        asyncio.run(first_answer(one.url, "hi"))
        cold_start_one_process_s = round(time.monotonic() - started, 1)
        say(f"    one process: first answer after {cold_start_one_process_s} s")
        one_process = System("assistant", one.url, ASSISTANT_SCRIPTS, ASSISTANT_LONG, ASSISTANT_BURST, all_cores.token)

        async def rounds() -> dict[str, Any]:
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
            async with (
                aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http,
                widget_session() as widget_http,
            ):
                await warm_up(http, one_process)
                say("Warming up the widget's path (socket.io) on both layouts")
                widget_warm_up = {
                    "all_cores": (await warm_up_widget(widget_http, all_cores)).error_examples,
                    "one_process": (await warm_up_widget(widget_http, one_process)).error_examples,
                }
                await warm_up_telegram(http, all_cores.url, telegram)
                measured = await side_by_side(
                    http, all_cores, one_process, config, Settings.from_env().process_count, widget_http, telegram
                )
                measured["widget"]["warm_up_errors"] = widget_warm_up
                return measured

        return {**asyncio.run(rounds()), "cold_start_one_process_s": cold_start_one_process_s}


def _with_ratios(
    figures: dict[str, Any],
    runs: list[dict[str, Any]],
    cold_start_s: float,
    starter_cold_s: float,
    extras: dict[str, Any],
    config: Config,
    quick: bool,
) -> dict[str, Any]:
    def run_of(system: str, users: int) -> dict[str, Any]:
        return next(r for r in runs if r["system"] == system and r["users"] == users)

    saturation = {s: max(r["msgs_per_s"] for r in runs if r["system"] == s) for s in ("assistant", "starter")}
    p95_ratio = run_of("assistant", 1)["p95_ms"] / max(run_of("starter", 1)["p95_ms"], 0.001)
    throughput_ratio = saturation["assistant"] / max(saturation["starter"], 0.001)
    turn_ratio = figures["turn400_ms"] / max(figures["turn10_ms"], 0.001)
    # The target is the assistant's: the starter bot's own errors are reported, not counted.
    errors = sum(r["errors"] for r in runs if r["system"] == "assistant") + sum(
        check["errors"] for name, check in extras["errors_outside_runs"].items() if name.startswith("assistant")
    )
    settings = Settings.from_env()
    return {
        "runs": runs,
        "burst5_s": figures["burst5_s"],
        "turn10_ms": figures["turn10_ms"],
        "turn400_ms": figures["turn400_ms"],
        "cold_start_s": round(cold_start_s, 1),
        "ratios": {
            "single_user_p95_assistant_over_starter": round(p95_ratio, 2),
            "saturation_msgs_per_s_assistant_over_starter": round(throughput_ratio, 2),
            "turn400_over_turn10": round(turn_ratio, 2),
        },
        "targets": {
            "single_user_p95_ratio_at_most_1.2": p95_ratio <= 1.2,
            "saturation_ratio_at_least_1": throughput_ratio >= 1.0,
            "zero_errors": errors == 0,
            "burst5_under_0.5_s": figures["burst5_s"] < 0.5,
            "turn400_within_1.5x_turn10": turn_ratio <= 1.5,
            "cold_start_under_30_s": cold_start_s < 30,
        },
        "saturation_msgs_per_s": saturation,
        "starter": {
            "cold_start_s": round(starter_cold_s, 1),
            "burst5_s": round(statistics.median(extras["burst5_runs_s"]["starter"]), 3),
            "turn10_ms": extras["long_conversation"]["starter_turn10_ms"],
            "turn400_ms": extras["long_conversation"]["starter_turn400_ms"],
        },
        "extras": extras,
        "settings": {
            "assistant_stores": "SQLite tracker store, in-memory lock store (defaults)",
            "assistant_layout": f"router + {Settings.from_env().process_count} Rasa processes (make run default)",
            "inflight_per_process": settings.inflight_per_process,
            "starter_stores": "in-memory tracker and lock store (rasa run defaults)",
            "lock_poll_ms": settings.lock_poll_ms,
            "session_max_turns": settings.session_max_turns,
            "action_event_turns": settings.action_event_turns,
            "action_http_pool": settings.action_http_pool,
            "messages_per_conversation": config.per_user,
            "quick": quick,
        },
        "command": "make bench-load  (python -m bench.bench_load)",
    }


if __name__ == "__main__":
    main()
