"""Security: who may call what, from where, how often; headers and CORS on every page.

Runs the real servers on ports 5421/5471 with an action-server token, a JWT secret and low
rate limits, and checks that each kind of unwanted request is refused (docs/security-and-privacy.md).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from sedorum.server.stack import RunningStack, running_stack
from sedorum.settings import PROJECT_ROOT
from tests.conftest import ARTIFACTS, stack_env
from tests.ports import port

ACTION_TOKEN = "action-" + uuid.uuid4().hex
JWT_SECRET = "jwt-" + uuid.uuid4().hex
SENDER_BURST = 4
IP_BURST = 200
FOREIGN = "https://evil.example"


@pytest.fixture(scope="module")
def secured(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("security-var")
    env = stack_env(
        var,
        port(5421),
        port(5471),
        SEDORUM_ACTION_TOKEN=ACTION_TOKEN,
        SEDORUM_JWT_SECRET=JWT_SECRET,
        SEDORUM_RATE_SENDER_BURST=str(SENDER_BURST),
        SEDORUM_RATE_SENDER_PER_S="0.05",
        SEDORUM_RATE_IP_BURST=str(IP_BURST),
        SEDORUM_RATE_IP_PER_S="1",
    )
    with running_stack(env, log_dir=ARTIFACTS / "logs" / "security") as running:
        yield running


def tracker_url(stack: RunningStack, conversation: str = "someone") -> str:
    return f"{stack.url}/conversations/{conversation}/tracker"


def say(stack: RunningStack, text: str, sender: str | None = None) -> requests.Response:
    body = {"sender": sender or "sec-" + uuid.uuid4().hex[:10], "message": text}
    return requests.post(f"{stack.url}/webhooks/rest/webhook", json=body, timeout=60)


# --- HTTP API authentication -------------------------------------------------------------


def test_the_http_api_refuses_requests_without_a_token(secured: RunningStack) -> None:
    for path in ("/conversations/someone/tracker", "/status", "/domain"):
        assert requests.get(f"{secured.url}{path}", timeout=30).status_code == 401


@pytest.mark.parametrize(
    "auth",
    [
        {"params": {"token": "forged"}},
        {"headers": {"Authorization": "Bearer forged"}},
        {"headers": {"Authorization": "Token forged"}},
        {"headers": {"Authorization": "Bearer "}},
    ],
)
def test_the_http_api_refuses_forged_tokens(secured: RunningStack, auth: dict) -> None:
    assert requests.get(tracker_url(secured), timeout=30, **auth).status_code == 401


def test_the_token_works_in_a_header_so_it_need_not_be_in_the_url(secured: RunningStack) -> None:
    token = secured.settings.auth_token
    assert requests.get(tracker_url(secured), headers={"Authorization": f"Bearer {token}"}, timeout=30).ok
    assert requests.get(tracker_url(secured), params={"token": token}, timeout=30).ok  # kept, documented as worse


def test_jwts_signed_with_another_secret_are_refused(secured: RunningStack) -> None:
    admin = {"user": {"username": "admin", "role": "admin"}}
    good = jwt.encode(admin, JWT_SECRET, algorithm="HS256")
    forged = jwt.encode(admin, "not-the-secret-" + uuid.uuid4().hex, algorithm="HS256")
    unsigned = jwt.encode(admin, "", algorithm="none")
    assert requests.get(tracker_url(secured), headers={"Authorization": f"Bearer {good}"}, timeout=30).ok
    for token in (forged, unsigned):
        reply = requests.get(tracker_url(secured), headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert reply.status_code == 401


def test_a_user_jwt_only_opens_its_own_conversation(secured: RunningStack) -> None:
    user = jwt.encode({"user": {"username": "alice", "role": "user"}}, JWT_SECRET, algorithm="HS256")
    headers = {"Authorization": f"Bearer {user}"}
    assert requests.get(tracker_url(secured, "alice"), headers=headers, timeout=30).ok
    assert requests.get(tracker_url(secured, "bob"), headers=headers, timeout=30).status_code == 403


def test_staff_endpoints_need_a_staff_session(secured: RunningStack) -> None:
    assert requests.get(f"{secured.url}/staff/api/handoffs", timeout=30).status_code == 401
    # The API token is not a staff session.
    token = secured.settings.auth_token
    reply = requests.get(f"{secured.url}/staff/api/handoffs", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert reply.status_code == 401
    page = requests.get(f"{secured.url}/staff/", timeout=30, allow_redirects=False)
    assert page.status_code in (302, 303, 401)


# --- Origins: CORS and socket.io ---------------------------------------------------------


def test_cors_answers_only_the_allowed_origins(secured: RunningStack) -> None:
    own = f"http://localhost:{secured.settings.rasa_port}"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    webhook = f"{secured.url}/webhooks/rest/webhook"
    foreign = requests.options(webhook, headers={"Origin": FOREIGN, **preflight}, timeout=30)
    assert "access-control-allow-origin" not in {k.lower() for k in foreign.headers}
    allowed = requests.options(webhook, headers={"Origin": own, **preflight}, timeout=30)
    assert allowed.headers.get("Access-Control-Allow-Origin") == own
    posted = requests.post(webhook, json={"sender": "cors-1", "message": "hi"}, headers={"Origin": FOREIGN}, timeout=60)
    assert posted.headers.get("Access-Control-Allow-Origin") in (None, own)


def test_socketio_refuses_a_foreign_origin(secured: RunningStack) -> None:
    import socketio

    async def connect(origin: str) -> bool:
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(secured.url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
        except (TimeoutError, socketio.exceptions.ConnectionError):
            # Refused, or never answered through the router on a loaded machine: either way the
            # connection was not made (for the page's own origin the assertion below then fails).
            return False
        await client.disconnect()
        return True

    assert asyncio.run(connect(f"http://localhost:{secured.settings.rasa_port}")) is True
    assert asyncio.run(connect(FOREIGN)) is False


# --- Headers -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/shop/", "/webhooks/rest/webhook", "/no-such-page", "/version"])
def test_security_headers_on_every_response(secured: RunningStack, path: str) -> None:
    reply = requests.get(f"{secured.url}{path}", timeout=30)
    assert reply.headers.get("X-Content-Type-Options") == "nosniff"
    assert reply.headers.get("X-Frame-Options") == "DENY"
    assert reply.headers.get("Referrer-Policy")
    assert "frame-ancestors 'none'" in reply.headers.get("Content-Security-Policy", "")
    if "text/html" in reply.headers.get("Content-Type", ""):
        csp = reply.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "default-src 'self'" in csp


def test_conversation_replies_are_not_cached(secured: RunningStack) -> None:
    assert say(secured, "hello").headers.get("Cache-Control") == "no-store"


# --- Action server -----------------------------------------------------------------------


def action_url(stack: RunningStack, path: str) -> str:
    return f"http://127.0.0.1:{stack.settings.action_port}{path}"


def test_the_action_server_refuses_calls_without_its_token(secured: RunningStack) -> None:
    body: dict[str, Any] = {
        "next_action": "action_answer_dosage",
        "tracker": {"sender_id": "x", "events": []},
        "domain": {},
    }
    assert requests.post(action_url(secured, "/webhook"), json=body, timeout=30).status_code == 401
    forged = {"Authorization": "Bearer forged"}
    assert requests.post(action_url(secured, "/webhook"), json=body, headers=forged, timeout=30).status_code == 401
    assert requests.get(action_url(secured, "/actions"), timeout=30).status_code == 401
    good = {"Authorization": f"Bearer {ACTION_TOKEN}"}
    assert requests.get(action_url(secured, "/actions"), headers=good, timeout=30).ok
    assert requests.get(action_url(secured, "/health"), timeout=30).ok  # liveness only, says nothing


def test_rasa_calls_the_action_server_with_its_token(secured: RunningStack) -> None:
    reply = say(secured, "/ask_dosage")
    assert reply.ok
    assert "something went wrong on our side" not in reply.text


def own_non_loopback_addresses() -> list[str]:
    """This machine's own interface addresses other than loopback (never another host)."""
    found = subprocess.run(["ip", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True)
    addresses = []
    for line in found.stdout.splitlines():
        parts = line.split()
        if len(parts) > 3 and parts[2] in ("inet", "inet6"):
            addresses.append(parts[3].split("/")[0])
    return addresses


def test_the_action_server_is_not_reachable_from_outside_loopback(secured: RunningStack) -> None:
    addresses = own_non_loopback_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback address to try")
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            with pytest.raises(ConnectionRefusedError):
                sock.connect((address, secured.settings.action_port))


def test_the_action_server_will_not_listen_publicly_without_a_token() -> None:
    env = {
        **stack_env(Path("/tmp"), port(5422), port(5472)),
        "SEDORUM_ACTION_HOST": "0.0.0.0",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    started = subprocess.run(
        [sys.executable, "-m", "sedorum.server.action_server"], env=env, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 2
    assert "SEDORUM_ACTION_TOKEN" in started.stderr


# --- Rate limits (last: they use up this stack's buckets) --------------------------------


def test_one_conversation_over_its_rate_limit_gets_429(secured: RunningStack) -> None:
    sender = "flood-" + uuid.uuid4().hex[:8]
    statuses = [say(secured, "hello", sender).status_code for _ in range(SENDER_BURST + 2)]
    assert statuses[:SENDER_BURST] == [200] * SENDER_BURST
    assert statuses[-1] == 429
    refused = say(secured, "hello", sender)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert say(secured, "hello").status_code == 200  # other conversations are not affected


def test_one_address_over_its_rate_limit_gets_429(secured: RunningStack) -> None:
    deadline = time.monotonic() + 60
    statuses: list[int] = []
    while time.monotonic() < deadline and 429 not in statuses and len(statuses) < IP_BURST * 2:
        statuses.append(requests.get(f"{secured.url}/version", timeout=30).status_code)
    assert 429 in statuses
    refused = requests.get(f"{secured.url}/version", timeout=30)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
