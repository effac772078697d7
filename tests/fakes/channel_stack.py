"""pytest plugin: one running assistant with all four messaging channels, wired to local fakes.

Loaded by the tests/e2e/test_channels_*.py modules (`pytest_plugins`), so the session-scoped
stack starts once for all of them (the machine has two cores; the server takes ~30 s to
start). Every platform's API base URL points at its fake on 127.0.0.1; the credentials are
test values passed through the environment, exactly as in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from fakes.messenger import FakeMessenger
from fakes.slack import FakeSlack
from fakes.telegram import FakeTelegram
from fakes.twilio import FakeTwilio
from sedorum.channels.twilio import create_vote_template
from sedorum.server.stack import running_stack
from sedorum.settings import PROJECT_ROOT
from tests.conftest import ARTIFACTS, stack_env
from tests.fakes.e2e_support import (
    ACTION_PORT,
    CREDENTIALS,
    KIDNEY_QUESTION,
    PUBLIC_BASE_URL,
    RASA_PORT,
    SMS_MAX_CHARS,
    ChannelStack,
)


@pytest.fixture(scope="session")
def channel_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChannelStack]:
    # Use the model on disk if there is one (`make run` or `make train` made it); train only on a fresh checkout.
    if not (PROJECT_ROOT / "models" / "sedorum.tar.gz").exists():
        request.getfixturevalue("trained_model")
    fakes = (
        FakeTelegram(CREDENTIALS["TELEGRAM_BOT_TOKEN"]).start(),
        FakeTwilio(CREDENTIALS["TWILIO_ACCOUNT_SID"], CREDENTIALS["TWILIO_AUTH_TOKEN"]).start(),
        FakeMessenger(CREDENTIALS["MESSENGER_PAGE_ACCESS_TOKEN"]).start(),
        FakeSlack(CREDENTIALS["SLACK_BOT_TOKEN"]).start(),
    )
    telegram, twilio, messenger, slack = fakes
    # WhatsApp's vote buttons: the content template, made on the fake as `vote-template` makes it.
    vote_template, error = asyncio.run(
        create_vote_template(CREDENTIALS["TWILIO_ACCOUNT_SID"], CREDENTIALS["TWILIO_AUTH_TOKEN"], twilio.url)
    )
    assert vote_template, error
    env = stack_env(
        Path(tmp_path_factory.mktemp("channels-var")),
        RASA_PORT,
        ACTION_PORT,
        **CREDENTIALS,
        SEDORUM_TELEGRAM_API_URL=telegram.url,
        SEDORUM_TWILIO_API_URL=twilio.url,
        SEDORUM_MESSENGER_API_URL=f"{messenger.url}/v24.0",
        SEDORUM_SLACK_API_URL=slack.url,
        SEDORUM_PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        SEDORUM_SMS_MAX_CHARS=str(SMS_MAX_CHARS),
        TWILIO_WHATSAPP_VOTE_CONTENT_SID=vote_template,
    )
    try:
        with running_stack(env, log_dir=ARTIFACTS / "logs" / "channels") as stack:
            warm_up(stack.url)
            yield ChannelStack(stack, telegram, twilio, messenger, slack)
    finally:
        for fake in fakes:
            fake.stop()


def warm_up(url: str) -> None:
    """One REST turn that runs a custom action, so the action server's first-call start-up
    (lazy imports, on a loaded 2-core machine) is not charged to the first channel test."""
    requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "warm-up", "message": KIDNEY_QUESTION}, timeout=120)
