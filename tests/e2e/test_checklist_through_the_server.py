"""The generated behaviour tests, a sample through the real servers (REST, Rasa, action server).

Why a sample: the engine-level run (tests/unit/evaluation/test_checklist.py) reads thousands of
cases without a server; this one sends one case of every capability whose expectation shows in
the reply's words (a dose figure or its absence, an emergency reply) to the running assistant,
so the NLU, the dialogue policies and the actions are in the path too.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from evaluation.checklist import Case, expand, judge_reply, load_checklist, sample
from evaluation.scenarios import reply_texts
from sedorum.server.stack import RunningStack

CASES = sample(expand(load_checklist()))


def test_the_sample_covers_many_capabilities() -> None:
    assert len({case.capability for case in CASES}) >= 40


@pytest.mark.parametrize("case", CASES, ids=[case.capability for case in CASES])
def test_checklist_case(stack: RunningStack, case: Case) -> None:
    sender = f"checklist-{uuid.uuid4().hex[:10]}"
    messages: list[str] = []
    for text in case.turns:
        reply = requests.post(
            f"{stack.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        assert reply.status_code == 200
        messages = reply_texts(reply.json())
    failures = judge_reply(case, messages)
    assert not failures, f"{failures}\nturns: {list(case.turns)}\nlast reply: {messages}"
