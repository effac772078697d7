"""Side-by-side rounds of the load benchmark: all cores vs one process, 256 visitors, emergencies.

Part of `make bench-load` (bench/bench_load.py starts both layouts of the assistant and calls
`side_by_side`). Every figure is measured within one round, rounds are repeated and the
median is reported, because the machine is shared and noisy:

- all cores (the `make run` default: the router and one Rasa process per core) and one Rasa
  process (SEDORUM_ROUTER=0, the layout before) under the same 64-visitor load, alternating
  which goes first: the throughput ratio and the p99/p50 fairness of each;
- 256 visitors at once on the default layout: the longest wait and the errors;
- 64 visitors saturating the default layout while emergency messages arrive from other
  visitors: the emergency messages' p95 and the ordinary ones' p95, in the same round.

The same figures for the website widget's path (socket.io, bench/widget_driver.py), in the
same rounds when a widget HTTP session is passed (`widget_round`, `widget_figures`): 64 widget
visitors on each layout next to 64 REST visitors on the default one (fairness, throughput
over REST, all cores over one process), 256 widget visitors at once (longest wait), and
emergency messages sent over socket.io while 256 widget visitors saturate the default layout.

And for a messaging channel, Telegram (bench/telegram_driver.py), when a `TelegramLane` is
passed: emergency messages posted as Telegram updates while 64 REST visitors saturate the
default layout (the REST lane's load, so the two compare directly), each timed until the fake
Bot API received the sendMessage carrying the emergency reply (`telegram_round`,
`lane_figures`). `emergency_lanes` runs only the three emergency lanes (`--only-lanes`).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

from bench.common import say
from bench.load_driver import Config, Sample, System, drive, percentile
from bench.telegram_driver import TelegramLane
from bench.widget_driver import Visitor, close_visitors, drive_widget, open_visitors, record

EMERGENCY_TEXTS = (
    "I can't breathe",
    "my husband just collapsed",
    "I have crushing chest pain right now",
    "I took the whole bottle of magnesium pills",
)
# In the S1 reply in every locale ("Call 999 now, or go to A&E. Don't wait.": utter_emergency in
# domain.yml, and the fallback in sedorum/content/locale.py). The reply no longer says
# "emergency number": the number of the visitor's locale leads it.
EMERGENCY_MARK = "Don't wait."


def _median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


async def while_saturated(
    ordinary: Callable[[], Awaitable[dict[str, Any]]], emergency: Callable[[str], Awaitable[None]], emergencies: int
) -> dict[str, Any]:
    """Runs the ordinary visitors and, meanwhile, `emergencies` emergency messages from others.

    The emergencies go one after the other, a quarter of a second apart, from half a second
    after the ordinary visitors began (the queues are full by then) until they are done: every
    emergency waits behind a saturated queue. Returns the ordinary visitors' run.
    """
    ordinary_done = asyncio.Event()

    async def send_emergencies() -> None:
        await asyncio.sleep(0.5)  # let the ordinary visitors fill the queues first
        for index in range(emergencies):
            if ordinary_done.is_set():
                break
            await emergency(EMERGENCY_TEXTS[index % len(EMERGENCY_TEXTS)])
            await asyncio.sleep(0.25)

    async def load() -> dict[str, Any]:
        try:
            return await ordinary()
        finally:
            ordinary_done.set()

    ordinary_run, _ = await asyncio.gather(load(), send_emergencies())
    return ordinary_run


def lane_result(ordinary_run: dict[str, Any], emergency: Sample, wrong_replies: list[str]) -> dict[str, Any]:
    """One emergency-under-load measurement, the same keys for every channel's lane."""
    return {
        "ordinary": ordinary_run,
        "emergency_sent": len(emergency.latencies_ms) + emergency.errors,
        "emergency_errors": emergency.errors,
        "emergency_error_examples": emergency.error_examples,
        "emergency_without_emergency_reply": wrong_replies,
        "emergency_p50_ms": round(percentile(emergency.latencies_ms, 50), 1),
        "emergency_p95_ms": round(percentile(emergency.latencies_ms, 95), 1),
        "emergency_max_ms": round(max(emergency.latencies_ms, default=0.0), 1),
    }


async def emergency_under_load(
    http: aiohttp.ClientSession, system: System, users: int, per_user: int, emergencies: int
) -> dict[str, Any]:
    """`users` ordinary visitors saturating the assistant; emergencies sent by others meanwhile."""
    emergency = Sample()
    wrong_replies: list[str] = []

    async def send_emergency(text: str) -> None:
        before = len(emergency.latencies_ms)
        reply = await _send_and_read(http, system, f"sos-{uuid.uuid4().hex[:8]}", text, emergency)
        if len(emergency.latencies_ms) > before and EMERGENCY_MARK not in reply:
            wrong_replies.append(text)

    ordinary_run = await while_saturated(lambda: drive(http, system, users, per_user), send_emergency, emergencies)
    return lane_result(ordinary_run, emergency, wrong_replies)


async def _send_and_read(http: aiohttp.ClientSession, system: System, sender: str, text: str, sample: Sample) -> str:
    """Like load_driver.send, and returns the reply text (to check it is the emergency reply)."""
    started = time.perf_counter()
    try:
        async with http.post(f"{system.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as reply:
            body = await reply.json(content_type=None) if reply.status == 200 else None
            if reply.status != 200 or not body:
                sample.error(f"HTTP {reply.status} / empty reply to {text!r}")
                return ""
            sample.latencies_ms.append((time.perf_counter() - started) * 1000)
            return " ".join(message.get("text") or "" for message in body)
    except (aiohttp.ClientError, TimeoutError) as error:
        sample.error(f"{type(error).__name__}: {error}")
        return ""


async def side_by_side(
    http: aiohttp.ClientSession,
    all_cores: System,
    one_process: System,
    config: Config,
    processes: int,
    widget_http: aiohttp.ClientSession | None = None,
    telegram: TelegramLane | None = None,
) -> dict[str, Any]:
    """`config.repeats` rounds; each round measures every figure once; medians are reported.

    With `widget_http` (bench/widget_driver.py's `widget_session()`), each round also measures
    the widget's path (`widget_round`) and the result has a `widget` entry (`widget_figures`).
    With `telegram`, each round also measures the Telegram emergency lane (`telegram_round`)
    and the result has a `telegram` entry (`lane_figures`).
    """
    rounds: list[dict[str, Any]] = []
    per64, per256 = config.per_user[64], config.per_user[256]
    for index in range(config.repeats):
        say(f"[round {index + 1}/{config.repeats}] all cores ({processes} processes) vs one process, 64 visitors")
        pair: dict[str, Callable[[], Any]] = {
            "all_cores_64": lambda: drive(http, all_cores, 64, per64),
            "one_process_64": lambda: drive(http, one_process, 64, per64),
        }
        order = list(pair) if index % 2 == 0 else list(reversed(pair))
        measured: dict[str, Any] = {}
        for name in order:
            measured[name] = await pair[name]()
        say(f"    256 visitors at once x {per256} messages (all cores)")
        measured["all_cores_256"] = await drive(http, all_cores, 256, per256)
        say(f"    64 visitors saturating + {config.emergencies} emergency messages (all cores)")
        measured["emergency"] = await emergency_under_load(http, all_cores, 64, per64, config.emergencies)
        for name in ("all_cores_64", "one_process_64", "all_cores_256"):
            run = measured[name]
            say(
                f"    {name}: p50 {run['p50_ms']} p99 {run['p99_ms']} max {run['max_ms']} ms, "
                f"{run['msgs_per_s']} msg/s, errors {run['errors']}"
            )
        em = measured["emergency"]
        say(
            f"    emergency p95 {em['emergency_p95_ms']} ms vs ordinary p95 {em['ordinary']['p95_ms']} ms "
            f"({em['emergency_sent']} sent, {em['emergency_errors']} errors)"
        )
        if widget_http is not None:
            measured["widget"] = await widget_round(http, widget_http, all_cores, one_process, config, index)
        if telegram is not None:
            measured["telegram"] = await telegram_round(http, all_cores, telegram, config)
        rounds.append(measured)

    def ratio(run: dict[str, Any]) -> float:
        return run["p99_ms"] / max(run["p50_ms"], 0.001)

    result = {
        "processes": processes,
        "throughput_all_cores_over_one_process": _median(
            [r["all_cores_64"]["msgs_per_s"] / max(r["one_process_64"]["msgs_per_s"], 0.001) for r in rounds]
        ),
        "fairness_64_p99_over_p50": _median([ratio(r["all_cores_64"]) for r in rounds]),
        "fairness_64_p99_over_p50_one_process": _median([ratio(r["one_process_64"]) for r in rounds]),
        "max_wait_256_ms": _median([r["all_cores_256"]["max_ms"] for r in rounds]),
        "errors_256": sum(r["all_cores_256"]["errors"] for r in rounds),
        "emergency_under_load_p95_ms": _median([r["emergency"]["emergency_p95_ms"] for r in rounds]),
        "ordinary_under_load_p95_ms": _median([r["emergency"]["ordinary"]["p95_ms"] for r in rounds]),
        "emergency_errors": sum(r["emergency"]["emergency_errors"] for r in rounds)
        + sum(len(r["emergency"]["emergency_without_emergency_reply"]) for r in rounds),
        "run_256": median_run([r["all_cores_256"] for r in rounds]),
        "one_process_64": median_run([r["one_process_64"] for r in rounds]),
        "all_cores_64": median_run([r["all_cores_64"] for r in rounds]),
        "rounds": rounds,
    }
    if widget_http is not None:
        result["widget"] = widget_figures([r["widget"] for r in rounds])
    if telegram is not None:
        result["telegram"] = lane_figures([r["telegram"] for r in rounds])
    return result


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One `runs` entry from repeated runs: the median of each figure, errors summed."""
    first = runs[0]
    merged = {key: first[key] for key in ("system", "users", "messages")}
    merged["errors"] = sum(r["errors"] for r in runs)
    for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "msgs_per_s", "wall_s"):
        merged[key] = round(statistics.median(r[key] for r in runs), 1)
    merged["repeats"] = len(runs)
    merged["error_examples"] = [example for r in runs for example in r["error_examples"]][:5]
    return merged


# --- The website widget's path (socket.io), in the same rounds -------------------------------


async def widget_emergency_under_load(
    http: aiohttp.ClientSession, system: System, users: int, per_user: int, emergencies: int
) -> dict[str, Any]:
    """`users` widget visitors saturating the assistant; emergencies sent over socket.io by others meanwhile.

    The emergency visitors have the page open before the load starts (connected, session
    confirmed), each sends one emergency message, one after the other, from half a second after
    the ordinary visitors begin to write until they are done. The latency is the widget turn's
    (bench/widget_driver.py: sent until the reply is complete).
    """
    emergency = Sample()
    wrong_replies: list[str] = []
    connects: list[float] = []
    visitors = [Visitor(system.url, f"sos-widget-{uuid.uuid4().hex[:8]}", http) for _ in range(emergencies)]
    ready = await open_visitors(visitors, emergency, connects)
    sending, ordinary_done = asyncio.Event(), asyncio.Event()

    async def send_emergencies() -> None:
        await sending.wait()
        await asyncio.sleep(0.5)  # let the ordinary visitors fill the queues first
        for index, visitor in enumerate(ready):
            if ordinary_done.is_set():
                break
            text = EMERGENCY_TEXTS[index % len(EMERGENCY_TEXTS)]
            outcome = await visitor.say(text)
            record(emergency, outcome, text)
            if outcome.latency_ms is not None and EMERGENCY_MARK not in outcome.text:
                wrong_replies.append(text)
            await asyncio.sleep(0.25)

    async def ordinary() -> dict[str, Any]:
        try:
            return await drive_widget(http, system, users, per_user, sending=sending)
        finally:
            sending.set()  # also when the ordinary visitors failed before writing
            ordinary_done.set()

    try:
        ordinary_run, _ = await asyncio.gather(ordinary(), send_emergencies())
    finally:
        await close_visitors(ready)
    return lane_result(ordinary_run, emergency, wrong_replies)


async def widget_round(
    http: aiohttp.ClientSession,
    widget_http: aiohttp.ClientSession,
    all_cores: System,
    one_process: System,
    config: Config,
    index: int,
) -> dict[str, Any]:
    """One round of the widget's figures; what is compared is measured back to back.

    64 widget visitors on the default layout sit between 64 REST visitors on the same layout
    and 64 widget visitors on the one process, in this order or the reverse (alternating
    rounds): the widget/REST and all-cores/one-process ratios each compare neighbours.
    """
    per64, per256 = config.per_user[64], config.per_user[256]
    say(f"    widget: 64 visitors, REST and widget on all cores, widget on one process (x {per64} messages)")
    steps: dict[str, Callable[[], Any]] = {
        "rest_all_cores_64": lambda: drive(http, all_cores, 64, per64),
        "all_cores_64": lambda: drive_widget(widget_http, all_cores, 64, per64),
        "one_process_64": lambda: drive_widget(widget_http, one_process, 64, per64),
    }
    order = list(steps) if index % 2 == 0 else list(reversed(steps))
    measured: dict[str, Any] = {}
    for name in order:
        measured[name] = await steps[name]()
    say(f"    widget: 256 visitors at once x {per256} messages (all cores)")
    measured["all_cores_256"] = await drive_widget(widget_http, all_cores, 256, per256)
    say(f"    widget: 256 visitors saturating + {config.emergencies} emergency messages over socket.io (all cores)")
    measured["emergency"] = await widget_emergency_under_load(widget_http, all_cores, 256, per256, config.emergencies)
    for name in ("rest_all_cores_64", "all_cores_64", "one_process_64", "all_cores_256"):
        run = measured[name]
        say(
            f"    widget {name}: p50 {run['p50_ms']} p99 {run['p99_ms']} max {run['max_ms']} ms, "
            f"{run['msgs_per_s']} msg/s, errors {run['errors']}"
        )
    em = measured["emergency"]
    say(
        f"    widget emergency p95 {em['emergency_p95_ms']} ms vs ordinary p95 {em['ordinary']['p95_ms']} ms "
        f"({em['emergency_sent']} sent, {em['emergency_errors']} errors)"
    )
    return measured


def widget_figures(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The widget's published figures (medians over the rounds) and what they were made of.

    `figures` holds the keys of bench/results/load.json's `widget` object; the rest goes to
    its extras.
    """

    def ratio(run: dict[str, Any]) -> float:
        return run["p99_ms"] / max(run["p50_ms"], 0.001)

    def throughput(run: dict[str, Any], other: dict[str, Any]) -> float:
        return run["msgs_per_s"] / max(other["msgs_per_s"], 0.001)

    figures = {
        "fairness_64_p99_over_p50": _median([ratio(r["all_cores_64"]) for r in rounds]),
        "max_wait_256_ms": _median([r["all_cores_256"]["max_ms"] for r in rounds]),
        "emergency_under_load_p95_ms": _median([r["emergency"]["emergency_p95_ms"] for r in rounds]),
        "throughput_over_rest": _median([throughput(r["all_cores_64"], r["rest_all_cores_64"]) for r in rounds]),
        "throughput_all_cores_over_one_process": _median(
            [throughput(r["all_cores_64"], r["one_process_64"]) for r in rounds]
        ),
    }
    runs = ("all_cores_64", "one_process_64", "rest_all_cores_64", "all_cores_256")
    return {
        "figures": figures,
        "errors_256": sum(r["all_cores_256"]["errors"] for r in rounds),
        "errors": sum(r[name]["errors"] for r in rounds for name in runs if name != "rest_all_cores_64")
        + sum(r["emergency"]["ordinary"]["errors"] for r in rounds),
        "emergency_errors": sum(r["emergency"]["emergency_errors"] for r in rounds)
        + sum(len(r["emergency"]["emergency_without_emergency_reply"]) for r in rounds),
        "emergency_sent": sum(r["emergency"]["emergency_sent"] for r in rounds),
        "ordinary_under_load_p95_ms": _median([r["emergency"]["ordinary"]["p95_ms"] for r in rounds]),
        "fairness_64_p99_over_p50_one_process": _median([ratio(r["one_process_64"]) for r in rounds]),
        "not_on_websocket": sum(
            r[name].get("not_on_websocket", 0) for r in rounds for name in runs if name != "rest_all_cores_64"
        ),
        **{name: median_run([r[name] for r in rounds]) for name in runs},
    }


# --- A messaging channel's emergency lane: Telegram ------------------------------------------


async def telegram_emergency_under_load(
    http: aiohttp.ClientSession, system: System, lane: TelegramLane, users: int, per_user: int, emergencies: int
) -> dict[str, Any]:
    """`users` REST visitors saturating the assistant; emergencies posted as Telegram updates meanwhile.

    The load and the pacing are the REST lane's (`emergency_under_load`), so the two lanes
    compare directly. Each emergency comes from a new chat; its latency runs from the webhook
    POST until the fake Bot API received the sendMessage carrying the emergency reply
    (bench/telegram_driver.py). A reply without it is a wrong reply; no reply, an error.
    """
    emergency = Sample()
    wrong_replies: list[str] = []

    async def send_emergency(text: str) -> None:
        outcome = await lane.say(http, system.url, text, EMERGENCY_MARK)
        if outcome.latency_ms is not None:
            emergency.latencies_ms.append(outcome.latency_ms)
        elif outcome.text:
            wrong_replies.append(text)
        else:
            emergency.error(f"{outcome.error} ({text!r})")

    ordinary_run = await while_saturated(lambda: drive(http, system, users, per_user), send_emergency, emergencies)
    return lane_result(ordinary_run, emergency, wrong_replies)


async def telegram_round(
    http: aiohttp.ClientSession, system: System, lane: TelegramLane, config: Config
) -> dict[str, Any]:
    """One round of the Telegram lane: 64 REST visitors saturating, emergencies over Telegram."""
    per64 = config.per_user[64]
    say(f"    Telegram: 64 REST visitors saturating + {config.emergencies} emergency messages as Telegram updates")
    measured = await telegram_emergency_under_load(http, system, lane, 64, per64, config.emergencies)
    say(
        f"    Telegram emergency p95 {measured['emergency_p95_ms']} ms (sent until the fake Bot API got the reply) "
        f"vs ordinary p95 {measured['ordinary']['p95_ms']} ms ({measured['emergency_sent']} sent, "
        f"{measured['emergency_errors']} errors, {len(measured['emergency_without_emergency_reply'])} wrong replies)"
    )
    return measured


def lane_figures(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One emergency lane's published figures (medians over the rounds) and what they were made of.

    `rounds` are `lane_result`s. `figures` holds the keys of bench/results/load.json's object
    for the lane (`telegram`); the rest goes to its extras. A wrong reply counts as an error,
    as in the REST and widget figures.
    """
    figures = {
        "emergency_under_load_p95_ms": _median([r["emergency_p95_ms"] for r in rounds]),
        "emergency_errors": sum(r["emergency_errors"] + len(r["emergency_without_emergency_reply"]) for r in rounds),
        "ordinary_under_load_p95_ms": _median([r["ordinary"]["p95_ms"] for r in rounds]),
    }
    return {
        "figures": figures,
        "emergency_sent": sum(r["emergency_sent"] for r in rounds),
        "emergency_p95_ms_per_round": [r["emergency_p95_ms"] for r in rounds],
        "emergency_p50_ms": _median([r["emergency_p50_ms"] for r in rounds]),
        "emergency_max_ms": max((r["emergency_max_ms"] for r in rounds), default=0.0),
        "emergency_error_examples": [e for r in rounds for e in r["emergency_error_examples"]][:5],
        "emergency_without_emergency_reply": [t for r in rounds for t in r["emergency_without_emergency_reply"]],
        "ordinary_errors": sum(r["ordinary"]["errors"] for r in rounds),
        "ordinary": median_run([r["ordinary"] for r in rounds]),
        "rounds": len(rounds),
    }


async def emergency_lanes(
    http: aiohttp.ClientSession,
    widget_http: aiohttp.ClientSession,
    system: System,
    telegram: TelegramLane,
    config: Config,
) -> dict[str, Any]:
    """Only the emergency lanes (`--only-lanes`): REST, the widget and Telegram, in each round.

    The same measurements as in the side-by-side rounds (REST and Telegram under 64 REST
    visitors, the widget under 256 widget visitors), without the rest of the run, so the
    lanes' figures can be taken in a few minutes. Medians over `config.repeats` rounds.
    """
    per64, per256 = config.per_user[64], config.per_user[256]
    rounds: list[dict[str, Any]] = []
    for index in range(config.repeats):
        say(f"[round {index + 1}/{config.repeats}] emergency lanes: REST, widget, Telegram")
        say(f"    REST: 64 visitors saturating + {config.emergencies} emergency messages")
        rest = await emergency_under_load(http, system, 64, per64, config.emergencies)
        _say_lane("REST", rest)
        say(f"    widget: 256 visitors saturating + {config.emergencies} emergency messages over socket.io")
        widget = await widget_emergency_under_load(widget_http, system, 256, per256, config.emergencies)
        _say_lane("widget", widget)
        telegram_lane = await telegram_round(http, system, telegram, config)
        rounds.append({"rest": rest, "widget": widget, "telegram": telegram_lane})
    return {lane: lane_figures([r[lane] for r in rounds]) for lane in ("rest", "widget", "telegram")}


def _say_lane(name: str, measured: dict[str, Any]) -> None:
    say(
        f"    {name} emergency p95 {measured['emergency_p95_ms']} ms vs ordinary p95 "
        f"{measured['ordinary']['p95_ms']} ms ({measured['emergency_sent']} sent, "
        f"{measured['emergency_errors']} errors)"
    )
