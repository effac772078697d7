"""The warm-up turn's conversation id (sedorum/stores/warm_up.py)."""

from __future__ import annotations

import pytest

from sedorum.stores.warm_up import WARM_UP_PREFIX, is_warm_up, warm_up_sender


def test_the_id_comes_from_the_token_without_showing_it() -> None:
    warm = warm_up_sender("secret-token")
    assert warm.startswith(WARM_UP_PREFIX) and "secret" not in warm
    assert warm == warm_up_sender("secret-token")
    assert warm != warm_up_sender("another-token")


def test_the_running_process_s_token_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "secret-token")
    assert is_warm_up(warm_up_sender("secret-token"))
    assert not is_warm_up(warm_up_sender("another-token"))
    assert not is_warm_up(WARM_UP_PREFIX + "0" * 24)


def test_without_a_token_no_conversation_counts_as_the_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    assert warm_up_sender("") == ""
    assert not is_warm_up("")
    assert not is_warm_up(WARM_UP_PREFIX)
