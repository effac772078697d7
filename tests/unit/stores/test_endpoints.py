"""Start-up configuration: store switching by environment, channel credentials, patches."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sedorum.channels.credentials import enabled_channel_credentials
from sedorum.settings import Settings
from sedorum.stores.endpoints import ERASABLE_SQL_STORE, build_endpoints


def settings_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Settings:
    for name in ("SEDORUM_TRACKER_DB_URL", "SEDORUM_REDIS_URL", "SEDORUM_RABBITMQ_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEDORUM_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


def test_embedded_defaults_need_no_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    endpoints = build_endpoints(settings_from(monkeypatch, tmp_path))
    assert endpoints.tracker_store.type == ERASABLE_SQL_STORE
    assert endpoints.tracker_store.kwargs["dialect"] == "sqlite"
    assert endpoints.tracker_store.kwargs["db"] == str(tmp_path / "tracker.db")
    assert endpoints.lock_store.type == "in_memory"
    assert endpoints.event_broker is None
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"


def test_environment_switches_to_postgres_redis_and_rabbitmq(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = settings_from(
        monkeypatch,
        tmp_path,
        SEDORUM_TRACKER_DB_URL="postgresql://rasa:s%40cret@db.local:6543/conversations",
        SEDORUM_REDIS_URL="redis://:pw@127.0.0.1:6380/3",
        SEDORUM_RABBITMQ_URL="amqp://user:pass@127.0.0.1:5673/",
    )
    endpoints = build_endpoints(settings)
    tracker = endpoints.tracker_store
    assert (tracker.kwargs["dialect"], tracker.url, tracker.kwargs["port"]) == ("postgresql", "db.local", 6543)
    assert (tracker.kwargs["db"], tracker.kwargs["username"], tracker.kwargs["password"]) == (
        "conversations",
        "rasa",
        "s@cret",
    )
    lock = endpoints.lock_store
    assert (lock.type, lock.url, lock.kwargs["port"], lock.kwargs["db"], lock.kwargs["password"]) == (
        "redis",
        "127.0.0.1",
        6380,
        3,
        "pw",
    )
    broker = endpoints.event_broker
    assert (broker.type, broker.kwargs["port"], broker.kwargs["username"]) == ("pika", 5673, "user")


def test_channel_with_unset_variable_is_off_and_others_stay_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text("rest:\nsocketio:\n  session_persistence: true\ntelegram:\n  access_token: ${T_TOKEN}\n")
    monkeypatch.delenv("T_TOKEN", raising=False)
    assert set(enabled_channel_credentials(path)) == {"rest", "socketio"}
    monkeypatch.setenv("T_TOKEN", "abc")
    enabled = enabled_channel_credentials(path)
    assert enabled["telegram"] == {"access_token": "abc"}


def test_sanic_websocket_patch_passes_tasks_to_asyncio_wait() -> None:
    from sanic.server.websockets.impl import WebsocketImplProtocol

    from sedorum.patches.compat import patch_sanic_websockets

    patch_sanic_websockets()
    patch_sanic_websockets()  # idempotent
    for method in (WebsocketImplProtocol.recv, WebsocketImplProtocol.recv_burst):
        assert "ensure_future" in method.__code__.co_names
        assert asyncio.iscoroutinefunction(method)
