"""How replies are cut and how buttons look on each messaging channel (sedorum.channels.formatting).

Pure functions, no server. The limits are the platforms' documented maximums; the local
fakes (fakes/) reject anything over them, so the end-to-end tests check the same rules
against a live server.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sedorum.channels import formatting as fmt
from sedorum.channels import votes

ROOT = Path(__file__).resolve().parents[3]

EMERGENCY_REPLY = (
    "Call your local emergency number now: 911 in the US, 999 in the UK, 112 in the EU. "
    "Or go to the nearest emergency department. Don't wait.\n"
    "A member of our staff has also been alerted."
)
SIDE_EFFECTS = (
    "The most common side effects of magnesium supplements are diarrhoea, feeling sick and stomach cramps.\n"
    "Magnesium can also build up too high in the blood. This happens mostly in people with kidney problems.\n"
    "Get help at once if someone taking magnesium:\n"
    "- is very weak or floppy\n"
    "- has trouble breathing or faints\n"
    "- has a very slow or uneven heartbeat\n"
    "Call 911, 999 or 112, or go to an emergency department.\n"
    "Source: NIH Office of Dietary Supplements; MSD Manual."
)
BUTTONS = [
    {"title": "Side effects", "payload": "/ask_side_effects"},
    {"title": "Who should not take it?", "payload": "/check_safety"},
    {"title": "Talk to a person", "payload": "/request_human"},
]


def words(text: str) -> list[str]:
    return text.split()


# --- split_text ------------------------------------------------------------------------------


def test_a_text_within_the_limit_is_one_unchanged_message() -> None:
    assert fmt.split_text("Hello.\nSecond line.", 100) == ["Hello.\nSecond line."]
    assert fmt.split_text("   ", 100) == []


def test_paragraphs_are_kept_whole_when_each_fits() -> None:
    first, second = "A" * 50 + ".", "B" * 50 + "."
    assert fmt.split_text(f"{first}\n\n{second}", 80) == [first, second]


def test_lines_then_sentences_then_words_are_the_next_boundaries() -> None:
    lines = "\n".join(f"Line {n} says something short." for n in range(10))
    parts = fmt.split_text(lines, 100)
    assert all(len(p) <= 100 for p in parts) and len(parts) > 1
    assert all(re.fullmatch(r"(Line \d says something short\.\n?)+", p) for p in parts), parts

    sentences = " ".join(f"Sentence {n} is here." for n in range(20))
    parts = fmt.split_text(sentences, 60)
    assert all(p.endswith(".") and len(p) <= 60 for p in parts), parts

    one_sentence = " ".join(["word"] * 60)
    parts = fmt.split_text(one_sentence, 50)
    assert all(len(p) <= 50 for p in parts) and words(" ".join(parts)) == words(one_sentence)


def test_nothing_is_lost_or_reordered() -> None:
    text = SIDE_EFFECTS + "\n\n" + " ".join(["More detail follows here."] * 40)
    for limit in (60, 160, 320, 1600):
        parts = fmt.split_text(text, limit)
        assert words(" ".join(parts)) == words(text)
        assert all(fmt.text_length(p) <= limit for p in parts)


def test_a_link_is_never_cut() -> None:
    url = "https://www.nhs.uk/conditions/restless-legs-syndrome/?utm_source=assistant&utm_medium=chat"
    text = ("Read more about restless legs on the NHS website. " * 3) + url + " It is free to read."
    for limit in range(40, 260, 7):
        parts = fmt.split_text(text, limit)
        assert sum(url in part for part in parts) == 1, (limit, parts)


def test_a_link_longer_than_a_message_is_still_sent_whole() -> None:
    url = "https://example.org/" + "a" * 120
    parts = fmt.split_text(f"See {url} now", 50)
    assert url in parts


def test_an_over_long_word_that_is_not_a_link_is_cut_hard() -> None:
    parts = fmt.split_text("x" * 130, 50)
    assert "".join(parts) == "x" * 130 and all(len(p) <= 50 for p in parts)


def test_the_emergency_reply_arrives_whole_in_the_first_message() -> None:
    text = EMERGENCY_REPLY + "\n" + " ".join(["While you wait, stay with someone."] * 20)
    for limit in (160, 200, 320):
        parts = fmt.split_text(text, limit)
        assert EMERGENCY_REPLY.split("\n")[0] in parts[0], (limit, parts[0])


def test_an_emergency_instruction_stays_with_the_list_it_refers_to() -> None:
    instruction = "Call 911, 999 or 112, or go to an emergency department."
    block = SIDE_EFFECTS[SIDE_EFFECTS.index("Get help") : SIDE_EFFECTS.index(instruction) + len(instruction)]
    for limit in range(80, len(SIDE_EFFECTS), 3):
        parts = fmt.split_text(SIDE_EFFECTS, limit)
        (home,) = [p for p in parts if "Call 911" in p]
        assert instruction in home, (limit, parts)  # never split
        if len(block) <= limit:  # room for condition and instruction: they travel together
            assert block in home, (limit, parts)


def test_emergency_numbers_are_recognised_and_doses_are_not() -> None:
    assert fmt.has_emergency_number("Call 999 now.")
    assert fmt.has_emergency_number("call 911, 999 or 112")
    assert not fmt.has_emergency_number("The limit is 112 mg a day.")
    assert not fmt.has_emergency_number("It costs £999.")
    assert not fmt.has_emergency_number("Order 9112 shipped.")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=14),
            st.sampled_from(["https://example.org/a/b?c=d", "Call 999 now.", "\n", "\n\n", "- item", "ok.", "😀"]),
        ),
        min_size=1,
        max_size=120,
    ),
    st.integers(min_value=40, max_value=400),
)
def test_property_every_part_fits_and_every_word_survives(tokens: list[str], limit: int) -> None:
    text = " ".join(tokens)
    parts = fmt.split_text(text, limit)
    assert words(" ".join(parts)) == words(text)
    assert all(fmt.text_length(p) <= limit for p in parts)
    for url in re.findall(r"https://\S+", text):
        assert any(url in p for p in parts)


# --- Buttons and numbered options -----------------------------------------------------------


def test_numbered_options_read_as_a_sentence() -> None:
    assert (
        fmt.numbered_options(BUTTONS)
        == "Reply 1 for Side effects, 2 for Who should not take it, 3 for Talk to a person."
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2", "/check_safety"),
        (" 3 ", "/request_human"),
        ("1.", "/ask_side_effects"),
        ("0", None),
        ("4", None),
        ("22", None),
        ("2 please", None),
        ("I am 67", None),
        ("", None),
    ],
)
def test_a_bare_number_picks_that_option(typed: str, expected: str | None) -> None:
    assert fmt.resolve_numbered_choice(typed, BUTTONS) == expected


def test_sms_bodies_end_with_the_numbered_options_and_respect_the_limit() -> None:
    (body,) = fmt.sms_bodies("Anything else?", BUTTONS)
    assert body == "Anything else?\n\nReply 1 for Side effects, 2 for Who should not take it, 3 for Talk to a person."
    bodies = fmt.sms_bodies(SIDE_EFFECTS, BUTTONS, limit=320)
    assert len(bodies) > 1 and all(fmt.text_length(b) <= 320 for b in bodies)
    assert bodies[-1].endswith(fmt.numbered_options(BUTTONS))


VOTES = [
    {"title": "👍 Helpful", "payload": "vote:up:0123456789abcdef"},
    {"title": "👎 Not helpful", "payload": "vote:down:0123456789abcdef"},
]


def test_the_vote_buttons_read_as_two_more_numbers() -> None:
    assert fmt.numbered_options(BUTTONS + VOTES) == (
        "Reply 1 for Side effects, 2 for Who should not take it, 3 for Talk to a person, 4 if this helped, 5 if not."
    )
    assert fmt.numbered_options(VOTES) == "Reply 1 if this helped, 2 if not."
    assert fmt.resolve_numbered_choice("5", BUTTONS + VOTES) == VOTES[1]["payload"]


def test_telegram_puts_the_vote_buttons_side_by_side_on_the_last_row() -> None:
    (message,) = fmt.telegram_messages("Anything else?", BUTTONS + VOTES)
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert keyboard[:-1] == [[{"text": b["title"], "callback_data": b["payload"]}] for b in BUTTONS]
    assert keyboard[-1] == [{"text": v["title"], "callback_data": v["payload"]} for v in VOTES]


def test_messenger_shows_the_vote_buttons_as_quick_replies_and_numbers_beyond_13() -> None:
    (message,) = fmt.messenger_messages("Anything else?", BUTTONS + VOTES)
    assert [q["payload"] for q in message["quick_replies"]] == [b["payload"] for b in BUTTONS + VOTES]
    twelve = [{"title": f"Option {n}", "payload": f"/opt{n}"} for n in range(1, 13)]
    (numbered,) = fmt.messenger_messages("Pick one", twelve + VOTES)
    assert "quick_replies" not in numbered and numbered["text"].endswith("13 if this helped, 14 if not.")


def test_slack_puts_the_vote_buttons_in_a_block_of_their_own() -> None:
    (message,) = fmt.slack_messages("Anything else?", BUTTONS + VOTES)
    _, options, ballot = message["blocks"]
    assert [e["value"] for e in options["elements"]] == [b["payload"] for b in BUTTONS]
    assert ballot["block_id"] == "sedorum_vote"
    assert [(e["value"], e["action_id"]) for e in ballot["elements"]] == [
        (VOTES[0]["payload"], "sedorum_vote_up"),
        (VOTES[1]["payload"], "sedorum_vote_down"),
    ]


def test_whatsapp_asks_with_buttons_only_when_a_vote_template_is_set() -> None:
    assert fmt.whatsapp_messages("Anything else?", BUTTONS + VOTES, "") == fmt.sms_bodies(
        "Anything else?", BUTTONS + VOTES
    )
    answer, question = fmt.whatsapp_messages("Anything else?", BUTTONS + VOTES, "HX" + "0" * 32)
    assert answer == "Anything else?\n\n" + fmt.numbered_options(BUTTONS)
    assert question == {"ContentSid": "HX" + "0" * 32, "ContentVariables": '{"1": "0123456789abcdef"}'}
    assert fmt.whatsapp_messages("Anything else?", BUTTONS, "HX" + "0" * 32) == fmt.sms_bodies(
        "Anything else?", BUTTONS
    )


def test_telegram_gets_an_inline_keyboard_on_the_last_part() -> None:
    messages = fmt.telegram_messages("x " * 3000, BUTTONS)
    assert len(messages) == 2 and all(fmt.text_length(m["text"]) <= 4096 for m in messages)
    assert "reply_markup" not in messages[0]
    keyboard = messages[-1]["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": b["title"], "callback_data": b["payload"]}] for b in BUTTONS]


def test_telegram_callback_data_over_64_bytes_becomes_an_index() -> None:
    long_payload = '/inform{"medication": "' + "levothyroxine and omeprazole" * 2 + '"}'
    buttons = [BUTTONS[0], {"title": "That one", "payload": long_payload}]
    keyboard = fmt.telegram_messages("Pick", buttons)[0]["reply_markup"]["inline_keyboard"]
    assert keyboard[1][0]["callback_data"] == "#2"
    assert fmt.resolve_numbered_choice("#2", buttons) == long_payload


def test_messenger_quick_replies_fit_the_send_api() -> None:
    (message,) = fmt.messenger_messages("Anything else?", BUTTONS)
    assert message["text"] == "Anything else?"
    titles = [q["title"] for q in message["quick_replies"]]
    assert titles == ["Side effects", "Who should not take…", "Talk to a person"]
    assert all(len(t) <= 20 for t in titles)
    assert [q["payload"] for q in message["quick_replies"]] == [b["payload"] for b in BUTTONS]


def test_messenger_with_more_than_13_options_numbers_them_instead() -> None:
    many = [{"title": f"Option {n}", "payload": f"/opt{n}"} for n in range(1, 15)]
    messages = fmt.messenger_messages("Pick one", many)
    assert "quick_replies" not in messages[-1] and "Reply 1 for Option 1" in messages[-1]["text"]
    assert fmt.messenger_needs_numbers(14) and not fmt.messenger_needs_numbers(13)


def test_slack_escapes_text_and_adds_block_kit_buttons() -> None:
    (message,) = fmt.slack_messages("Iron & magnesium <together>?", BUTTONS)
    assert message["text"] == "Iron &amp; magnesium &lt;together&gt;?"
    section, actions = message["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}}
    assert [e["value"] for e in actions["elements"]] == [b["payload"] for b in BUTTONS]
    assert len({e["action_id"] for e in actions["elements"]}) == 3


def test_slack_splits_long_text_and_spreads_many_buttons_over_blocks() -> None:
    many = [{"title": f"Option {n}", "payload": f"/opt{n}"} for n in range(30)]
    messages = fmt.slack_messages("word " * 1500, many)
    assert len(messages) >= 3 and all(len(m["text"]) <= 3000 for m in messages)
    actions = [b for b in messages[-1]["blocks"] if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]


# --- Every response the assistant can give ---------------------------------------------------


def domain_texts() -> list[tuple[str, str, list]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    found = []
    for name, variants in (domain.get("responses") or {}).items():
        for variant in variants or []:
            if variant.get("text"):
                found.append((name, variant["text"], variant.get("buttons") or []))
    return found


def test_every_response_fits_every_channel_and_keeps_its_emergency_lines_whole() -> None:
    texts = domain_texts()
    assert len(texts) >= 40, "could not read the responses of domain.yml"
    for name, text, options in texts:
        buttons = votes.choices(text, options, {"utter_action": name, "timestamp": 0.0})  # as sent, votes included
        emergency_lines = [line for line in text.split("\n") if fmt.has_emergency_number(line)]
        renderings = {
            "telegram": [m["text"] for m in fmt.telegram_messages(text, buttons)],
            "sms-320": fmt.sms_bodies(text, buttons, limit=320),
            "whatsapp": fmt.sms_bodies(text, buttons),
            "messenger": [m["text"] for m in fmt.messenger_messages(text, buttons)],
        }
        limits = {"telegram": 4096, "sms-320": 320, "whatsapp": 1600, "messenger": 2000}
        for channel, parts in renderings.items():
            assert all(fmt.text_length(p) <= limits[channel] for p in parts), (name, channel)
            for line in emergency_lines:
                assert any(line.strip() in p for p in parts), (name, channel, line)
        if text.lstrip().startswith("Call your local emergency number"):
            assert renderings["sms-320"][0].startswith("Call your local emergency number"), name
