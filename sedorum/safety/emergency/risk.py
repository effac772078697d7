"""Words about danger in a message the assistant did not understand (risk_words.yml).

Why: "Sorry, I didn't understand that" is the wrong answer to "the baby had some of my
tablets??" or "dont want to be here any more" when neither the emergency detector nor the
classifier recognised them. A message that is not understood but has a word about danger in it
gets the urgent-help lines instead: what to do if someone is very unwell, if a child may have
swallowed tablets, and if the visitor is thinking of ending their life.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from .. import wording
from ..yaml_data import alternatives, read_mapping, strings
from .data import DATA_DIR

RISK_WORDS_PATH = DATA_DIR / "risk_words.yml"
_TOKEN = re.compile(r"[a-z][a-z']*")
_URGENT_HELP = re.compile(
    r"\b(?:not an emergency|non[- ]emergency|urgent|out of hours|after hours|gp is closed|surgery is closed|"
    r"doctor is closed|who (?:can|should|do) i (?:call|ring|phone|contact)|where can i get help|"
    r"(?:what|which) (?:number|phone number) (?:do|should|can|would|to) (?:i )?(?:call|ring|phone|dial)|"
    r"(?:what|which) (?:number|phone number) (?:is|for) (?:the )?(?:emergenc\w*|ambulance)|"
    r"(?:speak|talk) to (?:someone|somebody|a person|anyone|a nurse|a doctor) "
    r"(?:medical|medically trained|tonight|now)|"
    r"medical (?:advice|help) (?:tonight|now|today|at night))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RiskWords:
    words: frozenset[str]
    phrases: tuple[str, ...]
    not_risk: tuple[str, ...] = ()  # phrases with a risk word that are about something ordinary


@lru_cache(maxsize=1)
def load_risk_words() -> RiskWords:
    data = read_mapping(RISK_WORDS_PATH, frozenset({"words", "phrases", "not_risk"}), frozenset({"words"}))
    return RiskWords(
        words=frozenset(alternatives(data["words"], "risk_words.yml: words")),
        phrases=tuple(alternatives(data.get("phrases") or ["-"], "risk_words.yml: phrases")),
        not_risk=tuple(alternatives(data.get("not_risk") or ["-"], "risk_words.yml: not_risk")),
    )


def has_risk_words(text: str) -> bool:
    """True when the message has a word or phrase about danger (typos allowed in long words)."""
    low = (text or "").lower().replace("\u2019", "'")
    risk = load_risk_words()
    for phrase in risk.not_risk:
        low = re.sub(rf"\b{re.escape(phrase)}\b", " ", low)
    if any(phrase in low for phrase in risk.phrases):
        return True
    for token in _TOKEN.findall(low):
        if token in risk.words:
            return True
        if len(token) >= 6 and any(
            len(word) >= 6 and OSA.distance(token, word, score_cutoff=1) <= 1 for word in risk.words
        ):
            return True
    return False


_DYING = re.compile(
    r"\b(?:die|dying|dead|death|suicid\w*|kill|killing|overdos\w*|end it|end my life|"
    r"(?:not|never|don'?t|won'?t|wouldn'?t) wake(?: up)?(?! (?:tired|early|at|in|during|with|groggy|every)))\b",
    re.I,
)
_NOT_DYING = re.compile(r"\bdead (?:tired|legs|on my feet)\b|\bdying (?:to|for)\b|\bkill(?:ing)? (?:me|for)\b", re.I)


def mentions_dying(text: str) -> bool:
    """True when a message speaks of dying, killing or not waking up (not "dead tired").

    Why: an amount question with such words ("how many would it take so I don't wake up") is
    never answered with a figure, even when neither layer of the detector recognised it.
    """
    return bool(_DYING.search(_NOT_DYING.sub(" ", text or "")))


def urgent_help_text(values: dict[str, str]) -> str:
    """The urgent-help lines, with the visitor's locale's numbers (emergency_number, ...)."""
    lines = [wording.text("urgent_help.intro")]
    node = strings(wording.section("urgent_help")["lines"], "wording.yml: urgent_help.lines")
    lines += ["- " + " ".join(line.split()).format_map(values) for line in node]
    lines.append(wording.text("urgent_help.ending"))
    return "\n".join(lines)


def asks_for_urgent_help(text: str) -> bool:
    """ "It's not an emergency but my GP is closed, who can I call?" """
    return bool(_URGENT_HELP.search(text or ""))
