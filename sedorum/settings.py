"""Runtime settings, read once from environment variables with safe defaults.

Why one module: every process (Rasa server, action server, supervisor, tests) must agree on
ports, paths and stores; reading `os.environ` in one place keeps the defaults in one place
and documents every variable (docs/configuration.md).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sedorum.vocabulary import MAX_MESSAGE_CHARS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _flag(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").lower() not in ("0", "false", "no", "off")


def _csv(name: str, default: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _env(name, default).split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything a process needs to know about where things are and who may talk to it."""

    auth_token: str = ""
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    model_dir: Path = PROJECT_ROOT / "models"
    var_dir: Path = PROJECT_ROOT / "var"
    tracker_db_url: str = ""
    redis_url: str = ""
    rabbitmq_url: str = ""
    rabbitmq_queue: str = "rasa_events"
    action_url: str = ""
    action_timeout_s: float = 10.0
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    # --- hardening (sedorum/edge/hardening.py, docs/security-and-privacy.md) ---
    max_body_bytes: int = 16 * 1024
    max_api_body_bytes: int = 1024 * 1024
    max_message_chars: int = MAX_MESSAGE_CHARS
    rate_ip_per_s: float = 30.0
    rate_ip_burst: int = 600
    rate_sender_per_s: float = 1.0
    rate_sender_burst: int = 30
    proxies_count: int = 0
    action_token: str = ""
    jwt_secret: str = ""
    jwt_method: str = "HS256"
    retention_days: float = 30.0
    retention_interval_h: float = 6.0
    # Performance bounds (sedorum/patches/performance.py, docs/performance.md).
    lock_poll_ms: float = 10.0
    session_max_turns: int = 25
    # 0 = every event of the session: the actions read every visitor message (the safety engine
    # reads facts from the whole conversation); a positive N sends only the last N user turns.
    action_event_turns: int = 0
    action_http_pool: bool = True
    sqlite_fast_commit: bool = True
    fast_model_load: bool = True
    lazy_ted: bool = True
    # Processes (sedorum/server/router.py, docs/performance.md): 0 = one per core.
    processes: int = 0
    inflight_per_process: int = 2
    router: bool = True
    # Each Rasa process answers one message before "ready" (sedorum/server/warm_up.py).
    warm_up: bool = True
    worker_base_port: int = 6005
    # Supervision (sedorum/server/restart_policy.py, docs/scaling.md "When a process dies").
    restart_first_delay_s: float = 0.5
    restart_max_delay_s: float = 10.0
    restart_startup_attempts: int = 5

    @classmethod
    def from_env(cls) -> Settings:
        rasa_port = int(_env("SEDORUM_RASA_PORT", "5005"))
        action_port = int(_env("SEDORUM_ACTION_PORT", "5055"))
        action_host = _env("SEDORUM_ACTION_HOST", "127.0.0.1")
        default_origins = f"http://localhost:{rasa_port},http://127.0.0.1:{rasa_port}"
        return cls(
            auth_token=os.environ.get("RASA_AUTH_TOKEN", "").strip(),
            host=_env("SEDORUM_HOST", "127.0.0.1"),
            rasa_port=rasa_port,
            action_host=action_host,
            action_port=action_port,
            model_dir=Path(_env("SEDORUM_MODEL_DIR", str(PROJECT_ROOT / "models"))),
            var_dir=Path(_env("SEDORUM_VAR_DIR", str(PROJECT_ROOT / "var"))),
            tracker_db_url=_env("SEDORUM_TRACKER_DB_URL", ""),
            redis_url=_env("SEDORUM_REDIS_URL", ""),
            rabbitmq_url=_env("SEDORUM_RABBITMQ_URL", ""),
            rabbitmq_queue=_env("SEDORUM_RABBITMQ_QUEUE", "rasa_events"),
            action_url=_env("SEDORUM_ACTION_URL", f"http://127.0.0.1:{action_port}/webhook"),
            action_timeout_s=float(_env("SEDORUM_ACTION_TIMEOUT_S", "10")),
            allowed_origins=_csv("SEDORUM_ALLOWED_ORIGINS", default_origins),
            max_body_bytes=int(_env("SEDORUM_MAX_BODY_BYTES", str(16 * 1024))),
            max_api_body_bytes=int(_env("SEDORUM_MAX_API_BODY_BYTES", str(1024 * 1024))),
            max_message_chars=int(_env("SEDORUM_MAX_MESSAGE_CHARS", str(MAX_MESSAGE_CHARS))),
            rate_ip_per_s=float(_env("SEDORUM_RATE_IP_PER_S", "30")),
            rate_ip_burst=int(_env("SEDORUM_RATE_IP_BURST", "600")),
            rate_sender_per_s=float(_env("SEDORUM_RATE_SENDER_PER_S", "1")),
            rate_sender_burst=int(_env("SEDORUM_RATE_SENDER_BURST", "30")),
            proxies_count=int(_env("SEDORUM_PROXIES_COUNT", "0")),
            action_token=os.environ.get("SEDORUM_ACTION_TOKEN", "").strip(),
            jwt_secret=os.environ.get("SEDORUM_JWT_SECRET", "").strip(),
            jwt_method=_env("SEDORUM_JWT_METHOD", "HS256"),
            retention_days=float(_env("SEDORUM_RETENTION_DAYS", "30")),
            retention_interval_h=float(_env("SEDORUM_RETENTION_INTERVAL_H", "6")),
            lock_poll_ms=float(_env("SEDORUM_LOCK_POLL_MS", "10")),
            session_max_turns=int(_env("SEDORUM_SESSION_MAX_TURNS", "25")),
            action_event_turns=int(_env("SEDORUM_ACTION_EVENT_TURNS", "0")),
            action_http_pool=_flag("SEDORUM_ACTION_HTTP_POOL", True),
            sqlite_fast_commit=_flag("SEDORUM_SQLITE_FAST_COMMIT", True),
            fast_model_load=_flag("SEDORUM_FAST_MODEL_LOAD", True),
            lazy_ted=_flag("SEDORUM_LAZY_TED", True),
            processes=int(_env("SEDORUM_PROCESSES", "0")),
            inflight_per_process=int(_env("SEDORUM_INFLIGHT_PER_PROCESS", "2")),
            router=_flag("SEDORUM_ROUTER", True),
            warm_up=_flag("SEDORUM_WARM_UP", True),
            worker_base_port=int(_env("SEDORUM_WORKER_BASE_PORT", str(rasa_port + 1000))),
            restart_first_delay_s=float(_env("SEDORUM_RESTART_FIRST_DELAY_S", "0.5")),
            restart_max_delay_s=float(_env("SEDORUM_RESTART_MAX_DELAY_S", "10")),
            restart_startup_attempts=int(_env("SEDORUM_RESTART_STARTUP_ATTEMPTS", "5")),
        )

    @property
    def process_count(self) -> int:
        """Rasa processes to start: SEDORUM_PROCESSES, or one per core this process may use."""
        if self.processes > 0:
            return self.processes
        return max(1, len(os.sched_getaffinity(0)))

    @property
    def worker_ports(self) -> tuple[int, ...]:
        """Loopback ports of the Rasa processes behind the router."""
        return tuple(self.worker_base_port + 1 + index for index in range(self.process_count))

    @property
    def base_url(self) -> str:
        host = "localhost" if self.host in ("0.0.0.0", "127.0.0.1") else self.host
        return f"http://{host}:{self.rasa_port}"


def ensure_env_file(path: Path = PROJECT_ROOT / ".env") -> None:
    """Loads .env into os.environ, creating it with a fresh API token on first run.

    Here, beside the settings it feeds, so every entry point (the supervisor, the channel set-up
    commands, the benchmarks) reads the same variables without importing the supervisor.
    """
    if not path.exists():
        token = secrets.token_urlsafe(32)
        path.write_text(
            f"# Generated on first run; never commit this file.\nRASA_AUTH_TOKEN={token}\n", encoding="utf-8"
        )
        path.chmod(0o600)
        print(f"==> Generated an API token into {path.name}", flush=True)
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())
