"""The webhook skeleton of every messaging channel, written once; each platform module keeps
only what is its own: how its requests are authenticated and read, how a reply looks on it,
and how a message is sent.

Every webhook request goes the same way (`PlatformInput.blueprint`):

1. a body no platform would send is refused with 413, before any signature work;
2. the platform's proof (`authenticate`) is checked: 401 missing, 403 wrong, logged without
   the message;
3. the platform's payload is read (`receive`) into what people did (`Incoming`): typed text,
   or a pressed button of ours, already cleaned, de-duplicated and mapped to its payload;
4. a pressed vote button is recorded like the widget's vote and acknowledged, and never
   reaches the assistant (votes.py); anything else is handed to Rasa, in the background for a
   platform that wants its answer at once (Slack);
5. the platform gets its usual acknowledgement (`acknowledge`).

Why Rasa's InputChannel/OutputChannel and not Rasa's own connectors: common.py says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from sedorum.channels import votes
from sedorum.channels.common import (
    DeliveryLog,
    OnNewMessage,
    close_sessions,
    deliver,
    oversized,
    refuse,
    require,
    setting,
)
from sedorum.channels.signatures import Refusal


class PlatformOutput(OutputChannel):
    """An output channel of a messaging platform: render a reply into the platform's messages
    (split at its length limit, its options and vote buttons in its own form), then send them
    one by one.

    Staff replies arrive already signed (sedorum.handoff.signature.sign_staff_reply, in the console):
    the text is sent as it is stored.
    """

    platform = ""  # the channel name, as Rasa knows it
    deliveries: DeliveryLog

    @classmethod
    def name(cls) -> str:
        return cls.platform

    def render(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None) -> list[Any]:
        """The platform messages for one reply; `buttons` may end with the two vote buttons."""
        raise NotImplementedError

    async def send_part(self, recipient_id: str, part: Any) -> bool:
        """Sends one platform message; False if it was not delivered."""
        raise NotImplementedError

    async def send_parts(self, recipient_id: str, parts: list[Any]) -> None:
        for part in parts:
            if not await self.send_part(recipient_id, part):
                return  # later parts would arrive without the earlier ones

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_parts(recipient_id, self.render(recipient_id, text, votes.choices(text, None, kwargs)))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_parts(recipient_id, self.render(recipient_id, text, votes.choices(text, buttons, kwargs)))

    async def acknowledge_press(self) -> None:
        """Tells the platform a pressed button was received (only Telegram shows a spinner until then)."""

    async def acknowledge_vote(self, recipient_id: str, value: str, saved: bool) -> None:
        """Thanks for the vote, and after "not helpful" the offer of a person with its button."""
        offer = [votes.PERSON_BUTTON] if value == votes.DOWN else None
        await self.send_parts(recipient_id, self.render(recipient_id, votes.acknowledgement(value, saved), offer))


@dataclass
class Incoming:
    """One thing a person did, read from a platform's webhook."""

    sender: str  # the conversation id
    text: str  # what they typed (cleaned: never read as an intent), or the pressed button's payload
    output: PlatformOutput  # where the answer goes (this chat, channel, thread or number)
    pressed: bool = False  # a button of ours (or its number): its payload may be a vote
    metadata: dict[str, Any] = field(default_factory=dict)


class PlatformInput(InputChannel):
    """An input channel of a messaging platform: the webhook skeleton, filled in per platform."""

    platform = ""
    blueprint_name = ""  # default: sedorum_<platform>
    in_background = False  # hand messages to Rasa after acknowledging (the platform waits briefly)
    credential_keys: tuple[str, ...] = ()  # in credentials.yml, all required, in __init__'s order
    api_url_variable = ""  # the environment variable that points the API elsewhere (tests)
    default_api_url = ""

    @classmethod
    def name(cls) -> str:
        return cls.platform

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from credentials.yml: its required keys, the API URL and its options."""
        found = require(credentials, cls.platform, *cls.credential_keys)
        api_url = setting(credentials, "api_url", cls.api_url_variable, cls.default_api_url)
        return cls(*found.values(), api_url=api_url, **cls.options(credentials))

    @classmethod
    def options(cls, credentials: dict[str, Any] | None) -> dict[str, Any]:
        """Optional settings (credentials.yml first, then the environment) as __init__ arguments."""
        return {}

    # -- what each platform fills in -----------------------------------------------------

    def authenticate(self, request: Request) -> Refusal | None:
        """None if the request proves it comes from the platform, else why not."""
        raise NotImplementedError

    async def receive(self, request: Request) -> list[Incoming] | HTTPResponse:
        """What people did, or an answer of its own (a bad request, a URL check, a dropped retry)."""
        raise NotImplementedError

    def acknowledge(self) -> HTTPResponse:
        """The platform's usual answer to a handled webhook."""
        raise NotImplementedError

    def add_routes(self, hook: Blueprint) -> None:
        """Routes besides POST /webhook (Messenger's subscription check)."""

    # -- the skeleton ------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook = Blueprint(self.blueprint_name or f"sedorum_{self.platform}")
        hook.listener("after_server_stop")(close_sessions)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            refused = self.refusal(request)
            if refused is not None:
                return refused
            received = await self.receive(request)
            if isinstance(received, HTTPResponse):
                return received
            if self.in_background:
                self._in_background(self.handle(on_new_message, received))
            else:
                await self.handle(on_new_message, received)
            return self.acknowledge()

        self.add_routes(hook)
        return hook

    def refusal(self, request: Request) -> HTTPResponse | None:
        too_large = oversized(self.platform, request)
        if too_large is not None:
            return too_large
        refusal = self.authenticate(request)
        return refuse(self.platform, request, refusal) if refusal else None

    async def handle(self, on_new_message: OnNewMessage, received: list[Incoming]) -> None:
        for item in received:
            vote = votes.parse(item.text) if item.pressed else None
            if vote is not None:
                saved = await votes.record(item.sender, vote, self.platform)
                await item.output.acknowledge_vote(item.sender, vote.value, saved)
                continue
            if item.pressed:
                await item.output.acknowledge_press()
            message = UserMessage(
                item.text, item.output, item.sender, input_channel=self.platform, metadata=item.metadata or None
            )
            await deliver(on_new_message, message, self.platform)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        if not hasattr(self, "_tasks"):
            self._tasks: set[asyncio.Task] = set()
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # keep a reference until done, or the task may be collected
        task.add_done_callback(self._tasks.discard)
