"""The replica launcher's nginx configuration and its refusal to run without shared stores.

Pure: nothing here needs nginx installed. nginx's own check of the rendered configuration
runs with the replicas in tests/e2e/test_replicas.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sedorum.server.replicas import Layout, check_shared_stores, render_nginx_config

LAYOUT = Layout.numbered(rasa=3, actions=2, proxy_port=5890, base=5800)


def upstream(config: str, name: str) -> str:
    match = re.search(r"upstream " + name + r" \{(.*?)\}", config, re.S)
    assert match, name
    return match.group(1)


def test_every_replica_is_in_its_upstream_and_routing_is_by_sender_and_cookie(tmp_path: Path) -> None:
    config = render_nginx_config(LAYOUT, tmp_path)
    for name in ("rasa_by_sender", "rasa_sticky"):
        block = upstream(config, name)
        assert re.findall(r"server 127\.0\.0\.1:(\d+)", block) == ["5801", "5802", "5803"]
    assert "hash $rest_key consistent" in upstream(config, "rasa_by_sender")
    assert "hash $sticky_key consistent" in upstream(config, "rasa_sticky")
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstream(config, "action_servers")) == ["5851", "5852"]
    assert "listen 127.0.0.1:5890;" in config and "listen 127.0.0.1:5850;" in config
    assert "{{" not in config


def test_replicas_refuse_to_start_without_shared_stores() -> None:
    with pytest.raises(SystemExit, match="SEDORUM_TRACKER_DB_URL and SEDORUM_REDIS_URL"):
        check_shared_stores({})
    with pytest.raises(SystemExit, match="SEDORUM_REDIS_URL"):
        check_shared_stores({"SEDORUM_TRACKER_DB_URL": "postgresql://x/y"})
    check_shared_stores({"SEDORUM_TRACKER_DB_URL": "postgresql://x/y", "SEDORUM_REDIS_URL": "redis://x"})
