"""REST body validation and text clean-up: every input gets a defined outcome, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sedorum.edge.inputs import InvalidInput, clean_text, idempotency_key, parse_rest_body, valid_sender
from sedorum.edge.ratelimit import TokenBucketLimiter, retry_after_header

JSON = "application/json"


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_a_well_formed_body_keeps_only_the_checked_fields() -> None:
    parsed = parse_rest_body(body({"sender": "u-1", "message": "hi", "input_channel": "slack", "x": 1}), JSON)
    assert parsed.as_json() == {"sender": "u-1", "message": "hi"}


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "reason"),
    [
        (b"", JSON, 400, "invalid_json"),
        (b"{not json", JSON, 400, "invalid_json"),
        (b"\xff\xfe", JSON, 400, "invalid_json"),
        (b"[1, 2]", JSON, 400, "invalid_json"),
        (body({"message": "hi"}), JSON, 400, "invalid_sender"),
        (body({"sender": "", "message": "hi"}), JSON, 400, "invalid_sender"),
        (body({"sender": "x" * 129, "message": "hi"}), JSON, 400, "invalid_sender"),
        (body({"sender": "a b", "message": "hi"}), JSON, 400, "invalid_sender"),
        (body({"sender": 5, "message": "hi"}), JSON, 400, "invalid_sender"),
        (body({"sender": "u"}), JSON, 400, "invalid_message"),
        (body({"sender": "u", "message": None}), JSON, 400, "invalid_message"),
        (body({"sender": "u", "message": ["hi"]}), JSON, 400, "invalid_message"),
        (body({"sender": "u", "message": "hi", "metadata": "x"}), JSON, 400, "invalid_metadata"),
        (body({"sender": "u", "message": "hi"}), "text/plain", 415, "unsupported_media_type"),
        (body({"sender": "u", "message": "hi"}), None, 415, "unsupported_media_type"),
        (b"[" * 100_000, JSON, 400, "invalid_json"),
    ],
)
def test_malformed_bodies_get_a_4xx_with_a_reason(
    raw: bytes, content_type: str | None, status: int, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rest_body(raw, content_type)
    assert refused.value.status == status
    assert refused.value.as_json()["error"] == reason


def test_the_sender_may_be_128_characters_of_safe_characters() -> None:
    assert valid_sender("a" * 128)
    assert valid_sender("whatsapp:+14155238886")
    assert not valid_sender("a" * 129)
    assert not valid_sender("x\x00y")


def test_an_idempotency_key_is_a_short_token_or_refused_with_a_reason() -> None:
    assert idempotency_key(None) == "" and idempotency_key("") == ""
    assert idempotency_key("3f2b9c1e-5d4a-4e8b-9c7d-1a2b3c4d5e6f") == "3f2b9c1e-5d4a-4e8b-9c7d-1a2b3c4d5e6f"
    for bad in ("two words", "x" * 129, "<script>", "é"):
        with pytest.raises(InvalidInput) as refused:
            idempotency_key(bad)
        assert refused.value.status == 400 and refused.value.reason == "invalid_idempotency_key"


def test_clean_text_strips_control_characters_and_keeps_every_script() -> None:
    assert clean_text("  hi\x00 there\x07\n ") == "hi there"
    assert clean_text("\u202eevil\u202c text") == "evil text"
    assert clean_text("bad \ud800 surrogate") == "bad  surrogate"
    for text in ("магний и ноги", "マグネシウム", "مغنيسيوم", "👩‍⚕️ magnesium? 💊", "Ma\u0301gnesium"):
        assert clean_text(text)  # never emptied
    assert clean_text("👩‍⚕️") == "👩‍⚕️"  # ZWJ sequence kept whole
    assert clean_text("\t\n \r") == ""


@settings(max_examples=300, derandomize=True, deadline=None)
@given(raw=st.binary(max_size=300), content_type=st.sampled_from([JSON, "application/json; charset=utf-8", "", None]))
def test_any_bytes_are_either_accepted_or_refused_with_a_4xx(raw: bytes, content_type: str | None) -> None:
    try:
        parsed = parse_rest_body(raw, content_type)
    except InvalidInput as refused:
        assert 400 <= refused.status < 500
    else:
        assert valid_sender(parsed.sender) and isinstance(parsed.message, str)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(text=st.text(max_size=200))
def test_clean_text_output_has_no_control_characters_or_surrogates(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned == cleaned.strip()
    assert not any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF or ord(ch) == 0x7F for ch in cleaned)
    cleaned.encode("utf-8")  # always storable


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_s=1.0, burst=3, clock=clock)
    assert [limiter.allow("a")[0] for _ in range(4)] == [True, True, True, False]
    allowed, wait = limiter.allow("a")
    assert not allowed and 0 < wait <= 1.0
    assert retry_after_header(wait) == "1"
    assert limiter.allow("b")[0]  # other keys have their own bucket
    clock.now += 1.0
    assert limiter.allow("a")[0]
    assert not limiter.allow("a")[0]


def test_token_bucket_memory_is_bounded_and_zero_rate_disables() -> None:
    limiter = TokenBucketLimiter(rate_per_s=1.0, burst=1, max_keys=10, clock=FakeClock())
    for i in range(100):
        limiter.allow(f"k{i}")
    assert len(limiter._buckets) == 10
    off = TokenBucketLimiter(rate_per_s=0, burst=1)
    assert all(off.allow("x")[0] for _ in range(100))


def test_a_polling_post_with_many_queued_messages_is_accepted() -> None:
    """A socket.io client on long-polling batches what it sent during a slow turn; engineio's
    default (16 packets per POST) would drop the visitor's connection instead."""
    from engineio import packet
    from engineio.payload import Payload

    from sedorum.patches import socketio_guard

    socketio_guard.install()
    queued = [packet.Packet(packet.MESSAGE, data=f'42["user_uttered",{{"message":"m{i}"}}]') for i in range(40)]
    encoded = Payload(packets=queued).encode()
    assert len(Payload(encoded_payload=encoded).packets) == 40
    with pytest.raises(ValueError):
        Payload(encoded_payload=Payload(packets=queued * 4).encode())  # still bounded
