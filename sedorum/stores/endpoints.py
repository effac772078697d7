"""Builds Rasa's endpoint configuration: `endpoints.yml` defaults, switched by environment.

Why not `${VAR}` inside endpoints.yml: Rasa refuses to start when a referenced variable is
unset, so a file with placeholders could not also be the embedded default. Instead the file
holds the defaults (SQLite, in-memory lock) and this module swaps in PostgreSQL, Redis and
RabbitMQ when their URL variables are set.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig

from sedorum.settings import PROJECT_ROOT, Settings

# SQL tracker store that can erase conversations (S12, retention).
ERASABLE_SQL_STORE = "sedorum.stores.tracker_store.ErasableSQLTrackerStore"


def build_endpoints(settings: Settings) -> AvailableEndpoints:
    """The endpoints every Rasa process of this deployment uses."""
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml"))
    endpoints.action = action_endpoint_config(settings)
    endpoints.tracker_store = tracker_store_config(settings)
    endpoints.lock_store = lock_store_config(settings, endpoints.lock_store)
    endpoints.event_broker = event_broker_config(settings) or endpoints.event_broker
    return endpoints


def action_endpoint_config(settings: Settings) -> EndpointConfig:
    """The action server; with SEDORUM_ACTION_TOKEN set, every call carries it as a Bearer header."""
    headers = {"Authorization": f"Bearer {settings.action_token}"} if settings.action_token else None
    return EndpointConfig(url=settings.action_url, headers=headers)


def tracker_store_config(settings: Settings) -> EndpointConfig:
    """PostgreSQL when SEDORUM_TRACKER_DB_URL is set, else a SQLite file under var/."""
    if settings.tracker_db_url:
        url = urlparse(settings.tracker_db_url)
        return EndpointConfig(
            type=ERASABLE_SQL_STORE,
            dialect="postgresql",
            url=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            db=url.path.lstrip("/") or "rasa",
            username=unquote(url.username or ""),
            password=unquote(url.password or ""),
            login_db=None,
        )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return EndpointConfig(type=ERASABLE_SQL_STORE, dialect="sqlite", db=str(settings.var_dir / "tracker.db"))


def lock_store_config(settings: Settings, default: EndpointConfig | None) -> EndpointConfig | None:
    """Redis when SEDORUM_REDIS_URL is set (needed by several Sanic workers or replicas)."""
    if not settings.redis_url:
        return default
    url = urlparse(settings.redis_url)
    return EndpointConfig(
        type="redis",
        url=url.hostname or "127.0.0.1",
        port=url.port or 6379,
        db=int(url.path.lstrip("/") or 0),
        password=unquote(url.password) if url.password else None,
        key_prefix="sedorum",
    )


def event_broker_config(settings: Settings) -> EndpointConfig | None:
    """RabbitMQ (pika) when SEDORUM_RABBITMQ_URL is set; analytics consumers read the queue."""
    if not settings.rabbitmq_url:
        return None
    url = urlparse(settings.rabbitmq_url)
    return EndpointConfig(
        type="pika",
        url=url.hostname or "127.0.0.1",
        port=url.port or 5672,
        username=unquote(url.username or "guest"),
        password=unquote(url.password or "guest"),
        queues=[settings.rabbitmq_queue],
    )
