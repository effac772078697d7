"""Starts the Rasa server with the project's channels, web pages and start-up patches.

Why our own entry point instead of `rasa run`: the project adds its Sanic blueprints (demo
shop page, staff console, handoff API) to Rasa's own app, applies the Python 3.11 patches
before Sanic starts, shortens the action-call timeout, switches stores by environment, and
refuses to open the HTTP API without a token. Usage: python -m sedorum.server.rasa_server
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Installed beside TensorFlow, which imports it when it is there, but used only by TFLite's model
# converter, never by a served model: 107 MB of every Rasa process (docs/performance.md, "Memory").
UNUSED_MODULES = ("jax",)


def leave_out_unused_modules(
    environ: Mapping[str, str] = os.environ, modules: MutableMapping[str, Any] = sys.modules
) -> tuple[str, ...]:
    """Marks UNUSED_MODULES as not importable (SEDORUM_SKIP_UNUSED_MODULES=0: as before); returns them."""
    if environ.get("SEDORUM_SKIP_UNUSED_MODULES", "1").strip().lower() in ("0", "false", "no", "off"):
        return ()
    for name in UNUSED_MODULES:
        modules.setdefault(name, None)  # None: "import jax" raises ImportError, which TensorFlow expects
    return UNUSED_MODULES


leave_out_unused_modules()  # before anything imports TensorFlow

from sedorum import patches  # noqa: E402
from sedorum.settings import PROJECT_ROOT, Settings  # noqa: E402

logger = logging.getLogger("sedorum.server")


class ConfigurationError(SystemExit):
    """Raised to stop start-up with a message instead of serving something unsafe."""


def latest_model(model_dir: Path) -> Path:
    models = sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise ConfigurationError(f"No trained model in {model_dir}: run `make train` (or `make run`).")
    return models[-1]


def create_app(settings: Settings, model_path: Path):
    """Rasa's Sanic app with our channels, blueprints and listeners; not yet running."""
    if not settings.auth_token:
        raise ConfigurationError(
            "RASA_AUTH_TOKEN is not set: refusing to serve Rasa's HTTP API without a token. "
            "`make run` generates one into .env."
        )
    from sedorum.edge.ratelimit import TokenBucketLimiter

    # Every library patch of this process, in one call, before anything of Rasa's is created
    # (it refuses to run on library versions the patches were not checked against).
    sender_limiter = TokenBucketLimiter(settings.rate_sender_per_s, settings.rate_sender_burst)
    patches.apply_all(patches.RASA_SERVER, settings, sender_limiter=sender_limiter)

    from rasa.core import run as rasa_run

    from sedorum.channels.credentials import create_input_channels
    from sedorum.edge import hardening
    from sedorum.patches import performance
    from sedorum.stores import retention
    from sedorum.stores.endpoints import build_endpoints
    from sedorum.web import register_web

    performance.log_settings(settings)
    endpoints = build_endpoints(settings)
    input_channels = create_input_channels(PROJECT_ROOT / "credentials.yml")
    app = rasa_run.configure_app(
        input_channels,
        cors=list(settings.allowed_origins),
        auth_token=settings.auth_token,
        enable_api=True,
        port=settings.rasa_port,
        endpoints=endpoints,
    )
    app.register_listener(
        partial(rasa_run.load_agent_on_start, str(model_path), endpoints, None), "before_server_start"
    )
    app.register_listener(rasa_run.close_resources, "after_server_stop")
    register_web(app, settings)
    hardening.install(app, settings, sender_limiter=sender_limiter)
    retention.install_job(app, settings)
    return app


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("SEDORUM_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    settings = Settings.from_env()
    try:
        model_path = latest_model(settings.model_dir)
        app = create_app(settings, model_path)
    except (ConfigurationError, patches.UncheckedVersionError) as error:
        print(f"sedorum: {error.code}", file=sys.stderr)
        raise SystemExit(2) from None
    logger.info("Starting Rasa on %s:%s with model %s", settings.host, settings.rasa_port, model_path.name)
    # Sanic's default accept backlog (100) is smaller than a burst of visitors connecting at once:
    # the kernel then drops their connection attempts, and clients retry after 1, 3, 7 s.
    app.run(host=settings.host, port=settings.rasa_port, workers=1, access_log=False, motd=False, backlog=1024)


if __name__ == "__main__":
    main()
