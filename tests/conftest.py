"""Shared fixtures: a trained model, and the real running stack for end-to-end tests.

End-to-end tests talk to the same servers `make run` starts (sedorum.server.stack), on their own
ports and with their own SQLite files, so they never touch a developer's running assistant.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sanic import Sanic

from sedorum.server.stack import RunningStack, running_stack, train_if_needed
from sedorum.settings import PROJECT_ROOT
from tests.ports import port

# Sanic 21.12 rewrites some of its own methods at each server start-up ("TouchUp"); a second
# in-process start-up (several modules start test servers) then fails unless test mode keeps
# the originals. Set at import, before any test server starts.
Sanic.test_mode = True

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TEST_TOKEN = "test-token-" + uuid.uuid4().hex


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """Trains once per machine state (skipped when data, domain and config are unchanged)."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    return train_if_needed(PROJECT_ROOT / "models")


def stack_env(tmp: Path, rasa_port: int, action_port: int, **extra: str) -> dict[str, str]:
    return {
        "RASA_AUTH_TOKEN": TEST_TOKEN,
        "SEDORUM_RASA_PORT": str(rasa_port),
        "SEDORUM_ACTION_PORT": str(action_port),
        "SEDORUM_VAR_DIR": str(tmp),
        "SEDORUM_MODEL_DIR": str(PROJECT_ROOT / "models"),
        **extra,
    }


@pytest.fixture(scope="session")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The assistant with default (embedded) stores on ports 5105/5155 for the whole session."""
    var = tmp_path_factory.mktemp("var")
    with running_stack(stack_env(var, port(5105), port(5155)), log_dir=ARTIFACTS / "logs" / "e2e") as running:
        yield running


class Chat:
    """A REST-channel conversation with the running assistant."""

    def __init__(self, base_url: str, sender: str | None = None) -> None:
        self.base_url = base_url
        self.sender = sender or "test-" + uuid.uuid4().hex[:12]

    def send(self, text: str) -> list[dict]:
        reply = requests.post(
            f"{self.base_url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text}, timeout=60
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def say(self, text: str) -> str:
        """Sends `text` and returns every reply's text (and button titles) joined."""
        parts = []
        for message in self.send(text):
            parts.append(message.get("text", ""))
            parts.extend(button.get("title", "") for button in message.get("buttons", []))
        return "\n".join(parts)

    def tracker(self) -> dict:
        reply = requests.get(
            f"{self.base_url}/conversations/{self.sender}/tracker", params={"token": TEST_TOKEN}, timeout=30
        )
        reply.raise_for_status()
        return reply.json()


@pytest.fixture
def chat(stack: RunningStack) -> Chat:
    return Chat(stack.url)
