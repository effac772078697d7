"""The processes `make run` starts (sedorum/server/stack.py), as data: names, order, health URLs."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from sedorum.server.router import LISTEN_FD_VARIABLE, ROUTER_HEALTH_PATH
from sedorum.server.stack import public_listener, stack_specs
from sedorum.server.supervisor import CrashLoop
from sedorum.settings import Settings


def test_the_router_layout_starts_the_action_server_the_rasa_processes_then_the_router(tmp_path: Path) -> None:
    settings = Settings(auth_token="t", rasa_port=5005, processes=2, worker_base_port=6005)
    with socket.socket() as listener:
        specs = stack_specs(settings, {"PATH": "/bin"}, tmp_path, True, listener)
        assert [spec.name for spec in specs] == ["actions", "rasa-1", "rasa-2", "router"]
        assert specs[0].health_url == "http://127.0.0.1:5055/health"
        assert [spec.health_url for spec in specs[1:3]] == [
            "http://127.0.0.1:6006/status?token=t",
            "http://127.0.0.1:6007/status?token=t",
        ]
        router = specs[-1]
        assert router.health_url == f"http://127.0.0.1:5005{ROUTER_HEALTH_PATH}"
        assert router.env[LISTEN_FD_VARIABLE] == str(listener.fileno())
        assert router.pass_fds == (listener.fileno(),)  # the router takes over the supervisor's socket
        assert router.env["SEDORUM_WORKER_PORTS"] == "6006,6007"
        assert specs[1].env["SEDORUM_RASA_PORT"] == "6006" and specs[1].env["SEDORUM_HOST"] == "127.0.0.1"
        assert all(spec.log_path == tmp_path / f"{spec.name}.log" for spec in specs)


def test_without_the_router_one_rasa_process_serves_the_public_port(tmp_path: Path) -> None:
    settings = Settings(auth_token="t", rasa_port=5005, router=False)
    specs = stack_specs(settings, {}, None, False, None)
    assert [(spec.name, spec.health_url) for spec in specs] == [("rasa", "http://127.0.0.1:5005/status?token=t")]


def test_a_public_port_in_use_is_said_plainly() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(CrashLoop, match=f"cannot listen on 127.0.0.1:{port}.*already running"):
            public_listener(Settings(rasa_port=port))
