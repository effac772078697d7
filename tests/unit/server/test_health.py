"""The command-line health check (sedorum/server/health.py) used by systemd and containers."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from sedorum.server.health import main


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_exit_0_when_the_url_answers_and_1_when_it_fails_or_nothing_listens(server: str) -> None:
    assert main([f"{server}/health"]) == 0
    assert main([f"{server}/broken"]) == 1  # 503: not healthy
    assert main([f"http://127.0.0.1:{free_port()}/health"]) == 1


def test_wait_keeps_trying_until_the_process_listens() -> None:
    port = free_port()

    def start_later() -> None:
        time.sleep(1.0)
        httpd = http.server.HTTPServer(("127.0.0.1", port), Answer)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

    threading.Thread(target=start_later, daemon=True).start()
    assert main([f"http://127.0.0.1:{port}/health", "--wait", "20"]) == 0
