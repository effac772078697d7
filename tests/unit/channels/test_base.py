"""What every channel's webhook does the same way (sedorum.channels.base), checked on all four."""

from __future__ import annotations

import json

import pytest
import requests

from tests.fakes import webhooks as wh
from tests.unit.channels.harness import FB_SECRET, SL_SECRET, TG_SECRET, Harness

CHANNELS = ["telegram", "twilio", "facebook", "slack"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_oversized_bodies_are_refused_before_any_work(h: Harness, channel: str) -> None:
    body = json.dumps(wh.telegram_text(508, "x" * 300_000)).encode()
    headers = {
        **wh.telegram_headers(TG_SECRET),
        **wh.messenger_headers(FB_SECRET, body),
        **wh.slack_headers(SL_SECRET, body),
    }
    reply = requests.post(h.hook(channel), data=body, headers=headers, timeout=10)
    assert reply.status_code == 413 and h.agent.received == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_answers_a_health_check(h: Harness, channel: str) -> None:
    reply = requests.get(h.hook(channel).removesuffix("webhook"), timeout=10)
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_unauthenticated_request_is_refused_and_logged_without_the_message(
    h: Harness, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"text": "my private health question"}).encode()
    reply = requests.post(h.hook(channel), data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert reply.status_code == 401 and h.agent.received == []
    assert f"Refused a {channel} webhook" in caplog.text and "my private health question" not in caplog.text
