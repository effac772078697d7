"""Starts the rasa-sdk action server on loopback by default, optionally behind a token.

Why not `rasa run actions`: it binds to every interface, and the action server has no
authentication of its own (it receives whole conversations). Here it listens on
SEDORUM_ACTION_HOST (127.0.0.1 unless a deployment says otherwise); with SEDORUM_ACTION_TOKEN
set, every request except /health must carry `Authorization: Bearer <token>` (the Rasa
server sends it, sedorum/stores/endpoints.py). Binding to a non-loopback address without a
token is refused at start-up. Logs are redacted like the Rasa server's.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Before anything imports spaCy: thinc then finds no TensorFlow (an ImportError) and goes without.
sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]  # None marks a module as not importable

from sedorum import patches  # noqa: E402
from sedorum.settings import Settings  # noqa: E402

OPEN_PATHS = frozenset({"/health"})
logger = logging.getLogger("sedorum.actions")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_ok(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def create_action_app(settings: Settings):
    from rasa_sdk.endpoint import create_app
    from sanic import response

    # No browser ever calls the action server: no CORS origins at all.
    app = create_app("actions", cors_origins=[])
    app.config.REQUEST_MAX_SIZE = 8 * 1024 * 1024  # whole trackers arrive here; bounded all the same
    if settings.action_token:

        @app.middleware("request")
        async def require_token(request):
            if request.path in OPEN_PATHS:
                return None
            if not token_ok(request.headers.get("authorization", ""), settings.action_token):
                return response.json({"error": "unauthorized"}, status=401)
            return None

    return app


def warm_up() -> None:
    """Builds the safety engine's pipeline and runs it once, before the port opens."""
    from sedorum.safety.extract import extract

    started = time.monotonic()
    extract("I have kidney disease, I am pregnant and I take omeprazole")
    logger.info("Safety engine ready in %.1f s", time.monotonic() - started)


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("SEDORUM_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    settings = Settings.from_env()
    try:
        # Every library patch of this process (log redaction, the Sanic fix), in one call.
        patches.apply_all(patches.ACTION_SERVER, settings)
    except patches.UncheckedVersionError as error:
        print(f"sedorum: {error.code}", file=sys.stderr)
        raise SystemExit(2) from None
    if not is_loopback(settings.action_host) and not settings.action_token:
        print(
            f"sedorum: refusing to serve the action server on {settings.action_host} without SEDORUM_ACTION_TOKEN.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    app = create_action_app(settings)
    warm_up()
    app.run(host=settings.action_host, port=settings.action_port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
