"""The context around a sign: negated, past, habitual, hypothetical, general, or happening now.

Why: "my husband collapsed" is an emergency, "I fainted once years ago", "no chest pain", "if
I get chest pain..." and "can magnesium cause chest pain?" are not. The cue words are data
(emergency_context.yml, one list per cue); this module puts each list into its regular
expression. What stays here is the grammar around the words (word boundaries, look-arounds,
"a subject, then a verb"), which a word list cannot express.

Confusion, extreme drowsiness and weakness are here too: they count as emergencies only in
context (with magnesium in the picture, or together), which assess.py decides.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..cue_words import load_cue_words
from ..yaml_data import alternatives, mapping, read_mapping
from .data import CONTEXT_PATH

CUE_LISTS = frozenset(
    {
        "negation",
        "not_negation",
        "past",
        "resolved",
        "habitual",
        "now",
        "progressive_verbs",
        "subjects",
        "subject_verbs",
        "body_parts",
        "strongly_hypothetical",
        "hypothetical",
        "general_subjects",
        "question_words",
        "symptom_question",
        "cause_question",
        "magnesium_context",
        "confusion",
        "drowsiness",
    }
)


@lru_cache(maxsize=4)
def load_cues(path: str | Path = CONTEXT_PATH) -> dict[str, str]:
    """Each cue list of emergency_context.yml as one alternation ("a|b|c"); every list required."""
    data = read_mapping(path, CUE_LISTS, CUE_LISTS)
    return {name: "|".join(_expanded(data[name], f"emergency_context.yml: {name}")) for name in sorted(CUE_LISTS)}


def _expanded(raw: object, where: str) -> tuple[str, ...]:
    """A cue list's alternatives, with each `{from: <list>}` item replaced by the words of that
    shared list of cue_words.yml (escaped: they are plain words, the rest are expressions)."""
    if not isinstance(raw, list):
        raise ValueError(f"{where}: needs a non-empty list")
    shared = load_cue_words()
    out: list[str] = []
    own: list[object] = []
    for item in raw:
        if isinstance(item, dict):
            name = mapping(item, where, frozenset({"from"}), frozenset({"from"}))["from"]
            if not isinstance(name, str) or name not in shared:
                raise ValueError(f"{where}: `from: {name}` is not a list of cue_words.yml")
            out += [re.escape(word) for word in shared[name]]
        else:
            own.append(item)
    if own:
        out += alternatives(own, where)
    if not out:
        raise ValueError(f"{where}: needs a non-empty list")
    return tuple(out)


_CUES = load_cues()


def _words(name: str) -> str:
    """The cue list `name` as a whole-word group: \\b(?:a|b|c)\\b."""
    return r"\b(?:" + _CUES[name] + r")\b"


# ----------------------------------------------------------------------------- signs that count in context

# Confusion or extreme drowsiness: counts with magnesium in the picture, or both together [ODS*][MSD-HYPER].
# Not "confused about the dosage", nor the visitor muddling their own words in a chat ("sorry,
# I've confused myself, the levothyroxine is my husband's", "I'm getting muddled, it was my
# gallbladder"): drowsiness and the other signs still count in such a message.
CONFUSION_RE = re.compile(
    r"(?<!i've )(?<!i have )(?<!i got )(?<!i get )(?<!i'm getting )(?<!i am getting )(?<!i'm a bit )(?<!i am a bit )"
    # "I was typing for my mum and got muddled", "I'm confused, the RDA is 420?": the visitor's
    # own puzzlement, and a message that opens with "Confused." is the visitor's too
    r"(?<!i'm )(?<!im )(?<!i am )(?<!i'm so )(?<!i am so )(?<!i'm really )"
    r"(?!(?<![\s\S])(?:confused|muddled)\s*(?:[.!?,:;]|$))"
    + _words("confusion")
    + r"(?!\s+(?:about|by|with|as to|regarding|whether|if|why|how|what|which|on|over|myself|me|up|sorry)\b)"
)
DROWSY_RE = re.compile(_words("drowsiness"))
# "I was typing for my mum earlier and got muddled": a muddle about what was written in the chat.
OWN_MUDDLE_RE = re.compile(r"\b(?:typ(?:e|ed|ing)|wr(?:ote|iting|itten)|asking\s+for|ask(?:ed)?\s+for)\b")
WEAK_RE = re.compile(
    r"\b(?:very|extremely|really|so|too|incredibly|terribly)\s+weak\b"
    r"|\b(?:can|could)\s+(?:barely|hardly)\s+(?:hold|lift|keep)\s+(?:my|his|her|their)\s+head\s+up\b"
)
MAGNESIUM_CONTEXT_RE = re.compile(_words("magnesium_context"))

# ----------------------------------------------------------------------------- context

NEGATION_RE = re.compile(_words("negation"))
PSEUDO_NEGATION_RE = re.compile(_words("not_negation"))
# "once" is past unless a subject follows ("once I took it, ...") or it means "at once".
RESOLVED_RE = re.compile(_words("resolved"))
HISTORICAL_RE = re.compile(_words("past") + r"|(?<!at )\bonce\b(?! (?:i|you|he|she|it|they|we)\b)")
HABITUAL_RE = re.compile(_words("habitual"))
# Markers that the sign is real and happening (to the user or someone with them).
NOW_RE = re.compile(_words("now"))
PROGRESSIVE_RE = re.compile(
    r"(?:\b(?:i'm|i am|he's|she's|he is|she is|they're|they are|we're|be|been)|(?<=\w)'s|(?<=\w\s)(?:is|are|am))"
    r"\s+(?:\w+\s+)?(?:" + _CUES["progressive_verbs"] + r")\b"
    r"|\b(?:am|is|are)\s+(?:i|he|she|they|my \w+)\s+(?:\w+\s+)?having\b"
)
SUBJECT_VERB_RE = re.compile(
    # "partner's collapsed", "mum's fainted": the "has" written into the subject
    r"\b(?:" + _CUES["subjects"] + r")(?:'s|\u2019s)?\s+(?:just\s+|suddenly\s+|then\s+|also\s+|really\s+|now\s+)?"
    r"(?:" + _CUES["subject_verbs"] + r")\b"
)
# A first-person statement with the subject dropped, as people type when short of breath or
# frightened: "can barely breathe", "cant breathe properly", "feeling faint and dizzy".
DROPPED_SUBJECT_RE = re.compile(
    r"^\W*(?:and\s+|but\s+|now\s+|just\s+)?(?:can't|cant|cannot|can not|can barely|can hardly|barely|hardly|"
    r"struggling|struggle|having|feel|feeling|getting|got)\b"
    # telegraphic, as typed in a hurry: "chest tight cant get air"
    r"|^\W*(?:chest|throat|heart|breathing|lips|face)\s+(?:so\s+|really\s+|very\s+)?(?:tight|hurts?|hurting|pounding|racing|"
    r"closing|swelling|swollen|heavy|crushing|blue)\b"
)
OWN_BODY_RE = re.compile(
    r"(?:\b(?:my|his|her|their)\s+(?:[\w']+\s+)?|\b[a-z]+'s\s+)(?:"
    + _CUES["body_parts"]
    + r")(?:\s+on\s+(?:one|the\s+\w+)\s+side)?"
    r"\s+(?:is|are|was|feels?|felt|hurts?|went|has|have|keeps?|just|won't|isn't|beating)\b"
    # "one leg is red and puffy": a statement about the writer's own leg
    r"|^\W*(?:one|the\s+(?:left|right)|left|right)\s+(?:leg|calf|arm|foot|ankle|side)\s+(?:is|looks|feels|has|went|got)\b"
    r"|\b(?:is|are|was|does|why|how come)\s+(?:my|his|her)\s+(?:\w+\s+)?"
    r"(?:chest|heart|heartbeat|pulse|throat|breathing|"
    r"leg|calf|body)\b"
    r"|\b(?:is|could|might)\s+(?:this|that|it)\s+(?:be\s+)?(?:a|an)\b"
    r"|\b(?:why|how come)\s+(?:can't|can not|am|is|are|do|does|did|won't|isn't|has|have)\s+(?:i|he|she|my|his|her)\b"
    # someone found in that state: "found my husband drowsy with an empty packet"
    r"|\b(?:just\s+)?(?:found|find|came home to|walked in on)\s+(?:my|him|her|them|our)\b"
)
HELP_RE = re.compile(
    r"^\W*(?:help|please help|someone help|sos|urgent|emergency)\b|\bhelp\s*!+|\bhelp me\s*!+"
    # "..., we're in Glasgow, help": a cry for help tacked on after a comma
    r"|[,;:.-]\s*(?:please\s+)?help(?:\s+(?:me|us|please|pls|plz))?\W*$"
    r"|\b(?:please|pls|plz)\s+help\b|\bhelp (?:me|us|him|her) (?:please|pls|plz)\b"
)
WHAT_NOW_RE = re.compile(r"\bwhat (?:do|should|can|shall) (?:i|we) do\b(?!\s+(?:if|when|in))|\bwhat now\b")

STRONG_HYPO_RE = re.compile(_words("strongly_hypothetical"))
HYPO_RE = re.compile(_words("hypothetical"))
GENERIC_SUBJECT_RE = re.compile(_words("general_subjects"))
SUDDEN_RE = re.compile(r"suddenly|all of a sudden")
SYMPTOM_RE = re.compile(_words("symptom_question"))
CAUSE_RE = re.compile(_words("cause_question"))
WORRY_RE = re.compile(
    r"\b(?:worried|afraid|scared|concerned|fear|nervous|anxious)\s+(?:about|of|that)\b|\bhow (?:much|many)\b|"
    r"\bis (?:it|there)\b|\bwhat (?:is|are|does|do|happens|would|will)\b|\bwhen (?:should|do|to)\b|"
    r"\bhow (?:do|would|can|will) (?:i|you|we|one)\b"
    r"|\b(?:can|could|will|would|might|may|do|does)\s+(?:i|you|one|people|"
    r"someone)\s+(?:get|have|experience|develop|suffer|overdose)\b"
)
QUESTION_START_RE = re.compile(
    # "can barely breathe" is a statement with the subject dropped, not a question.
    r"^\W*(?:" + _CUES["question_words"] + r")\b(?!')"
    r"(?!\s+(?:barely|hardly|not|no longer|only just)\b)"
)
ANAPHORA_RE = re.compile(
    r"\b(?:i|he|she|they)\s+(?:have|has|'ve got|'s got|got|am having|'m having|is having|are having|am experiencing|"
    r"'m experiencing|feel|feels)\s+(?:it|that|this|them|those|these|one)\b(?:\s+(?:right\s+)?now)?"
    r"|\b(?:it's|this is|that's|it is) happening(?: to me)?(?: right)? now\b"
)

LIST_GLUE_RE = re.compile(r"\s*(?:or|and|nor|or any|and any|and no|or no|/)?\s*")
SENTENCE_SPLIT_RE = re.compile(r"[.!?\n]+")
CLAUSE_SPLIT_RE = re.compile(
    r"[,;:()]|\s-\s|\b(?:but|although|though|however|yet|because|whereas|while)\b|"
    # "so" joins clauses only before a subject ("so I called"); "so weak" / "so fast" is an intensifier
    r"\bso\s+(?=(?:i|i'm|i've|he|she|he's|she's|my|we|they|it|now|then)\b)|"
    r"\band\s+(?=(?:i|i'm|i've|he|she|he's|she's|my|now|then|it|they|we|today|tonight|suddenly)\b)"
)
