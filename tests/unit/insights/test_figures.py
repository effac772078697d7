"""The insights SQL and aggregation, on a real SQL tracker store (SQLite) and without a server.

Conversations are saved through the project's ErasableSQLTrackerStore, so the roll-up reads
exactly the rows Rasa writes; erasure goes through the same store methods that delete-my-data
and retention use.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from sedorum.insights import feedback, figures, review, rollup
from sedorum.insights.db import make_engine
from sedorum.insights.figures import Period
from sedorum.insights.seed import Turn, conversation_events
from sedorum.insights.similarity import group_similar
from sedorum.stores.tracker_store import ErasableSQLTrackerStore

DAY1 = datetime(2026, 3, 2, 10, tzinfo=UTC).timestamp()
DAY2 = DAY1 + 86400
PERIOD = Period(date(2026, 3, 2), date(2026, 3, 3))


class Seeded:
    def __init__(self, tmp_path: Path) -> None:
        db = tmp_path / "tracker.db"
        self.store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
        self.engine = make_engine(f"sqlite:///{db}")

    def save(self, sender: str, turns: list[Turn], start: float, channel: str = "socketio") -> None:
        tracker = DialogueStateTracker(sender, slots=[])
        for event in conversation_events(turns, start, channel):
            tracker.update(event)
        asyncio.run(self.store.save(tracker))

    def figures(self, period: Period = PERIOD) -> dict:
        rollup.refresh(self.engine, threshold=0.5)
        return figures.compute(self.engine, period)


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    s = Seeded(tmp_path)
    s.save("a", [Turn("hi", "greet"), Turn("what is rls", "ask_rls_overview")], DAY1)
    s.save("b", [Turn("how much magnesium", "ask_dosage", 0.9)], DAY1 + 60, channel="telegram")
    s.save(
        "c",
        [
            Turn("my email is zelda@example.org can i return the blue box", "out_of_scope", 0.2),
            Turn("i want a person", "request_human", handoff="waiting", staff_reply="Hello", staff_delay_s=120),
        ],
        DAY2,
    )
    s.save(
        "d",
        [
            Turn("can i return the blue box please", "nlu_fallback", 0.1),
            Turn("chest pain cannot breathe", "report_emergency", actions=["action_flag_emergency"]),
        ],
        DAY2 + 60,
    )
    s.save(
        "e",
        [
            Turn("is it safe for me", "check_safety", screening=True),
            Turn("i am 40 no other conditions", "inform", actions=["action_screening_result"]),
        ],
        DAY2 + 120,
        channel="slack",
    )
    s.save("f", [Turn("what is rls", "ask_rls_overview", handoff="waiting")], DAY2 + 180)
    return s


def test_figures_count_what_the_conversations_contain(seeded: Seeded) -> None:
    result = seeded.figures()
    assert result["per_day"] == [
        {"day": "2026-03-02", "conversations": 2},
        {"day": "2026-03-03", "conversations": 4},
    ]
    totals = result["totals"]
    assert totals["conversations"] == 6
    assert totals["handoffs"] == 2 and totals["handoff_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert totals["staff_replied"] == 1 and totals["median_staff_reply_s"] == pytest.approx(119.0, abs=1)
    assert totals["emergencies"] == 1
    assert (totals["screening_started"], totals["screening_finished"]) == (1, 1)
    intents = {row["intent"]: row["count"] for row in result["top_intents"]}
    assert intents["ask_rls_overview"] == 2 and intents["greet"] == 1
    assert result["top_intents"][0]["intent"] == "ask_rls_overview"
    channels = {row["channel"]: row["conversations"] for row in result["channels"]}
    assert channels == {"socketio": 4, "telegram": 1, "slack": 1}


def test_unsure_messages_are_grouped_and_redacted(seeded: Seeded) -> None:
    low = seeded.figures()["low_confidence"]
    assert low["messages"] == 2
    assert len(low["groups"]) == 1, low
    group = low["groups"][0]
    assert group["count"] == 2
    shown = group["example"] + " ".join(group["variants"])
    assert "zelda" not in shown and "example org" not in shown
    assert "blue box" in shown


def test_period_filter_and_trend(seeded: Seeded) -> None:
    only_day2 = seeded.figures(Period(date(2026, 3, 3), date(2026, 3, 3)))
    assert only_day2["totals"]["conversations"] == 4
    rls = next(row for row in only_day2["top_intents"] if row["intent"] == "ask_rls_overview")
    # One on day 2, one on the day before (the previous period of the same length): no change.
    assert (rls["count"], rls["previous"], rls["change_pct"]) == (1, 1, 0.0)
    nothing = seeded.figures(Period(date(2026, 1, 1), date(2026, 1, 5)))
    assert nothing["totals"]["conversations"] == 0 and nothing["totals"]["median_staff_reply_s"] is None


def test_refresh_is_incremental(seeded: Seeded) -> None:
    first = rollup.refresh(seeded.engine, threshold=0.5)
    assert first.counted_events > 0
    assert rollup.refresh(seeded.engine, threshold=0.5).counted_events == 0
    seeded.save("g", [Turn("hello", "greet")], DAY2 + 300)
    again = rollup.refresh(seeded.engine, threshold=0.5)
    assert 0 < again.counted_events < first.counted_events
    assert figures.compute(seeded.engine, PERIOD)["totals"]["conversations"] == 7
    # A conversation that goes on adds to its row, not a new one.
    seeded.save("g", [Turn("hello", "greet"), Turn("what is rls", "ask_rls_overview")], DAY2 + 300)
    result = seeded.figures()
    assert result["totals"]["conversations"] == 7
    assert {r["intent"]: r["count"] for r in result["top_intents"]}["ask_rls_overview"] == 3


def mark_and_vote(seeded: Seeded, sender: str) -> None:
    entries = review.conversation(seeded.engine, sender)
    assert entries is not None
    visitor = next(e for e in entries if e["who"] == "visitor")
    assert review.mark(seeded.engine, visitor["event_id"], "ask_product_purchase", "alice")
    answer = next(e for e in entries if e["who"] == "assistant")
    assert feedback.record(seeded.engine, sender, answer["text"], "down")


def test_deleted_conversation_leaves_every_figure_and_export(seeded: Seeded) -> None:
    before = seeded.figures()
    mark_and_vote(seeded, "c")
    mark_and_vote(seeded, "d")
    assert "blue box" in review.export_nlu_yaml(seeded.engine)
    assert seeded.figures()["feedback"] == [{"answer": "utter_answer", "up": 0, "down": 2}]

    seeded.store.delete_sender("c")  # what delete-my-data does in the Rasa process
    after = seeded.figures()
    assert after["totals"]["conversations"] == before["totals"]["conversations"] - 1
    assert after["totals"]["handoffs"] == 1 and after["totals"]["staff_replied"] == 0
    assert after["low_confidence"]["messages"] == 1
    assert "return the blue box" in after["low_confidence"]["groups"][0]["example"]
    assert after["feedback"] == [{"answer": "utter_answer", "up": 0, "down": 1}]
    assert review.conversation(seeded.engine, "c") is None
    assert review.marked_count(seeded.engine) == 1
    assert all(
        row["sender_id"] != "c" for row in review.list_conversations(seeded.engine, "2026-01-01", "2026-12-31", False)
    )
    csv_text = figures.to_csv(after)
    assert "totals,conversations,5" in csv_text

    # The same visitor writing again is counted anew, without the erased messages.
    seeded.save("c", [Turn("hello again", "greet")], DAY2 + 600)
    again = seeded.figures()
    assert again["totals"]["conversations"] == 6
    assert again["low_confidence"]["messages"] == 1


def test_retention_removes_old_conversations_from_the_figures(seeded: Seeded) -> None:
    assert seeded.figures()["totals"]["conversations"] == 6
    seeded.save("recent", [Turn("hello", "greet")], time.time())
    # Everything seeded in March 2026 is older than 1 day now... unless the clock says otherwise.
    cutoff_days = (time.time() - (DAY2 + 86400)) / 86400
    assert cutoff_days > 0, "the test's fixed dates must lie in the past"
    seeded.store.delete_older_than(cutoff_days)
    assert seeded.figures()["totals"]["conversations"] == 0
    today = datetime.now(UTC).date()
    assert seeded.figures(Period(today, today))["totals"]["conversations"] == 1


def test_export_holds_only_marked_messages_redacted_as_nlu_yaml(seeded: Seeded) -> None:
    assert review.export_nlu_yaml(seeded.engine).rstrip().endswith("nlu:"), "nothing marked, nothing exported"
    entries = review.conversation(seeded.engine, "c")
    assert entries is not None
    personal = next(e for e in entries if e["who"] == "visitor" and "zelda" in e["text"])
    assert personal["intent"] == "out_of_scope" and personal["confidence"] == pytest.approx(0.2)
    review.mark(seeded.engine, personal["event_id"], "ask_product_purchase", "alice")
    exported = review.export_nlu_yaml(seeded.engine)
    assert "zelda" not in exported and "[email]" in exported
    parsed = yaml.safe_load(exported)
    assert [item["intent"] for item in parsed["nlu"]] == ["ask_product_purchase"]
    training = RasaYAMLReader().reads(exported)
    assert [m.get("intent") for m in training.intent_examples] == ["ask_product_purchase"]
    assert review.mark(seeded.engine, 10**9, "greet", "alice") is None, "only stored visitor messages"
    assert review.unmark(seeded.engine, personal["event_id"])
    assert review.marked_count(seeded.engine) == 0


def test_feedback_matches_the_answer_shown_in_the_widget(seeded: Seeded) -> None:
    seeded.save("m", [Turn("link please", "ask_rls_overview", reply="See [the NHS page](https://nhs.uk/x).")], DAY2)
    assert feedback.record(seeded.engine, "m", "See the NHS page.", "up") is not None
    assert feedback.record(seeded.engine, "m", "An answer never sent", "up") is None
    assert feedback.record(seeded.engine, "other", "See the NHS page.", "up") is None
    latest = feedback.record(seeded.engine, "m", "See the NHS page.", "down")
    assert latest is not None and latest["value"] == "down"  # the latest vote counts
    assert seeded.figures()["feedback"] == [{"answer": "utter_answer", "up": 0, "down": 1}]
    with pytest.raises(ValueError):
        feedback.record(seeded.engine, "m", "See the NHS page.", "maybe")


def test_a_channel_vote_names_its_answer_by_key_and_counts_per_channel(seeded: Seeded) -> None:
    """The messaging channels vote with the answer's key (their buttons hold 64 bytes), the
    widget with its text; both land in the same table, and the page shows them per channel."""
    key_of_reply = hashlib.sha256(b"hereiswhatweknow").hexdigest()[:16]  # "Here is what we know."
    assert feedback.answer_key("Here is what we know.") == key_of_reply
    assert feedback.record_by_key(seeded.engine, "b", key_of_reply, "down") is not None  # telegram
    assert feedback.record_by_key(seeded.engine, "e", key_of_reply, "up") is not None  # slack
    assert feedback.record(seeded.engine, "a", "Here is what we know.", "up") is not None  # the widget
    assert feedback.record_by_key(seeded.engine, "b", "0" * 16, "up") is None, "no such answer"
    assert feedback.record_by_key(seeded.engine, "b", "not a key", "up") is None
    result = seeded.figures()
    assert result["feedback"] == [{"answer": "utter_answer", "up": 2, "down": 1}]
    assert sorted(result["feedback_by_channel"], key=lambda row: row["channel"]) == [
        {"channel": "slack", "up": 1, "down": 0},
        {"channel": "socketio", "up": 1, "down": 0},
        {"channel": "telegram", "up": 0, "down": 1},
    ]
    assert "feedback_by_channel,telegram,0,down 1" in figures.to_csv(result)


def test_the_votes_version_changes_with_every_vote(seeded: Seeded) -> None:
    before = feedback.version(seeded.engine)
    assert before == (0, 0.0)
    feedback.record(seeded.engine, "a", "Here is what we know.", "up")
    first = feedback.version(seeded.engine)
    feedback.record(seeded.engine, "a", "Here is what we know.", "down")  # replaces: same count
    assert first[0] == 1 and feedback.version(seeded.engine) != first


def test_grouping_joins_rewordings_and_keeps_different_questions_apart() -> None:
    groups = group_similar(
        [("can i return the blue box", 5), ("return the blue box please", 2), ("do you ship to canada", 3)]
    )
    assert [(g.example, g.count) for g in groups] == [("can i return the blue box", 7), ("do you ship to canada", 3)]
    # The same question with personal context around it (placeholders do not count as words).
    with_context = group_similar(
        [("can i return the blue box", 2), ("my email is [email] i am [health] can i return the blue box", 1)]
    )
    assert [(g.count, len(g.variants)) for g in with_context] == [(3, 1)]
    # A short greeting is not swallowed by a long message that contains its word.
    assert len(group_similar([("hello there", 1), ("hello can i return the blue box", 1)])) == 2


def test_period_parsing() -> None:
    assert Period.parse(None, "2026-03-31").start == date(2026, 3, 2)
    with pytest.raises(ValueError):
        Period.parse("2026-03-05", "2026-03-01")
    with pytest.raises(ValueError):
        Period.parse("2020-01-01", "2026-01-01")
    with pytest.raises(ValueError):
        Period.parse("yesterday", None)
