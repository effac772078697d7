"""Supervisor for the whole assistant: token, training, action server, Rasa server.

Why in Python and not a shell script: `make run`, the end-to-end tests and the benchmarks
all start the same stack the same way (on other ports, with other stores), wait for the
same readiness signal, restart a process that dies (sedorum/server/supervisor.py) and stop
every process they started, Ctrl-C included. Only a crash loop at start-up stops everything
by itself, with the reason printed and a non-zero exit.

    python -m sedorum.server.stack train   # train only if data, domain or config changed
    python -m sedorum.server.stack run     # train if needed, then serve until Ctrl-C
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sedorum.server.restart_policy import RestartPolicy
from sedorum.server.router import LISTEN_BACKLOG, LISTEN_FD_VARIABLE, ROUTER_HEALTH_PATH
from sedorum.server.supervisor import CrashLoop, ProcessSpec, Supervisor
from sedorum.server.supervisor import stop_processes as stop_processes  # used by the launcher and benchmarks
from sedorum.server.warm_up import WarmUp, warm_up_all
from sedorum.settings import PROJECT_ROOT, Settings, ensure_env_file

MODEL_NAME = "sedorum"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
PYTHON = sys.executable
WARM_UP_TIMEOUT_S = 60  # a process that cannot answer by then serves anyway (the first visitor waits)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def training_fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        target = root / name
        files = sorted(target.rglob("*.yml")) if target.is_dir() else [target]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def train_if_needed(model_dir: Path, force: bool = False) -> Path:
    """Trains into model_dir/sedorum.tar.gz unless the stored fingerprint still matches.

    A file lock makes concurrent callers (tests, benchmarks, `make run`) wait for one
    training instead of racing to write the same model.
    """
    import fcntl

    model_dir.mkdir(parents=True, exist_ok=True)
    with open(model_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _train_locked(model_dir, force)


def _train_locked(model_dir: Path, force: bool) -> Path:
    model = model_dir / f"{MODEL_NAME}.tar.gz"
    stamp = model_dir / f"{MODEL_NAME}.fingerprint"
    wanted = training_fingerprint()
    if not force and model.exists() and stamp.exists() and stamp.read_text() == wanted:
        say(f"Model is up to date ({model.relative_to(PROJECT_ROOT) if model.is_relative_to(PROJECT_ROOT) else model})")
        return model
    say("Training the model (about two minutes on two cores)...")
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "-m", "rasa", "train", "--fixed-model-name", MODEL_NAME, "--out", str(model_dir), "--force"],
        cwd=PROJECT_ROOT,
        env=_child_env(),
        check=True,
    )
    stamp.write_text(wanted)
    say(f"Trained in {time.monotonic() - started:.0f} s")
    return model


def _child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra or {})
    return env


def wait_for_http(url: str, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s")


@dataclass
class RunningStack:
    """The started stack: its settings and the supervisor that keeps its processes running."""

    settings: Settings
    supervisor: Supervisor
    # How each Rasa process answered its warm-up message before "ready" (name -> result).
    warm_ups: dict[str, WarmUp] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.rasa_port}"

    @property
    def processes(self) -> list[subprocess.Popen]:
        """The current processes in start order: action server (if started), Rasa, router."""
        return self.supervisor.processes

    def process(self, name: str) -> subprocess.Popen:
        """The current process of `name`: "actions", "rasa-1", "rasa-2", ..., "router" (or "rasa")."""
        return self.supervisor.process(name)

    @property
    def restarts(self) -> dict[str, int]:
        """How often each process that died was started again (only those that did)."""
        counts = {name: self.supervisor.record(name).restarts for name in self.supervisor.slots}
        return {name: count for name, count in counts.items() if count}


def worker_envs(settings: Settings) -> list[dict[str, str]]:
    """Environment of each Rasa process behind the router (sedorum/server/router.py).

    Loopback only, on its own port; browsers still see the router's origin, and the client
    address arrives in X-Forwarded-For, one proxy more than the deployment has.
    """
    return [
        {
            "SEDORUM_RASA_PORT": str(port),
            "SEDORUM_HOST": "127.0.0.1",
            "SEDORUM_ALLOWED_ORIGINS": ",".join(settings.allowed_origins),
            "SEDORUM_PROXIES_COUNT": str(settings.proxies_count + 1),
            "SEDORUM_PROCESS_INDEX": str(index),
            # Every process's port: a widget message for a socket another process holds goes there.
            "SEDORUM_WORKER_PORTS": ",".join(map(str, settings.worker_ports)),
        }
        for index, port in enumerate(settings.worker_ports)
    ]


def warm_up_targets(settings: Settings) -> dict[str, str]:
    """Each Rasa process by name, with the address the warm-up message goes to (its own port)."""
    if not settings.router:
        return {"rasa": f"http://127.0.0.1:{settings.rasa_port}"}
    return {f"rasa-{index}": f"http://127.0.0.1:{port}" for index, port in enumerate(settings.worker_ports, start=1)}


def warm_up_processes(settings: Settings, timeout_s: float) -> dict[str, WarmUp]:
    """Every Rasa process answers one message (and calls the action server once) before "ready"."""
    results = warm_up_all(warm_up_targets(settings), settings.auth_token, timeout_s)
    for name, result in results.items():
        if result.answered:
            say(f"{name} is warm: it answered its first message in {result.first_reply_ms:.0f} ms (not stored)")
        else:
            say(f"{name} did not answer its warm-up message ({result.detail}); its first visitor may wait longer")
    return results


def restart_policy(settings: Settings) -> RestartPolicy:
    return RestartPolicy(
        first_delay_s=settings.restart_first_delay_s,
        max_delay_s=settings.restart_max_delay_s,
        startup_attempts=settings.restart_startup_attempts,
    )


def public_listener(settings: Settings) -> socket.socket:
    """The router's listening socket, opened here and handed to every router process we start.

    Why the supervisor holds it: while the router restarts, visitors' connections wait in the
    socket's queue instead of being refused (as with systemd socket activation); the new router
    process accepts them.
    """
    try:
        listener = socket.create_server((settings.host, settings.rasa_port), backlog=LISTEN_BACKLOG)
    except OSError as error:
        raise CrashLoop(
            f"cannot listen on {settings.host}:{settings.rasa_port} ({error.strerror}); "
            "is the assistant already running? SEDORUM_RASA_PORT chooses another port"
        ) from error
    listener.set_inheritable(True)
    return listener


def stack_specs(
    settings: Settings,
    child_env: Mapping[str, str],
    log_dir: Path | None,
    start_actions: bool,
    listener: socket.socket | None,
) -> list[ProcessSpec]:
    """The processes of the stack in start order, with the health URL each one is watched by."""

    def spec(name: str, module: str, health_url: str, extra: Mapping[str, str] | None = None, **kw: Any) -> ProcessSpec:
        return ProcessSpec(
            name,
            [PYTHON, "-m", module],
            {**child_env, **(extra or {})},
            health_url,
            log_dir / f"{name}.log" if log_dir else None,
            **kw,
        )

    token = settings.auth_token
    specs = []
    if start_actions:
        specs.append(
            spec(
                "actions",
                "sedorum.server.action_server",
                f"http://{settings.action_host}:{settings.action_port}/health",
            )
        )
    if settings.router:
        assert listener is not None
        specs.extend(
            spec(f"rasa-{index}", "sedorum.server.rasa_server", f"http://127.0.0.1:{port}/status?token={token}", extra)
            for index, (port, extra) in enumerate(
                zip(settings.worker_ports, worker_envs(settings), strict=True), start=1
            )
        )
        specs.append(
            spec(
                "router",
                "sedorum.server.router",
                f"http://127.0.0.1:{settings.rasa_port}{ROUTER_HEALTH_PATH}",
                {
                    "SEDORUM_WORKER_PORTS": ",".join(map(str, settings.worker_ports)),
                    LISTEN_FD_VARIABLE: str(listener.fileno()),
                },
                pass_fds=(listener.fileno(),),
            )
        )
    else:
        specs.append(
            spec("rasa", "sedorum.server.rasa_server", f"http://127.0.0.1:{settings.rasa_port}/status?token={token}")
        )
    return specs


@contextmanager
def running_stack(
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
    start_actions: bool = True,
    ready_timeout_s: float = 180,
) -> Iterator[RunningStack]:
    """Starts the action server and the Rasa processes with `env` overrides; stops all on exit.

    By default one Rasa process per core behind the router (SEDORUM_PROCESSES,
    SEDORUM_ROUTER=0 for a single Rasa process on the public port). Every process is
    supervised (sedorum/server/supervisor.py): one that dies is started again while the
    others keep serving. `processes` is in start order: the action server first (if started),
    then the Rasa processes, then the router.
    """
    child_env = _child_env(env)
    saved = dict(os.environ)
    os.environ.update(child_env)
    try:
        settings = Settings.from_env()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
    listener = public_listener(settings) if settings.router else None
    supervisor = Supervisor(
        stack_specs(settings, child_env, log_dir, start_actions, listener), restart_policy(settings)
    )
    try:
        if start_actions:
            say(f"Starting the action server on {settings.action_host}:{settings.action_port}")
        if settings.router:
            from sedorum.web.staff_auth import load_secret

            load_secret(settings.var_dir)  # created once here, not raced by the Rasa processes
            ports = ",".join(map(str, settings.worker_ports))
            say(
                f"Starting {settings.process_count} Rasa processes on 127.0.0.1:{ports} "
                "(loading the model takes 10-30 s)"
            )
            say(f"Starting the router on port {settings.rasa_port}: one process per conversation, fair queues")
        else:
            say(f"Starting the Rasa server on port {settings.rasa_port} (loading the model takes 10-20 s)")
        supervisor.start()
        supervisor.wait_ready(ready_timeout_s)
        wait_for_http(f"http://127.0.0.1:{settings.rasa_port}/status?token={settings.auth_token}", ready_timeout_s)
        warmed = warm_up_processes(settings, min(ready_timeout_s, WARM_UP_TIMEOUT_S)) if settings.warm_up else {}
        yield RunningStack(settings, supervisor, warmed)
    finally:
        supervisor.stop()
        if listener is not None:
            listener.close()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "run"
    ensure_env_file()
    settings = Settings.from_env()
    if command == "train":
        train_if_needed(settings.model_dir, force="--force" in argv)
        return 0
    if command != "run":
        print(__doc__, file=sys.stderr)
        return 2
    train_if_needed(settings.model_dir)
    from sedorum.handoff.accounts import ensure_demo_account  # first run: a console login, printed once

    ensure_demo_account(PROJECT_ROOT / ".env")
    # Both set explicitly: a shell that starts us in the background ignores SIGINT.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    try:
        with running_stack() as stack:
            say("The assistant is ready.")
            say(f"  Demo shop with the chat widget: {settings.base_url}/shop/")
            say(f"  Staff console:                  {settings.base_url}/staff/")
            say(f"  REST channel:                   POST {settings.base_url}/webhooks/rest/webhook")
            say("A process that dies is started again; press Ctrl-C to stop.")
            try:
                reason = stack.supervisor.wait()
            except KeyboardInterrupt:
                say("Stopping...")
                return 0
            say(f"Stopping every process: {reason}.")
            return 1
    except CrashLoop as error:
        say(f"Stopped every process: {error}.")
        return 1
    except KeyboardInterrupt:
        say("Stopped.")
        return 0


def _raise_keyboard_interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
