"""credentials.yml: the messaging channels read only environment variables and are opt-in.

Through the server's own loader (sedorum.channels.credentials): with no variables every messaging
channel is off and the rest still load; with them, all four are created under the names
the webhooks, the trackers and the staff console use.
"""

from __future__ import annotations

import re

import pytest

from sedorum.channels.credentials import create_input_channels, enabled_channel_credentials
from sedorum.settings import PROJECT_ROOT

CREDENTIALS = PROJECT_ROOT / "credentials.yml"
CHANNELS = {
    "sedorum.channels.telegram.TelegramChannel": ("telegram", ["TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN"]),
    "sedorum.channels.twilio.TwilioChannel": ("twilio", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER"]),
    "sedorum.channels.messenger.MessengerChannel": (
        "facebook",
        ["MESSENGER_PAGE_ACCESS_TOKEN", "MESSENGER_APP_SECRET", "MESSENGER_VERIFY_TOKEN"],
    ),
    "sedorum.channels.slack.SlackChannel": ("slack", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]),
}
ALL_VARIABLES = [variable for _, variables in CHANNELS.values() for variable in variables]


@pytest.fixture
def no_channel_variables(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in ALL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_every_messaging_channel_is_configured_only_by_environment_variables() -> None:
    text = CREDENTIALS.read_text(encoding="utf-8")
    for key, (_, variables) in CHANNELS.items():
        block = re.search(rf"^{re.escape(key)}:\n((?:[ \t]+.*\n?)+)", text, re.MULTILINE)
        assert block, f"{key} is missing from credentials.yml"
        values = re.findall(r":\s*(\S+)\s*$", block.group(1), re.MULTILINE)
        assert values == [f"${{{variable}}}" for variable in variables], (key, values)


def test_without_variables_the_messaging_channels_are_off_and_the_rest_load(no_channel_variables) -> None:
    enabled = enabled_channel_credentials(CREDENTIALS)
    assert not set(CHANNELS) & set(enabled)
    assert "rest" in enabled
    names = {channel.name() for channel in create_input_channels(CREDENTIALS)}
    assert not {"telegram", "twilio", "facebook", "slack"} & names


def test_one_missing_variable_switches_only_that_channel_off(no_channel_variables) -> None:
    for variable in ALL_VARIABLES:
        no_channel_variables.setenv(variable, "value_1")
    no_channel_variables.delenv("TWILIO_NUMBER")
    names = {channel.name() for channel in create_input_channels(CREDENTIALS)}
    assert {"telegram", "facebook", "slack"} <= names and "twilio" not in names


def test_with_variables_all_four_channels_are_created(no_channel_variables) -> None:
    for variable in ALL_VARIABLES:
        no_channel_variables.setenv(variable, "value_1")
    channels = {channel.name(): channel for channel in create_input_channels(CREDENTIALS)}
    assert {"telegram", "twilio", "facebook", "slack"} <= set(channels)
    for key, (name, _) in CHANNELS.items():
        assert f"{type(channels[name]).__module__}.{type(channels[name]).__name__}" == key
        assert channels[name].get_output_channel() is not None
