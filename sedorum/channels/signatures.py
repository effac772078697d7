"""How each platform proves a webhook request came from it. Pure functions, constant-time.

Why a module of its own: these checks are the only thing between the public internet and the
assistant, so they are small, side-effect free and tested with valid, missing, forged and
replayed signatures (tests/unit/channels/test_signatures.py) apart from any server.

Each check returns None when the request is authentic, else a `Refusal`: 401 when the proof
is missing (the caller did not even try), 403 when it is present but wrong or too old.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from slack_sdk.signature import Clock, SignatureVerifier
from twilio.request_validator import RequestValidator

SLACK_MAX_AGE_S = 5 * 60  # Slack's own recommendation against replays


class Refusal(NamedTuple):
    status: int
    reason: str


MISSING = 401
FORGED = 403


def same_secret(expected: str, given: str) -> bool:
    """Constant-time equality, so the time taken does not reveal how much of a guess was right."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_telegram(secret_token: str, header: str | None) -> Refusal | None:
    """`X-Telegram-Bot-Api-Secret-Token` must equal the secret given to setWebhook."""
    if not header:
        return Refusal(MISSING, "missing X-Telegram-Bot-Api-Secret-Token")
    if not same_secret(secret_token, header):
        return Refusal(FORGED, "wrong X-Telegram-Bot-Api-Secret-Token")
    return None


def messenger_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def check_messenger(app_secret: str, body: bytes, header: str | None) -> Refusal | None:
    """`X-Hub-Signature-256` is "sha256=" + HMAC-SHA256 of the raw body with the app secret."""
    if not header:
        return Refusal(MISSING, "missing X-Hub-Signature-256")
    if not same_secret(messenger_signature(app_secret, body), header.strip().lower()):
        return Refusal(FORGED, "wrong X-Hub-Signature-256")
    return None


class _Clock(Clock):
    """slack_sdk's clock, set to a given time (tests of the 5-minute window)."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def check_slack(
    signing_secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> Refusal | None:
    """`X-Slack-Signature` is v0 HMAC-SHA256 of "v0:{timestamp}:{body}"; the timestamp within 5 minutes.

    Checked with slack_sdk's own SignatureVerifier (as Twilio's with Twilio's RequestValidator).
    The window is also looked at here, only to name the reason in the log: the verifier
    answers a plain yes or no.
    """
    if not signature or not timestamp:
        return Refusal(MISSING, "missing X-Slack-Signature or X-Slack-Request-Timestamp")
    try:
        sent = int(timestamp)
    except ValueError:
        return Refusal(FORGED, "malformed X-Slack-Request-Timestamp")
    clock = Clock() if now is None else _Clock(now)
    if abs(clock.now() - sent) > SLACK_MAX_AGE_S:
        return Refusal(FORGED, "X-Slack-Request-Timestamp outside the 5-minute window (replay?)")
    try:
        valid = SignatureVerifier(signing_secret, clock=clock).is_valid(body, timestamp, signature.strip())
    except (UnicodeDecodeError, TypeError):  # a body that is not UTF-8, a signature that is not ASCII
        valid = False
    if not valid:
        return Refusal(FORGED, "wrong X-Slack-Signature")
    return None


class _FormParams(dict):
    """POST parameters as Twilio's validator reads them (name -> every value)."""

    def getlist(self, name: str) -> list[str]:
        return list(self[name])


def check_twilio(
    auth_token: str, url: str, params: Mapping[str, Sequence[str]], signature: str | None
) -> Refusal | None:
    """Validated with Twilio's own RequestValidator (it also tries the URL with and without port)."""
    if not signature:
        return Refusal(MISSING, "missing X-Twilio-Signature")
    if not RequestValidator(auth_token).validate(url, _FormParams(params), signature):
        return Refusal(FORGED, "wrong X-Twilio-Signature")
    return None
