"""Supervisor for the whole assistant: token, training, action server, Rasa server.

Why in Python and not a shell script: `make run`, the end-to-end tests and the benchmarks
all start the same stack the same way (on other ports, with other stores), wait for the
same readiness signal and stop every process they started, Ctrl-C included.

    python -m sedorum.server.stack train   # train only if data, domain or config changed
    python -m sedorum.server.stack run     # train if needed, then serve until Ctrl-C
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sedorum.settings import PROJECT_ROOT, Settings, ensure_env_file

MODEL_NAME = "sedorum"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
PYTHON = sys.executable


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
    settings: Settings
    processes: list[subprocess.Popen]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.rasa_port}"


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
        }
        for index, port in enumerate(settings.worker_ports)
    ]


@contextmanager
def running_stack(
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
    start_actions: bool = True,
    ready_timeout_s: float = 180,
) -> Iterator[RunningStack]:
    """Starts the action server and the Rasa processes with `env` overrides; stops all on exit.

    By default one Rasa process per core behind the router (SEDORUM_PROCESSES,
    SEDORUM_ROUTER=0 for a single Rasa process on the public port). `processes` is in start
    order: the action server first (if started), then the Rasa processes, then the router.
    """
    child_env = _child_env(env)
    saved = dict(os.environ)
    os.environ.update(child_env)
    try:
        settings = Settings.from_env()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    processes: list[subprocess.Popen] = []

    def start(module: str, name: str, extra: Mapping[str, str] | None = None) -> subprocess.Popen:
        out = open(log_dir / f"{name}.log", "ab") if log_dir else None  # noqa: SIM115
        proc = subprocess.Popen(
            [PYTHON, "-m", module],
            cwd=PROJECT_ROOT,
            env={**child_env, **(extra or {})},
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        processes.append(proc)
        return proc

    try:
        if log_dir:
            log_dir.mkdir(parents=True, exist_ok=True)
        if start_actions:
            say(f"Starting the action server on {settings.action_host}:{settings.action_port}")
            actions = start("sedorum.server.action_server", "actions")
        if settings.router:
            from sedorum.web.staff_auth import load_secret

            load_secret(settings.var_dir)  # created once here, not raced by the Rasa processes
            rasa_processes = [
                start("sedorum.server.rasa_server", f"rasa-{index}", extra)
                for index, extra in enumerate(worker_envs(settings), start=1)
            ]
            ports = ",".join(map(str, settings.worker_ports))
            say(f"Starting {len(rasa_processes)} Rasa processes on 127.0.0.1:{ports} (loading the model takes 10-30 s)")
            say(f"Starting the router on port {settings.rasa_port}: one process per conversation, fair queues")
            router = start(
                "sedorum.server.router",
                "router",
                {"SEDORUM_WORKER_PORTS": ",".join(map(str, settings.worker_ports))},
            )
        else:
            say(f"Starting the Rasa server on port {settings.rasa_port} (loading the model takes 10-20 s)")
            rasa_processes = [start("sedorum.server.rasa_server", "rasa")]
            router = rasa_processes[0]
        if start_actions:
            wait_for_http(f"http://{settings.action_host}:{settings.action_port}/health", ready_timeout_s, actions)
        if settings.router:
            for port, proc in zip(settings.worker_ports, rasa_processes, strict=True):
                wait_for_http(f"http://127.0.0.1:{port}/status?token={settings.auth_token}", ready_timeout_s, proc)
        wait_for_http(
            f"http://127.0.0.1:{settings.rasa_port}/status?token={settings.auth_token}", ready_timeout_s, router
        )
        yield RunningStack(settings, processes)
    finally:
        stop_processes(processes)


def stop_processes(processes: list[subprocess.Popen], grace_s: float = 10) -> None:
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


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
    with running_stack() as stack:
        say("The assistant is ready.")
        say(f"  Demo shop with the chat widget: {settings.base_url}/shop/")
        say(f"  Staff console:                  {settings.base_url}/staff/")
        say(f"  REST channel:                   POST {settings.base_url}/webhooks/rest/webhook")
        say("Press Ctrl-C to stop.")
        # Both set explicitly: a shell that starts us in the background ignores SIGINT.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
        try:
            while all(proc.poll() is None for proc in stack.processes):
                time.sleep(0.5)
            say("A server process stopped unexpectedly; stopping the rest.")
            return 1
        except KeyboardInterrupt:
            say("Stopping...")
    return 0


def _raise_keyboard_interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
