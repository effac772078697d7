"""Edge protections for the Rasa app: limits, input checks, auth header, security headers.

Why here and not in a reverse proxy: `make run` serves the assistant without one, and the
tests must exercise the same protections a deployment gets. Each protection closes a gap
measured in Rasa 3.6:

* body size limit at the edge (Sanic's REQUEST_MAX_SIZE plus a per-route limit → 413 JSON);
* REST-channel validation before Rasa sees the body (empty body gave 500; wrong shapes → 4xx);
* per-IP and per-sender token buckets → 429 with Retry-After;
* `Authorization: Bearer <RASA_AUTH_TOKEN>` accepted for the HTTP API, so the token need not
  travel in a URL (and so in access logs); `?token=` still works, documented as worse;
* optional JWT (SEDORUM_JWT_SECRET) exactly as `rasa run --jwt-secret` sets it up;
* security headers on every response, a CSP on HTML pages (inline scripts allowed by hash);
* a failed turn on the REST channel becomes 503 + Retry-After instead of 200 `[]`;
* telemetry forced off, log redaction, action-call fallback (the retention job is started by
  the server entry point, `sedorum.stores.retention.install_job`).
Docs: docs/security-and-privacy.md. Variables: sedorum/settings.py.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import re
from typing import TYPE_CHECKING, Any

from sedorum.edge import turn_report as turns
from sedorum.edge.inputs import InvalidInput, idempotency_key, parse_rest_body
from sedorum.edge.ratelimit import TokenBucketLimiter, retry_after_header

if TYPE_CHECKING:
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

    from sedorum.settings import Settings

logger = logging.getLogger(__name__)

REST_WEBHOOK = "/webhooks/rest/webhook"
SOCKETIO_PREFIX = "/socket.io"
# A long-polling POST carries every packet the widget queued while the previous request was
# out: on a slow link or a busy server that is many messages at once (socketio_guard allows 128
# packets per POST). Refusing the POST would cut the visitor off, so the limit is engine.io's
# own (max_http_buffer_size, 1 MB); one WebSocket message stays at 64 KB.
SOCKETIO_MAX_BODY_BYTES = 1_000_000
SOCKETIO_WEBSOCKET_MAX_BYTES = 64 * 1024
RETRY_AFTER_UNAVAILABLE_S = 2

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSP_TEMPLATE = (
    "default-src 'self'; script-src 'self'{script_hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def _json(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> HTTPResponse:
    from sanic import response

    return response.json(body, status=status, headers=headers or {})


# Messaging platforms deliver every user's webhook from a few addresses and sign each request;
# the channels verify those signatures. A per-address limit here would drop real messages
# (Twilio does not retry a 429), so these paths are left to the platforms' own limits.
SIGNED_PLATFORM_WEBHOOKS = ("/webhooks/telegram/", "/webhooks/twilio/", "/webhooks/facebook/", "/webhooks/slack/")


def is_signed_platform_webhook(path: str) -> bool:
    return path.startswith(SIGNED_PLATFORM_WEBHOOKS)


def client_ip(request: Request) -> str:
    """The peer address; forwarded headers count only if Sanic is told to trust a proxy."""
    return request.remote_addr or request.ip or "unknown"


def body_limit(path: str, settings: Settings) -> int:
    if path.startswith("/webhooks/"):
        return settings.max_body_bytes
    if path.startswith(SOCKETIO_PREFIX):
        return SOCKETIO_MAX_BODY_BYTES
    return settings.max_api_body_bytes


def content_security_policy(body: bytes) -> str:
    """A strict CSP for an HTML page; its inline <script> blocks are allowed by sha256 hash."""
    hashes = []
    for script in _INLINE_SCRIPT.findall(body or b""):
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        hashes.append(f" 'sha256-{digest}'")
    return CSP_TEMPLATE.format(script_hashes="".join(sorted(set(hashes))))


def _translate_bearer_token(request: Request, auth_token: str) -> None:
    """Lets `Authorization: Bearer <RASA_AUTH_TOKEN>` pass Rasa's `?token=` check."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value or not auth_token:
        return
    if hmac.compare_digest(value.strip().encode(), auth_token.encode()):
        request.args["token"] = [auth_token]  # Sanic caches the parsed query: Rasa reads this


def install(app: Sanic, settings: Settings, sender_limiter: TokenBucketLimiter | None = None) -> None:
    """Attaches every edge protection to `app`; called once by rasa_server.create_app.

    The library patches these protections rely on (log redaction, action fallback, turn
    checks, socket.io guard) are applied by sedorum.patches.apply_all; `sender_limiter` is the
    one the turn checks were given, so both count the same messages.
    """
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"  # never on, whatever the environment says

    app.config.REQUEST_MAX_SIZE = max(settings.max_body_bytes, settings.max_api_body_bytes, SOCKETIO_MAX_BODY_BYTES)
    app.config.WEBSOCKET_MAX_SIZE = SOCKETIO_WEBSOCKET_MAX_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"
    if settings.proxies_count > 0:  # behind a reverse proxy: the client is in X-Forwarded-For
        app.config.PROXIES_COUNT = settings.proxies_count

    ip_limiter = TokenBucketLimiter(settings.rate_ip_per_s, settings.rate_ip_burst)
    if sender_limiter is None:
        sender_limiter = TokenBucketLimiter(settings.rate_sender_per_s, settings.rate_sender_burst)
    app.ctx.sedorum_ip_limiter = ip_limiter
    app.ctx.sedorum_sender_limiter = sender_limiter

    _install_jwt(app, settings)

    @app.middleware("request")
    async def edge_checks(request: Request) -> HTTPResponse | None:
        # Sanic runs request middleware again when a handler raised: check and count once.
        if getattr(request.ctx, "sedorum_checked", False):
            return None
        request.ctx.sedorum_checked = True

        allowed, wait_s = (
            (True, 0.0) if is_signed_platform_webhook(request.path) else ip_limiter.allow(client_ip(request))
        )
        if not allowed:
            return _json(
                {"error": "rate_limited", "detail": "Too many requests from this address.", "status": 429},
                429,
                {"Retry-After": retry_after_header(wait_s)},
            )

        limit = body_limit(request.path, settings)
        declared = request.headers.get("content-length", "")
        size = len(request.body or b"")
        if size > limit or (declared.isdigit() and int(declared) > limit):
            return _json(
                {"error": "payload_too_large", "detail": f"The body may be at most {limit} bytes.", "status": 413},
                413,
            )

        _translate_bearer_token(request, settings.auth_token)

        if request.path.rstrip("/") == REST_WEBHOOK and request.method == "POST":
            try:
                message = parse_rest_body(request.body or b"", request.headers.get("content-type"))
                message_id = idempotency_key(request.headers.get("idempotency-key"))
            except InvalidInput as invalid:
                return _json(invalid.as_json(), invalid.status)
            allowed, wait_s = sender_limiter.allow(message.sender)
            if not allowed:
                return _json(
                    {"error": "rate_limited", "detail": "Too many messages in this conversation.", "status": 429},
                    429,
                    {"Retry-After": retry_after_header(wait_s)},
                )
            # What RestInput reads: only checked fields. Sanic 21.12 declares parsed_json as None.
            request.parsed_json = message.as_json()  # type: ignore[assignment]  # Sanic 21.12 types it None
            request.ctx.sedorum_turn = turns.begin_request_report()
            request.ctx.sedorum_turn.message_id = message_id
        return None

    @app.middleware("response")
    async def failed_turns_and_headers(request: Request, response: HTTPResponse) -> None:
        # Mutate in place: a response middleware that returns a value stops the others (CORS).
        report = getattr(request.ctx, "sedorum_turn", None)
        if report is not None and report.failed and response.status == 200:
            response.status = 503
            response.body = json.dumps(
                {
                    "error": "temporarily_unavailable",
                    "detail": "Your message was not processed. Please send it again in a moment.",
                    "status": 503,
                }
            ).encode()
            response.headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE_S)
        _add_security_headers(request, response)

    _install_unavailable_handler(app)
    logger.info(
        "Hardening on: body limit %d B (webhooks), message limit %d chars, rate limits %.1f/s per IP, "
        "%.1f/s per sender, action timeout %.0f s.",
        settings.max_body_bytes,
        settings.max_message_chars,
        settings.rate_ip_per_s,
        settings.rate_sender_per_s,
        settings.action_timeout_s,
    )


def _add_security_headers(request: Request, response: Any) -> None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    content_type = (getattr(response, "content_type", None) or headers.get("content-type", "")).lower()
    if "text/html" in content_type and "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = content_security_policy(getattr(response, "body", b"") or b"")
    elif "content-security-policy" not in headers:
        headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    if "application/json" in content_type and "cache-control" not in headers:
        headers["Cache-Control"] = "no-store"
    if request.scheme == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def _install_unavailable_handler(app: Sanic) -> None:
    """Store outages on the HTTP API become 503 + Retry-After, not 500."""
    from sanic import response

    unavailable: list[type[BaseException]] = [turns.StoreUnavailable]
    try:
        import redis.exceptions

        unavailable += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is in the lock
        pass
    try:
        import sqlalchemy.exc

        unavailable.append(sqlalchemy.exc.OperationalError)
    except ImportError:  # pragma: no cover
        pass

    async def handle(request: Request, exception: BaseException) -> HTTPResponse:
        logger.error("Store unavailable serving %s %s: %s", request.method, request.path, type(exception).__name__)
        return response.json(
            {"error": "temporarily_unavailable", "detail": "A data store is unavailable; retry.", "status": 503},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S)},
        )

    for exception_type in unavailable:
        app.error_handler.add(exception_type, handle)


def _install_jwt(app: Sanic, settings: Settings) -> None:
    """Optional JWT for the HTTP API, set up as `rasa run --jwt-secret` does (admin/user roles)."""
    if not settings.jwt_secret or app.config.get("USE_JWT"):
        return
    from rasa.server import authenticate
    from sanic_jwt import Initialize

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())
    app.config["USE_JWT"] = True
    Initialize(
        app,
        secret=settings.jwt_secret,
        authenticate=authenticate,
        algorithm=settings.jwt_method,
        user_id="username",
    )

    import jwt
    from sanic import response
    from sanic_jwt.exceptions import SanicJWTException

    # sanic-jwt lets some bad tokens escape as 500 (an `alg: none` token raises
    # InvalidAlgorithmError) or answers 400 for an odd header: every bad credential is a 401.
    async def not_authenticated(request: Request, exception: BaseException) -> HTTPResponse:
        logger.warning("Refused a bad credential on %s (%s).", request.path, type(exception).__name__)
        return response.json({"error": "not_authenticated", "status": 401}, status=401)

    for exception_type in (jwt.exceptions.PyJWTError, SanicJWTException):
        app.error_handler.add(exception_type, not_authenticated)
