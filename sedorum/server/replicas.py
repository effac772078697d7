"""Runs several Rasa servers and action servers on one machine behind nginx.

    SEDORUM_TRACKER_DB_URL=postgresql://postgres@127.0.0.1:5432/rasa \\
    SEDORUM_REDIS_URL=redis://127.0.0.1:6379/0 \\
    python -m sedorum.server.replicas --rasa 2 --actions 2 --port 8080

Why a launcher and not a process manager's unit files: the end-to-end test
(tests/e2e/test_replicas.py) and a person trying the deployment start exactly the same set of
processes, with the same nginx configuration (deploy/nginx.conf.template), and stop all of
them, nginx included. In production the same commands go into systemd units or containers;
docs/scaling.md lists them.

Replicas share the PostgreSQL tracker store (conversations, handoffs) and the Redis lock
store, so any replica can serve any conversation correctly; nginx routes each REST
conversation to one replica by its sender id and each browser to one replica by a cookie,
which socket.io needs and which keeps a conversation's messages in one process.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sedorum.server.stack import _child_env, ensure_env_file, say, stop_processes, wait_for_http
from sedorum.settings import PROJECT_ROOT, Settings

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.template"
PYTHON = sys.executable


@dataclass(frozen=True)
class Layout:
    """Where everything listens. All on loopback; only nginx's port is meant for clients."""

    proxy_port: int = 8080
    rasa_ports: tuple[int, ...] = (5701, 5702)
    action_ports: tuple[int, ...] = (5751, 5752)
    action_proxy_port: int = 5750
    host: str = "127.0.0.1"

    @classmethod
    def numbered(cls, rasa: int, actions: int, proxy_port: int, base: int = 5700) -> Layout:
        return cls(
            proxy_port=proxy_port,
            rasa_ports=tuple(base + 1 + i for i in range(rasa)),
            action_ports=tuple(base + 51 + i for i in range(actions)),
            action_proxy_port=base + 50,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.proxy_port}"


@dataclass
class RunningReplicas:
    layout: Layout
    run_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.layout.url


def find_nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        raise SystemExit(
            "nginx is not installed: `apt-get install -y nginx-light` (scripts/install.sh does it as root)"
        )
    return found


def render_nginx_config(layout: Layout, run_dir: Path, access_log: bool = False) -> str:
    """deploy/nginx.conf.template with this layout's ports and run directory filled in."""
    servers = "\n".join(f"        server {layout.host}:{port};" for port in layout.rasa_ports)
    actions = "\n".join(f"        server {layout.host}:{port};" for port in layout.action_ports)
    values = {
        "run_dir": str(run_dir),
        "access_log": str(run_dir / "access.log") if access_log else "off",
        "listen": f"{layout.host}:{layout.proxy_port}",
        "action_listen": f"{layout.host}:{layout.action_proxy_port}",
        "rasa_servers": servers,
        "action_servers": actions,
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    unfilled = re.findall(r"\{\{[a-z_]+\}\}", text)
    if unfilled:
        raise ValueError(f"unfilled fields in deploy/nginx.conf.template: {unfilled}")
    return text


def check_shared_stores(env: Mapping[str, str]) -> None:
    """Replicas without shared stores would each hold their own conversations and locks."""
    missing = [name for name in ("SEDORUM_TRACKER_DB_URL", "SEDORUM_REDIS_URL") if not env.get(name, "").strip()]
    if missing:
        raise SystemExit(
            f"{' and '.join(missing)} must be set: replicas share PostgreSQL (tracker store) and Redis "
            "(lock store). See docs/scaling.md."
        )


@contextmanager
def running_replicas(
    layout: Layout,
    env: Mapping[str, str] | None = None,
    run_dir: Path | None = None,
    ready_timeout_s: float = 300,
) -> Iterator[RunningReplicas]:
    """Starts action servers, Rasa servers and nginx; stops all of them on exit."""
    child = _child_env(env)
    check_shared_stores(child)
    # The browser's origin is nginx's, not a replica's own port.
    child.setdefault(
        "SEDORUM_ALLOWED_ORIGINS", f"http://localhost:{layout.proxy_port},http://127.0.0.1:{layout.proxy_port}"
    )
    run_dir = run_dir or PROJECT_ROOT / "var" / "replicas"
    run_dir.mkdir(parents=True, exist_ok=True)
    running = RunningReplicas(layout, run_dir)
    action_url = f"http://{layout.host}:{layout.action_proxy_port}/webhook"
    token = child.get("RASA_AUTH_TOKEN", "")

    def start(name: str, args: list[str], extra: Mapping[str, str]) -> subprocess.Popen:
        log = open(run_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env={**child, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        running.processes[name] = proc
        return proc

    try:
        for index, port in enumerate(layout.action_ports, start=1):
            say(f"Starting action server {index}/{len(layout.action_ports)} on {layout.host}:{port}")
            start(
                f"actions-{index}", [PYTHON, "-m", "sedorum.server.action_server"], {"SEDORUM_ACTION_PORT": str(port)}
            )
        for index, port in enumerate(layout.rasa_ports, start=1):
            say(f"Starting Rasa server {index}/{len(layout.rasa_ports)} on {layout.host}:{port}")
            start(
                f"rasa-{index}",
                [PYTHON, "-m", "sedorum.server.rasa_server"],
                {
                    "SEDORUM_RASA_PORT": str(port),
                    "SEDORUM_ACTION_URL": action_url,
                    # Behind one proxy: the client address is the last X-Forwarded-For entry.
                    "SEDORUM_PROXIES_COUNT": child.get("SEDORUM_PROXIES_COUNT", "1"),
                },
            )
        conf = run_dir / "nginx.conf"
        conf.write_text(render_nginx_config(layout, run_dir, access_log=True), encoding="utf-8")
        say(f"Starting nginx on {layout.url}")
        nginx = start(
            "nginx", [find_nginx(), "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf)], {}
        )
        deadline = time.monotonic() + ready_timeout_s
        for name, proc in running.processes.items():
            if name.startswith("actions-"):
                port = layout.action_ports[int(name.split("-")[1]) - 1]
                wait_for_http(f"http://{layout.host}:{port}/health", deadline - time.monotonic(), proc)
        say("Action servers ready; waiting for the Rasa servers to load the model...")
        for name, proc in running.processes.items():
            if name.startswith("rasa-"):
                port = layout.rasa_ports[int(name.split("-")[1]) - 1]
                wait_for_http(f"http://{layout.host}:{port}/status?token={token}", deadline - time.monotonic(), proc)
                say(f"  {name} is up")
        wait_for_http(f"{layout.url}/status?token={token}", 30, nginx)
        yield running
    finally:
        stop_processes(list(running.processes.values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa", type=int, default=2, help="Rasa server replicas (default 2)")
    parser.add_argument("--actions", type=int, default=2, help="action server replicas (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1 (default 8080)")
    parser.add_argument("--base-port", type=int, default=5700, help="replica ports: base+1.. and base+51..")
    args = parser.parse_args(argv)
    ensure_env_file()
    settings = Settings.from_env()
    if not (settings.model_dir / "sedorum.tar.gz").exists() and not any(settings.model_dir.glob("*.tar.gz")):
        raise SystemExit("No trained model: run `make train` first.")
    layout = Layout.numbered(args.rasa, args.actions, args.port, args.base_port)
    with running_replicas(layout, env=os.environ) as running:
        say(f"Ready: {args.rasa} Rasa servers and {args.actions} action servers behind {running.url}")
        say(f"  REST:      POST {running.url}/webhooks/rest/webhook?sender=<id>  (or header X-Sender: <id>)")
        say(f"  Widget:    {running.url}/shop/   (socket.io sticky by cookie)")
        say(f"  Logs:      {running.run_dir}")
        say("Press Ctrl-C to stop.")
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            while all(proc.poll() is None for proc in running.processes.values()):
                time.sleep(0.5)
            say("A process stopped unexpectedly; stopping the rest.")
            return 1
        except KeyboardInterrupt:
            say("Stopping...")
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
