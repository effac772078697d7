"""Each Rasa process answers one real message before the assistant says it is ready.

Why: a Rasa process that has just loaded its model still does work on its first message that
no later message repeats (parts of the NLU pipeline and the policies run for the first time,
the connection to the action server is opened), so the first visitor of each process waited
longer than the next one (bench/results/load.json `first_reply_after_ready_ms`). The supervisor (stack.py) sends
each process, directly on its own loopback port, one REST turn that needs a custom action
(a dose question: the NLU, the policies, the action server and the reply all run once) and
waits for its answer before printing "The assistant is ready.".

The turn is sent as a conversation whose id is derived from the API token
(sedorum/stores/tracker_store.py `warm_up_sender`); the tracker store never writes it, so it
is not in the stored conversations, the staff console or the insights.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sedorum.stores.warm_up import warm_up_sender

# Needs a custom action (action_answer_dosage): the action server answers one call too.
WARM_UP_MESSAGE = "how much magnesium can I take a day?"
# What the assistant says when a custom action failed (sedorum/patches/turns.py): not warm yet.
TROUBLE_MARK = "something went wrong on our side"
RETRY_PAUSE_S = 1.0
REQUEST_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class WarmUp:
    """How one process answered its warm-up message."""

    name: str
    answered: bool
    first_reply_ms: float  # of the attempt that was answered (or the last one)
    attempts: int
    detail: str = ""


def send_turn(base_url: str, sender: str, text: str, timeout_s: float) -> list[dict]:
    """One REST turn; the replies. Raises OSError/ValueError when there is no usable answer."""
    request = urllib.request.Request(
        f"{base_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout_s) as reply:
        body = json.loads(reply.read() or b"[]")
    if not isinstance(body, list):
        raise ValueError(f"unexpected answer: {str(body)[:80]}")
    return body


def problem(replies: list[dict]) -> str:
    """Why these replies do not show a warm process ("" when they do)."""
    texts = [str(message.get("text") or "") for message in replies]
    if not any(texts):
        return "no reply"
    if any(TROUBLE_MARK in text for text in texts):
        return "a custom action failed (is the action server up?)"
    return ""


def warm_up(
    name: str,
    base_url: str,
    token: str,
    timeout_s: float,
    send: Callable[[str, str, str, float], list[dict]] = send_turn,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> WarmUp:
    """Sends the warm-up message to one process until it is answered properly or `timeout_s` passes."""
    sender = warm_up_sender(token)
    deadline = clock() + timeout_s
    attempts = 0
    while True:
        attempts += 1
        started = clock()
        try:
            why = problem(send(base_url, sender, WARM_UP_MESSAGE, min(REQUEST_TIMEOUT_S, timeout_s)))
        except (OSError, ValueError) as error:
            why = f"{type(error).__name__}: {error}"
        elapsed_ms = round((clock() - started) * 1000, 1)
        if not why:
            return WarmUp(name, True, elapsed_ms, attempts)
        if clock() + RETRY_PAUSE_S > deadline:
            return WarmUp(name, False, elapsed_ms, attempts, why)
        pause(RETRY_PAUSE_S)


def warm_up_all(targets: Mapping[str, str], token: str, timeout_s: float) -> dict[str, WarmUp]:
    """Warms every process of `targets` (name -> base URL) at the same time."""
    if not targets:
        return {}
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        futures = {name: pool.submit(warm_up, name, url, token, timeout_s) for name, url in targets.items()}
        return {name: future.result() for name, future in futures.items()}
