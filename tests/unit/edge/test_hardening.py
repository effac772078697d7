"""hardening.install on a bare Sanic app: telemetry off, size limit, CSP hashes, auth header."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
from sanic import Sanic

from sedorum.edge import hardening
from sedorum.settings import Settings
from tests.unit.patches.test_turns_and_faults import patched  # noqa: F401  (fixture: restores Rasa's classes)


@pytest.fixture
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """hardening.install redacts this process's logging: undo it for the tests that follow."""
    from sedorum.edge import redaction

    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())
    config = structlog.get_config()
    yield
    structlog.configure(**config)
    for name in redaction.LOGGERS:
        target = logging.getLogger(name)
        for holder in (target, *target.handlers):
            if redaction._FILTER in holder.filters:
                holder.removeFilter(redaction._FILTER)


def test_install_forces_telemetry_off_and_limits_request_size(
    patched: None,  # noqa: F811
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rasa.telemetry

    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "true")
    app = Sanic("hardening_test_" + os.urandom(4).hex())
    hardening.install(app, Settings(auth_token="t", max_body_bytes=1000, max_api_body_bytes=5000))
    assert os.environ["RASA_TELEMETRY_ENABLED"] == "false"
    assert rasa.telemetry.is_telemetry_enabled() is False
    assert app.config.REQUEST_MAX_SIZE == 1_000_000  # the socket.io polling limit is the largest here
    assert app.config.WEBSOCKET_MAX_SIZE == 64 * 1024
    assert len(app.request_middleware) >= 1 and len(app.response_middleware) >= 1


def test_inline_scripts_are_allowed_by_hash_only() -> None:
    page = b"<html><script src='/a.js'></script><script>start()</script></html>"
    csp = hardening.content_security_policy(page)
    assert "script-src 'self' 'sha256-" in csp
    assert "unsafe-inline' ;" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert hardening.content_security_policy(b"<p>no scripts</p>").startswith("default-src 'self'; script-src 'self';")


def test_bearer_header_is_translated_only_for_the_right_token() -> None:
    def request(header: str) -> Any:
        """A stand-in for Sanic's Request with the two attributes the function reads."""
        return SimpleNamespace(headers={"authorization": header}, args={})

    good = request("Bearer s3cret")
    hardening._translate_bearer_token(good, "s3cret")
    assert good.args == {"token": ["s3cret"]}
    for header in ("Bearer wrong", "Basic s3cret", "Bearer", "s3cret"):
        other = request(header)
        hardening._translate_bearer_token(other, "s3cret")
        assert other.args == {}


def test_body_limits_depend_on_the_route() -> None:
    settings = Settings(max_body_bytes=100, max_api_body_bytes=1000)
    assert hardening.body_limit("/webhooks/rest/webhook", settings) == 100
    assert hardening.body_limit("/webhooks/telegram/webhook", settings) == 100
    assert hardening.body_limit("/socket.io/", settings) == hardening.SOCKETIO_MAX_BODY_BYTES
    assert hardening.body_limit("/conversations/x/messages", settings) == 1000


def test_signed_platform_webhooks_skip_the_per_address_limit_but_rest_does_not() -> None:
    from sedorum.edge.hardening import is_signed_platform_webhook

    assert is_signed_platform_webhook("/webhooks/twilio/webhook")
    assert is_signed_platform_webhook("/webhooks/telegram/webhook")
    assert not is_signed_platform_webhook("/webhooks/rest/webhook")
    assert not is_signed_platform_webhook("/socket.io/")
    assert not is_signed_platform_webhook("/staff/api/handoffs")
