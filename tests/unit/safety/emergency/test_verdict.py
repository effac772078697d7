"""One verdict per message: rules first, then meaning, in the visitor's language (verdict.py)."""

from __future__ import annotations

import pytest

from sedorum.safety.emergency.verdict import assess


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        # never set aside, whatever the cue
        ("my toddler ate some of my iron tablets before I noticed", "poisoning"),
        ("not sure if my son ate any of the gummies, the lid was off", "poisoning"),
        ("what happens if my 2 year old swallowed a few iron tablets?", "poisoning"),
        ("I think about suicide every night because of my legs, I can't sleep", "crisis"),
        ("I don't want to live like this anymore", "crisis"),
        ("it would be easier all round if I just didn't wake up one morning", "crisis"),
        # urgent, not 999
        ("my left calf is red, hot and swollen since yesterday", "urgent"),
        ("I've been having palpitations", "urgent"),
        ("my blood pressure was 85/55 at the chemist", "urgent"),
        # 999
        ("one calf is swollen and now I'm suddenly short of breath", "emergency"),
        ("my husband collapsed and won't wake up", "emergency"),
    ],
)
def test_the_reply_each_message_gets(message: str, reply: str) -> None:
    assert assess(message).reply == reply, assess(message).to_dict()


@pytest.mark.parametrize(
    "message",
    [
        "my legs jerk all night and I can't sleep",
        "my son has restless legs at night and kicks the duvet off",
        "I'm so tired I feel like I'm dying",
        "I fainted once years ago at a concert",
        "no chest pain, just restless legs",
        "what are the signs of a stroke?",
        "my poo has gone black since I started the iron",
        "I get leg cramps most nights",
        "it would be easier if I didn't wake up every night at 3",
        "I took my tablets with breakfast, deliberately early as the pharmacist said",
    ],
)
def test_restless_legs_and_everyday_complaints_are_not_emergencies(message: str) -> None:
    assert assess(message).reply is None, assess(message).to_dict()


def test_a_sign_the_rules_set_aside_is_not_brought_back_by_meaning() -> None:
    verdict = assess("I'm not having any trouble breathing at all")
    assert verdict.mentioned and verdict.reply is None


@pytest.mark.parametrize(
    ("message", "language", "reply"),
    [
        ("Ich kann nicht atmen", "de", "emergency"),
        ("Mein Sohn hat Eisentabletten geschluckt", "de", "poisoning"),
        ("je ne peux pas respirer", "fr", "emergency"),
        ("no puedo respirar, ayuda", "es", "emergency"),
        ("nie mogę oddychać", "pl", "emergency"),
        ("no quiero vivir más", "es", "crisis"),
    ],
)
def test_emergencies_in_other_languages_are_recognised(message: str, language: str, reply: str) -> None:
    verdict = assess(message)
    assert verdict.language == language and verdict.reply == reply, verdict.to_dict()


def test_an_empty_message_is_no_emergency() -> None:
    assert assess("").reply is None and assess("   ").signs == ()


@pytest.mark.parametrize(
    "text",
    [
        "My grandson is 3 and staying with me. I think he opened my pill boxes. He says he didn't eat them but some "
        "are missing.",
        "My daughter is 2. She opened my vitamin pot this morning.",
    ],
)
def test_tablets_gone_with_a_young_child_named_in_another_sentence_is_poisoning(text: str) -> None:
    assert assess(text).reply == "poisoning"


@pytest.mark.parametrize(
    "text",
    [
        "I opened my pill box and two tablets are missing, is that the pharmacy's fault? my kids are grown up",
        "my grandkids come on sunday, how do I stop them getting into my tablets?",
    ],
)
def test_tablets_missing_without_a_young_child_at_risk_is_not_poisoning(text: str) -> None:
    assert assess(text).reply is None


@pytest.mark.parametrize(
    "text",
    [
        "I swallowed about twenty of the Sedorum tablets an hour ago. On purpose.",
        "I took 15 paracetamol deliberately",
    ],
)
def test_an_overdose_said_to_be_meant_gets_the_crisis_lines_first(text: str) -> None:
    verdict = assess(text, use_meaning=False)
    assert verdict.replies[0] == "crisis", verdict.to_dict()


def test_an_overdose_said_not_to_be_meant_is_no_crisis() -> None:
    verdict = assess("my son swallowed 10 of my iron tablets, not on purpose, he thought they were sweets")
    assert verdict.reply == "poisoning" and "crisis" not in verdict.replies, verdict.to_dict()


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("doesnt matter actually. wont need it after tonight. ive said my goodbyes and written the letters", "crisis"),
        ("I said my goodbyes to mum at the station, she is off to Spain", None),
        ("I wont need it after tonight, I finish the course tomorrow", None),
        # a low mood shown in two ways, in two sentences
        ("I won't do anything silly. I just feel so empty at night and need to talk to someone", "crisis"),
        ("I feel so low with these legs every night", None),
        ("who can I talk to about my order?", None),
        ("I'd rather not be around when the builders come", None),
    ],
)
def test_farewells_count_only_when_said_in_two_ways(text: str, reply: str | None) -> None:
    assert assess(text).reply == reply, assess(text).to_dict()


@pytest.mark.parametrize(
    "text",
    [
        "I took the whole strip of my sleeping tablets an hour ago. I meant to.",
        "My daughter is 15. She swallowed a handful of my Sedorum after we had a row. She says she's fine.",
    ],
)
def test_an_overdose_meant_or_after_a_row_gets_the_crisis_lines(text: str) -> None:
    assert "crisis" in assess(text).replies, assess(text).to_dict()


def test_a_child_who_ate_sweets_from_where_tablets_are_kept_is_poisoning() -> None:
    text = 'asking because my 4 year old just told me she ate "the pink sweeties" from my bedside table'
    assert assess(text).reply == "poisoning", assess(text).to_dict()


@pytest.mark.parametrize(
    "text",
    [
        "partner's collapsed on the sofa and isn't breathing right, we're in Glasgow, help",
        "sorry before that, I just blacked out on the bathroom floor",
    ],
)
def test_a_collapse_told_in_a_hurry_is_an_emergency(text: str) -> None:
    assert assess(text).reply == "emergency", assess(text).to_dict()


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Just been sick and it looked like coffee granules, and I'm so dizzy. Is this a side effect?", "emergency"),
        ("Confused. The RDA is 420 but the upper limit is 350?? So should I be taking 420 in tablets?", None),
        ("ugh sorry, I was typing for my mum earlier and got muddled. SHE is on dialysis, not me.", None),
        ("confused and very drowsy after the magnesium", "emergency"),
        ("mum is confused after her magnesium", "emergency"),
    ],
)
def test_confusion_is_the_persons_not_the_visitors_puzzlement(text: str, reply: str | None) -> None:
    assert assess(text).reply == reply, assess(text).to_dict()
