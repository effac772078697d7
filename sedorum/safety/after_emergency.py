"""What to say to a question asked after an emergency reply, while help is on its way or after.

Why a module of its own: after "Call 999 now" a visitor asks things no topic answers well: "can
I take one while I wait?", "should I tell the paramedics about the magnesium?", "they sorted me
out, when can I start it again?". Each gets one plain instruction (never an amount), said after
the emergency line is repeated; the Rasa action only says it (actions/handoff.py).
"""

from __future__ import annotations

import re

from . import wording
from .subject import SELF, Subject

# "the ambulance is on its way", "while we wait", "paramedics are here".
_WAITING_FOR_HELP = re.compile(
    r"\b(?:ambulance|paramedics?|999|while (?:i|we) wait|waiting for (?:help|them|the)|on (?:the|its|their) way|"
    r"until (?:they|help) (?:come|comes|arrive|arrives|get here))\b",
    re.I,
)
# "can I take one while I wait?": asking to take something.
_TAKE_NOW = re.compile(r"\b(?:can|could|should|may|shall)\s+(?:i|he|she|they|we)\s+(?:take|have|use|try|give)\b", re.I)
# "should I tell them about the magnesium?", "do I take the packet with me?"
_TELL_THE_TEAM = re.compile(
    r"\b(?:tell|show|mention|bring|take|give)\s+(?:them|the\s+(?:paramedics?|crew|ambulance|doctors?|hospital|nurses?)|"
    r"(?:the\s+)?(?:paramedics?|doctors?|a&e))\b"
    r"|\blet\s+(?:them|the\s+\w+)\s+know\b"
    r"|\b(?:bring|take)\s+(?:the\s+)?(?:packets?|box(?:es)?|bottles?|tubs?|tablets)\s+(?:with|along)\b",
    re.I,
)
# "when can I start it again?", "what dose should I restart on?", "can I go back on it?"
_RESTART = re.compile(
    r"\b(?:re-?start|resume)\w*\b|\b(?:start|take|taking|use|using)\s+(?:it|them|sedorum|magnesium|the\s+tablets?)?\s*"
    r"(?:again|back)\b|\bgo\s+back\s+on\b|\b(?:carry\s+on|keep\s+on|continue)\s+(?:with\s+)?(?:it|them|sedorum|taking)\b",
    re.I,
)


def after_emergency_advice(text: str, asks_dose: bool, subject: Subject = SELF) -> str | None:
    """The instruction a message after an emergency reply asks for, or None.

    `asks_dose`: the message was read as a dose question. Starting again comes first (it is
    the question that could lead to harm), then what to tell the emergency team, then not
    taking anything while waiting.
    """
    text = text or ""
    if _RESTART.search(text):
        return wording.about(subject, wording.text("emergency.restart"))
    if _TELL_THE_TEAM.search(text):
        return wording.text("emergency.tell_the_team")  # the visitor tells them, whoever is ill
    if _WAITING_FOR_HELP.search(text) and (asks_dose or _TAKE_NOW.search(text)):
        return wording.text("emergency.while_waiting")
    if asks_dose:
        # "ok so how much magnesium should I be taking", "how many would it take though" after a
        # crisis: no amount of anything while the emergency is open
        return wording.text("emergency.no_amounts")
    return None


_AMOUNT = re.compile(r"\b\d+(?:\.\d+)?\s?(?:mg|milligrams?|mcg|micrograms?)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def without_amounts(text: str) -> str:
    """`text` without its sentences that give an amount ("... an upper limit of N mg a day."):
    while an emergency is open, no reply carries a figure, whatever it was written for."""
    lines = []
    for line in (text or "").split("\n"):
        kept = " ".join(s for s in _SENTENCE_END.split(line) if not _AMOUNT.search(s))
        if kept.strip() or not line.strip():
            lines.append(kept)
    return "\n".join(lines).strip()
