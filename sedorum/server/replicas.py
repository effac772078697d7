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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sedorum.server.stack import _child_env, ensure_env_file, restart_policy, say, wait_for_http
from sedorum.server.supervisor import CrashLoop, ProcessSpec, Supervisor
from sedorum.settings import PROJECT_ROOT, Settings

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.template"
NGINX_HEALTH_PATH = "/_nginx/health"  # answered by nginx itself (deploy/nginx.conf.template)
# One refused connection takes a replica out of its upstream for 2 s; then nginx tries it again
# with one request (sent on to the next replica if still refused). deploy/nginx.conf.template says why.
SERVER_OPTIONS = "max_fails=1 fail_timeout=2s"
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
    supervisor: Supervisor

    @property
    def url(self) -> str:
        return self.layout.url

    @property
    def processes(self) -> dict[str, subprocess.Popen]:
        """The current process of each name ("actions-1", "rasa-1", "nginx"; new after a restart)."""
        return {name: self.supervisor.process(name) for name in self.supervisor.slots}


def find_nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if not found:
        raise SystemExit(
            "nginx is not installed: `apt-get install -y nginx-light` (scripts/install.sh does it as root)"
        )
    return found


def render_nginx_config(layout: Layout, run_dir: Path, access_log: bool = False) -> str:
    """deploy/nginx.conf.template with this layout's ports and run directory filled in."""
    servers = "\n".join(f"        server {layout.host}:{port} {SERVER_OPTIONS};" for port in layout.rasa_ports)
    actions = "\n".join(f"        server {layout.host}:{port} {SERVER_OPTIONS};" for port in layout.action_ports)
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


def replica_specs(layout: Layout, child: Mapping[str, str], run_dir: Path, conf: Path) -> list[ProcessSpec]:
    """Action servers, Rasa servers and nginx, each with the health URL it is watched by."""
    action_url = f"http://{layout.host}:{layout.action_proxy_port}/webhook"
    token = child.get("RASA_AUTH_TOKEN", "")

    def spec(name: str, argv: list[str], health_url: str, extra: Mapping[str, str] | None = None) -> ProcessSpec:
        return ProcessSpec(name, argv, {**child, **(extra or {})}, health_url, run_dir / f"{name}.log")

    specs = [
        spec(
            f"actions-{index}",
            [PYTHON, "-m", "sedorum.server.action_server"],
            f"http://{layout.host}:{port}/health",
            {"SEDORUM_ACTION_PORT": str(port)},
        )
        for index, port in enumerate(layout.action_ports, start=1)
    ]
    specs.extend(
        spec(
            f"rasa-{index}",
            [PYTHON, "-m", "sedorum.server.rasa_server"],
            f"http://{layout.host}:{port}/status?token={token}",
            {
                "SEDORUM_RASA_PORT": str(port),
                "SEDORUM_ACTION_URL": action_url,
                # Behind one proxy: the client address is the last X-Forwarded-For entry.
                "SEDORUM_PROXIES_COUNT": child.get("SEDORUM_PROXIES_COUNT", "1"),
            },
        )
        for index, port in enumerate(layout.rasa_ports, start=1)
    )
    specs.append(
        spec(
            "nginx",
            [find_nginx(), "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf)],
            f"{layout.url}{NGINX_HEALTH_PATH}",
        )
    )
    return specs


@contextmanager
def running_replicas(
    layout: Layout,
    env: Mapping[str, str] | None = None,
    run_dir: Path | None = None,
    ready_timeout_s: float = 300,
) -> Iterator[RunningReplicas]:
    """Starts action servers, Rasa servers and nginx, restarts any that dies; stops all on exit."""
    child = _child_env(env)
    check_shared_stores(child)
    # The browser's origin is nginx's, not a replica's own port.
    child.setdefault(
        "SEDORUM_ALLOWED_ORIGINS", f"http://localhost:{layout.proxy_port},http://127.0.0.1:{layout.proxy_port}"
    )
    run_dir = run_dir or PROJECT_ROOT / "var" / "replicas"
    run_dir.mkdir(parents=True, exist_ok=True)
    conf = run_dir / "nginx.conf"
    conf.write_text(render_nginx_config(layout, run_dir, access_log=True), encoding="utf-8")
    token = child.get("RASA_AUTH_TOKEN", "")
    saved = dict(os.environ)
    os.environ.update(child)
    try:
        policy = restart_policy(Settings.from_env())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    supervisor = Supervisor(replica_specs(layout, child, run_dir, conf), policy)
    running = RunningReplicas(layout, run_dir, supervisor)
    try:
        say(
            f"Starting {len(layout.action_ports)} action servers, {len(layout.rasa_ports)} Rasa servers "
            f"and nginx on {layout.url}"
        )
        supervisor.start()
        names = list(supervisor.slots)
        supervisor.wait_ready(ready_timeout_s, [name for name in names if name.startswith("actions-")])
        say("Action servers ready; waiting for the Rasa servers to load the model...")
        for name in names:
            if name.startswith("rasa-"):
                supervisor.wait_ready(ready_timeout_s, [name])
                say(f"  {name} is up")
        supervisor.wait_ready(ready_timeout_s)
        wait_for_http(f"{layout.url}/status?token={token}", 30)
        yield running
    finally:
        supervisor.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa", type=int, default=2, help="Rasa server replicas (default 2)")
    parser.add_argument("--actions", type=int, default=2, help="action server replicas (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx port on 127.0.0.1 (default 8080)")
    parser.add_argument("--base-port", type=int, default=5700, help="replica ports: base+1.. and base+51..")
    parser.add_argument(
        "--write-nginx-config",
        metavar="PATH",
        help="only write nginx's configuration for this layout to PATH (systemd, containers) and exit",
    )
    parser.add_argument("--run-dir", default=str(PROJECT_ROOT / "var" / "replicas"), help="nginx's pid, temp and logs")
    args = parser.parse_args(argv)
    if args.write_nginx_config:
        layout = Layout.numbered(args.rasa, args.actions, args.port, args.base_port)
        Path(args.write_nginx_config).write_text(render_nginx_config(layout, Path(args.run_dir)), encoding="utf-8")
        say(f"Wrote {args.write_nginx_config} (nginx -p {args.run_dir} -c {args.write_nginx_config})")
        return 0
    ensure_env_file()
    settings = Settings.from_env()
    if not (settings.model_dir / "sedorum.tar.gz").exists() and not any(settings.model_dir.glob("*.tar.gz")):
        raise SystemExit("No trained model: run `make train` first.")
    layout = Layout.numbered(args.rasa, args.actions, args.port, args.base_port)
    try:
        return _serve(layout, args.rasa, args.actions)
    except CrashLoop as error:
        say(f"Stopped every process: {error}.")
        return 1
    except KeyboardInterrupt:
        say("Stopped.")
        return 0


def _serve(layout: Layout, rasa: int, actions: int) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    with running_replicas(layout, env=os.environ) as running:
        say(f"Ready: {rasa} Rasa servers and {actions} action servers behind {running.url}")
        say(f"  REST:      POST {running.url}/webhooks/rest/webhook?sender=<id>  (or header X-Sender: <id>)")
        say(f"  Widget:    {running.url}/shop/   (socket.io sticky by cookie)")
        say(f"  Logs:      {running.run_dir}")
        say("A process that dies is started again; press Ctrl-C to stop.")
        try:
            reason = running.supervisor.wait()
        except KeyboardInterrupt:
            say("Stopping...")
            return 0
        say(f"Stopping every process: {reason}.")
        return 1


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
