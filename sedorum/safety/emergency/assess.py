"""Deciding whether a sign found in a message counts as an emergency now.

Why a separate step from finding the signs: the same words are an emergency or not depending
on who, when and how ("my husband collapsed" is; "I fainted once years ago", "no chest pain",
"if I get chest pain" and "can magnesium cause chest pain?" are not). The message is split
into sentences and clauses; each sign found in a clause is checked against the cues of
context.py. When in doubt the answer is "emergency": a wrong emergency reply costs a little
precision, a missed one can cost a life.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .context import (
    ANAPHORA_RE,
    CAUSE_RE,
    CLAUSE_SPLIT_RE,
    CONFUSION_RE,
    DROPPED_SUBJECT_RE,
    DROWSY_RE,
    GENERIC_SUBJECT_RE,
    HABITUAL_RE,
    HELP_RE,
    HISTORICAL_RE,
    HYPO_RE,
    LIST_GLUE_RE,
    MAGNESIUM_CONTEXT_RE,
    NEGATION_RE,
    NOW_RE,
    OWN_BODY_RE,
    OWN_MUDDLE_RE,
    PROGRESSIVE_RE,
    PSEUDO_NEGATION_RE,
    QUESTION_START_RE,
    RESOLVED_RE,
    SENTENCE_SPLIT_RE,
    STRONG_HYPO_RE,
    SUBJECT_VERB_RE,
    SUDDEN_RE,
    SYMPTOM_RE,
    WEAK_RE,
    WHAT_NOW_RE,
    WORRY_RE,
)
from .normalise import normalise
from .signs import REPLY_KINDS, SIGNS, Sign


@dataclass(frozen=True)
class EmergencyMatch:
    sign: str  # the words that matched (normalised, lower case)
    category: str
    reply: str = "emergency"  # what the visitor is told: poisoning | crisis | emergency | urgent

    def to_dict(self) -> dict[str, str]:
        return {"sign": self.sign, "category": self.category, "reply": self.reply}


@dataclass
class _Piece:
    start: int
    end: int


def _pieces(text: str, splitter: re.Pattern[str], start: int, end: int) -> list[_Piece]:
    out: list[_Piece] = []
    pos = start
    for m in splitter.finditer(text, start, end):
        if m.start() > pos:
            out.append(_Piece(pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append(_Piece(pos, end))
    return out


def _is_negated(window: str) -> bool:
    window = PSEUDO_NEGATION_RE.sub(" ", window)
    words = window.split()
    return bool(NEGATION_RE.search(" ".join(words[-5:])))


def _question(sentence: str, full: str, end: int) -> bool:
    return bool(QUESTION_START_RE.search(sentence)) or full[end : end + 1] == "?"


@lru_cache(maxsize=4096)
def _assess(text: str) -> tuple[tuple[EmergencyMatch, ...], tuple[EmergencyMatch, ...], bool]:
    """Cached by text: the verdict, `detect_all` and `mentions_sign` read the same message."""
    found, general, seen = _assess_once(text)
    return tuple(found), tuple(general), seen


def _assess_once(text: str) -> tuple[list[EmergencyMatch], list[EmergencyMatch], bool]:
    """Signs that count, signs left out only for being general or hypothetical, and whether
    any sign was seen in the scope it is read in (clause or sentence)."""
    found: list[EmergencyMatch] = []
    general: list[EmergencyMatch] = []
    seen = False
    for sent in _pieces(text, SENTENCE_SPLIT_RE, 0, len(text)):
        sentence = text[sent.start : sent.end]
        is_question = _question(sentence, text, sent.end)
        clauses = _pieces(text, CLAUSE_SPLIT_RE, sent.start, sent.end)
        # A sentence opened by a time phrase ("Years ago, I fainted") is past as a whole.
        lead_past = (
            bool(clauses)
            and len(text[clauses[0].start : clauses[0].end].split()) <= 4
            and bool(HISTORICAL_RE.search(text[clauses[0].start : clauses[0].end]))
        )
        help_now = bool(HELP_RE.search(sentence))
        what_now = bool(WHAT_NOW_RE.search(sentence))
        for cl in clauses:
            clause = text[cl.start : cl.end]
            hits: list[tuple[int, int, str, bool, Sign | None]] = []
            for candidate in SIGNS:
                wide = candidate.scope == "sentence"
                for m in candidate.regex.finditer(text, sent.start if wide else cl.start, sent.end if wide else cl.end):
                    if wide and not cl.start < m.end() <= cl.end:
                        continue  # a sentence-wide sign belongs to the clause it ends in
                    seen = True  # looked at, even if a figure or a figure of speech sets it aside
                    bpm = m.groupdict().get("bpm")
                    if bpm is not None and 40 <= int(bpm) <= 150:
                        continue
                    if candidate.unless is not None and candidate.unless.search(sentence):
                        continue  # a figure of speech ("so tired I feel like I'm dying")
                    hits.append((m.start(), m.end(), candidate.category, candidate.needs_actual, candidate))
            conf = CONFUSION_RE.search(text, cl.start, cl.end)
            if conf and OWN_MUDDLE_RE.search(sentence):
                conf = None  # "I was typing for my mum and got muddled": the chat, not the mind
            drowsy = DROWSY_RE.search(text, cl.start, cl.end)
            weak = WEAK_RE.search(text, cl.start, cl.end)
            if conf or drowsy or weak:
                mg = bool(MAGNESIUM_CONTEXT_RE.search(text))
                both = bool(CONFUSION_RE.search(sentence)) and bool(DROWSY_RE.search(sentence))
                sudden = bool(NOW_RE.search(sentence))
                if conf and (mg or both or sudden):
                    hits.append((conf.start(), conf.end(), "confusion", False, None))
                if drowsy and (mg or both):
                    hits.append((drowsy.start(), drowsy.end(), "confusion", False, None))
                if weak and mg:
                    hits.append((weak.start(), weak.end(), "weakness", False, None))
            if not hits:
                continue
            seen = True
            hits.sort(key=lambda hit: (hit[0], hit[1]))
            # "suddenly" says how a sign comes on: in a question about people in general ("can
            # magnesium make your arm go numb all of a sudden?") it does not say it is happening.
            now = any(
                not (SUDDEN_RE.fullmatch(m.group(0)) and is_question and GENERIC_SUBJECT_RE.search(clause))
                for m in NOW_RE.finditer(clause)
            )
            progressive = any(
                not GENERIC_SUBJECT_RE.search(clause[max(0, m.start() - 12) : m.start() + 1])
                for m in PROGRESSIVE_RE.finditer(clause)
            )
            actual = (
                now
                or progressive
                or help_now
                or what_now
                or bool(SUBJECT_VERB_RE.search(clause) or OWN_BODY_RE.search(clause))
                or bool(DROPPED_SUBJECT_RE.match(clause) and not is_question)
            )
            # Habitual words count in their own clause ("up every night with my legs, but then
            # my husband collapsed"), and never for same-day help ("my heart flutters sometimes").
            habitual = bool(HABITUAL_RE.search(clause))
            past = (
                bool(HISTORICAL_RE.search(clause)) or lead_past or habitual or bool(RESOLVED_RE.search(sentence))
            ) and not (now or progressive)
            prev_end = cl.start
            prev_negated = False
            # Words inside a crisis sign belong to it: "hoping I won't wake up" is not fainting,
            # "thinking about taking the whole box" is not an overdose taken.
            crisis_spans = [(s, e) for s, e, c, _, sg in hits if sg is not None and sg.reply == "crisis"]
            for start, end, cat, needs_actual, sign in hits:
                if (sign is None or sign.reply != "crisis") and any(s <= start and end <= e for s, e in crisis_spans):
                    continue
                window = text[max(cl.start, prev_end) : start]
                prev_end = max(prev_end, end)
                reply = sign.reply if sign is not None else "emergency"
                if sign is not None and sign.never_set_aside:
                    # A child who may have swallowed tablets, a person in crisis: no cue sets
                    # these aside ("before I noticed", "I don't want to live", "what if...").
                    found.append(EmergencyMatch(sign=text[start:end].strip(), category=cat, reply=reply))
                    continue
                # "no chest pain or breathing problems": the "no" covers the whole list
                negated = _is_negated(window) or (prev_negated and bool(LIST_GLUE_RE.fullmatch(window)))
                prev_negated = negated
                if negated:
                    continue
                if past and not (habitual and reply == "urgent" and not HISTORICAL_RE.search(clause)):
                    continue
                before = text[sent.start : start]
                strong_hypo = bool(
                    STRONG_HYPO_RE.search(before) or (GENERIC_SUBJECT_RE.search(before) and HYPO_RE.search(before))
                ) and not (now or progressive or help_now)
                match = EmergencyMatch(sign=text[start:end].strip(), category=cat, reply=reply)
                if strong_hypo:
                    general.append(match)
                    continue
                if not actual:
                    framed = (
                        needs_actual
                        or bool(SYMPTOM_RE.search(sentence))
                        or bool(CAUSE_RE.search(sentence))
                        or bool(WORRY_RE.search(sentence))
                        or bool(HYPO_RE.search(before))
                        or bool(GENERIC_SUBJECT_RE.search(text[max(cl.start, start - 40) : start]))
                        or is_question
                    )
                    if framed:
                        general.append(match)
                        continue
                found.append(match)
    return found, general, seen


def detect_all(text: str) -> list[EmergencyMatch]:
    """Every emergency sign that counts in `text` (empty list if none)."""
    return list(_detect_all(text))


@lru_cache(maxsize=4096)
def _detect_all(text: str) -> tuple[EmergencyMatch, ...]:
    """Cached: a conversation is read again at every turn, and its messages do not change."""
    norm = normalise(text)
    if not norm.strip():
        return ()
    found, general, _ = _assess(norm)
    if not found and general and ANAPHORA_RE.search(norm):
        # "Can magnesium cause chest pain? Because I have it right now."
        return general
    return found


def mentions_sign(text: str) -> bool:
    """True when `text` names an emergency sign at all, even one the detector then ruled out.

    Why: "I'm not having any trouble breathing", "I fainted once years ago" and "my uncle
    collapsed at a wedding" name signs that the rules above deliberately set aside (negated,
    past, someone not present). A word-based classifier cannot see those distinctions and
    scores them as emergencies; this lets the NLU know the detector has already looked.

    A sign told over two clauses must therefore be written with `scope: sentence`, so that
    the detector reads it where this check finds it.
    """
    norm = normalise(text)
    return any(sign.regex.search(norm) for sign in SIGNS)


def detect_emergency(text: str) -> EmergencyMatch | None:
    """The first acute emergency sign in `text`, or None."""
    found = detect_all(text)
    return found[0] if found else None


def most_pressing(kinds: Iterable[str]) -> str | None:
    """The one reply a message gets when it has several signs: the most pressing kind.

    A child who may have swallowed tablets comes first (A&E now, with the packet), then a
    person in crisis (whose reply also says 999 when life is at risk), then the plain
    emergency, then urgent same-day help.
    """
    present = set(kinds)
    return next((kind for kind in REPLY_KINDS if kind in present), None)
