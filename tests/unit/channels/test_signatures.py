"""Webhook authentication of each platform: valid, missing, forged and replayed signatures.

The valid signatures are made the way the platforms make them (Twilio's own validator,
hashlib for the others: tests/fakes/webhooks.py), independently of the code under test.
"""

from __future__ import annotations

import json
import time

import pytest

from sedorum.channels import signatures as sig
from tests.fakes import webhooks as wh

BODY = json.dumps(wh.messenger_text("2411", "hello")).encode()


def status(refusal: sig.Refusal | None) -> int | None:
    """The HTTP status a refused request gets; None when the request is accepted."""
    return refusal.status if refusal else None


# --- Telegram --------------------------------------------------------------------------------


def test_telegram_secret_token() -> None:
    assert sig.check_telegram("s3cret_T0ken-x", "s3cret_T0ken-x") is None
    assert sig.check_telegram("s3cret_T0ken-x", None) == (401, "missing X-Telegram-Bot-Api-Secret-Token")
    assert status(sig.check_telegram("s3cret_T0ken-x", "")) == 401
    assert status(sig.check_telegram("s3cret_T0ken-x", "s3cret_T0ken-y")) == 403
    assert status(sig.check_telegram("s3cret_T0ken-x", "s3cret_T0ken-x ")) == 403


# --- Messenger -------------------------------------------------------------------------------


def test_messenger_valid_signature() -> None:
    headers = wh.messenger_headers("app-secret", BODY)
    assert sig.check_messenger("app-secret", BODY, headers["X-Hub-Signature-256"]) is None


def test_messenger_missing_signature_and_sha1_only_are_refused_as_missing() -> None:
    assert status(sig.check_messenger("app-secret", BODY, None)) == 401
    sha1_only = wh.messenger_headers("app-secret", BODY)["X-Hub-Signature"]
    assert status(sig.check_messenger("app-secret", BODY, sha1_only)) == 403  # not the header we accept


@pytest.mark.parametrize(
    "forged",
    [
        wh.messenger_headers("other-secret", BODY)["X-Hub-Signature-256"],  # wrong secret
        wh.messenger_headers("app-secret", BODY + b" ")["X-Hub-Signature-256"],  # body changed after signing
        "sha256=",
        "garbage",
    ],
)
def test_messenger_forged_signatures(forged: str) -> None:
    assert status(sig.check_messenger("app-secret", BODY, forged)) == 403


# --- Slack -----------------------------------------------------------------------------------


def slack(body: bytes, secret: str = "signing-secret", timestamp: int | None = None) -> dict[str, str]:
    return wh.slack_headers(secret, body, timestamp=timestamp)


def test_slack_valid_signature() -> None:
    headers = slack(BODY)
    assert (
        sig.check_slack("signing-secret", BODY, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
        is None
    )


def test_slack_missing_parts() -> None:
    headers = slack(BODY)
    assert status(sig.check_slack("signing-secret", BODY, None, headers["X-Slack-Signature"])) == 401
    assert status(sig.check_slack("signing-secret", BODY, headers["X-Slack-Request-Timestamp"], None)) == 401


def test_slack_forged_signatures() -> None:
    stamp = str(int(time.time()))
    wrong_secret = slack(BODY, secret="other")["X-Slack-Signature"]
    assert status(sig.check_slack("signing-secret", BODY, stamp, wrong_secret)) == 403
    valid = slack(BODY)
    assert status(sig.check_slack("signing-secret", BODY + b"x", stamp, valid["X-Slack-Signature"])) == 403
    # The signature covers the timestamp: a fresh timestamp on an old signature fails.
    old = slack(BODY, timestamp=int(time.time()) - 100)
    assert status(sig.check_slack("signing-secret", BODY, stamp, old["X-Slack-Signature"])) == 403
    assert status(sig.check_slack("signing-secret", BODY, "not-a-number", valid["X-Slack-Signature"])) == 403


def test_slack_bodies_that_are_not_utf8_and_signatures_that_are_not_ascii_are_forged() -> None:
    stamp = str(int(time.time()))
    latin1 = "café=1".encode("latin-1")
    signed = slack(latin1)["X-Slack-Signature"]
    assert status(sig.check_slack("signing-secret", latin1, stamp, signed)) == 403
    assert status(sig.check_slack("signing-secret", BODY, stamp, "v0=caf\u00e9")) == 403


@pytest.mark.parametrize("age_s", [301, 3600, -301])
def test_slack_replays_outside_five_minutes_are_refused(age_s: int) -> None:
    stamp = int(time.time()) - age_s
    headers = slack(BODY, timestamp=stamp)
    refusal = sig.check_slack("signing-secret", BODY, str(stamp), headers["X-Slack-Signature"])
    assert refusal is not None and refusal.status == 403 and "window" in refusal.reason


def test_slack_within_five_minutes_is_accepted() -> None:
    stamp = int(time.time()) - 290
    headers = slack(BODY, timestamp=stamp)
    assert sig.check_slack("signing-secret", BODY, str(stamp), headers["X-Slack-Signature"]) is None


# --- Twilio ----------------------------------------------------------------------------------

URL = "https://bot.example.com/webhooks/twilio/webhook"
PARAMS = wh.twilio_sms("+447700900123", "Is magnesium safe?", "+447700900999", "AC" + "1" * 32)


def multi(params: dict[str, str]) -> dict[str, list[str]]:
    return {key: [value] for key, value in params.items()}


def test_twilio_valid_signature_including_blank_parameters() -> None:
    signature = wh.twilio_headers("auth-token", URL, PARAMS)["X-Twilio-Signature"]
    assert sig.check_twilio("auth-token", URL, multi(PARAMS), signature) is None
    # Dropping the blank parameters (as a naive form parser does) breaks the signature.
    non_blank = {k: v for k, v in PARAMS.items() if v}
    assert status(sig.check_twilio("auth-token", URL, multi(non_blank), signature)) == 403


def test_twilio_port_variants_of_the_same_url_are_accepted() -> None:
    signature = wh.twilio_headers("auth-token", URL, PARAMS)["X-Twilio-Signature"]
    assert sig.check_twilio("auth-token", URL.replace(".com/", ".com:443/"), multi(PARAMS), signature) is None


def test_twilio_missing_signature() -> None:
    assert status(sig.check_twilio("auth-token", URL, multi(PARAMS), None)) == 401


def test_twilio_forged_signatures() -> None:
    wrong_token = wh.twilio_headers("other-token", URL, PARAMS)["X-Twilio-Signature"]
    assert status(sig.check_twilio("auth-token", URL, multi(PARAMS), wrong_token)) == 403
    signature = wh.twilio_headers("auth-token", URL, PARAMS)["X-Twilio-Signature"]
    tampered = dict(PARAMS, Body="What dose should I take?")
    assert status(sig.check_twilio("auth-token", URL, multi(tampered), signature)) == 403
    # Signed for another URL (e.g. the internal one behind a proxy) does not validate here.
    internal = wh.twilio_headers("auth-token", "http://127.0.0.1:5005/webhooks/twilio/webhook", PARAMS)
    assert status(sig.check_twilio("auth-token", URL, multi(PARAMS), internal["X-Twilio-Signature"])) == 403
