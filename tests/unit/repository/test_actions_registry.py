"""Every custom action the domain names is implemented by the action server, and vice versa."""

from __future__ import annotations

import yaml
from rasa_sdk.executor import ActionExecutor

from sedorum.settings import PROJECT_ROOT


def test_domain_actions_match_the_action_server() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    executor = ActionExecutor()
    executor.register_package("actions")
    implemented = set(executor.actions)
    assert set(domain["actions"]) == implemented
