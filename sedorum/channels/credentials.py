"""Creates Rasa input channels from credentials.yml with environment substitution.

Why not Rasa's own loader: it fails the whole start when a `${VAR}` is unset. Here a channel
whose variables are unset is simply off (messaging channels are opt-in per deployment), and
the rest still start.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import InputChannel
from rasa.core.run import _create_single_channel

logger = logging.getLogger(__name__)
_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


class MissingVariable(Exception):
    """A `${VAR}` referenced by a channel is not set."""


def _substitute(value: Any) -> Any:
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            found = os.environ.get(match.group(1), "").strip()
            if not found:
                raise MissingVariable(match.group(1))
            return found

        return _VAR.sub(repl, value)
    if isinstance(value, dict):
        return {key: _substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item) for item in value]
    return value


def enabled_channel_credentials(path: Path) -> dict[str, dict[str, Any] | None]:
    """Channel name -> its credentials, leaving out channels with unset variables."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    enabled: dict[str, dict[str, Any] | None] = {}
    for name, credentials in raw.items():
        try:
            enabled[name] = _substitute(credentials)
        except MissingVariable as missing:
            logger.info("Channel %s is off: %s is not set.", name, missing)
    return enabled


def create_input_channels(path: Path) -> list[InputChannel]:
    return [_create_single_channel(name, creds) for name, creds in enabled_channel_credentials(path).items()]
