"""Starts the rasa-sdk action server on loopback by default.

Why not `rasa run actions`: it binds to every interface, and the action server has no
authentication of its own (it receives whole conversations). Here it listens on
SEDORUM_ACTION_HOST (127.0.0.1 unless a deployment says otherwise).
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sedorum.server import compat  # noqa: E402
from sedorum.server.settings import Settings  # noqa: E402


def main() -> None:
    from rasa_sdk.endpoint import create_app

    logging.basicConfig(
        level=os.environ.get("SEDORUM_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    settings = Settings.from_env()
    compat.apply_all()
    # No browser ever calls the action server: no CORS origins at all.
    app = create_app("actions", cors_origins=[])
    app.run(host=settings.action_host, port=settings.action_port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
