"""The deterministic emergency safety net (S1). Development examples live here; the labelled
set in bench/data/emergency_labelled.yml is scored by bench/bench_emergency.py."""

from __future__ import annotations

import pytest

from sedorum.safety.emergency import CATEGORIES, EmergencyMatch, detect_all, detect_emergency, normalise

EMERGENCIES = [
    ("I can't breathe", "breathing"),
    ("he's not breathing", "breathing"),
    ("my chest really hurts", "chest_pain"),
    ("I think I'm having a heart attack", "chest_pain"),
    ("my wife passed out in the bathroom", "fainting"),
    ("Mum has collapsed", "fainting"),
    ("my dad won't wake up", "fainting"),
    ("he's having a seizure", "seizure"),
    ("I think I've overdosed", "overdose"),
    ("i swallowed the whole packet of magnesium", "overdose"),
    ("my little girl ate half a bottle of iron tablets", "overdose"),
    ("I've taken 15 pills", "overdose"),
    ("my heart is pounding like crazy right now", "heart_rhythm"),
    ("pulse is 32", "heart_rhythm"),
    ("my calf is swollen and hot on the left side and I'm out of breath", "clot"),
    ("coughed up blood just now", "coughing_blood"),
    ("my grandad is so weak he can't stand and he's confused after his laxatives", "weakness"),
    ("very drowsy and confused after taking lots of magnesium", "confusion"),
]


@pytest.mark.parametrize("text,category", EMERGENCIES)
def test_emergencies_are_caught_with_their_category(text, category):
    match = detect_emergency(text)
    assert isinstance(match, EmergencyMatch)
    assert category in {m.category for m in detect_all(text)}
    assert match.category in CATEGORIES
    assert match.sign


@pytest.mark.parametrize(
    "text",
    [
        "CANT BREATHE",
        "cnat breathe",
        "i cant breath",
        "my hart is raceing",
        "siezure",
        "chset pain",
        "Am I having a heart attack?",
        "Could this be a heart attack? my chest is so tight",
        "Why can't I breathe properly?",
        "I have really bad chest pain, should I stop Sedorum?",
        "Can magnesium cause chest pain? I have it right now",
        "help!! my son is having a fit",
        "I'm not sure but I think I'm having a seizure",
    ],
)
def test_typos_casing_and_questions_that_describe_a_real_emergency(text):
    assert detect_emergency(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "my husband collapsed",
        "My daughter is having convulsions",
        "grandma is unresponsive",
        "my friend took a whole bottle of pills",
    ],
)
def test_someone_else_having_an_emergency_now_counts(text):
    assert detect_emergency(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        # negated
        "I don't have any chest pain",
        "I'm not short of breath at all",
        "No chest pain or breathing problems",
        "I've never had a seizure",
        "nothing like a fit, just jumpy legs",
        # general questions and statements
        "what are the warning signs of too much magnesium?",
        "can sedorum make you faint?",
        "is it possible to overdose on Sedorum?",
        "what does an overdose feel like?",
        "will magnesium give me palpitations?",
        "the leaflet says magnesium can cause drowsiness",
        "what should someone do if they can't breathe after a supplement?",
        # hypothetical
        "if I get palpitations should I stop it?",
        "in case I feel faint, what should I do?",
        # past
        "I had a seizure in 2015",
        "I fainted when I was a teenager",
        "My dad died of a heart attack years ago",
        # RLS, cramps and ordinary words
        "my legs jerk and twitch at night",
        "I get cramps in my calves",
        "my legs ache at night",
        "I keep fit by swimming",
        "I love painting in the evening",
        "I'm confused about the dosage",
        "my heart is fine",
        "my pulse is normal, 72",
        "I have a slow heart rate, can I take magnesium?",
        "I have atrial fibrillation",
        "",
    ],
)
def test_not_emergencies(text):
    assert detect_emergency(text) is None, detect_emergency(text)


def test_handles_none_and_huge_input():
    assert detect_emergency(None) is None  # type: ignore[arg-type]
    assert detect_emergency("my legs are restless " * 2000) is None
    assert detect_emergency("my legs are restless " * 2000 + ". I can't breathe") is not None


def test_normalise_fixes_common_typos_only():
    assert normalise("Cant breath, chset pian, siezure") == "can't breath, chest pain, seizure"
    assert normalise("I love painting") == "i love painting"


def test_negation_does_not_leak_into_the_next_clause():
    assert detect_emergency("I don't know what's happening, my heart is racing") is not None
    assert detect_emergency("No idea why but I can't breathe") is not None
    assert detect_emergency("I didn't take too many, but now I feel faint") is not None


def test_labelled_set_meets_the_targets():
    from bench.bench_emergency import run

    result = run()
    assert result["n"] >= 150
    emergencies = result["tp"] + result["fn"]
    assert 0.4 <= emergencies / result["n"] <= 0.6  # about half emergencies, half hard negatives
    assert result["emergency_recall"] == 1.0, result["false_negatives"]
    assert result["emergency_precision"] >= 0.95, result["false_positives"]


# Found by running the detector over the training data: a visitor who refuses the
# screening was told to call 911, and two plain breathing emergencies were missed.
@pytest.mark.parametrize(
    "text",
    ["not answering that", "I'm not answering any more questions", "im not answering your questions"],
)
def test_declining_to_answer_the_screening_is_not_someone_unresponsive(text):
    assert detect_emergency(text) is None


@pytest.mark.parametrize("text", ["my dad is not answering and he is on the floor", "he's not answering me"])
def test_someone_not_answering_still_counts(text):
    match = detect_emergency(text)
    assert match is not None and match.category == "fainting"


@pytest.mark.parametrize(
    "text",
    [
        "can barely breathe and my whole body feels heavy",
        "can hardly breathe, help",
        "my leg suddenly went swollen red and hot and it hurts to breathe",
        "it's painful to breathe",
    ],
)
def test_dropped_subject_and_painful_breathing_are_emergencies(text):
    match = detect_emergency(text)
    assert match is not None and match.category == "breathing"


@pytest.mark.parametrize(
    "text",
    ["can magnesium make it hard to breathe?", "does it hurt to breathe with a blood clot?", "can not sleep at all"],
)
def test_questions_starting_with_can_stay_general(text):
    assert detect_emergency(text) is None


def test_mentions_sign_sees_the_signs_the_rules_set_aside():
    from sedorum.safety.emergency import mentions_sign

    for ruled_out in ["I'm not having any trouble breathing", "I fainted once years ago", "no chest pain"]:
        assert detect_emergency(ruled_out) is None
        assert mentions_sign(ruled_out)
    assert not mentions_sign("my legs keep twitching at night and I can't sleep, I'm pregnant")


@pytest.mark.parametrize(
    "text",
    [
        "sorry, I've confused myself, the levothyroxine is my husband's, not mine. So I can take my Sedorum?",
        "no wait, I'm getting muddled, it was my gallbladder they took out. What's the limit for magnesium?",
    ],
)
def test_the_visitor_muddling_their_own_words_is_no_confusion_sign(text: str) -> None:
    assert detect_all(text) == []


@pytest.mark.parametrize(
    "text", ["mum is confused and very drowsy since the magnesium", "dad took his magnesium and now he is muddled"]
)
def test_someone_confused_after_magnesium_still_is(text: str) -> None:
    assert [m.category for m in detect_all(text)] == ["confusion"] * len(detect_all(text)) != []


def test_chest_pain_spreading_to_the_arm_over_two_clauses_is_detected_where_it_is_mentioned() -> None:
    """A sign the detector has looked at keeps the meaning layer out: it must then be detected."""
    from sedorum.safety.emergency import mentions_sign

    text = "my chest has been tight for an hour and now it's going down my left arm"
    assert mentions_sign(text) and [m.category for m in detect_all(text)] == ["chest_pain"]
