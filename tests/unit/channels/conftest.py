"""One running channel server with the platform fakes, shared by this folder's webhook tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.channels.harness import Harness


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    var_dir = tmp_path_factory.mktemp("channels-var")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SEDORUM_VAR_DIR", str(var_dir))  # where a vote is recorded (the tracker database)
        env.delenv("SEDORUM_TRACKER_DB_URL", raising=False)
        running = Harness(var_dir)
        yield running
        running.stop()


@pytest.fixture
def h(harness: Harness) -> Harness:
    harness.agent.received.clear()
    for fake in harness.fakes():
        fake.clear()
    return harness
