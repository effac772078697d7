"""Slack's webhook (sedorum.channels.slack): signed Events API and interactivity posts, without a
trained model; the fake Web API records what was sent (harness.py). Slack's answers are sent in
the background, so the tests wait on the fake. The same behaviours are checked against the real
assistant in tests/e2e/test_channels_slack.py.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.fakes import webhooks as wh
from tests.unit.channels.harness import BUTTONS, SL_SECRET, Harness, said, vote_data

pytestmark = pytest.mark.usefixtures("h")
FORM = "application/x-www-form-urlencoded"


def post(h: Harness, body: bytes, content_type: str = "application/json", **kwargs) -> requests.Response:
    secret = kwargs.pop("secret", SL_SECRET)
    headers = wh.slack_headers(secret, body, content_type, timestamp=kwargs.pop("timestamp", None))
    headers.update(kwargs.pop("extra", {}))
    return requests.post(h.hook("slack"), data=body, headers=headers, timeout=10)


def dm(h: Harness, user: str, text: str, channel: str) -> None:
    post(h, json.dumps(wh.slack_dm(user, text, channel=channel)).encode())
    h.slack.wait_for(lambda _: len(h.slack.sent(channel)) >= 1)


def click(h: Harness, user: str, value: str, title: str, channel: str, **kwargs) -> requests.Response:
    return post(h, wh.slack_button_click(user, value, title, channel=channel, **kwargs).encode(), FORM)


def test_url_verification_needs_a_signature(h: Harness) -> None:
    body = json.dumps(wh.slack_url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")).encode()
    reply = post(h, body)
    assert reply.status_code == 200 and reply.json() == {
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    }
    assert post(h, body, secret=None).status_code == 401


def test_direct_message_is_answered_in_the_dm_with_options_and_a_vote_block(h: Harness) -> None:
    dm(h, "U0PAT1", "what is RLS?", "D0PAT1")
    (sent,) = h.slack.sent("D0PAT1")
    assert h.agent.texts("U0PAT1") == ["what is RLS?"]
    assert "thread_ts" not in sent
    section, options, ballot = sent["blocks"]
    assert [e["value"] for e in options["elements"]] == [b["payload"] for b in BUTTONS]
    assert ballot["block_id"] == "sedorum_vote"
    assert [(e["text"]["text"], e["value"], e["action_id"]) for e in ballot["elements"]] == [
        ("👍 Helpful", vote_data("up", said("what is RLS?")), "sedorum_vote_up"),
        ("👎 Not helpful", vote_data("down", said("what is RLS?")), "sedorum_vote_down"),
    ]


def test_a_vote_click_is_recorded_and_thanked_only_to_the_voter(h: Harness) -> None:
    dm(h, "U0PAT7", "hello", "D0PAT7")
    h.slack.clear()
    click(h, "U0PAT7", vote_data("up", said("hello")), "👍 Helpful", "D0PAT7", action_id="sedorum_vote_up")
    h.slack.wait_for(lambda _: len(h.slack.ephemeral("D0PAT7")) >= 1)
    assert h.votes("U0PAT7") == [("utter_echo", "up")]
    assert h.slack.ephemeral("D0PAT7") == [{"channel": "D0PAT7", "text": "Thanks for telling us.", "user": "U0PAT7"}]
    assert h.slack.sent() == [] and h.agent.texts("U0PAT7") == ["hello"]


def test_not_helpful_offers_a_person_whose_button_asks_for_one(h: Harness) -> None:
    dm(h, "U0PAT8", "hello", "D0PAT8")
    h.slack.clear()
    click(h, "U0PAT8", vote_data("down", said("hello")), "👎 Not helpful", "D0PAT8", action_id="sedorum_vote_down")
    h.slack.wait_for(lambda _: len(h.slack.ephemeral("D0PAT8")) >= 1)
    assert h.votes("U0PAT8") == [("utter_echo", "down")]
    (offer,) = h.slack.ephemeral("D0PAT8")
    assert offer["user"] == "U0PAT8"
    assert offer["text"] == "Thanks for telling us. Would you like to talk to a person from our support team?"
    (button,) = offer["blocks"][1]["elements"]
    assert (button["text"]["text"], button["value"]) == ("Talk to a person", "/request_human")
    click(h, "U0PAT8", button["value"], "Talk to a person", "D0PAT8", action_id=button["action_id"], ephemeral=True)
    h.slack.wait_for(lambda _: len(h.slack.sent("D0PAT8")) >= 1)  # its answer, sent in the background
    assert h.agent.texts("U0PAT8") == ["hello", "/request_human"]


def test_mention_is_cleaned_and_answered_in_a_thread(h: Harness) -> None:
    event = wh.slack_mention("U0PAT2", "can I take magnesium?", channel="C0GENERAL")
    post(h, json.dumps(event).encode())
    h.slack.wait_for(lambda _: len(h.slack.sent("C0GENERAL")) >= 1)
    (sent,) = h.slack.sent("C0GENERAL")
    assert h.agent.texts("U0PAT2") == ["can I take magnesium?"]
    assert sent["thread_ts"] == event["event"]["ts"]


def test_button_click_sends_the_payload(h: Harness) -> None:
    click(h, "U0PAT3", "/ask_side_effects", "Side effects", "D0DIRECT1")
    h.slack.wait_for(lambda calls: len(calls) >= 1)
    assert h.agent.texts("U0PAT3") == ["/ask_side_effects"]


def test_bot_messages_and_retries_are_ignored(h: Harness) -> None:
    assert post(h, json.dumps(wh.slack_bot_echo("You said: hi")).encode()).status_code == 200
    retry = post(
        h,
        json.dumps(wh.slack_dm("U0PAT4", "again")).encode(),
        extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status_code == 200 and retry.headers.get("X-Slack-No-Retry") == "1"
    time.sleep(0.5)
    assert h.agent.received == [] and h.slack.snapshot() == []


def test_retry_of_a_delivery_we_never_saw_is_handled_once(h: Harness) -> None:
    """Down during a restart, we never saw the first delivery: the retry is the message."""
    body = json.dumps(wh.slack_dm("U0PAT6", "are you there?")).encode()
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "connection_failed"}
    post(h, body, extra=retry)
    post(h, body, extra={**retry, "X-Slack-Retry-Num": "2"})
    h.slack.wait_for(lambda calls: len(calls) >= 1)
    assert h.agent.texts("U0PAT6") == ["are you there?"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [({"secret": None}, 401), ({"secret": "wrong-secret"}, 403), ({"timestamp": 1_500_000_000}, 403)],
    ids=["unsigned", "forged", "replayed"],
)
def test_unsigned_forged_or_replayed_requests_are_refused(h: Harness, kwargs: dict, status: int) -> None:
    reply = post(h, json.dumps(wh.slack_dm("U0PAT5", "hi")).encode(), **kwargs)
    time.sleep(0.3)
    assert reply.status_code == status and h.agent.received == [] and h.slack.snapshot() == []


def test_a_forged_vote_click_is_refused(h: Harness) -> None:
    dm(h, "U0PAT9", "hello", "D0PAT9")
    body = wh.slack_button_click("U0PAT9", vote_data("down", said("hello")), "x", channel="D0PAT9").encode()
    assert post(h, body, FORM, secret="wrong-secret").status_code == 403
    time.sleep(0.3)
    assert h.votes("U0PAT9") == []
