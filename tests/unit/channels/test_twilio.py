"""Twilio's webhook for SMS and WhatsApp (sedorum.channels.twilio) with Twilio's real form posts,
without a trained model; the fake Messages and Content APIs record what was sent (harness.py).
The same behaviours are checked against the real assistant in tests/e2e/test_channels_twilio.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
import requests

from sedorum.channels.twilio import create_vote_template
from sedorum.channels.twilio import main as twilio_main
from tests.fakes import webhooks as wh
from tests.unit.channels.harness import TW_NUMBER, TW_SID, TW_TOKEN, Harness, said, vote_data

pytestmark = pytest.mark.usefixtures("h")

WHATSAPP_FROM = "+14155238886"
OPTIONS = "Reply 1 for Side effects, 2 for Who should not take it, 3 for Talk to a person"


def post(h: Harness, params: dict[str, str], token: str | None = TW_TOKEN, url: str | None = None):
    hook = h.hook("twilio")
    return requests.post(
        hook, data=wh.form_body(params), headers=wh.twilio_headers(token, url or hook, params), timeout=10
    )


def sms(h: Harness, sender: str, body: str) -> requests.Response:
    return post(h, wh.twilio_sms(sender, body, TW_NUMBER, TW_SID))


def test_sms_reply_has_numbered_options_and_the_vote_as_two_more_numbers(h: Harness) -> None:
    sender = "+447700900501"
    reply = sms(h, sender, "Is magnesium safe?")
    assert reply.status_code == 200 and "<Response>" in reply.text
    (message,) = h.twilio.sent(sender)
    assert message["From"] == TW_NUMBER
    assert message["Body"] == f"{said('Is magnesium safe?')}\n\n{OPTIONS}, 4 if this helped, 5 if not."
    sms(h, sender, "2")
    sms(h, sender, "7")  # not an option: stays text
    assert h.agent.texts(sender) == ["Is magnesium safe?", "/check_safety", "7"]


def test_an_answer_without_options_reads_reply_1_if_this_helped(h: Harness) -> None:
    sms(h, "+447700900510", "plain")
    (message,) = h.twilio.sent("+447700900510")
    assert message["Body"] == "Magnesium is a mineral.\n\nReply 1 if this helped, 2 if not."


def test_a_vote_by_number_is_recorded_thanked_and_never_reaches_the_assistant(h: Harness) -> None:
    sender = "+447700900511"
    sms(h, sender, "hello")
    h.twilio.clear()
    sms(h, sender, "4")
    assert h.votes(sender) == [("utter_echo", "up")]
    assert [m["Body"] for m in h.twilio.sent(sender)] == ["Thanks for telling us."]
    sms(h, sender, "5")
    assert h.votes(sender) == [("utter_echo", "down")]
    assert h.twilio.sent(sender)[-1]["Body"] == (
        'Thanks for telling us. To talk to a person from our support team, reply "human".'
    )
    assert h.agent.texts(sender) == ["hello"]


def test_no_vote_numbers_under_the_emergency_instruction(h: Harness) -> None:
    sms(h, "+447700900512", "chest pain")
    (message,) = h.twilio.sent("+447700900512")
    assert "Reply" not in message["Body"]
    sms(h, "+447700900512", "1")
    assert h.votes("+447700900512") == [] and h.agent.texts("+447700900512") == ["chest pain", "1"]


def test_a_number_without_options_on_screen_is_just_text(h: Harness) -> None:
    sms(h, "+447700900502", "2")
    assert h.agent.texts("+447700900502") == ["2"]


def test_whatsapp_is_answered_from_the_whatsapp_sender(h: Harness) -> None:
    params = wh.twilio_whatsapp("+447700900503", "hello", WHATSAPP_FROM, TW_SID)
    post(h, params)
    assert h.agent.received[0].sender_id == "whatsapp:+447700900503"
    (message,) = h.twilio.sent("whatsapp:+447700900503")
    assert message["From"] == f"whatsapp:{WHATSAPP_FROM}" and message["Body"].startswith(said("hello"))
    assert message["Body"].endswith("4 if this helped, 5 if not.")  # no vote template: numbers, as on SMS


@pytest.fixture
def vote_template(h: Harness) -> Iterator[str]:
    """The vote buttons' content template, made with the project's command code on the fake."""
    sid, error = asyncio.run(create_vote_template(TW_SID, TW_TOKEN, h.twilio.url))
    assert sid.startswith("HX") and not error
    channel = h.channel("twilio")
    channel.vote_content_sid = sid
    yield sid
    channel.vote_content_sid = ""


def test_the_vote_template_has_the_two_buttons_carrying_the_answer_key(h: Harness, vote_template: str) -> None:
    quick = h.twilio.templates[vote_template]["types"]["twilio/quick-reply"]
    assert quick["body"] == "Was this answer helpful?"
    assert quick["actions"] == [
        {"title": "👍 Helpful", "id": "vote:up:{{1}}"},
        {"title": "👎 Not helpful", "id": "vote:down:{{1}}"},
    ]


def test_whatsapp_with_the_template_asks_with_buttons_and_a_tap_votes(h: Harness, vote_template: str) -> None:
    number, sender = "+447700900513", "whatsapp:+447700900513"
    post(h, wh.twilio_whatsapp(number, "hello", WHATSAPP_FROM, TW_SID))
    answer, question = h.twilio.sent(sender)
    assert answer["Body"] == f"{said('hello')}\n\n{OPTIONS}."  # the options as numbers, no vote numbers
    assert question["ContentSid"] == vote_template and question["Body"] == "Was this answer helpful?"
    buttons = json.loads(question["Buttons"])
    assert buttons == [
        ["👍 Helpful", vote_data("up", said("hello"))],
        ["👎 Not helpful", vote_data("down", said("hello"))],
    ]
    h.twilio.clear()
    post(h, wh.twilio_whatsapp_button(number, "👎 Not helpful", buttons[1][1], WHATSAPP_FROM, TW_SID))
    assert h.votes(sender) == [("utter_echo", "down")]
    assert [m["Body"] for m in h.twilio.sent(sender)] == [
        'Thanks for telling us. To talk to a person from our support team, reply "human".'
    ]
    post(h, wh.twilio_whatsapp(number, "4", WHATSAPP_FROM, TW_SID))  # no number 4 was shown: text
    assert h.agent.texts(sender) == ["hello", "4"]


def test_long_sms_is_split_at_the_configured_limit(h: Harness) -> None:
    sms(h, "+447700900504", "long answer")
    bodies = [m["Body"] for m in h.twilio.sent("+447700900504")]
    assert len(bodies) > 5 and all(len(b) <= 320 for b in bodies)
    assert bodies[0].startswith("Line 0:") and "Line 29:" in "".join(bodies)
    assert bodies[-1].endswith("Reply 1 if this helped, 2 if not.")


def test_sms_opt_out_keywords_and_duplicates_are_left_alone(h: Harness) -> None:
    sms(h, "+447700900505", "STOP")
    params = wh.twilio_sms("+447700900505", "hello once", TW_NUMBER, TW_SID)
    post(h, params)
    post(h, params)
    assert h.agent.texts() == ["hello once"]


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("not-the-auth-token", 403)])
def test_unsigned_or_forged_requests_are_refused(h: Harness, token: str | None, status: int) -> None:
    reply = post(h, wh.twilio_sms("+447700900506", "hi", TW_NUMBER, TW_SID), token=token)
    assert reply.status_code == status and h.agent.received == [] and h.twilio.snapshot() == []


def test_a_forged_vote_is_refused_like_any_forged_request(h: Harness) -> None:
    number, sender = "+447700900514", "whatsapp:+447700900514"
    post(h, wh.twilio_whatsapp(number, "hello", WHATSAPP_FROM, TW_SID))
    tap = wh.twilio_whatsapp_button(number, "x", vote_data("down", said("hello")), WHATSAPP_FROM, TW_SID)
    assert post(h, tap, token="not-the-auth-token").status_code == 403
    assert h.votes(sender) == []
    assert post(h, tap).status_code == 200
    assert h.votes(sender) == [("utter_echo", "down")]


def test_signature_over_another_url_is_refused(h: Harness) -> None:
    params = wh.twilio_sms("+447700900507", "hi", TW_NUMBER, TW_SID)
    reply = post(h, params, url="https://evil.example.com/webhooks/twilio/webhook")
    assert reply.status_code == 403 and h.agent.received == []


def test_behind_a_proxy_validates_against_the_public_url(h: Harness) -> None:
    """The URL Twilio signs is the public one; the server sees its own. SEDORUM_PUBLIC_BASE_URL bridges them."""
    channel = h.channel("twilio")
    public = "https://bot.example.com"
    params = wh.twilio_sms("+447700900508", "via the proxy", TW_NUMBER, TW_SID)
    signed_public = wh.twilio_headers(TW_TOKEN, public + "/webhooks/twilio/webhook", params)
    assert (
        requests.post(h.hook("twilio"), data=wh.form_body(params), headers=signed_public, timeout=10).status_code == 403
    )
    channel.public_base_url = public
    try:
        reply = requests.post(h.hook("twilio"), data=wh.form_body(params), headers=signed_public, timeout=10)
    finally:
        channel.public_base_url = ""
    assert reply.status_code == 200 and h.agent.texts() == ["via the proxy"]


def test_the_vote_template_command_prints_the_variable_to_set(
    h: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", TW_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TW_TOKEN)
    monkeypatch.setenv("SEDORUM_TWILIO_CONTENT_API_URL", h.twilio.url)
    assert twilio_main(["twilio", "vote-template"]) == 0
    printed = capsys.readouterr().out.strip()
    sid = printed.rsplit("TWILIO_WHATSAPP_VOTE_CONTENT_SID=", 1)[1]
    assert sid in h.twilio.templates
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "not-the-auth-token")
    assert twilio_main(["twilio", "vote-template"]) == 1  # Twilio refuses: the error, not a sid
    assert "20003" in capsys.readouterr().err
