"""The systemd units and container files in deploy/ start the processes that exist, the same way.

Why a test: deployment files are read by no other test and rot quietly: a renamed module, a
health path that moved, a restart rule lost in an edit. These checks read the files as data
and compare them with the code they point at (sedorum/server/*, the health paths, the
install steps of scripts/install.sh). They do not start systemd or Docker.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

from sedorum.server.replicas import NGINX_HEALTH_PATH, Layout
from sedorum.server.router import ROUTER_HEALTH_PATH

ROOT = Path(__file__).resolve().parents[3]
SYSTEMD = ROOT / "deploy" / "systemd"
CONTAINER = ROOT / "deploy" / "container"
MODULE = re.compile(r"python -m (sedorum\.[\w.]+)")
HEALTH = re.compile(r"sedorum\.server\.health (http://127\.0\.0\.1:(?:%i|\d+)(/[\w/]*))")
KNOWN_HEALTH_PATHS = {"/health", "/", ROUTER_HEALTH_PATH, NGINX_HEALTH_PATH}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # systemd keys are case-sensitive
    parser.read(SYSTEMD / name, encoding="utf-8")
    return parser


def module_exists(module: str) -> bool:
    path = ROOT / Path(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_every_service_restarts_on_failure_and_gives_up_on_a_crash_loop() -> None:
    services = sorted(SYSTEMD.glob("*.service"))
    assert {s.name for s in services} >= {
        "sedorum-rasa@.service",
        "sedorum-actions@.service",
        "sedorum-router.service",
        "sedorum-nginx.service",
    }
    for path in services:
        parsed = unit(path.name)
        assert parsed["Service"]["Restart"] == "on-failure", path.name
        assert int(parsed["Unit"]["StartLimitBurst"]) >= 3, path.name
        assert parsed["Unit"]["PartOf"] == "sedorum.target", path.name
        assert parsed["Service"]["EnvironmentFile"] == "/etc/sedorum/sedorum.env", path.name


def test_units_start_modules_that_exist_and_wait_for_health_urls_they_serve() -> None:
    for path in sorted(SYSTEMD.glob("*.service")):
        text = path.read_text(encoding="utf-8")
        modules = MODULE.findall(text)
        assert modules, path.name
        assert all(module_exists(m) for m in modules), (path.name, modules)
        health = HEALTH.findall(text)
        assert health, f"{path.name}: ExecStartPost waits for its health URL"
        assert {p for _, p in health} <= KNOWN_HEALTH_PATHS, (path.name, health)


def test_the_router_takes_its_socket_from_systemd_on_the_port_its_health_check_asks() -> None:
    socket_unit = unit("sedorum-router.socket")
    listen = socket_unit["Socket"]["ListenStream"]
    assert "sedorum-router.socket" in unit("sedorum-router.service")["Unit"]["Requires"]
    assert f"http://{listen}{ROUTER_HEALTH_PATH}" in (SYSTEMD / "sedorum-router.service").read_text()


def test_the_environment_example_names_only_variables_the_code_reads() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "sedorum").rglob("*.py"))
    for example in (SYSTEMD / "sedorum.env.example", CONTAINER / "sedorum.env.example"):
        names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example.read_text(encoding="utf-8"), re.M)
        assert names, example
        for name in names:
            assert f'"{name}"' in code or name == "SEDORUM_REPLICA_ARGS", f"{example.name}: {name} is read nowhere"
        assert "SEDORUM_RASA_PORT" not in names and "SEDORUM_ACTION_PORT" not in names, (
            "set per unit or container: a value here would override every instance's port"
        )


def test_compose_runs_each_process_with_a_restart_policy_and_a_health_check() -> None:
    compose = yaml.safe_load((CONTAINER / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    layout = Layout.numbered(rasa=2, actions=2, proxy_port=8080)
    expected = {f"rasa-{i}": p for i, p in enumerate(layout.rasa_ports, 1)}
    expected |= {f"actions-{i}": p for i, p in enumerate(layout.action_ports, 1)}
    for name, port in expected.items():
        service = services[name]
        assert service["restart"] == "on-failure", name
        command = " ".join(service["command"])
        assert all(module_exists(m) for m in MODULE.findall(command)), command
        assert str(port) in " ".join(service["environment"].values()), name
        check = " ".join(service["healthcheck"]["test"])
        assert check.startswith("CMD python -m sedorum.server.health") and f":{port}/" in check, check
    assert services["nginx"]["restart"] == "on-failure"
    assert NGINX_HEALTH_PATH in " ".join(services["nginx"]["healthcheck"]["test"])
    assert "--write-nginx-config" in services["nginx-config"]["command"]


def test_the_image_installs_the_lock_as_the_install_script_does() -> None:
    install = (ROOT / "scripts" / "install.sh").read_text(encoding="utf-8")
    image = (CONTAINER / "Containerfile").read_text(encoding="utf-8")
    for requirements in ("requirements/lock.txt", "requirements/rasa.txt", "requirements/models.txt"):
        flags_in = [re.search(r"install (.*)-r " + re.escape(requirements), text) for text in (install, image)]
        assert all(flags_in), requirements
        wanted = {f for f in flags_in[0].group(1).split() if f.startswith("--") and "quiet" not in f}  # type: ignore[union-attr]
        used = set(flags_in[1].group(1).split())  # type: ignore[union-attr]
        assert wanted - {"--disable-pip-version-check"} <= used, (requirements, wanted, used)
