"""Validation and clean-up of what users send, before Rasa sees it.

Why: Rasa 3.6's REST channel answers an empty body with HTTP 500, trusts any JSON shape, and
runs a 100 KB message through the model for 14 s. Control characters and lone surrogates
break PostgreSQL writes (NUL is not allowed in `text`; a lone surrogate cannot be encoded),
which would lose the turn. Every input gets a defined answer instead: a 4xx for a malformed
request, or a short reply for an empty or over-long message (docs/security-and-privacy.md, "Bad input").
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, TypeGuard

MAX_SENDER_CHARS = 128
# Ids of every channel we run fit: uuids, "test-1a2b", Telegram numbers, "whatsapp:+123", Slack "U123".
SENDER_PATTERN = re.compile(rf"^[A-Za-z0-9_.:@+=~\-]{{1,{MAX_SENDER_CHARS}}}$")
# Format characters that reorder or hide text (bidi overrides and isolates): spoofing, never content.
_BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

EMPTY_MESSAGE_REPLY = (
    "Please type a question, for example: What is restless legs syndrome? "
    "For questions about your own health, please ask your doctor or pharmacist."
)
# The model never reads an over-long message, so it cannot spot an emergency in it: say it here (S1).
TOO_LONG_REPLY = (
    "Sorry, that message is too long for me. Please send a shorter question, up to {limit} characters. "
    "If this is an emergency, call {emergency_number} straight away ({other_emergency_numbers}). "
    "For questions about your own health, please ask your doctor or pharmacist."
)
SLOW_DOWN_REPLY = "You are sending messages faster than I can answer. Please wait a few seconds and try again."


class InvalidInput(Exception):
    """A request the edge refuses, with the HTTP status and a short machine-readable reason."""

    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail

    def as_json(self) -> dict[str, Any]:
        return {"error": self.reason, "detail": self.detail, "status": self.status}


IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


def idempotency_key(header: str | None) -> str:
    """The REST client's Idempotency-Key header ("" when absent); InvalidInput when malformed."""
    if header is None or header == "":
        return ""
    if not IDEMPOTENCY_KEY_PATTERN.match(header):
        raise InvalidInput(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 128 letters, digits or . _ : - (a UUID, say).",
        )
    return header


def clean_text(text: str) -> str:
    """NFC text without control characters, lone surrogates or bidi overrides; ends stripped.

    Tabs and line breaks become spaces; emoji (including ZWJ sequences) and every script stay.
    """
    kept: list[str] = []
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF or ch in _BIDI_CONTROLS:
            continue
        if unicodedata.category(ch) == "Cc":
            if ch in "\t\n\r":
                kept.append(" ")
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).strip()


def valid_sender(sender: object) -> TypeGuard[str]:
    return isinstance(sender, str) and bool(SENDER_PATTERN.match(sender))


def is_json_content_type(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


@dataclass(frozen=True)
class RestMessage:
    """The only fields of a REST-channel body that reach Rasa."""

    sender: str
    message: str
    metadata: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"sender": self.sender, "message": self.message}
        if self.metadata is not None:
            body["metadata"] = self.metadata
        return body


def parse_rest_body(body: bytes, content_type: str | None) -> RestMessage:
    """Checks a `POST /webhooks/rest/webhook` body; raises InvalidInput with a 4xx otherwise.

    Unknown fields are dropped (notably `input_channel`, which would let a web client claim to
    be another channel). The message text is left to `clean_text` and the turn guard, so that
    empty and over-long messages get a polite answer rather than an error.
    """
    if not is_json_content_type(content_type):
        raise InvalidInput(415, "unsupported_media_type", "Send the message as application/json.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInput(400, "invalid_json", "The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise InvalidInput(400, "invalid_json", "The body must be a JSON object.")
    sender = data.get("sender")
    if not valid_sender(sender):
        raise InvalidInput(
            400,
            "invalid_sender",
            f'"sender" must be 1 to {MAX_SENDER_CHARS} letters, digits or the characters _.:@+=~-',
        )
    message = data.get("message")
    if not isinstance(message, str):
        raise InvalidInput(400, "invalid_message", '"message" must be a string.')
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidInput(400, "invalid_metadata", '"metadata" must be a JSON object when given.')
    return RestMessage(sender=sender, message=message, metadata=metadata)
