"""The website widget and the staff console in Debian's Chromium, driven by Playwright.

The whole handoff as people live it: a visitor opens the shop page, asks a question and gets
an answer with buttons, reloads and sees the history, asks for a person; a staff member logs
into the console in a second browser context, sees the waiting conversation with its
transcript, claims it and replies; the reply appears in the visitor's widget; staff hands
back and the assistant answers the next question. Plus: phone-sized screen, keyboard only,
typing indicator, the always-visible disclaimer, and no request to any other host.

Own stack (ports 5210/5260) with office hours forced open and a staff account from the
environment. Screenshots of both screens go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from sedorum.handoff.accounts import hash_password
from sedorum.server.stack import RunningStack, running_stack
from tests.conftest import ARTIFACTS, stack_env
from tests.ports import port

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
STAFF_NAME, STAFF_PASSWORD = "alice", "alice-" + uuid.uuid4().hex[:12]
REPLY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def web_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("browser-var")
    env = stack_env(
        var,
        port(5210),
        port(5260),
        SEDORUM_OFFICE_HOURS_ALWAYS_OPEN="1",
        SEDORUM_STAFF_USERS=f"{STAFF_NAME}:{hash_password(STAFF_PASSWORD)}",
        SEDORUM_HANDOFF_DB_URL=f"sqlite:///{var / 'handoff.db'}",
    )
    with running_stack(env, log_dir=ARTIFACTS / "logs" / "browser") as running:
        yield running


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (scripts/install.sh installs it as root)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A browser context that records every request URL and console error of its pages."""

    def __init__(self, browser: Browser, **options) -> None:
        self.context: BrowserContext = browser.new_context(**options)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.websockets: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()
        self.page.on("websocket", lambda ws: self.websockets.append(ws.url))
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def assert_only_local_requests(self, base_url: str) -> None:
        ws_base = base_url.replace("http://", "ws://")
        foreign = [url for url in self.requests if not url.startswith((base_url, "data:", "blob:"))]
        foreign += [url for url in self.websockets if not url.startswith(ws_base)]
        assert self.requests and not foreign, foreign
        assert not [e for e in self.errors if "Content Security Policy" in e or "Refused to" in e], self.errors

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(chromium: Browser) -> Iterator[Watched]:
    watched = Watched(chromium, viewport={"width": 1280, "height": 800})
    yield watched
    watched.close()


# -- widget helpers --------------------------------------------------------------------------


def open_widget(page: Page) -> None:
    if page.locator(".rw-conversation-container").count() == 0:
        page.locator(".rw-launcher").click()
    expect(page.locator(".rw-new-message")).to_be_visible()


def bot_texts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".rw-response").all_inner_texts()]


def session_id(page: Page) -> str:
    stored = page.evaluate("window.localStorage.getItem('chat_session')")
    return json.loads(stored)["session_id"]


def send(page: Page, text: str) -> None:
    box = page.locator(".rw-new-message")
    expect(box).to_be_enabled()
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".rw-client").filter(has_text=text).last).to_be_visible()


def wait_for_bot(page: Page, pattern: str, timeout_ms: int = REPLY_TIMEOUT_MS) -> None:
    expect(page.locator(".rw-response").filter(has_text=re.compile(pattern, re.IGNORECASE)).last).to_be_visible(
        timeout=timeout_ms
    )


def wait_for_new_bot_messages(page: Page, before: int, timeout_ms: int = REPLY_TIMEOUT_MS) -> None:
    page.wait_for_function("n => document.querySelectorAll('.rw-response').length > n", arg=before, timeout=timeout_ms)
    page.wait_for_timeout(1200)  # let the rest of a multi-part answer arrive


def tracker_events(stack: RunningStack, sender: str, kind: str) -> list[dict]:
    reply = requests.get(
        f"{stack.url}/conversations/{sender}/tracker", params={"token": stack.settings.auth_token}, timeout=30
    )
    reply.raise_for_status()
    return [e for e in reply.json()["events"] if e.get("event") == kind]


# -- the measured scenario -------------------------------------------------------------------


def test_visitor_and_staff_handoff_in_two_browsers(
    web_stack: RunningStack, chromium: Browser, visitor: Watched
) -> None:
    base = web_stack.url
    page = visitor.page
    page.goto(base + "/shop/")
    expect(page.locator("#disclaimer")).to_be_visible()
    open_widget(page)
    wait_for_bot(page, "not a doctor")  # the greeting from initPayload "/greet"
    page.wait_for_timeout(1200)
    first_session = session_id(page)

    # A question, answered with buttons; the typing indicator shows while the assistant answers.
    before = page.locator(".rw-response").count()
    send(page, "What is restless legs syndrome?")
    page.wait_for_selector(".sedorum-pending[data-active='true'], .rw-typing-indication", timeout=5000)
    wait_for_new_bot_messages(page, before)
    assert any("restless" in text.lower() for text in bot_texts(page)[before:]), bot_texts(page)
    expect(page.locator(".rw-reply").first).to_be_visible()
    assert page.locator(".rw-reply[role='button'][tabindex='0']").count() >= 1, "buttons are keyboard-operable"

    # Reload: same session, whole history.
    page.reload()
    open_widget(page)
    expect(page.locator(".rw-client").filter(has_text="What is restless legs syndrome?")).to_be_visible()
    assert session_id(page) == first_session
    # Another page of the shop: still the same conversation.
    page.get_by_role("link", name=re.compile("Restless legs & magnesium")).click()
    page.wait_for_url(base + "/shop/article")
    open_widget(page)
    expect(page.locator(".rw-client").filter(has_text="What is restless legs syndrome?")).to_be_visible()
    assert session_id(page) == first_session

    # Asking for a person: told a person will answer, and roughly when.
    send(page, "I would like to talk to a real person please")
    wait_for_bot(page, r"person from our support team.*10 minutes")
    page.screenshot(path=str(SCREENSHOTS / "visitor-1-waiting-for-a-person.png"), full_page=True)

    # Staff, in a second browser context.
    staff = Watched(chromium, viewport={"width": 1280, "height": 900})
    try:
        console = staff.page
        console.goto(base + "/staff/")
        console.wait_for_url(base + "/staff/login")
        console.get_by_label("Name").fill(STAFF_NAME)
        console.get_by_label("Password").fill(STAFF_PASSWORD)
        console.get_by_role("button", name="Sign in").click()
        console.wait_for_url(base + "/staff/")
        expect(console.locator("#me")).to_have_text(STAFF_NAME)
        entry = console.locator(f"#queue button[data-sender='{first_session}']")
        expect(entry).to_contain_text("Asked for a person", timeout=10_000)
        entry.click()
        transcript = console.locator("#transcript")
        expect(transcript).to_contain_text("I would like to talk to a real person please")
        expect(transcript).to_contain_text("What is restless legs syndrome?")
        expect(console.locator("#d-reason")).to_have_text("Asked for a person")
        console.screenshot(path=str(SCREENSHOTS / "staff-1-waiting-conversation.png"), full_page=True)

        console.get_by_role("button", name="Claim this conversation").click()
        expect(console.locator("#d-status")).to_have_text(f"claimed ({STAFF_NAME})")
        wait_for_bot(page, f"{STAFF_NAME} from our support team has joined", 10_000)

        # The staff reply appears in the visitor's widget within about a second.
        reply = "Hello, I'm Alice from the support team. See [the NHS page on RLS](https://www.nhs.uk/conditions/restless-legs-syndrome/)."
        console.locator("#reply").fill(reply)
        started = time.monotonic()
        console.locator("#reply").press("Enter")
        wait_for_bot(page, "I'm Alice from the support team", 5_000)
        elapsed = time.monotonic() - started
        assert elapsed < 1.5, f"the staff reply took {elapsed:.2f} s to appear"
        link = page.locator(".rw-response a", has_text="the NHS page on RLS")
        expect(link).to_have_attribute("href", "https://www.nhs.uk/conditions/restless-legs-syndrome/")
        expect(link).to_have_attribute("target", "_blank")

        # While staff have the conversation the assistant is silent...
        before = page.locator(".rw-response").count()
        send(page, "Thanks. Is magnesium safe with my blood pressure pills?")
        expect(transcript).to_contain_text("Is magnesium safe with my blood pressure pills?")
        page.wait_for_timeout(3000)
        assert page.locator(".rw-response").count() == before, bot_texts(page)[before:]
        # ...except for the S1 emergency instruction.
        send(page, "Now I have crushing chest pain and I can't breathe")
        wait_for_bot(page, r"(999|112|911)", 30_000)
        page.wait_for_timeout(1200)
        emergency = [t for t in bot_texts(page)[before:] if re.search(r"999|112|911", t)]
        assert emergency and "sedorum" not in emergency[0].lower()
        # Rendered with its line breaks (Markdown would otherwise join the lines).
        sent = [e["text"] for e in tracker_events(web_stack, first_session, "bot") if "999" in (e.get("text") or "")]
        bubble = page.locator(".rw-response").filter(has_text=re.compile("999")).last
        assert bubble.locator("br").count() >= sent[-1].strip().count("\n"), sent[-1]
        expect(console.locator("#d-reason")).to_contain_text("EMERGENCY", timeout=5_000)
        expect(console.locator("#d-status")).to_have_text(f"claimed ({STAFF_NAME})")

        page.screenshot(path=str(SCREENSHOTS / "visitor-2-staff-reply.png"), full_page=True)
        console.screenshot(path=str(SCREENSHOTS / "staff-2-claimed-and-replied.png"), full_page=True)

        # Hand back: the assistant answers the next question.
        console.get_by_role("button", name="Hand back to the assistant").click()
        wait_for_bot(page, "back with the automated assistant", 10_000)
        page.wait_for_timeout(1200)
        before = page.locator(".rw-response").count()
        send(page, "What are the symptoms of restless legs?")
        wait_for_new_bot_messages(page, before)
        assert any(text for text in bot_texts(page)[before:]), "the assistant answers again"
        expect(console.locator(f"#queue button[data-sender='{first_session}']")).to_have_count(0, timeout=5_000)
        page.screenshot(path=str(SCREENSHOTS / "visitor-3-back-with-the-assistant.png"), full_page=True)
        console.screenshot(path=str(SCREENSHOTS / "staff-3-handed-back.png"), full_page=True)
        staff.assert_only_local_requests(base)
    finally:
        staff.close()
    visitor.assert_only_local_requests(base)
    # The widget upgraded to a real WebSocket (Sanic's Python 3.11 patch at work).
    assert any("/socket.io/" in url and "transport=websocket" in url for url in visitor.websockets), visitor.websockets


# -- phone, keyboard, disclaimer -------------------------------------------------------------


def test_phone_sized_screen_keeps_the_disclaimer_visible(web_stack: RunningStack, chromium: Browser) -> None:
    phone = Watched(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = phone.page
        page.goto(web_stack.url + "/shop/")
        disclaimer = page.locator("#disclaimer")
        expect(disclaimer).to_be_visible()
        expect(disclaimer).to_contain_text("Not a doctor")
        expect(disclaimer).to_contain_text("999")
        page.locator(".rw-launcher").tap()
        expect(page.locator(".rw-new-message")).to_be_visible()
        wait_for_bot(page, "not a doctor")
        box = disclaimer.bounding_box()
        chat = page.locator(".rw-conversation-container").bounding_box()
        assert box and chat
        assert box["y"] + box["height"] <= 844 + 1, "the disclaimer is on screen"
        assert chat["y"] + chat["height"] <= box["y"] + 1, "the open chat does not cover the disclaimer"
        assert chat["width"] >= 380, "the chat uses the phone's width"
        on_top = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('#disclaimer') !== null",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top, "nothing is drawn over the disclaimer"
        send(page, "What is magnesium?")
        page.screenshot(path=str(SCREENSHOTS / "visitor-phone.png"))
        phone.assert_only_local_requests(web_stack.url)
    finally:
        phone.close()


def test_keyboard_only(web_stack: RunningStack, visitor: Watched) -> None:
    page = visitor.page
    page.goto(web_stack.url + "/shop/article")
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('rw-launcher')"):
            break
    else:
        pytest.fail("the chat launcher cannot be reached with Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Open the chat")
    page.keyboard.press("Enter")
    expect(page.locator(".rw-new-message")).to_be_visible()
    expect(page.locator(".rw-new-message")).to_be_focused()
    wait_for_bot(page, "not a doctor")
    page.wait_for_timeout(1200)
    before = page.locator(".rw-response").count()
    page.keyboard.type("Tell me about magnesium")
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client").filter(has_text="Tell me about magnesium")).to_be_visible()
    wait_for_new_bot_messages(page, before)

    reply = page.locator(".rw-reply[role='button']").last
    expect(reply).to_be_visible()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('rw-reply')"):
            break
    else:
        pytest.fail("no quick reply can be reached with Tab")
    title = page.evaluate("document.activeElement.innerText").strip()
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client").filter(has_text=title).last).to_be_visible()
    visitor.assert_only_local_requests(web_stack.url)
