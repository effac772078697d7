"""The supervisor's process plumbing (sedorum/server/supervisor.py) with small real processes.

Each process is a few lines of Python: an HTTP server that answers its health URL, one that
exits at once, or one that exits with a configuration error. Short delays keep it fast.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from sedorum.server.restart_policy import RestartPolicy
from sedorum.server.supervisor import CrashLoop, ProcessSpec, Supervisor, answers

FAST = RestartPolicy(first_delay_s=0.05, max_delay_s=0.2, startup_attempts=3)
SERVE = """
import http.server, sys
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nobody() -> str:
    """A health URL nothing answers: the process never becomes ready."""
    return f"http://127.0.0.1:{free_port()}/"


def server_spec(name: str, tmp_path: Path) -> ProcessSpec:
    port = free_port()
    return ProcessSpec(
        name,
        [sys.executable, "-c", SERVE, str(port)],
        dict(os.environ),
        f"http://127.0.0.1:{port}/",
        tmp_path / "x.log",
    )


def wait_for(check, timeout_s: float = 20.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_process_is_started_again_and_serves_while_the_others_keep_running(tmp_path: Path) -> None:
    said: list[str] = []
    specs = [server_spec("alpha", tmp_path), server_spec("beta", tmp_path)]
    supervisor = Supervisor(specs, FAST, announce=said.append)
    try:
        supervisor.start()
        supervisor.wait_ready(20)
        beta = supervisor.process("beta")
        killed = supervisor.process("alpha")
        os.kill(killed.pid, signal.SIGKILL)
        assert wait_for(lambda: supervisor.process("alpha").pid != killed.pid)
        assert wait_for(lambda: any(line.startswith("alpha is back") for line in said))
        assert answers(specs[0].health_url or "")
        assert supervisor.process("beta") is beta and beta.poll() is None  # untouched
        assert supervisor.failure is None
        died = next(line for line in said if line.startswith("alpha (pid"))
        assert f"alpha (pid {killed.pid}) was killed by SIGKILL; starting it again in 0.1 s" in died
        assert "x.log" in died  # where to look
        assert supervisor.record("alpha").restarts == 1
    finally:
        supervisor.stop()
    assert all(process.poll() is not None for process in supervisor.processes)


def test_a_crash_loop_at_startup_gives_up_with_the_reason(tmp_path: Path) -> None:
    said: list[str] = []
    crashing = ProcessSpec("broken", [sys.executable, "-c", "raise SystemExit(1)"], dict(os.environ), nobody())
    healthy = server_spec("healthy", tmp_path)
    supervisor = Supervisor([healthy, crashing], FAST, announce=said.append)
    try:
        supervisor.start()
        with pytest.raises(CrashLoop, match="broken died at start-up 3 times in a row"):
            supervisor.wait_ready(20)
        assert supervisor.wait(poll_s=0.05).startswith("broken died at start-up 3 times")
        assert said[-1].startswith("Giving up: broken died at start-up 3 times in a row (last: exited with code 1)")
        assert supervisor.record("broken").restarts == 2
    finally:
        supervisor.stop()


def test_a_configuration_refusal_is_given_up_at_once(tmp_path: Path) -> None:
    refusing = ProcessSpec("rasa-1", [sys.executable, "-c", "raise SystemExit(2)"], dict(os.environ), nobody())
    supervisor = Supervisor([refusing], FAST, announce=lambda _: None)
    try:
        supervisor.start()
        with pytest.raises(CrashLoop, match="exited with code 2 at start-up"):
            supervisor.wait_ready(20)
        assert supervisor.record("rasa-1").restarts == 0
    finally:
        supervisor.stop()


def test_stop_ends_every_process_and_no_restart_follows(tmp_path: Path) -> None:
    supervisor = Supervisor([server_spec("alpha", tmp_path)], FAST, announce=lambda _: None)
    supervisor.start()
    supervisor.wait_ready(20)
    first = supervisor.process("alpha")
    supervisor.stop()
    assert first.poll() is not None
    time.sleep(0.3)  # longer than the restart delay
    assert supervisor.process("alpha") is first
