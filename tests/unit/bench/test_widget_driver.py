"""The widget path of the load benchmark (bench/widget_driver.py, bench/fairness.py), without servers.

What is checked: when a widget turn's reply counts as complete (from a fake stream of
`bot_uttered` events and the acknowledgement), that a run has the REST driver's shape so both
are reported alike, and how the rounds become the `widget` figures of bench/results/load.json.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from bench.fairness import median_run, widget_figures
from bench.load_driver import TROUBLE_MARK, Sample, System
from bench.widget_driver import (
    BOT_MESSAGE,
    USER_MESSAGE,
    Outcome,
    Turn,
    Visitor,
    record,
    summary,
    websocket_compat,
)

GAP = 1.0
TIMEOUT = 60.0
# The keys load_driver.drive returns: a widget run must have them all (median_run, the tables).
REST_RUN_KEYS = {
    "system", "users", "messages", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms", "msgs_per_s", "wall_s",
    "error_examples",
}  # fmt: skip
PUBLISHED = {
    "fairness_64_p99_over_p50",
    "max_wait_256_ms",
    "emergency_under_load_p95_ms",
    "throughput_over_rest",
    "throughput_all_cores_over_one_process",
}


def play(events: list[tuple[float, str, str]], until: float) -> Outcome | None:
    """Feeds (time, "bot" | "ack", text) to a turn sent at 0 and asks for its outcome at `until`."""
    turn = Turn(sent_at=0.0)
    for at, kind, text in events:
        if kind == "bot":
            turn.bot(at, text)
        else:
            turn.ack(at)
    return turn.outcome(until, GAP, TIMEOUT)


def test_a_reply_is_complete_at_the_acknowledgement_after_its_messages() -> None:
    events = [(0.2, "bot", "Magnesium is"), (0.5, "bot", "a mineral."), (0.51, "ack", "")]
    outcome = play(events, until=0.51)
    assert outcome is not None and outcome.error is None
    assert outcome.latency_ms == pytest.approx(510)
    assert outcome.first_reply_ms == pytest.approx(200)
    assert outcome.text == "Magnesium is a mineral."


def test_a_long_pause_between_two_messages_does_not_end_the_reply() -> None:
    # Under load an action call sits between two messages of one turn: no quiet gap ends it.
    assert play([(0.2, "bot", "first part")], until=30.0) is None
    outcome = play([(0.2, "bot", "first part"), (31.0, "bot", "second part"), (31.0, "ack", "")], until=31.0)
    assert outcome is not None and outcome.latency_ms == pytest.approx(31_000)
    assert outcome.text == "first part second part"


def test_messages_after_an_early_acknowledgement_end_after_a_quiet_gap() -> None:
    # Emits shared through Redis are not ordered with the acknowledgement.
    events = [(0.1, "ack", ""), (0.3, "bot", "one"), (0.6, "bot", "two")]
    assert play(events, until=0.6 + GAP / 2) is None
    outcome = play(events, until=0.6 + GAP)
    assert outcome is not None and outcome.latency_ms == pytest.approx(600) and outcome.text == "one two"


def test_an_acknowledgement_without_any_message_is_an_error_after_the_gap() -> None:
    assert play([(0.1, "ack", "")], until=0.1 + GAP / 2) is None
    outcome = play([(0.1, "ack", "")], until=0.1 + GAP)
    assert outcome is not None and outcome.latency_ms is None and outcome.error == "acknowledged without a reply"


@pytest.mark.parametrize(
    ("events", "error"),
    [([], "no reply within 60 s"), ([(1.0, "bot", "half")], "a reply without the end of the turn within 60 s")],
)
def test_nothing_complete_by_the_timeout_is_an_error(events: list[tuple[float, str, str]], error: str) -> None:
    assert play(events, until=TIMEOUT - 0.1) is None
    outcome = play(events, until=TIMEOUT)
    assert outcome is not None and outcome.latency_ms is None and outcome.error == error


def test_the_service_trouble_reply_is_an_error_as_in_rest() -> None:
    outcome = play([(0.2, "bot", f"Sorry, {TROUBLE_MARK}."), (0.3, "ack", "")], until=0.3)
    assert outcome is not None and outcome.latency_ms is None and "service-trouble" in str(outcome.error)


def test_the_wait_ends_at_the_next_moment_the_outcome_can_change() -> None:
    turn = Turn(sent_at=0.0)
    assert turn.wait_s(1.0, GAP, TIMEOUT) == pytest.approx(TIMEOUT - 1.0)
    turn.ack(2.0)
    assert turn.wait_s(2.5, GAP, TIMEOUT) == pytest.approx(0.5)
    turn.bot(2.8, "late")
    assert turn.wait_s(3.0, GAP, TIMEOUT) == pytest.approx(0.8)


class FakeClient:
    """Stands in for the socket.io client: on `user_uttered`, plays a scripted event stream."""

    def __init__(self, visitor: Visitor, stream: list[tuple[float, str, Any]]) -> None:
        self.visitor = visitor
        self.stream = stream  # (delay after the previous event, "bot" | "ack", data)
        self.sent: list[tuple[str, Any]] = []

    async def emit(self, event: str, data: Any = None, callback: Callable[..., None] | None = None) -> None:
        self.sent.append((event, data))
        assert callback is not None, "every widget message asks for its acknowledgement, as chat.js does"

        async def play() -> None:
            for delay, kind, payload in self.stream:
                await asyncio.sleep(delay)
                if kind == "bot":
                    self.visitor._on_bot(payload)
                else:
                    callback()

        asyncio.get_running_loop().create_task(play())


def test_a_visitor_reads_bot_messages_until_the_acknowledgement() -> None:
    async def scenario() -> tuple[Outcome, FakeClient, Visitor]:
        async with aiohttp.ClientSession() as http:
            visitor = Visitor("http://127.0.0.1:1", "conversation-1", http)
            fake = FakeClient(visitor, [(0.01, "bot", {"text": "Hello!"}), (0.05, "bot", {"text": "Ask me."})])
            fake.stream.append((0.01, "ack", None))
            visitor.client = fake
            outcome = await visitor.say("hi", quiet_gap_s=5.0, timeout_s=5.0)
            visitor._on_bot({"text": "after the turn"})
            return outcome, fake, visitor

    outcome, fake, visitor = asyncio.run(scenario())
    assert outcome.error is None and outcome.text == "Hello! Ask me."
    assert outcome.latency_ms is not None and 60 <= outcome.latency_ms < 5000  # the ack, not the 5 s gap
    event, data = fake.sent[0]
    assert event == USER_MESSAGE and BOT_MESSAGE != USER_MESSAGE
    assert data["message"] == "hi" and data["session_id"] == "conversation-1" and data["customData"]["message_id"]
    assert visitor.stray == 1


def test_a_widget_run_has_the_rest_runs_shape() -> None:
    sample = Sample()
    firsts: list[float] = []
    for ms in (100.0, 200.0, 300.0, 400.0):
        record(sample, Outcome(ms, ms / 2, "ok"), "hi", firsts)
    record(sample, Outcome(None, None, "", "no reply within 60 s"), "hello")
    run = summary(System("assistant", "http://x", (), (), ()), 5, 1, sample, 2.0, firsts, [10.0, 30.0])
    assert set(run) >= REST_RUN_KEYS
    assert (run["errors"], run["p50_ms"], run["max_ms"], run["msgs_per_s"]) == (1, 200.0, 400.0, 2.0)
    assert run["error_examples"] == ["no reply within 60 s ('hello')"]
    assert run["channel"] == "widget" and run["first_reply_p50_ms"] == 100.0 and run["connect_max_ms"] == 30.0
    merged = median_run([run, {**run, "p50_ms": 400.0}, {**run, "p50_ms": 100.0}])
    assert merged["p50_ms"] == 200.0 and merged["errors"] == 3


def _run(p50: float, p99: float, msgs_per_s: float, errors: int = 0, max_ms: float = 0.0) -> dict[str, Any]:
    return {
        "system": "assistant", "users": 64, "messages": 64, "errors": errors, "p50_ms": p50, "p95_ms": p99,
        "p99_ms": p99, "max_ms": max_ms or p99, "msgs_per_s": msgs_per_s, "wall_s": 1.0, "error_examples": [],
        "not_on_websocket": 0,
    }  # fmt: skip


def _round(scale: float) -> dict[str, Any]:
    return {
        "all_cores_64": _run(100, 200 * scale, 60 * scale),
        "one_process_64": _run(100, 400, 30),
        "rest_all_cores_64": _run(100, 150, 60),
        "all_cores_256": _run(1000, 3000, 60, max_ms=4000 * scale),
        "emergency": {
            "ordinary": _run(1000, 2500, 60),
            "emergency_p95_ms": 300 * scale,
            "emergency_errors": 0,
            "emergency_sent": 3,
            "emergency_without_emergency_reply": [],
        },
    }


def test_the_widget_figures_are_medians_of_the_rounds() -> None:
    result = widget_figures([_round(1.0), _round(2.0), _round(0.5)])
    figures = result["figures"]
    assert set(figures) == PUBLISHED
    assert figures["fairness_64_p99_over_p50"] == 2.0  # p99 200 / p50 100 in the median round
    assert figures["max_wait_256_ms"] == 4000.0
    assert figures["emergency_under_load_p95_ms"] == 300.0
    assert figures["throughput_over_rest"] == 1.0  # 60 / 60
    assert figures["throughput_all_cores_over_one_process"] == 2.0  # 60 / 30
    assert (result["errors_256"], result["emergency_errors"], result["emergency_sent"]) == (0, 0, 9)
    assert result["all_cores_64"]["repeats"] == 3


def test_python_engineio_gets_the_websocket_timeout_it_expects(monkeypatch: pytest.MonkeyPatch) -> None:
    import engineio.async_client

    monkeypatch.setattr(engineio.async_client, "aiohttp", engineio.async_client.aiohttp)  # restored afterwards
    websocket_compat()
    websocket_compat()  # idempotent
    seen = engineio.async_client.aiohttp
    if hasattr(aiohttp, "ClientWSTimeout"):  # a newer aiohttp: nothing to add
        assert seen is aiohttp
        return
    # aiohttp 3.9's ws_connect(timeout=...) is the close timeout that ClientWSTimeout(ws_close=...) names.
    assert seen.ClientWSTimeout(ws_close=7.0) == 7.0
    assert seen.ClientSession is aiohttp.ClientSession and seen.WSMsgType is aiohttp.WSMsgType
