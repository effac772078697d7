"""The Telegram emergency lane of the load benchmark (bench/telegram_driver.py, bench/fairness.py), without Rasa.

What is checked: that the updates the benchmark posts are Telegram's and reach the router's
emergency lane as the channel's own would (so the figure measures that lane), how a turn's
outcome is read from the fake Bot API's record, a whole turn against a stand-in webhook, and
how the rounds become the `telegram` figures and are merged into an existing load.json.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bench.bench_load import merge_lanes, telegram_targets
from bench.fairness import EMERGENCY_MARK, EMERGENCY_TEXTS, lane_figures, while_saturated
from bench.load_driver import percentile
from bench.telegram_driver import (
    BOT_TOKEN,
    SECRET_TOKEN,
    WEBHOOK_PATH,
    Delivery,
    TelegramLane,
    Updates,
    channel_env,
    delivery,
    fake_bot_api,
)
from fakes.base import Call
from fakes.telegram import SECRET_HEADER, text_update, webhook_headers
from sedorum.channels.telegram import SECRET_FORMAT
from sedorum.server.routing import PLATFORM_WEBHOOKS, platform_sender, route_request
from sedorum.settings import PROJECT_ROOT

CHAT = 5_000_000_123


# --- The updates: Telegram's format, read by the router as the channel reads it ---------------


def test_a_text_update_has_telegrams_fields() -> None:
    update = text_update(41, 7, CHAT, "I can't breathe", 1_700_000_000)
    assert update == {
        "update_id": 41,
        "message": {
            "message_id": 7,
            "from": {"id": CHAT, "is_bot": False, "first_name": "Pat", "language_code": "en"},
            "chat": {"id": CHAT, "first_name": "Pat", "type": "private"},
            "date": 1_700_000_000,
            "text": "I can't breathe",
        },
    }


def test_a_command_carries_its_entity_and_a_group_chat_its_title() -> None:
    command = text_update(1, 1, CHAT, "/start now", 0)["message"]
    assert command["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    group = text_update(1, 1, CHAT, "hi", 0, chat_type="group")["message"]["chat"]
    assert group == {"id": -CHAT, "title": "Family group", "type": "group"}


def test_every_update_and_chat_is_new() -> None:
    updates = Updates(seed=10)
    chats = [updates.new_chat() for _ in range(3)]
    posted = [updates.text(chat, "hi") for chat in chats]
    assert len(set(chats)) == 3
    assert len({u["update_id"] for u in posted}) == 3  # the channel drops a seen update_id (a retry)
    assert len({u["message"]["message_id"] for u in posted}) == 3
    assert [u["message"]["chat"]["id"] for u in posted] == chats


@pytest.mark.parametrize("text", EMERGENCY_TEXTS)
def test_an_emergency_update_waits_in_the_emergency_lane(text: str) -> None:
    body = json.dumps(Updates(seed=1).text(CHAT, text)).encode()
    assert PLATFORM_WEBHOOKS[WEBHOOK_PATH] == "telegram"
    assert platform_sender("telegram", body) == (str(CHAT), text)
    route = route_request("POST", WEBHOOK_PATH, body, 2, 64_000)
    assert route.queued and route.emergency and route.sender == str(CHAT)


def test_an_ordinary_update_waits_in_the_ordinary_lane() -> None:
    body = json.dumps(Updates(seed=1).text(CHAT, "which foods contain magnesium?")).encode()
    route = route_request("POST", WEBHOOK_PATH, body, 2, 64_000)
    assert route.queued and not route.emergency


def test_the_channel_is_switched_on_by_the_variables_credentials_yml_names() -> None:
    credentials = (PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8")
    block = credentials.split("sedorum.channels.telegram.TelegramChannel:", 1)[1].split("\n\n", 1)[0]
    env = channel_env("http://127.0.0.1:1")
    assert set(re.findall(r"\$\{(\w+)\}", block)) <= set(env)
    assert env["SEDORUM_TELEGRAM_API_URL"] == "http://127.0.0.1:1"
    assert SECRET_FORMAT.fullmatch(SECRET_TOKEN)
    assert webhook_headers(SECRET_TOKEN)[SECRET_HEADER] == SECRET_TOKEN
    assert SECRET_HEADER not in webhook_headers(None)


# --- A turn's outcome, read from the fake's record --------------------------------------------


def _send(chat: int | str, text: str, at: float, status: int = 200) -> Call:
    params = {"chat_id": chat, "text": text}
    return Call("POST", f"/bot{BOT_TOKEN}/sendMessage", {}, {}, b"", json=params, status=status, received_at=at)


def test_the_latency_runs_to_the_send_message_carrying_the_mark() -> None:
    calls = [
        _send(CHAT, "Call 999 now, or go to A&E. Don't wait.", at=10.2),
        _send(CHAT, "I have let our team know.", at=10.3),
    ]
    outcome = delivery(calls, CHAT, EMERGENCY_MARK, posted_at=10.0)
    assert outcome == Delivery(200.0, "Call 999 now, or go to A&E. Don't wait. I have let our team know.")


def test_other_chats_and_refused_sends_do_not_count() -> None:
    calls = [_send(CHAT + 1, "Don't wait.", at=1.0), _send(CHAT, "Don't wait." + "x" * 5000, at=1.1, status=400)]
    assert delivery(calls, CHAT, EMERGENCY_MARK, posted_at=0.0) == Delivery(None, "", "no sendMessage to the chat")


def test_a_reply_without_the_mark_is_a_wrong_reply() -> None:
    outcome = delivery([_send(str(CHAT), "Magnesium is a mineral.", at=1.0)], CHAT, EMERGENCY_MARK, posted_at=0.0)
    assert outcome.latency_ms is None and outcome.text == "Magnesium is a mineral."
    assert outcome.error == f"no sendMessage carries {EMERGENCY_MARK!r}"


def test_without_a_mark_any_reply_will_do() -> None:
    outcome = delivery([_send(CHAT, "Hello!", at=0.05)], CHAT, "", posted_at=0.0)
    assert outcome.latency_ms == 50.0


def test_the_lane_waits_for_a_reply_sent_after_the_webhook_answered() -> None:
    fake = fake_bot_api()  # not started: only its record is read

    async def scenario() -> Delivery:
        async def late_send() -> None:
            await asyncio.sleep(0.05)
            fake.calls.append(_send(CHAT, "Don't wait.", at=posted_at + 0.05))

        task = asyncio.get_running_loop().create_task(late_send())
        outcome = await TelegramLane(fake).reply(CHAT, EMERGENCY_MARK, posted_at, wait_s=2.0)
        await task
        return outcome

    posted_at = 100.0
    assert asyncio.run(scenario()).latency_ms == 50.0


def test_the_lane_gives_up_after_its_wait() -> None:
    outcome = asyncio.run(TelegramLane(fake_bot_api()).reply(CHAT, EMERGENCY_MARK, 0.0, wait_s=0.05))
    assert outcome == Delivery(None, "", "no sendMessage to the chat")


# --- A whole turn: the webhook POST, the channel's sendMessage, the fake's record --------------


@asynccontextmanager
async def stand_in_channel(api_url: str) -> AsyncIterator[str]:
    """A webhook that answers as the Telegram channel does: checks the secret, sends the reply
    with sendMessage, then answers 200. Its URL."""

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != SECRET_TOKEN:
            return web.json_response({"error": "forbidden"}, status=403)
        update = await request.json()
        chat = update["message"]["chat"]["id"]
        async with aiohttp.ClientSession() as http:
            text = "Call 999 now. Don't wait." if "breathe" in update["message"]["text"] else "Hello!"
            await http.post(f"{api_url}/bot{BOT_TOKEN}/sendMessage", json={"chat_id": chat, "text": text})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def test_a_turn_is_timed_until_the_fake_bot_api_received_the_reply() -> None:
    with fake_bot_api() as fake:

        async def scenario() -> tuple[Delivery, Delivery, Delivery]:
            lane = TelegramLane(fake)
            async with stand_in_channel(fake.url) as url, aiohttp.ClientSession() as http:
                emergency = await lane.say(http, url, "I can't breathe", EMERGENCY_MARK)
                ordinary = await lane.say(http, url, "hi", EMERGENCY_MARK)
                refused = await TelegramLane(fake).say(http, url + "/nowhere", "hi")
                return emergency, ordinary, refused

        emergency, ordinary, refused = asyncio.run(scenario())
    assert emergency.error is None and emergency.latency_ms is not None and 0 < emergency.latency_ms < 5000
    assert ordinary.latency_ms is None and ordinary.text == "Hello!"
    assert refused.latency_ms is None and refused.error is not None and refused.error.startswith("HTTP 404")


# --- Pacing, figures, targets and the merge into load.json ------------------------------------


def test_no_emergency_is_sent_once_the_ordinary_visitors_are_done() -> None:
    sent: list[str] = []

    async def ordinary() -> dict[str, Any]:
        return {"p95_ms": 1.0}

    async def emergency(text: str) -> None:
        sent.append(text)

    assert asyncio.run(while_saturated(ordinary, emergency, 5)) == {"p95_ms": 1.0}
    assert sent == []


def test_the_p95_of_a_rounds_ten_emergencies_is_the_slowest() -> None:
    latencies = [float(ms) for ms in (120, 90, 300, 110, 95, 130, 105, 100, 115, 125)]
    assert percentile(latencies, 95) == 300.0 and percentile(latencies, 100) == 300.0
    assert percentile([300.0], 95) == 300.0 and percentile([], 95) == 0.0


def _ordinary(p95: float, errors: int = 0) -> dict[str, Any]:
    return {
        "system": "assistant", "users": 64, "messages": 320, "errors": errors, "p50_ms": p95 / 2, "p95_ms": p95,
        "p99_ms": p95, "max_ms": p95, "msgs_per_s": 40.0, "wall_s": 8.0, "error_examples": [],
    }  # fmt: skip


def _lane(p95: float, ordinary_p95: float, errors: int = 0, wrong: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "ordinary": _ordinary(ordinary_p95),
        "emergency_sent": 10,
        "emergency_errors": errors,
        "emergency_error_examples": ["no sendMessage to the chat ('x')"] * errors,
        "emergency_without_emergency_reply": list(wrong),
        "emergency_p50_ms": p95 / 2,
        "emergency_p95_ms": p95,
        "emergency_max_ms": p95 + 10,
    }


def test_the_lane_figures_are_medians_and_every_failure_counts() -> None:
    result = lane_figures([_lane(300, 1500), _lane(200, 1200, errors=1), _lane(900, 1300, wrong=("I can't breathe",))])
    assert result["figures"] == {
        "emergency_under_load_p95_ms": 300.0,
        "emergency_errors": 2,
        "ordinary_under_load_p95_ms": 1300.0,
    }
    assert result["emergency_sent"] == 30 and result["emergency_max_ms"] == 910
    assert result["emergency_p95_ms_per_round"] == [300, 200, 900]
    assert result["ordinary"]["p95_ms"] == 1300.0 and result["rounds"] == 3


@pytest.mark.parametrize(
    ("p95", "errors", "met"), [(999.0, 0, True), (1000.0, 0, False), (120.0, 1, False)]
)  # fmt: skip
def test_the_target_is_under_a_second_without_errors(p95: float, errors: int, met: bool) -> None:
    figures = {"emergency_under_load_p95_ms": p95, "emergency_errors": errors}
    assert telegram_targets(figures) == {"telegram_emergency_under_load_p95_under_1_s": met}


def test_the_merge_keeps_every_other_figure() -> None:
    existing = {
        "emergency_under_load_p95_ms": 328.4,
        "widget": {"emergency_under_load_p95_ms": 228.3},
        "targets": {"emergency_under_load_p95_under_1_s": True},
        "extras": {"widget": {"errors": 0}, "startup": {"default": {}}},
        "measured_at": "2026-12-07T09:33:30Z",
    }
    lanes = {name: lane_figures([_lane(150, 1400)]) for name in ("rest", "widget", "telegram")}
    merged = merge_lanes(existing, lanes, "2026-12-08T10:00:00Z", 240, quick=False)
    assert merged["telegram"] == lanes["telegram"]["figures"]
    assert merged["targets"] == {
        "emergency_under_load_p95_under_1_s": True,
        "telegram_emergency_under_load_p95_under_1_s": True,
    }
    for key in ("emergency_under_load_p95_ms", "widget", "measured_at"):
        assert merged[key] == existing[key]
    assert merged["extras"]["widget"] == {"errors": 0} and "startup" in merged["extras"]
    details = merged["extras"]["telegram"]
    assert details["measured_at"] == "2026-12-08T10:00:00Z" and details["seconds"] == 240
    assert details["same_run"]["rest"] == lanes["rest"]["figures"] and "figures" not in details
    assert "telegram" not in existing  # the file read is not changed in place
