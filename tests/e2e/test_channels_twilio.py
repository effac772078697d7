"""SMS and WhatsApp end to end: Twilio's signed form posts to the running assistant, replies
captured on a fake Twilio REST API.

The stack runs as if behind a TLS proxy (SEDORUM_PUBLIC_BASE_URL), so requests are signed over
the public URL, as Twilio signs them in production; SMS is split at 320 characters.
"""

from __future__ import annotations

import json
import random

import requests

from sedorum.channels.formatting import numbered_options, text_length
from tests.e2e.test_handoff_api import StaffClient
from tests.fakes import webhooks as wh
from tests.fakes.e2e_support import (
    CREDENTIALS,
    EMERGENCY_MESSAGE,
    KIDNEY_QUESTION,
    PUBLIC_BASE_URL,
    RLS_QUESTION,
    SMS_MAX_CHARS,
    ChannelStack,
    check_emergency_first,
    check_kidney_reply,
    domain_response,
    vote_added,
    vote_data,
)

pytest_plugins = ["tests.fakes.channel_stack"]

SID, TOKEN = CREDENTIALS["TWILIO_ACCOUNT_SID"], CREDENTIALS["TWILIO_AUTH_TOKEN"]
OUR_SMS, OUR_WHATSAPP = CREDENTIALS["TWILIO_NUMBER"], CREDENTIALS["TWILIO_WHATSAPP_NUMBER"]
SIGNED_URL = f"{PUBLIC_BASE_URL}/webhooks/twilio/webhook"


def new_number() -> str:
    return f"+4477009{random.randint(10**5, 10**6 - 1)}"


def post(cs: ChannelStack, params: dict[str, str], token: str | None = TOKEN, url: str = SIGNED_URL):
    headers = wh.twilio_headers(token, url, params)
    return requests.post(cs.hook("twilio"), data=wh.form_body(params), headers=headers, timeout=60)


def sms(cs: ChannelStack, sender: str, body: str, token: str | None = TOKEN) -> requests.Response:
    return post(cs, wh.twilio_sms(sender, body, OUR_SMS, SID), token)


def bodies(cs: ChannelStack, to: str, at_least: int = 1) -> list[str]:
    cs.twilio.wait_for(lambda _: len(cs.twilio.sent(to)) >= at_least)
    return [m["Body"] for m in cs.twilio.sent(to)]


def test_sms_options_are_numbered_and_a_reply_of_2_picks_the_second(channel_stack: ChannelStack) -> None:
    sender = new_number()
    reply = sms(channel_stack, sender, "Hello")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/xml")
    greet = domain_response("utter_greet")
    sent = bodies(channel_stack, sender)
    options = numbered_options(greet["buttons"]).removesuffix(".")
    n = len(greet["buttons"])
    assert sent[-1].endswith(f"{options}, {n + 1} if this helped, {n + 2} if not."), sent[-1]
    assert all(m["From"] == OUR_SMS for m in channel_stack.twilio.sent(sender))

    channel_stack.twilio.clear()
    sms(channel_stack, sender, "2")
    assert channel_stack.user_texts(sender)[-1] == greet["buttons"][1]["payload"]
    answer = domain_response(_response_for(greet["buttons"][1]["payload"]))
    parts = bodies(channel_stack, sender)
    assert " ".join(parts).split()[: len(answer["text"].split())] == answer["text"].split()


def test_long_answers_are_split_at_the_sms_limit_without_losing_a_word(channel_stack: ChannelStack) -> None:
    sender = new_number()
    sms(channel_stack, sender, "What side effects can magnesium have?")
    side_effects = domain_response("utter_side_effects")
    assert len(side_effects["text"]) > SMS_MAX_CHARS
    parts = bodies(channel_stack, sender, 2)
    assert all(text_length(p) <= SMS_MAX_CHARS for p in parts), [len(p) for p in parts]
    assert side_effects["text"].split() == " ".join(parts).split()[: len(side_effects["text"].split())]
    emergency_line = next(line for line in side_effects["text"].split("\n") if "call 999" in line)
    assert any(emergency_line in part for part in parts)


def test_whatsapp_is_answered_from_the_whatsapp_number(channel_stack: ChannelStack) -> None:
    number = new_number()
    post(channel_stack, wh.twilio_whatsapp(number, "Hello", OUR_WHATSAPP, SID))
    sent = channel_stack.twilio.wait_for(lambda _: bool(asked_about(channel_stack, f"whatsapp:{number}")))
    messages = [c.form for c in sent if c.form.get("To") == f"whatsapp:{number}"]
    assert messages and all(m["From"] == f"whatsapp:{OUR_WHATSAPP}" for m in messages)
    plain = [m for m in messages if not m.get("ContentSid")]
    assert plain[-1]["Body"].endswith(numbered_options(domain_response("utter_greet")["buttons"]))


def asked_about(cs: ChannelStack, to: str) -> list[dict[str, str]]:
    """The "Was this answer helpful?" messages (WhatsApp's vote buttons) sent to `to`."""
    return [m for m in cs.twilio.sent(to) if m.get("ContentSid")]


def test_sms_votes_by_number_and_not_helpful_offers_a_person_in_words(channel_stack: ChannelStack) -> None:
    sender = new_number()
    sms(channel_stack, sender, RLS_QUESTION)
    answer = domain_response("utter_rls_overview")
    n = len(answer["buttons"])
    assert bodies(channel_stack, sender)[-1].endswith(f"{n + 1} if this helped, {n + 2} if not.")
    staff = StaffClient.new(channel_stack.stack)
    before = channel_stack.votes(staff.http)
    channel_stack.twilio.clear()
    sms(channel_stack, sender, str(n + 2))
    assert bodies(channel_stack, sender) == [
        'Thanks for telling us. To talk to a person from our support team, reply "human".'
    ]
    vote_added(channel_stack, staff.http, before, "utter_rls_overview", "twilio", "down")
    assert channel_stack.user_texts(sender) == [RLS_QUESTION]  # the vote never reached the assistant
    sms(channel_stack, sender, "human")
    assert staff.waiting_for(sender, timeout_s=30)["sender_id"] == sender


def test_whatsapp_asks_with_two_buttons_and_a_tap_votes(channel_stack: ChannelStack) -> None:
    number = new_number()
    to = f"whatsapp:{number}"
    post(channel_stack, wh.twilio_whatsapp(number, RLS_QUESTION, OUR_WHATSAPP, SID))
    channel_stack.twilio.wait_for(lambda _: bool(asked_about(channel_stack, to)))
    answer = domain_response("utter_rls_overview")
    plain = [m["Body"] for m in channel_stack.twilio.sent(to) if not m.get("ContentSid")]
    assert plain[-1].endswith(numbered_options(answer["buttons"]))  # the options as numbers, the vote as buttons
    (question,) = asked_about(channel_stack, to)
    assert question["Body"] == "Was this answer helpful?"
    assert json.loads(question["Buttons"]) == [
        ["👍 Helpful", vote_data("up", answer["text"].strip())],
        ["👎 Not helpful", vote_data("down", answer["text"].strip())],
    ]
    staff = StaffClient.new(channel_stack.stack)
    before = channel_stack.votes(staff.http)
    channel_stack.twilio.clear()
    tap = wh.twilio_whatsapp_button(number, "👍 Helpful", vote_data("up", answer["text"].strip()), OUR_WHATSAPP, SID)
    assert post(channel_stack, tap).status_code == 200
    assert bodies(channel_stack, to) == ["Thanks for telling us."]
    vote_added(channel_stack, staff.http, before, "utter_rls_overview", "twilio", "up")
    assert channel_stack.user_texts(to) == [RLS_QUESTION]


def test_safety_kidney_question_by_sms_and_emergency_by_whatsapp(channel_stack: ChannelStack) -> None:
    sender = new_number()
    sms(channel_stack, sender, KIDNEY_QUESTION)
    check_kidney_reply(bodies(channel_stack, sender))
    number = new_number()
    post(channel_stack, wh.twilio_whatsapp(number, EMERGENCY_MESSAGE, OUR_WHATSAPP, SID))
    check_emergency_first(bodies(channel_stack, f"whatsapp:{number}"))
    assert "helped" not in bodies(channel_stack, f"whatsapp:{number}")[0], "no vote under the emergency instruction"


def test_unsigned_forged_and_wrong_url_requests_never_reach_the_assistant(channel_stack: ChannelStack) -> None:
    sender = new_number()
    assert sms(channel_stack, sender, "hello", token=None).status_code == 401
    assert sms(channel_stack, sender, "hello", token="not-the-auth-token").status_code == 403
    # Signed for the server's own address instead of the public one Twilio calls.
    internal = post(channel_stack, wh.twilio_sms(sender, "hello", OUR_SMS, SID), url=channel_stack.hook("twilio"))
    assert internal.status_code == 403
    assert channel_stack.user_texts(sender) == [] and channel_stack.twilio.sent(sender) == []


def test_a_staff_reply_goes_back_over_whatsapp(channel_stack: ChannelStack) -> None:
    number = new_number()
    post(channel_stack, wh.twilio_whatsapp(number, "I want to talk to a person", OUR_WHATSAPP, SID))
    before = len(bodies(channel_stack, f"whatsapp:{number}"))
    channel_stack.staff_reply(f"whatsapp:{number}", "Hello, Sam here. Your order ships today.")
    bodies(channel_stack, f"whatsapp:{number}", before + 1)
    sent = channel_stack.twilio.sent(f"whatsapp:{number}")[-1]
    assert sent["Body"] == "Sam (support team): Hello, Sam here. Your order ships today."
    assert sent["From"] == f"whatsapp:{OUR_WHATSAPP}"


def _response_for(payload: str) -> str:
    """utter_<topic> for a topic payload such as "/ask_magnesium_overview"."""
    return "utter_" + payload.lstrip("/").removeprefix("ask_")


def test_the_senders_country_code_chooses_the_emergency_number(channel_stack: ChannelStack) -> None:
    """A US number hears 911 first, an Irish one 112, a UK one 999; the others follow for travellers."""
    for sender, number in (
        (f"+1555{random.randint(10**6, 10**7 - 1)}", "911"),
        (f"+35386{random.randint(10**6, 10**7 - 1)}", "112"),
        (new_number(), "999"),
    ):
        sms(channel_stack, sender, EMERGENCY_MESSAGE)
        sent = bodies(channel_stack, sender)
        check_emergency_first(sent)
        assert sent[0].startswith(f"Call {number} now"), sent[0]
