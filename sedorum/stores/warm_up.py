"""The conversation id of the start-up warm-up turn, which the tracker store never writes.

Why derived from the API token: only whoever holds the token (the supervisor that starts the
Rasa processes, sedorum/server/warm_up.py) can send a turn that is not stored; a visitor who
guesses the prefix gets an ordinary, stored conversation. No Rasa import here: the supervisor
uses it without loading Rasa.
"""

from __future__ import annotations

import functools
import hashlib
import os

WARM_UP_PREFIX = "warm-up-"


@functools.lru_cache(maxsize=4)
def warm_up_sender(token: str) -> str:
    """The warm-up turn's conversation id; "" without a token (then nothing matches)."""
    if not token:
        return ""
    return WARM_UP_PREFIX + hashlib.sha256(f"sedorum warm-up {token}".encode()).hexdigest()[:24]


def is_warm_up(sender_id: str, token: str | None = None) -> bool:
    """True for the warm-up turn's conversation (token: RASA_AUTH_TOKEN unless given)."""
    wanted = warm_up_sender(os.environ.get("RASA_AUTH_TOKEN", "").strip() if token is None else token)
    return bool(wanted) and sender_id == wanted
