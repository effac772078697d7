"""How one assistant reply becomes messages on each messaging platform. Pure functions.

Why one module: every platform needs the same three decisions (where to split a long answer,
what to do with buttons, what never to break), and the safety rules behind them must not
drift apart between channels. Nothing here does I/O, so all of it is unit-tested without a
server (tests/unit/channels/test_formatting.py).

Splitting rules, in order of preference: paragraph (blank line), line, sentence, word. A
token without spaces (a URL, an e-mail address) is never cut; only an over-long token that
is not a link is cut hard, as a last resort.

The emergency instruction (a line naming 911, 999 or 112) is never split. It stays where
the author put it: the S1 reply starts with it, so it is the first message sent; in other
answers it is conditional ("If you have chest pain ... call 999"), and moving it to the top
would turn advice for a rare case into an alarming order. A list is kept in one message with
its lead-in line ("Get help at once if:") and the emergency line right after it, whenever
they fit together, so the condition and the instruction are read together.

Lengths are counted in UTF-16 code units: Telegram counts that way, and for SMS it is a
conservative stand-in for Twilio's "characters" (an emoji counts as two).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sedorum.channels import votes

# Platform limits (documented maximums; see docs/channels.md for the sources).
TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CALLBACK_DATA_BYTES = 64
TWILIO_BODY_LIMIT = 1600  # Twilio's Messages API, for SMS and WhatsApp alike (error 21617).
MESSENGER_TEXT_LIMIT = 2000
MESSENGER_MAX_QUICK_REPLIES = 13
MESSENGER_QUICK_REPLY_TITLE = 20
MESSENGER_QUICK_REPLY_PAYLOAD = 1000
SLACK_SECTION_LIMIT = 3000  # a section block's text; also used for plain messages
SLACK_BUTTONS_PER_BLOCK = 25
SLACK_BUTTON_TEXT = 75
SLACK_BUTTON_VALUE = 2000
SLACK_VOTE_BLOCK = "sedorum_vote"

FALLBACK_PROMPT = "Please choose an option:"

Button = Mapping[str, Any]

EMERGENCY_NUMBER = re.compile(r"(?<![\d£$€])\b(?:911|999|112)\b(?!\s*(?:mg|mcg|µg|ml|g\b|%|[.,]\d))", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_LINK = re.compile(r"^(?:<)?(?:https?://|www\.|mailto:|tel:)|@[\w-]+\.\w", re.IGNORECASE)
_NUMBER_REPLY = re.compile(r"\s*#?(\d{1,2})\s*[.)!]?\s*")


def text_length(text: str) -> int:
    """Length in UTF-16 code units (how Telegram counts; conservative for SMS)."""
    return len(text.encode("utf-16-le")) // 2


def has_emergency_number(text: str) -> bool:
    return EMERGENCY_NUMBER.search(text) is not None


@dataclass(frozen=True)
class _Unit:
    text: str
    sep: str  # placed before this unit when it follows another one in the same message


def split_text(text: str, limit: int) -> list[str]:
    """Splits `text` into messages of at most `limit` units, on the best boundary available."""
    if limit < 20:
        raise ValueError("a message limit below 20 characters cannot hold a sentence")
    text = _normalise(text)
    if not text:
        return []
    if text_length(text) <= limit:
        return [text]
    return _pack(list(_units(text, limit)), limit)


def _normalise(text: str) -> str:
    lines = (line.rstrip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines).strip()


def _units(text: str, limit: int) -> Iterable[_Unit]:
    for p_index, paragraph in enumerate(_PARAGRAPH_BREAK.split(text)):
        p_sep = "\n\n" if p_index else ""
        if text_length(paragraph) <= limit:
            yield _Unit(paragraph, p_sep)
            continue
        for l_index, group in enumerate(_line_groups(paragraph.split("\n"))):
            sep = "\n" if l_index else p_sep
            joined = "\n".join(group)
            if text_length(joined) <= limit:
                yield _Unit(joined, sep)
                continue
            for g_index, line in enumerate(group):
                line_sep = "\n" if g_index else sep
                if text_length(line) <= limit:
                    yield _Unit(line, line_sep)
                else:
                    yield from _split_line(line, line_sep, limit)


def _line_groups(lines: list[str]) -> list[list[str]]:
    """Lines, with a list kept together: its lead-in ("...if:"), its items, and an emergency
    line right after it (the instruction the list is the condition for)."""
    groups: list[list[str]] = []
    index = 0
    while index < len(lines):
        group = [lines[index]]
        index += 1
        if group[0].rstrip().endswith(":") or _LIST_ITEM.match(group[0]):
            while index < len(lines) and _LIST_ITEM.match(lines[index]):
                group.append(lines[index])
                index += 1
            if len(group) > 1 and index < len(lines) and has_emergency_number(lines[index]):
                group.append(lines[index])
                index += 1
        groups.append(group)
    return groups


def _split_line(line: str, sep: str, limit: int) -> Iterable[_Unit]:
    """A line longer than a whole message: sentences, then words, then (not links) characters."""
    for s_index, sentence in enumerate(_SENTENCE_END.split(line)):
        s_sep = " " if s_index else sep
        if text_length(sentence) <= limit:
            yield _Unit(sentence, s_sep)
            continue
        for w_index, word in enumerate(sentence.split()):
            w_sep = " " if w_index else s_sep
            if text_length(word) <= limit or _LINK.search(word):
                yield _Unit(word, w_sep)  # an over-long link is still sent whole
            else:  # half the limit in code points is within the limit in UTF-16 units
                for c_index in range(0, len(word), limit // 2):
                    yield _Unit(word[c_index : c_index + limit // 2], "" if c_index else w_sep)


def _render(units: Sequence[_Unit]) -> str:
    return "".join((unit.sep if index else "") + unit.text for index, unit in enumerate(units)).strip()


def _pack(units: list[_Unit], limit: int) -> list[str]:
    """Greedy: each message takes as many whole units as fit."""
    messages: list[list[_Unit]] = []
    current: list[_Unit] = []
    length = 0
    for unit in units:
        added = text_length(unit.text) + (text_length(unit.sep) if current else 0)
        if current and length + added <= limit:
            current.append(unit)
            length += added
            continue
        if current:
            messages.append(current)
        current, length = [unit], text_length(unit.text)
    if current:
        messages.append(current)
    return [text for text in (_render(message) for message in messages) if text]


# --- Buttons -------------------------------------------------------------------------------


def button_title(button: Button) -> str:
    return str(button.get("title") or button.get("payload") or "").strip()


def button_payload(button: Button) -> str:
    return str(button.get("payload") or button.get("title") or "").strip()


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and cut.rfind(" ") >= limit // 2:  # mid-word: back to the last space
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def numbered_options(buttons: Sequence[Button]) -> str:
    """Buttons as text for channels without them: "Reply 1 for Symptoms, 2 for Treatment.";
    the vote buttons read "..., 3 if this helped, 4 if not." ("Reply 1 if this helped, 2 if not."
    alone)."""
    options = []
    for index, button in enumerate(buttons, 1):
        vote = votes.parse(button_payload(button))
        spoken = votes.SPOKEN[vote.value] if vote else f"for {button_title(button).rstrip('?.!:')}"
        options.append(f"{index} {spoken}")
    return "Reply " + ", ".join(options) + "."


def is_numbered_reply(text: str) -> bool:
    """A bare option number, as people type it: "2", "2.", " 2 "."""
    return _NUMBER_REPLY.fullmatch(text or "") is not None


def resolve_numbered_choice(text: str, buttons: Sequence[Button]) -> str | None:
    """The payload of the option a bare number ("2", "2.", " 2 ") picks, if it is one of them."""
    match = _NUMBER_REPLY.fullmatch(text or "")
    if not match or not buttons:
        return None
    index = int(match.group(1))
    if 1 <= index <= len(buttons):
        return button_payload(buttons[index - 1]) or None
    return None


# --- Per-platform messages -----------------------------------------------------------------


def sms_bodies(text: str, buttons: Sequence[Button] | None = None, limit: int = TWILIO_BODY_LIMIT) -> list[str]:
    """Twilio SMS/WhatsApp bodies: the text, then the numbered options in the last message."""
    text = _normalise(text)
    if buttons:
        text = f"{text}\n\n{numbered_options(buttons)}" if text else numbered_options(buttons)
    return split_text(text, limit)


def telegram_callback_data(button: Button, index: int) -> str:
    """The payload itself when it fits Telegram's 64 bytes, else "#<n>" (resolved on the way back)."""
    payload = button_payload(button)
    if payload and len(payload.encode("utf-8")) <= TELEGRAM_CALLBACK_DATA_BYTES and not payload.startswith("#"):
        return payload
    return f"#{index}"


def telegram_messages(text: str, buttons: Sequence[Button] | None = None) -> list[dict[str, Any]]:
    """sendMessage parameters (without chat_id); the inline keyboard goes on the last: one
    option per row, the two vote buttons side by side on the last row."""
    parts = split_text(text, TELEGRAM_TEXT_LIMIT) or ([FALLBACK_PROMPT] if buttons else [])
    messages: list[dict[str, Any]] = [{"text": part} for part in parts]
    if buttons and messages:
        keys = [
            {"text": button_title(button), "callback_data": telegram_callback_data(button, index)}
            for index, button in enumerate(buttons, 1)
        ]
        keyboard = [[key] for key, button in zip(keys, buttons, strict=True) if not votes.is_vote(button)]
        vote_row = [key for key, button in zip(keys, buttons, strict=True) if votes.is_vote(button)]
        messages[-1]["reply_markup"] = {"inline_keyboard": keyboard + ([vote_row] if vote_row else [])}
    return messages


def messenger_messages(text: str, buttons: Sequence[Button] | None = None) -> list[dict[str, Any]]:
    """Send API `message` objects; buttons (the vote buttons too) become quick replies on the
    last, or numbered text when there are more than 13."""
    buttons = list(buttons or [])
    quick = bool(buttons) and len(buttons) <= MESSENGER_MAX_QUICK_REPLIES
    if buttons and not quick:
        text = f"{_normalise(text)}\n\n{numbered_options(buttons)}".strip()
    parts = split_text(text, MESSENGER_TEXT_LIMIT) or ([FALLBACK_PROMPT] if quick else [])
    messages: list[dict[str, Any]] = [{"text": part} for part in parts]
    if quick and messages:
        messages[-1]["quick_replies"] = [
            {
                "content_type": "text",
                "title": shorten(button_title(button), MESSENGER_QUICK_REPLY_TITLE),
                "payload": button_payload(button)[:MESSENGER_QUICK_REPLY_PAYLOAD],
            }
            for button in buttons
        ]
    return messages


def messenger_needs_numbers(button_count: int) -> bool:
    """Whether Messenger showed these buttons as numbered text (so a typed number picks one)."""
    return button_count > MESSENGER_MAX_QUICK_REPLIES


def slack_escape(text: str) -> str:
    """Slack's three control characters in text (https://api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_messages(text: str, buttons: Sequence[Button] | None = None) -> list[dict[str, Any]]:
    """chat.postMessage arguments (without channel); buttons as Block Kit actions on the last."""
    parts = split_text(slack_escape(_normalise(text)), SLACK_SECTION_LIMIT) or ([FALLBACK_PROMPT] if buttons else [])
    messages: list[dict[str, Any]] = [{"text": part} for part in parts]
    if buttons and messages:
        last = messages[-1]
        options = [button for button in buttons if not votes.is_vote(button)]
        elements = [slack_button(button, f"sedorum_button_{index}") for index, button in enumerate(options, 1)]
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": last["text"]}}]
        for start in range(0, len(elements), SLACK_BUTTONS_PER_BLOCK):
            blocks.append({"type": "actions", "elements": elements[start : start + SLACK_BUTTONS_PER_BLOCK]})
        ballot = [(button, votes.parse(button_payload(button))) for button in buttons]
        elements = [slack_button(button, f"sedorum_vote_{vote.value}") for button, vote in ballot if vote]
        if elements:
            blocks.append({"type": "actions", "block_id": SLACK_VOTE_BLOCK, "elements": elements})
        last["blocks"] = blocks
    return messages


def slack_button(button: Button, action_id: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(button_title(button), SLACK_BUTTON_TEXT), "emoji": True},
        "value": button_payload(button)[:SLACK_BUTTON_VALUE],
        "action_id": action_id,
    }


def whatsapp_messages(text: str, buttons: Sequence[Button] | None, vote_content_sid: str) -> list[str | dict[str, str]]:
    """WhatsApp through Twilio, the vote buttons as WhatsApp quick-reply buttons.

    Twilio sends WhatsApp buttons only from a content template (`vote_content_sid`, made once
    by `python -m sedorum.channels.twilio vote-template`), and refuses a template variable
    holding a line break, so the answer goes as plain bodies (its options numbered, as on
    SMS) and the question "Was this answer helpful?" follows with the two buttons, whose ids
    carry the answer's key (the template's only variable). Without vote buttons, or without a
    template, it is the SMS form.
    """
    listed = list(buttons or [])
    key = votes.voted_answer(listed)
    if key is None or not vote_content_sid:
        return list(sms_bodies(text, listed))
    bodies: list[str | dict[str, str]] = list(sms_bodies(text, votes.options_only(listed)))
    return [*bodies, {"ContentSid": vote_content_sid, "ContentVariables": json.dumps({"1": key})}]
