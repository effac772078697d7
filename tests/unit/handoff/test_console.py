"""The staff console over HTTP, without a trained model.

Our real blueprints run on a real Sanic server (in a thread) whose `app.ctx.agent` is a small
stand-in built from Rasa's own in-memory tracker store, lock store, domain and response
generator, and whose socket.io channel is replaced by a recording output channel. What is
checked: login, sessions and throttling; 401 and 403 refusals; security headers; and that
claim / reply / hand back change the Rasa conversation and reach the visitor's channel.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from sedorum.handoff import accounts
from sedorum.handoff.store import HandoffStore, open_store
from sedorum.settings import Settings

ALICE_PASSWORD = "alice-password-1"
BOB_PASSWORD = "bob-password-22"

DOMAIN = Domain.from_dict(
    {
        "slots": {"handoff": {"type": "text", "influence_conversation": False, "mappings": [{"type": "custom"}]}},
        "responses": {
            "utter_handoff_returned": [
                {"text": "You're back with the assistant.", "buttons": [{"title": "Magnesium", "payload": "/m"}]}
            ]
        },
    }
)


class RecordingOutput(CollectingOutputChannel):
    @classmethod
    def name(cls) -> str:
        return "socketio"


class RecordingSocketIO(InputChannel):
    """Stands in for the socket.io channel: its output channel records what visitors receive."""

    def __init__(self) -> None:
        self.output = RecordingOutput()

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> RecordingOutput:
        return self.output


@dataclass
class FakeProcessor:
    tracker_store: InMemoryTrackerStore

    async def get_tracker(self, conversation_id: str):
        return await self.tracker_store.get_or_create_tracker(conversation_id)


@dataclass
class FakeAgent:
    domain: Domain = DOMAIN
    tracker_store: InMemoryTrackerStore = field(default_factory=lambda: InMemoryTrackerStore(DOMAIN))
    lock_store: InMemoryLockStore = field(default_factory=InMemoryLockStore)
    nlg: Any = field(default_factory=lambda: TemplatedNaturalLanguageGenerator(DOMAIN.responses))

    @property
    def processor(self) -> FakeProcessor:
        return FakeProcessor(self.tracker_store)


@dataclass
class Console:
    url: str
    origin: str
    agent: FakeAgent
    channel: RecordingSocketIO
    store: HandoffStore
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def session(self, name: str | None = None, password: str | None = None) -> requests.Session:
        s = requests.Session()
        s.headers["Origin"] = self.origin
        if name:
            reply = s.post(f"{self.url}/staff/login", data={"name": name, "password": password}, allow_redirects=False)
            assert reply.status_code == 303 and reply.headers["Location"] == "/staff/", reply.text
        return s

    def visitor_asks_for_person(self) -> tuple[str, int]:
        sender = "visitor-" + uuid.uuid4().hex[:8]

        async def seed() -> None:
            tracker = await self.agent.tracker_store.get_or_create_tracker(sender)
            tracker.update(UserUttered("I want to talk to a person", input_channel="socketio"))
            tracker.update(BotUttered("A person from our team will reply here soon."))
            await self.agent.tracker_store.save(tracker)

        self.run(seed())
        handoff = self.store.request(sender, "socketio", "asked_for_person", ["S4_pregnancy"])
        return sender, handoff.id

    def tracker(self, sender: str):
        return self.run(self.agent.tracker_store.retrieve(sender))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    var = tmp_path_factory.mktemp("console-var")
    port = _free_port()
    patch = pytest.MonkeyPatch()
    patch.setenv("SEDORUM_VAR_DIR", str(var))
    patch.setenv("SEDORUM_HANDOFF_DB_URL", f"sqlite:///{var / 'handoff.db'}")
    patch.setenv("SEDORUM_STAFF_USERS", f"alice:{accounts.hash_password(ALICE_PASSWORD)}")
    patch.setenv("SEDORUM_OFFICE_HOURS_ALWAYS_OPEN", "1")
    patch.delenv("SEDORUM_STAFF_SECRET", raising=False)
    store = open_store()
    store.put_staff("bob", accounts.hash_password(BOB_PASSWORD))
    settings = Settings(rasa_port=port, var_dir=var, allowed_origins=(f"http://127.0.0.1:{port}",))

    from sedorum.web import register_web

    app = Sanic(f"console-test-{uuid.uuid4().hex[:6]}")
    register_web(app, settings)
    agent, channel = FakeAgent(), RecordingSocketIO()
    app.ctx.agent = agent
    app.ctx.input_channels = [channel]

    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
        )
        assert server is not None, "Sanic gives the server object when asked to return it"
        loop.run_until_complete(server.startup())
        loop.run_until_complete(server.before_start())
        loop.run_until_complete(server.after_start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server.close())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(20)
    try:
        yield Console(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}", agent, channel, store, loop)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        patch.undo()


# -- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff/api/me"),
        ("GET", "/staff/api/handoffs"),
        ("GET", "/staff/api/handoffs/1"),
        ("POST", "/staff/api/handoffs/1/claim"),
        ("POST", "/staff/api/handoffs/1/messages"),
        ("POST", "/staff/api/handoffs/1/release"),
    ],
)
def test_unauthenticated_api_requests_are_refused(console: Console, method: str, path: str) -> None:
    reply = console.session().request(method, console.url + path, json={"text": "hi"})
    assert reply.status_code == 401
    assert reply.json() == {"error": "login required"}


def test_tampered_or_foreign_cookie_is_refused(console: Console) -> None:
    s = console.session("alice", ALICE_PASSWORD)
    token = s.cookies.get("sedorum_staff")
    assert token, "the login sets the session cookie"
    payload, signature = token.split(".")
    forged = requests.Session()
    forged.cookies.set("sedorum_staff", payload.replace(payload[-2:], "xx") + "." + signature, path="/staff")
    assert forged.get(console.url + "/staff/api/me").status_code == 401
    assert s.get(console.url + "/staff/api/me").json() == {"name": "alice"}


def test_console_page_redirects_to_login_without_session(console: Console) -> None:
    reply = requests.get(console.url + "/staff/", allow_redirects=False)
    assert reply.status_code in (302, 303) and reply.headers["Location"] == "/staff/login"


def test_login_sets_a_strict_httponly_cookie_and_opens_the_console(console: Console) -> None:
    s = console.session()
    reply = s.post(console.url + "/staff/login", data={"name": "bob", "password": BOB_PASSWORD}, allow_redirects=False)
    assert reply.status_code == 303
    cookie = reply.headers["Set-Cookie"]
    assert "sedorum_staff=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/staff" in cookie
    page = s.get(console.url + "/staff/")
    assert page.status_code == 200 and "Support console" in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_wrong_password_then_throttling(console: Console) -> None:
    s = console.session()
    for _ in range(5):
        reply = s.post(console.url + "/staff/login", data={"name": "carol", "password": "nope"}, allow_redirects=False)
        assert reply.status_code == 303 and reply.headers["Location"] == "/staff/login?error=1"
    reply = s.post(console.url + "/staff/login", data={"name": "carol", "password": "nope"}, allow_redirects=False)
    assert reply.status_code == 429 and int(reply.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in reply.text


def test_state_changes_from_a_foreign_origin_are_refused(console: Console) -> None:
    s = console.session("alice", ALICE_PASSWORD)
    _, handoff_id = console.visitor_asks_for_person()
    for origin in ("http://evil.example", None):
        headers = {"Origin": origin} if origin else {}
        if origin is None:
            s.headers.pop("Origin", None)
        reply = s.post(f"{console.url}/staff/api/handoffs/{handoff_id}/claim", headers=headers)
        assert reply.status_code == 403, origin
    assert console.store.get(handoff_id).status == "waiting"  # type: ignore[union-attr]
    login = requests.post(
        console.url + "/staff/login",
        data={"name": "alice", "password": ALICE_PASSWORD},
        headers={"Origin": "http://evil.example"},
        allow_redirects=False,
    )
    assert login.status_code == 403


def test_same_origin_browser_post_without_origin_header_is_accepted(console: Console) -> None:
    """A "no-referrer" policy makes Chromium send `Origin: null`; Sec-Fetch-Site still says who."""
    s = console.session("alice", ALICE_PASSWORD)
    s.headers["Origin"] = "null"
    _, handoff_id = console.visitor_asks_for_person()
    cross = s.post(f"{console.url}/staff/api/handoffs/{handoff_id}/claim", headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    same = s.post(f"{console.url}/staff/api/handoffs/{handoff_id}/claim", headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
    assert (
        s.post(
            f"{console.url}/staff/api/handoffs/{handoff_id}/release", headers={"Sec-Fetch-Site": "same-origin"}, json={}
        ).status_code
        == 200
    )


# -- headers and pages -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/shop/", "/shop/article", "/staff/login", "/assets/chat.js", "/assets/site.css"])
def test_security_headers_on_every_page(console: Console, path: str) -> None:
    reply = requests.get(console.url + path)
    assert reply.status_code == 200
    csp = reply.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert not re.search(r"https?://", csp), "the CSP names no external host"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/shop/", "/shop/article"])
def test_shop_pages_load_nothing_from_other_hosts_and_show_the_disclaimer(console: Console, path: str) -> None:
    page = requests.get(console.url + path).text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert 'id="disclaimer"' in page and "Not a doctor" in page and "999" in page and "112" in page
    assert '<meta name="viewport"' in page
    assert "<script>" not in page, "no inline scripts (CSP)"


@pytest.mark.parametrize(
    "path", ["/assets/../pages/console.html", "/assets/%2e%2e/pages/console.html", "/assets/../staff.py"]
)
def test_assets_do_not_escape_the_static_directory(console: Console, path: str) -> None:
    reply = requests.get(console.url + path)
    assert reply.status_code in (400, 403, 404)
    assert "Support console" not in reply.text and "import" not in reply.text


# -- the handoff itself ------------------------------------------------------------------------


def test_claim_reply_and_hand_back(console: Console) -> None:
    sender, handoff_id = console.visitor_asks_for_person()
    alice = console.session("alice", ALICE_PASSWORD)
    bob = console.session("bob", BOB_PASSWORD)
    delivered = console.channel.output.messages

    listed = alice.get(console.url + "/staff/api/handoffs").json()
    mine = [h for h in listed["handoffs"] if h["id"] == handoff_id]
    assert mine and mine[0]["reason"] == "asked_for_person" and mine[0]["findings"] == ["S4_pregnancy"]
    assert listed["office"]["open"] is True

    detail = alice.get(f"{console.url}/staff/api/handoffs/{handoff_id}").json()
    assert [e["who"] for e in detail["transcript"]] == ["visitor", "assistant"]
    assert detail["transcript"][0]["text"] == "I want to talk to a person"

    assert alice.post(f"{console.url}/staff/api/handoffs/{handoff_id}/claim").status_code == 200
    assert console.tracker(sender).get_slot("handoff") == "claimed"
    assert "alice from our support team has joined" in delivered[-1]["text"]
    assert delivered[-1]["recipient_id"] == sender

    second = bob.post(f"{console.url}/staff/api/handoffs/{handoff_id}/claim")
    assert second.status_code == 409 and second.json()["claimed_by"] == "alice"
    assert bob.post(f"{console.url}/staff/api/handoffs/{handoff_id}/messages", json={"text": "hi"}).status_code == 409
    assert bob.post(f"{console.url}/staff/api/handoffs/{handoff_id}/release", json={}).status_code == 409

    assert alice.post(f"{console.url}/staff/api/handoffs/{handoff_id}/messages", json={"text": " "}).status_code == 400
    sent = alice.post(f"{console.url}/staff/api/handoffs/{handoff_id}/messages", json={"text": "Hello, I'm Alice."})
    assert sent.status_code == 200
    assert delivered[-1] == {"recipient_id": sender, "text": "alice (support team): Hello, I'm Alice."}
    staff_events = [
        e
        for e in console.tracker(sender).events
        if isinstance(e, BotUttered) and e.metadata.get("staff") and not e.metadata.get("utter_action")
    ]
    assert [(e.text, e.metadata["staff"]) for e in staff_events] == [
        ("alice (support team): Hello, I'm Alice.", "alice")
    ]

    detail = alice.get(f"{console.url}/staff/api/handoffs/{handoff_id}").json()
    staff_lines = [e for e in detail["transcript"] if e["who"] == "staff"]
    assert [(e["staff"], e["text"]) for e in staff_lines] == [("alice", "Hello, I'm Alice.")]
    assert [(a["actor"], a["action"]) for a in detail["audit"]][-2:] == [("alice", "claimed"), ("alice", "message")]

    back = alice.post(f"{console.url}/staff/api/handoffs/{handoff_id}/release", json={"close": False})
    assert back.status_code == 200 and back.json()["handoff"]["status"] == "returned"
    assert console.tracker(sender).get_slot("handoff") is None
    assert delivered[-1]["text"] == "You're back with the assistant."
    assert delivered[-1]["buttons"][0]["title"] == "Magnesium"
    assert handoff_id not in [h["id"] for h in alice.get(console.url + "/staff/api/handoffs").json()["handoffs"]]
    assert [a.action for a in console.store.audit_trail(handoff_id)][-1] == "returned"


def test_close_a_claimed_conversation(console: Console) -> None:
    sender, handoff_id = console.visitor_asks_for_person()
    bob = console.session("bob", BOB_PASSWORD)
    assert bob.post(f"{console.url}/staff/api/handoffs/{handoff_id}/claim").status_code == 200
    closed = bob.post(f"{console.url}/staff/api/handoffs/{handoff_id}/release", json={"close": True})
    assert closed.status_code == 200 and closed.json()["handoff"]["status"] == "closed"
    assert console.tracker(sender).get_slot("handoff") is None
    assert "closed this conversation" in console.channel.output.messages[-1]["text"]


def test_removed_account_loses_its_session(console: Console) -> None:
    console.store.put_staff("temp", accounts.hash_password("temporary-pass"))
    s = console.session("temp", "temporary-pass")
    assert s.get(console.url + "/staff/api/me").status_code == 200
    console.store.remove_staff("temp")
    assert s.get(console.url + "/staff/api/me").status_code == 401


def test_secret_is_generated_once_into_the_var_dir(console: Console) -> None:
    secret = Path(open_store().engine.url.database).parent / "staff_secret"
    assert secret.exists() and oct(secret.stat().st_mode & 0o777) == "0o600"
