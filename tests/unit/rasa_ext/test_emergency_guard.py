"""The two NLU components around the emergency detector, without a trained model or a server.

The classifier's output is set on real Rasa `Message`s by hand, so each case states exactly
what the classifier said; the detector is the real one.
"""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

import sedorum.safety.emergency as detector
import sedorum.safety.emergency.verdict as verdicts
from sedorum.rasa_ext.emergency_guard import (
    REPLY_KEY,
    UNCONFIRMED_KEY,
    VERDICT_KEY,
    EmergencyGuard,
    UnconfirmedEmergencyFilter,
    condition_on_no_emergency,
    detected_signs,
    should_demote,
)
from sedorum.safety.emergency.signs import FoundSign

CALM_PREGNANCY = "hi, it's 2am and I can't sleep, my legs keep twitching and I'm 30 weeks pregnant"
REAL_EMERGENCY = "my husband took a whole bottle of magnesium and now he can't breathe properly"


def classified(text: str, ranking: list[tuple[str, float]]) -> Message:
    """A message as the linear classifier leaves it: top intent and ranking."""
    rows = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(data={TEXT: text})
    message.set(INTENT, rows[0], add_to_output=True)
    message.set(INTENT_RANKING_KEY, rows, add_to_output=True)
    return message


def run_filter(message: Message, min_confidence: float = 0.7) -> Message:
    return UnconfirmedEmergencyFilter({"min_confidence": min_confidence}).process([message])[0]


def test_conditioning_removes_the_emergency_and_rescales_the_rest() -> None:
    ranking = [
        {"name": "report_emergency", "confidence": 0.6},
        {"name": "ask_pregnancy", "confidence": 0.3},
        {"name": "inform", "confidence": 0.1},
    ]
    out = condition_on_no_emergency(ranking)
    assert [r["name"] for r in out] == ["ask_pregnancy", "inform"]
    assert out[0]["confidence"] == pytest.approx(0.75)
    assert out[1]["confidence"] == pytest.approx(0.25)


def test_conditioning_without_an_emergency_entry_changes_nothing() -> None:
    ranking = [{"name": "greet", "confidence": 0.8}, {"name": "thank", "confidence": 0.2}]
    assert condition_on_no_emergency(ranking) == ranking


@pytest.mark.parametrize(
    ("top", "detector_fired", "sign_mentioned", "expected"),
    [
        ({"name": "report_emergency", "confidence": 0.63}, False, False, True),  # unsure, nothing seen
        ({"name": "report_emergency", "confidence": 0.63}, True, True, False),  # the detector agrees
        ({"name": "report_emergency", "confidence": 0.7}, False, False, False),  # sure, no known sign
        ({"name": "report_emergency", "confidence": 0.95}, False, False, False),
        ({"name": "report_emergency", "confidence": 0.95}, False, True, True),  # sign ruled out
        ({"name": "ask_pregnancy", "confidence": 0.4}, False, False, False),
        (None, False, False, False),
    ],
)
def test_when_the_classifier_is_overruled(
    top: dict | None, detector_fired: bool, sign_mentioned: bool, expected: bool
) -> None:
    assert should_demote(top, detector_fired, sign_mentioned, 0.7) is expected


def test_an_unsure_classifier_only_emergency_becomes_the_next_topic() -> None:
    message = run_filter(
        classified(CALM_PREGNANCY, [("report_emergency", 0.63), ("ask_pregnancy", 0.2), ("inform", 0.17)])
    )
    assert message.get(INTENT)["name"] == "ask_pregnancy"
    assert message.get(INTENT)["confidence"] == pytest.approx(0.2 / 0.37)
    assert "report_emergency" not in [r["name"] for r in message.get(INTENT_RANKING_KEY)]
    assert message.get(UNCONFIRMED_KEY) == pytest.approx(0.63)
    assert UNCONFIRMED_KEY in message.as_dict(only_output_properties=True)


def test_a_confident_classifier_keeps_its_emergency() -> None:
    # A message with no sign word at all ("very wrong with me" is one the detector sets aside).
    text = "something is really wrong, please help"
    message = run_filter(classified(text, [("report_emergency", 0.82), ("request_human", 0.1)]))
    assert message.get(INTENT)["name"] == "report_emergency"
    assert message.get(UNCONFIRMED_KEY) is None


def test_a_confident_classifier_alone_asks_for_the_urgent_help_lines_not_999() -> None:
    text = "my wife is acting really strange tonight"
    message = run_filter(classified(text, [("report_emergency", 0.82), ("ask_rls_symptoms", 0.1)]))
    assert message.get(INTENT)["name"] == "report_emergency"
    assert message.get(REPLY_KEY) == "unconfirmed"


def test_an_emergency_the_detector_confirms_keeps_its_own_reply_kind() -> None:
    message = run_filter(classified(REAL_EMERGENCY, [("report_emergency", 0.9), ("ask_side_effects", 0.05)]))
    assert message.get(REPLY_KEY) is None
    guarded = EmergencyGuard({}).process([message])[0]
    assert guarded.get(REPLY_KEY) in ("emergency", "poisoning")


def test_an_emergency_the_detector_sees_is_never_demoted_even_if_the_classifier_is_unsure() -> None:
    message = run_filter(classified(REAL_EMERGENCY, [("report_emergency", 0.4), ("ask_side_effects", 0.35)]))
    assert message.get(INTENT)["name"] == "report_emergency"


def test_the_guard_still_overrides_a_demoted_or_missed_emergency_the_detector_sees() -> None:
    message = classified(REAL_EMERGENCY, [("ask_side_effects", 0.7), ("report_emergency", 0.2)])
    out = EmergencyGuard({}).process([run_filter(message)])[0]
    assert out.get(INTENT) == {"name": "report_emergency", "confidence": 1.0}
    assert out.get("emergency_sign")


def test_a_sign_the_detector_ruled_out_is_not_an_emergency_however_sure_the_classifier() -> None:
    text = "I'm not having any trouble breathing"
    message = run_filter(classified(text, [("report_emergency", 0.95), ("inform", 0.04), ("deny", 0.01)]))
    assert message.get(INTENT)["name"] == "inform"
    assert message.get(INTENT)["confidence"] == pytest.approx(0.8)


def test_other_intents_pass_untouched() -> None:
    message = classified("what foods have magnesium", [("ask_food_sources", 0.9), ("ask_magnesium_overview", 0.05)])
    before = dict(message.get(INTENT))
    assert run_filter(message).get(INTENT) == before


@pytest.mark.parametrize("value", [-0.1, 1.5, "high"])
def test_a_threshold_outside_zero_to_one_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="min_confidence"):
        UnconfirmedEmergencyFilter.validate_config({"min_confidence": value})


@pytest.fixture
def detector_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the verdicts the components ask for (the real detector answers)."""
    calls = {"assess": 0}
    real_assess = verdicts.assess

    def counting_assess(text: str, use_meaning: bool = True) -> verdicts.Verdict:
        calls["assess"] += 1
        return real_assess(text, use_meaning)

    monkeypatch.setattr(verdicts, "assess", counting_assess)
    return calls


@pytest.mark.parametrize(
    ("text", "ranking", "intent"),
    [
        # the detector fires: the filter keeps the emergency, the guard confirms it
        (REAL_EMERGENCY, [("report_emergency", 0.4), ("ask_side_effects", 0.35)], "report_emergency"),
        # a sign ruled out: the filter demotes, the guard reads the same verdict
        ("I'm not having any trouble breathing", [("report_emergency", 0.95), ("inform", 0.05)], "inform"),
        # not an emergency for the classifier: only the guard asks
        ("what foods have magnesium", [("ask_food_sources", 0.9), ("inform", 0.1)], "ask_food_sources"),
    ],
)
def test_the_detector_runs_once_per_message_through_both_components(
    detector_calls: dict[str, int], text: str, ranking: list[tuple[str, float]], intent: str
) -> None:
    message = classified(text, ranking)
    out = EmergencyGuard({}).process(UnconfirmedEmergencyFilter({"min_confidence": 0.7}).process([message]))[0]
    assert out.get(INTENT)["name"] == intent
    assert detector_calls == {"assess": 1}
    assert [sign["category"] for sign in out.get(VERDICT_KEY).signs] == [m.category for m in detector.detect_all(text)]
    # kept on the message for the components, not added to the parse output
    assert VERDICT_KEY not in out.as_dict(only_output_properties=True)


def test_a_verdict_already_on_the_message_is_not_computed_again(detector_calls: dict[str, int]) -> None:
    message = classified("hello", [("greet", 0.9), ("inform", 0.1)])
    sign: FoundSign = {"sign": "collapsed", "category": "fainting", "reply": "emergency", "layer": "rules"}
    message.set(VERDICT_KEY, verdicts.Verdict(signs=(sign,), layer="rules"))
    out = EmergencyGuard({}).process([message])[0]
    assert detector_calls["assess"] == 0
    assert out.get(INTENT) == {"name": "report_emergency", "confidence": 1.0}
    assert out.get("emergency_sign") == "collapsed"
    assert out.get("emergency_reply") == "emergency"
    assert detected_signs(out) == [sign]


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("my toddler ate some of my iron tablets before I noticed", "poisoning"),
        ("I think about suicide every night because of my legs, I can't sleep", "crisis"),
        ("my left calf is swollen and hot", "urgent"),
        ("my left calf is swollen and hot and I'm suddenly short of breath", "emergency"),
        ("no puedo respirar", "emergency"),
    ],
)
def test_the_guard_names_the_reply_the_emergency_gets(text: str, reply: str) -> None:
    out = EmergencyGuard({}).process([classified(text, [("inform", 0.6), ("greet", 0.4)])])[0]
    assert out.get(INTENT)["name"] == "report_emergency"
    assert out.get("emergency_reply") == reply


def test_the_guard_names_the_visitors_language_only_when_it_is_not_english() -> None:
    german = EmergencyGuard({}).process([classified("Ich bin im fünften Monat schwanger", [("inform", 1.0)])])[0]
    english = EmergencyGuard({}).process([classified("I am five months pregnant", [("inform", 1.0)])])[0]
    assert german.get("language") == "de"
    assert "language" not in english.as_dict(only_output_properties=True)


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        (None, False),  # not asked: the sure classifier keeps its emergency
        (-0.2, False),  # reads as an emergency
        (0.01, False),  # hardly nearer to an everyday message
        (0.05, True),
        (0.3, True),  # clearly an everyday message
    ],
)
def test_a_sure_classifier_only_emergency_that_reads_as_an_everyday_message_is_overruled(
    lead: float | None, expected: bool
) -> None:
    top = {"name": "report_emergency", "confidence": 0.9}
    assert should_demote(top, False, False, 0.7, lead, 0.05) is expected
    assert should_demote(top, True, True, 0.7, lead, 0.05) is False  # the detector fired


@pytest.mark.parametrize(
    "text",
    [
        "my mum, Françoise, can't sleep because of her legs",
        "my son kicks a lot in his sleep",
        "help, i'm exhausted and fed up",
    ],
)
def test_a_restless_legs_complaint_the_classifier_calls_an_emergency_is_not_one(text: str) -> None:
    # A name the classifier has never seen tipped "my mum can't ..." over its threshold.
    message = run_filter(classified(text, [("report_emergency", 0.77), ("ask_rls_symptoms", 0.13), ("inform", 0.1)]))
    assert message.get(INTENT)["name"] == "ask_rls_symptoms"
    assert message.get(UNCONFIRMED_KEY) == pytest.approx(0.77)


def test_an_emergency_the_detector_has_no_words_for_keeps_the_classifiers_second_chance() -> None:
    text = "cant think straight, everything is foggy and i keep nodding off, been on the laxatives all week"
    message = run_filter(classified(text, [("report_emergency", 0.94), ("ask_side_effects", 0.06)]))
    assert message.get(INTENT)["name"] == "report_emergency"


@pytest.mark.parametrize("value", [-0.1, 1.5, "high", True])
def test_an_everyday_margin_outside_zero_to_one_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="everyday_margin"):
        UnconfirmedEmergencyFilter.validate_config({"everyday_margin": value})
