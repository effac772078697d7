"""The warm-up turn each Rasa process answers before "ready" (sedorum/server/warm_up.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sedorum.server.stack import warm_up_targets
from sedorum.server.warm_up import WARM_UP_MESSAGE, problem, warm_up, warm_up_all
from sedorum.settings import Settings
from sedorum.stores.warm_up import warm_up_sender

DOSE_REPLY = [{"recipient_id": "x", "text": "Adults can take up to 250 mg a day."}]
TROUBLE_REPLY = [{"recipient_id": "x", "text": "Sorry, something went wrong on our side. Ask your doctor."}]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_proper_answer_is_warm_a_failed_action_or_silence_is_not() -> None:
    assert problem(DOSE_REPLY) == ""
    assert "custom action failed" in problem(TROUBLE_REPLY)
    assert problem([]) == "no reply"
    assert problem([{"recipient_id": "x", "image": "a.png"}]) == "no reply"


def test_it_sends_the_dose_question_as_the_token_s_warm_up_conversation_until_answered() -> None:
    clock = FakeClock()
    answers: list[list[dict] | Exception] = [OSError("refused"), TROUBLE_REPLY, DOSE_REPLY]
    sent: list[tuple[str, str, str]] = []

    def send(url: str, sender: str, text: str, _timeout: float) -> list[dict]:
        sent.append((url, sender, text))
        clock.now += 0.5
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    result = warm_up("rasa-1", "http://127.0.0.1:6006", "tok", 30, send=send, clock=clock, pause=clock.sleep)
    assert result.answered and result.attempts == 3 and result.first_reply_ms == 500.0
    assert sent == [("http://127.0.0.1:6006", warm_up_sender("tok"), WARM_UP_MESSAGE)] * 3


def test_it_gives_up_after_the_timeout_and_says_why() -> None:
    clock = FakeClock()

    def send(*_: object) -> list[dict]:
        return TROUBLE_REPLY

    result = warm_up("rasa-2", "http://x", "tok", 5, send=send, clock=clock, pause=clock.sleep)
    assert not result.answered
    assert "action server" in result.detail
    assert 4 <= result.attempts <= 6


class _Rasa(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Rasa.received.append({"path": self.path, **body})
        payload = json.dumps(DOSE_REPLY).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def fake_rasa() -> Iterator[str]:
    _Rasa.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Rasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_every_process_gets_its_own_rest_turn_over_http(fake_rasa: str) -> None:
    results = warm_up_all({"rasa-1": fake_rasa, "rasa-2": fake_rasa}, "tok", 10)
    assert sorted(results) == ["rasa-1", "rasa-2"]
    assert all(result.answered and result.attempts == 1 for result in results.values())
    assert (
        _Rasa.received
        == [{"path": "/webhooks/rest/webhook", "sender": warm_up_sender("tok"), "message": WARM_UP_MESSAGE}] * 2
    )


def test_the_warm_up_goes_to_each_process_s_own_port() -> None:
    settings = Settings(auth_token="t", rasa_port=5005, processes=2, worker_base_port=6005)
    assert warm_up_targets(settings) == {"rasa-1": "http://127.0.0.1:6006", "rasa-2": "http://127.0.0.1:6007"}
    single = Settings(auth_token="t", rasa_port=5005, router=False)
    assert warm_up_targets(single) == {"rasa": "http://127.0.0.1:5005"}
