"""The insights page, the review queue and the widget's votes, in Debian's Chromium.

Own stack (ports 5310/5360) whose SQLite tracker store is seeded, before the servers start,
with conversations written by Rasa's own SQL tracker store code. A staff member signs in,
sees the charts filled from those conversations, narrows the period, exports the figures,
marks a misread message and exports it as NLU training data; a visitor's thumbs-down in the
widget then shows on the page. Without a session every page redirects and every API says 401;
a visitor's "delete my data" removes their conversation from every figure and export.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from sedorum.handoff.accounts import hash_password
from sedorum.insights.seed import Turn, conversation_events
from sedorum.server.stack import RunningStack, running_stack
from sedorum.stores.tracker_store import ErasableSQLTrackerStore
from tests.conftest import ARTIFACTS, Chat, stack_env
from tests.e2e.test_widget_browser import SCREENSHOTS, Watched, chromium, open_widget, send, wait_for_bot
from tests.ports import port

pytestmark = pytest.mark.browser
__all__ = ["chromium"]  # the Chromium fixture, shared with the widget tests

STAFF_NAME, STAFF_PASSWORD = "maria", "maria-" + uuid.uuid4().hex[:12]
EMAIL = "zelda.quigley@example.org"
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def day(offset: int) -> datetime:
    return TODAY - timedelta(days=offset)


# (sender, days ago, channel, turns): 3 conversations two days ago, 2 yesterday.
SEEDED = [
    ("seed-a", 2, "socketio", [Turn("hello", "greet"), Turn("what is rls", "ask_rls_overview")]),
    ("seed-b", 2, "telegram", [Turn("what is rls exactly", "ask_rls_overview")]),
    (
        "seed-personal",
        2,
        "socketio",
        [Turn(f"my email is {EMAIL}, I am on dialysis, can I return the blue box", "out_of_scope", 0.21)],
    ),
    ("seed-c", 1, "socketio", [Turn("can i return the blue box please", "nlu_fallback", 0.1)]),
    (
        "seed-d",
        1,
        "slack",
        [Turn("i want a person", "request_human", handoff="waiting", staff_reply="Hi", staff_delay_s=90)],
    ),
]


def seed(db: Path) -> None:
    store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    for sender, days_ago, channel, turns in SEEDED:
        tracker = DialogueStateTracker(sender, slots=[])
        for event in conversation_events(turns, day(days_ago).timestamp() + 3600, channel):
            tracker.update(event)
        asyncio.run(store.save(tracker))
    store.engine.dispose()


@pytest.fixture(scope="module")
def insights_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    var = tmp_path_factory.mktemp("insights-var")
    seed(var / "tracker.db")
    env = stack_env(
        var,
        port(5310),
        port(5360),
        SEDORUM_OFFICE_HOURS_ALWAYS_OPEN="1",
        SEDORUM_STAFF_USERS=f"{STAFF_NAME}:{hash_password(STAFF_PASSWORD)}",
        SEDORUM_HANDOFF_DB_URL=f"sqlite:///{var / 'handoff.db'}",
        SEDORUM_INSIGHTS_REFRESH_S="2",
    )
    with running_stack(env, log_dir=ARTIFACTS / "logs" / "insights") as running:
        yield running


def staff_session(stack: RunningStack) -> requests.Session:
    session = requests.Session()
    session.headers["Origin"] = stack.url
    reply = session.post(
        stack.url + "/staff/login", data={"name": STAFF_NAME, "password": STAFF_PASSWORD}, allow_redirects=False
    )
    assert reply.status_code == 303 and reply.headers["Location"] == "/staff/", reply.text
    return session


def figures(session: requests.Session, stack: RunningStack, first: int = 6, last: int = 0) -> dict:
    reply = session.get(
        stack.url + "/staff/api/insights",
        params={"from": day(first).date().isoformat(), "to": day(last).date().isoformat()},
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def sign_in(page: Page, base: str, target: str) -> None:
    page.goto(base + target)
    page.wait_for_url(base + "/staff/login")
    page.get_by_label("Name").fill(STAFF_NAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/staff/")
    page.goto(base + target)


def chart_values(page: Page, canvas: str) -> list[float]:
    return page.evaluate(f"Chart.getChart('{canvas}').data.datasets[0].data")


def test_without_staff_login_nothing_is_shown(insights_stack: RunningStack) -> None:
    base = insights_stack.url
    for page in ("/staff/insights", "/staff/review"):
        reply = requests.get(base + page, allow_redirects=False, timeout=10)
        assert reply.status_code in (302, 303) and reply.headers["Location"] == "/staff/login", page
    for api in (
        "/staff/api/insights",
        "/staff/api/insights/export.csv",
        "/staff/api/review/conversations",
        "/staff/api/review/conversation?sender=seed-personal",
        "/staff/api/review/export.yml",
    ):
        reply = requests.get(base + api, timeout=10)
        assert reply.status_code == 401 and EMAIL not in reply.text, api
    reply = requests.post(
        base + "/staff/api/review/marks", json={"event_id": 1, "intent": "greet"}, headers={"Origin": base}, timeout=10
    )
    assert reply.status_code == 401
    forged = {"sedorum_staff": "eyJ1IjogIm1hcmlhIiwgImV4cCI6IDk5OTk5OTk5OTl9.forged"}
    reply = requests.get(base + "/staff/api/insights", cookies=forged, timeout=10)
    assert reply.status_code == 401


def test_staff_see_filter_export_and_review(insights_stack: RunningStack, chromium: Browser) -> None:
    base = insights_stack.url
    staff = Watched(chromium, viewport={"width": 1280, "height": 1400}, accept_downloads=True)
    try:
        page = staff.page
        sign_in(page, base, "/staff/insights")
        expect(page.locator("body[data-loaded]")).to_be_attached(timeout=15_000)
        expect(page.locator("#t-conversations")).to_have_text("5")
        assert sum(chart_values(page, "chart-days")) == 5
        assert sum(chart_values(page, "chart-channels")) == 5
        intents = dict(
            zip(
                page.evaluate("Chart.getChart('chart-intents').data.labels"),
                chart_values(page, "chart-intents"),
                strict=True,
            )
        )
        assert intents["ask_rls_overview"] == 2
        expect(page.locator("#t-handoff-rate")).to_have_text("20.0%")
        expect(page.locator("#t-median")).to_have_text("89 s")
        low = page.locator("#low")
        expect(low).to_contain_text("return the blue box")
        expect(low.locator("tr").first.locator("td").nth(1)).to_have_text("2")
        assert EMAIL not in page.content() and "dialysis" not in page.content()
        page.screenshot(path=str(SCREENSHOTS / "staff-insights.png"), full_page=True)

        # Only yesterday: the two conversations of that day.
        yesterday = day(1).date().isoformat()
        page.locator("#from").fill(yesterday)
        page.locator("#to").fill(yesterday)
        page.get_by_role("button", name="Show", exact=True).click()
        expect(page.locator("body")).to_have_attribute("data-loaded", f"{yesterday}..{yesterday}")
        expect(page.locator("#t-conversations")).to_have_text("2")
        assert chart_values(page, "chart-days") == [2]

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Export figures (CSV)").click()
        exported = Path(download_info.value.path()).read_text()
        rows = list(csv.reader(io.StringIO(exported)))
        assert ["totals", "conversations", "2", ""] in rows
        assert ["conversations_per_day", yesterday, "2", ""] in rows
        assert EMAIL not in exported

        # Review: open the conversation with personal details, mark the misread message.
        page.goto(base + "/staff/review")
        page.locator("#from").fill(day(6).date().isoformat())
        page.get_by_role("button", name="Show", exact=True).click()
        page.locator("#list button[data-sender='seed-personal']").click()
        message = page.locator("#messages li.visitor").filter(has_text="blue box")
        expect(message).to_contain_text("Understood as out_of_scope · confidence 0.21")
        message.get_by_role("button", name="Mark reply as wrong").click()
        message.get_by_label("It meant").select_option("ask_product_purchase")
        message.get_by_role("button", name="Save mark").click()
        expect(page.locator("#messages li.visitor").filter(has_text="blue box")).to_contain_text(
            f"Marked wrong: should be ask_product_purchase (by {STAFF_NAME})"
        )
        page.screenshot(path=str(SCREENSHOTS / "staff-review.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Export marked messages (NLU YAML)").click()
        assert download_info.value.suggested_filename == "reviewed.yml"
        nlu = Path(download_info.value.path()).read_text()
        assert EMAIL not in nlu and "dialysis" not in nlu and "[email]" in nlu and "[health]" in nlu
        examples = RasaYAMLReader().reads(nlu).intent_examples
        assert [(m.get("intent"), "blue box" in m.get("text")) for m in examples] == [("ask_product_purchase", True)]
        staff.assert_only_local_requests(base)
    finally:
        staff.close()


def test_thumbs_down_in_the_widget_shows_on_the_insights_page(insights_stack: RunningStack, chromium: Browser) -> None:
    base = insights_stack.url
    visitor = Watched(chromium, viewport={"width": 1280, "height": 900})
    try:
        page = visitor.page
        page.goto(base + "/shop/")
        open_widget(page)
        wait_for_bot(page, "not a doctor")
        page.wait_for_timeout(1500)
        send(page, "What is restless legs syndrome?")
        # The greeting mentions restless legs too: wait for words only the answer has.
        wait_for_bot(page, "Willis-Ekbom")
        page.wait_for_timeout(1500)
        answer = page.locator(".rw-message").filter(has=page.locator(".rw-response", has_text="Willis-Ekbom")).last
        down = answer.get_by_role("button", name="Not helpful")
        down.focus()
        page.keyboard.press("Enter")  # keyboard usable
        expect(down).to_have_attribute("aria-pressed", "true")
        expect(answer).to_contain_text("Thanks for telling us.")
        person = answer.get_by_role("button", name="Talk to a person from our support team")
        expect(person).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "visitor-thumbs-down.png"))
        person.click()
        wait_for_bot(page, "person from our support team")
        visitor.assert_only_local_requests(base)
    finally:
        visitor.close()

    staff = Watched(chromium, viewport={"width": 1280, "height": 1400})
    try:
        sign_in(staff.page, base, "/staff/insights")
        votes = staff.page.locator("#feedback tr").filter(has_text="utter_rls")
        expect(votes.first).to_be_visible(timeout=15_000)
        assert votes.first.locator("td").nth(2).inner_text() == "1"
        widget = staff.page.locator("#feedback-channels tr").filter(has_text="socketio")
        expect(widget.first).to_be_visible()
        assert widget.first.locator("td").nth(2).inner_text() == "1"  # the widget's "not helpful", by channel
        expect(staff.page.locator("#t-handoff-rate")).not_to_have_text("20.0%")
    finally:
        staff.close()


def test_delete_my_data_leaves_every_figure_and_export(insights_stack: RunningStack) -> None:
    session = staff_session(insights_stack)
    before = figures(session, insights_stack)
    chat = Chat(insights_stack.url, "erase-" + uuid.uuid4().hex[:8])
    answers = chat.send("What is restless legs syndrome?")
    chat.send(f"my email is {EMAIL} and I would like a refund for the tin")
    vote = requests.post(
        insights_stack.url + "/feedback",
        json={"sender_id": chat.sender, "text": answers[0]["text"], "value": "down"},
        headers={"Origin": insights_stack.url},
        timeout=10,
    )
    assert vote.status_code == 200, vote.text
    messages = session.get(insights_stack.url + "/staff/api/review/conversation", params={"sender": chat.sender})
    refund = next(m for m in messages.json()["messages"] if m["who"] == "visitor" and "refund" in m["text"])
    marked = session.post(
        insights_stack.url + "/staff/api/review/marks", json={"event_id": refund["event_id"], "intent": "inform"}
    )
    assert marked.status_code == 200, marked.text
    during = figures(session, insights_stack)
    assert during["totals"]["conversations"] == before["totals"]["conversations"] + 1
    assert sum(r["down"] for r in during["feedback"]) == sum(r["down"] for r in before["feedback"]) + 1
    assert "- intent: inform" in session.get(insights_stack.url + "/staff/api/review/export.yml").text

    chat.send("/delete_data")
    chat.send("/affirm")
    after = figures(session, insights_stack)
    assert after["totals"] == before["totals"]
    assert after["top_intents"] == before["top_intents"]
    assert after["feedback"] == before["feedback"]
    assert after["feedback_by_channel"] == before["feedback_by_channel"]
    assert after["low_confidence"] == before["low_confidence"]
    assert after["channels"] == before["channels"]
    assert "- intent: inform" not in session.get(insights_stack.url + "/staff/api/review/export.yml").text
    listed = session.get(insights_stack.url + "/staff/api/review/conversations", params={"unsure": "0"}).json()
    assert chat.sender not in {row["sender_id"] for row in listed["conversations"]}
    gone = session.get(insights_stack.url + "/staff/api/review/conversation", params={"sender": chat.sender})
    assert gone.status_code == 404
    exported = session.get(insights_stack.url + "/staff/api/insights/export.csv").text
    assert chat.sender not in exported and EMAIL not in exported
