"""Whom a safety question is about: the visitor, or someone they care for.

Why: carers, parents and partners ask for someone else all the time ("My dad is 82 and
takes milk of magnesia, is Sedorum ok for him?"). Asking such a visitor "How old are you?"
or telling them "your kidney doctor" is wrong and loses trust. The dialogue keeps one
`Subject` per conversation; the extractor reads the facts about that person, and answers are
phrased in the third person.

A bare statement about a relative ("my mother is on dialysis") does not make her the
subject: only a request about that person does ("is it ok for her?", "can my son take it?",
"asking for a friend"). Without such a request the relative's facts stay general
information (S11), and the visitor's own questions are answered for the visitor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Relation words -> (group, pronoun). The group picks rules and wording (a child gets "their
# doctor"); the pronoun picks the grammar of the third-person advice.
RELATIONS: dict[str, tuple[str, str]] = {
    "dad": ("parent", "he"), "daddy": ("parent", "he"), "father": ("parent", "he"),
    "papa": ("parent", "he"), "stepfather": ("parent", "he"), "stepdad": ("parent", "he"),
    "mum": ("parent", "she"), "mom": ("parent", "she"), "mother": ("parent", "she"),
    "mam": ("parent", "she"), "mama": ("parent", "she"), "mummy": ("parent", "she"),
    "mommy": ("parent", "she"), "stepmother": ("parent", "she"), "stepmum": ("parent", "she"),
    "husband": ("partner", "he"), "hubby": ("partner", "he"), "boyfriend": ("partner", "he"),
    "fiance": ("partner", "he"), "wife": ("partner", "she"), "girlfriend": ("partner", "she"),
    "fiancee": ("partner", "she"), "partner": ("partner", "they"),
    "son": ("child", "he"), "stepson": ("child", "he"), "boy": ("child", "he"),
    "daughter": ("child", "she"), "stepdaughter": ("child", "she"), "girl": ("child", "she"),
    "child": ("child", "they"), "kid": ("child", "they"), "baby": ("child", "they"),
    "toddler": ("child", "they"), "teenager": ("child", "they"), "teen": ("child", "they"),
    "grandad": ("grandparent", "he"), "granddad": ("grandparent", "he"),
    "grandpa": ("grandparent", "he"), "grandfather": ("grandparent", "he"),
    "grandma": ("grandparent", "she"), "grandmother": ("grandparent", "she"),
    "granny": ("grandparent", "she"), "gran": ("grandparent", "she"), "nan": ("grandparent", "she"),
    "nana": ("grandparent", "she"), "nanna": ("grandparent", "she"),
    "brother": ("relative", "he"), "uncle": ("relative", "he"), "nephew": ("relative", "he"),
    "grandson": ("relative", "he"), "sister": ("relative", "she"), "aunt": ("relative", "she"),
    "auntie": ("relative", "she"), "niece": ("relative", "she"), "granddaughter": ("relative", "she"),
    "cousin": ("relative", "they"), "friend": ("friend", "they"), "neighbour": ("friend", "they"),
    "neighbor": ("friend", "they"), "colleague": ("friend", "they"), "patient": ("other", "they"),
    "client": ("other", "they"), "resident": ("other", "they"), "man": ("other", "he"),
    "gentleman": ("other", "he"), "woman": ("other", "she"), "lady": ("other", "she"),
}  # fmt: skip
# Typos seen in real chats, mapped to the relation they mean.
_RELATION_TYPOS = {"farther": "father", "mther": "mother", "muther": "mother", "dauhgter": "daughter",
                   "daugher": "daughter", "doughter": "daughter", "husbnad": "husband", "husbend": "husband",
                   "freind": "friend", "frend": "friend", "husbnd": "husband", "girlfrend": "girlfriend",
                   "boyfrend": "boyfriend", "wif": "wife", "sun": "son",
                   "grandfarther": "grandfather", "grandmum": "grandma",
                   "grandmom": "grandma"}  # fmt: skip

_REL_WORDS = sorted({*RELATIONS, *_RELATION_TYPOS}, key=len, reverse=True)
# Every word that names a person the visitor may ask for, with plurals and typos.
RELATION_WORDS = frozenset(_REL_WORDS) | {w + "s" for w in _REL_WORDS}
_REL = r"(?P<rel>" + "|".join(_REL_WORDS) + r")s?"
# Words that may stand between "my" and the relation: "my 82-year-old dad", "my little boy".
_MY = (
    r"\b(?:my|our)\s+(?:(?:\d{1,3}|[a-z]+)[\s-]*(?:years?|yrs?|months?)[\s-]*old\s+|elderly\s+|old\s+|older\s+|"
    r"younger\s+|little\s+|teenage\s+|pregnant\s+|best\s+|dear\s+|grown[\s-]up\s+|adult\s+|step[\s-]?)?"
)
_THEM = r"(?:him|her|them|their)"
# The kinship words people use as names, without "my" ("Mum takes ...", "could dad have it?",
# "Dad is 82"): one list for whom a question is about and whose age a number is.
BARE_KIN = r"(?:dad|daddy|mum|mom|mam|mummy|mommy|mama|papa|grandad|granddad|grandpa|grandma|gran|granny|nan|nana)"
# "and him?", "what about my wife?", "and me then?": a short follow-up that asks the same again
# about another person (the start of the message; callers add what may follow).
SAME_FOR = (
    r"^\W*(?:and|what\s+about|how\s+about|and\s+for|same\s+for)\s+(?:him|her|them|me|myself|my\s+\w+|"
    + BARE_KIN
    + r")\b"
)
# He, she and the like: a message that uses them speaks of someone other than the visitor.
THIRD_PERSON_RE = re.compile(r"\b(?:he|she|he'?s|she'?s|him|her|hers|his|they|them|their)\b", re.I)
_HE = r"(?:he|she|they)"
_TAKE = r"(?:take|tak|have|hav|use|start|try|get|give|add|share|borrow|be\s+given|be\s+taking|keep\s+taking|go\s+on)"
_MODAL = r"(?:can|could|should|may|might|would|is\s+it\s+(?:ok|okay|safe|fine|alright|wise)\s+for|does|do|is|are)"

_REQUEST_PATTERNS = [
    # "and him?", "what about my husband?", "same for her": the whole message turns to them
    re.compile(
        rf"^\W*(?:and|what\s+about|how\s+about|and\s+for|same\s+for|and\s+what\s+about)\s+"
        rf"(?:{_THEM}|{_MY}{_REL}|(?P<bare>{BARE_KIN}))\b\s*(?:then\s*)?(?:[?.!]|$)",
        re.I,
    ),
    # "is it ok for my mum", "safe for him", "for my son", "any good for my dad?"
    re.compile(rf"\bfor\s+(?:{_THEM}\b|{_MY}{_REL}\b)", re.I),
    # "can my dad take it", "should my 8 year old have", "can he take"
    re.compile(rf"\b{_MODAL}\s+(?:{_HE}|{_MY}{_REL})\s+(?:\w+\s+){{0,2}}?{_TAKE}\b", re.I),
    # "how much can he take", "how many should my son have"
    re.compile(rf"\bhow\s+(?:much|many)\b[^?.!]{{0,40}}\b(?:can|should|may|could)\s+(?:{_HE}|{_MY}{_REL})\b", re.I),
    # "give it to my dad", "giving sedorum to my son", "give him magnesium"
    re.compile(rf"\b(?:give|giving|gave)\s+(?:{_THEM}\b|(?:[\w-]+\s+){{0,2}}?to\s+(?:{_THEM}\b|{_MY}{_REL}\b))", re.I),
    # "asking for a friend", "asking for my mother", "on behalf of my dad", "I care for my mum"
    re.compile(
        rf"\b(?:asking|ask|enquiring|inquiring|checking|here)\s+(?:for|about|on\s+behalf\s+of)\s+"
        rf"(?:a|my|our)\s+(?:\w+\s+)?{_REL}\b",
        re.I,
    ),
    re.compile(
        rf"\b(?:on\s+behalf\s+of|i(?:'m|\s+am)?\s+(?:care\s+for|caring\s+for|look\s+after|looking\s+after|"
        rf"help\s+look\s+after|am\s+a\s+carer\s+for))\s+{_MY}{_REL}\b",
        re.I,
    ),
    re.compile(
        rf"\b(?:i'?m|i\s+am)\s+(?:a\s+|the\s+)?carer\s+(?:for|of)\s+(?:{_MY}|(?:a|an)\s+(?:elderly\s+|old\s+|older\s+)?){_REL}\b",
        re.I,
    ),
    # "could mum have it?", "is it ok for dad": a parent or grandparent named without "my"
    re.compile(
        rf"\b(?:{_MODAL}|for|to)\s+(?P<rel>{BARE_KIN})\b(?:\s+(?:\w+\s+){{0,2}}?{_TAKE}\b|\s*[?.!,]|\s*$)", re.I
    ),
    # "the max for someone their age": the person named before
    re.compile(rf"\b(?:someone|somebody|a\s+person|people)\s+(?:of\s+)?{_THEM}\s+age\b", re.I),
    # "my dad wants to take", "my mum is thinking of taking", "my son needs magnesium"
    re.compile(
        rf"{_MY}{_REL}\s+(?:wants|would\s+like|is\s+thinking|is\s+planning|plans|is\s+going|needs|asked)\b", re.I
    ),
]
# A request in the visitor's own name: "can I take it?", "what about me?", "for myself".
_SELF_REQUEST = re.compile(
    r"\b(?:can|could|should|may|might|would|do|shall)\s+i\s+(?:\w+\s+){0,2}?(?:take|have|use|start|try|get|add)\b"
    r"|\b(?:what|how)\s+about\s+(?:me|myself)\b|^\W*and\s+(?:me|myself|for\s+me)\b|\bfor\s+(?:me|myself)\b|\bhow\s+(?:much|many)\b[^?.!]{0,40}\bshould\s+i\b"
    r"|\b(?:is\s+it|it'?s|is\s+sedorum|is\s+this)\s+(?:ok|okay|safe|fine|alright)\s+for\s+me\b",
    re.I,
)
# "Asking for a friend" that turns out to be the visitor: the facts were theirs all along.
_SELF_REVEAL = re.compile(
    r"\b(?:actually|ok|okay|well|honestly|truth\s+is|to\s+be\s+honest|fine|alright)?[\s,]*"
    r"(?:it'?s|it\s+is|it\s+was)\s+(?:actually\s+|really\s+)?(?:me|for\s+me|myself|about\s+me)\b"
    r"(?![\s,]*(?:as\s+well|too|also|and\s+(?:for\s+)?(?:her|him|them))\b)"
    r"|\b(?:i'?m|i\s+am)\s+(?:actually\s+|really\s+)?(?:the\s+friend|the\s+one|asking\s+for\s+myself|that\s+friend)\b"
    r"|\bthe\s+friend\s+is\s+(?:me|myself)\b|\bthere\s+is\s+no\s+friend\b|\bi\s+(?:was|am)\s+asking\s+for\s+(?:me|myself)\b"
    r"|\bby\s+(?:a\s+)?friend\s+i\s+mean\s+me\b",
    re.I,
)


# Said outright that the question is the visitor's own, whoever else the message names: "I care
# for my mum who's on dialysis. This question's for me though".
_FOR_MYSELF = re.compile(
    r"\b(?:this|the|my)\s+question(?:'s|\s+is)\s+(?:really\s+|actually\s+)?(?:for|about)\s+(?:me|myself)\b"
    r"|\b(?:i'?m|i\s+am)\s+(?:actually\s+|really\s+)?asking\s+(?:for|about)\s+(?:me|myself)\b"
    r"|\b(?:this|it)\s+(?:one\s+)?is\s+(?:for|about)\s+(?:me|myself)\s+(?:though|this\s+time|now)\b",
    re.I,
)


@dataclass(frozen=True)
class Subject:
    """The person the advice is for. `key` is "self" or the relation word ("dad", "friend")."""

    key: str = "self"
    group: str = "self"
    pronoun: str = "you"

    @property
    def is_self(self) -> bool:
        return self.key == "self"

    @property
    def label(self) -> str:
        """How to name them to the visitor: "your dad", "your friend"."""
        if self.is_self:
            return "you"
        return f"your {self.key}"

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "group": self.group, "pronoun": self.pronoun}

    @classmethod
    def from_dict(cls, data: object) -> Subject:
        """Read a dict made by `to_dict()` (a Rasa slot: anything else is the visitor themself)."""
        if not isinstance(data, dict) or not data.get("key") or data.get("key") == "self":
            return SELF
        return cls(
            key=str(data["key"]), group=str(data.get("group") or "other"), pronoun=str(data.get("pronoun") or "they")
        )


SELF = Subject()


def relation_subject(word: str) -> Subject:
    """The Subject for a relation word as written ("Dad", "daughters", "freind")."""
    w = word.lower().rstrip("s") if word.lower() not in RELATIONS else word.lower()
    w = _RELATION_TYPOS.get(w, w)
    if w not in RELATIONS:
        w = word.lower()
    group, pronoun = RELATIONS.get(w, ("other", "they"))
    return Subject(key=w, group=group, pronoun=pronoun)


def requested_subject(text: str, current: Subject = SELF, earlier: Sequence[str] = ()) -> Subject | None:
    """The subject a message asks about, or None when it does not change who it is about.

    - a self-reveal ("actually it's me") -> SELF;
    - a request about a named relation ("is it ok for my dad?") -> that relation;
    - a request about "him/her" while the conversation is about someone -> unchanged (None);
    - a request about "him/her" otherwise -> the person named in this or an `earlier` message
      (most recent first): "my son is 7 ..." then "how much can he have?";
    - a request in the visitor's own name ("can I take it?", "what about me?") -> SELF.
    """
    if not text:
        return None
    text = without_own_parenthood(text)
    if (not current.is_self and _SELF_REVEAL.search(text)) or _FOR_MYSELF.search(text):
        return SELF
    if _AGED_CHILD.search(text) and (_QUESTION.search(text) or _ASKS.search(text)):
        return CHILD if current.key != "child" else None
    own = [m.start() for m in _SELF_REQUEST.finditer(text)] if current.is_self else []
    for pattern in _REQUEST_PATTERNS:
        m = pattern.search(text)
        if m is None:
            continue
        if own and own[-1] > m.end():
            # "My neighbour swears by it for her legs. May I try it?": the visitor's own request
            # comes last, so the question stays theirs.
            continue
        rel = m.groupdict().get("rel") or m.groupdict().get("bare")
        if rel:
            return relation_subject(rel)
        # "for him", "can she take": a pronoun only makes sense for a person already named.
        if not current.is_self:
            return None
        pronoun = _pronoun_in(m.group(0))
        for candidate in (text, *earlier):
            named = _named_relation(candidate, pronoun)
            if named is not None:
                return named
            if pronoun is None and _AGED_CHILD.search(candidate):
                return CHILD  # "asking for my 7 year old" then "how much can they have?"
    if not current.is_self and _SELF_REQUEST.search(text):
        return SELF
    if (
        current.is_self
        and _QUESTION.search(text)
        and _ABOUT_TAKING.search(text)
        and not _FIRST_PERSON_OUTSIDE_MY.search(text)
    ):
        # "my mum has heart block, would sedorum be a problem?": a question about taking it in
        # which the only person is the relative is about the relative. Not "is it something you
        # are born with? my mother had it too": that is a general question.
        named = _named_relation(text)
        if named is not None:
            return named
    if current.is_self and earlier and _DOSE_QUESTION.search(text) and not _ANY_PERSON.search(text):
        # "my son is 6 and can't sleep" then "what dose of magnesium?": a dose question that names
        # nobody, right after a message about one relative (and not about the visitor), is about
        # that relative.
        # Only a child: after "my mother is on dialysis", "what is the maximum amount?" is a
        # general question, answered in general (with her kidney warning said before).
        previous = earlier[0]
        people = named_people(previous)
        if (
            len({p.key for p in people}) == 1
            and may_be_a_child(people[0])
            and not _FIRST_PERSON_OUTSIDE_MY.search(_MY_RELATION.sub("", previous))
        ):
            return people[0]
    return None


# Relations that may be a young child whatever the word's group ("my grandson").
_MAYBE_CHILDREN = frozenset({"grandson", "granddaughter", "grandchild", "nephew", "niece"})


def may_be_a_child(subject: Subject) -> bool:
    """True for a person who may be a young child when their age is not known."""
    return subject.group == "child" or subject.key in _MAYBE_CHILDREN


_QUESTION = re.compile(
    r"\?|\b(?:can|could|should|would|is|will|does|may)\s+(?:sedorum|magnesium|it|this|they|he|she)\b"
    r"|\bhow\s+(?:much|many)\b|\bwhat(?:'?s|\s+is)?\s+(?:the\s+)?(?:max|maximum|dose|limit|most)\b",
    re.I,
)
_DOSE_QUESTION = re.compile(
    r"\bhow\s+(?:much|many)\b|\b(?:dose|dosage|max|maximum|limit|most|mg)\b|\bcut\s+in\s+half\b", re.I
)
_ANY_PERSON = re.compile(r"\b(?:i|i'm|im|me|my|mine|myself|he|she|him|her|his|they|them|their|we|us|our)\b", re.I)
_MY_RELATION = re.compile(r"\b(?:my|our)\s+\w+", re.I)
_FIRST_PERSON_OUTSIDE_MY = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|me|myself|mine)\b", re.I)
# A question about taking the product (or a supplement) at all: "would sedorum clash with it?",
# "is it ok for her", "can she have magnesium".
_ABOUT_TAKING = re.compile(
    r"\b(?:sedorum|magnesium|supplements?|take|taking|have|give|giving|use|try|start|ok|okay|safe|alright|"
    r"dose|how much|how many|clash|interact|mix|problem)\b",
    re.I,
)


_NAMED = re.compile(
    rf"{_MY}{_REL}\b"
    # "Dad has Parkinson's", "Mum takes...": the kinship words people use as names, at the
    # start of a sentence.
    r"|(?:^|[.!?]\s+)(?P<bare>" + BARE_KIN + r")\b"
    r"(?=\s+(?:has|is|takes|was|had|gets|keeps|wants|uses|says|lives|needs|can't|cannot|isn't|doesn't)\b|'s\s)",
    re.I,
)
# "can my 4 year old have it", "my 8 month old": a child named by their age alone.
_AGED_CHILD = re.compile(
    r"(?<!i'm )(?<!i am )(?<!im )(?<!i was )\b(?:my|our|for\s+an?|give\s+an?|an?)\s+"
    r"(?:(?:1[0-7]|[1-9])[\s-]*(?:(?:years?|yrs?)[\s-]*old|y/?o)|\d{1,2}[\s-]*months?[\s-]*old)\b"
    r"(?!\s+(?:" + "|".join(_REL_WORDS) + r"))",
    re.I,
)
# A young child: a child word, or a son or daughter of twelve or under, or an age of twelve or
# under. One list for every rule about children and tablets (poisoning, where tablets are kept).
_YOUNG_CHILD = re.compile(
    r"\b(?:toddlers?|bab(?:y|ies)|infants?|little ones?|lil (?:ones?|1)|wee ones?|little '?uns?|grandsons?|"
    r"granddaughters?|grandchild(?:ren)?|grandkids?|kids?|child|children|twins|"
    r"(?:little|baby|kid|younger|wee|lil)\s+(?:brother|sister|bro|sis|cousin))\b"
    r"|\b(?:son|daughter|boy|girl|nephew|niece|stepson|stepdaughter)\b[^.!?]{0,20}?"
    r"\b(?:[1-9]|1[0-2])\b(?!\s*(?:mg|%|pm|am|years? ago))"
    r"|\b(?:brother|sister|cousin)\s*(?:is|aged|who is|who's|,|\()\s*(?:just\s+)?(?:[1-9]|1[0-2])\b"
    r"(?!\s*(?:mg|%|pm|am|years? ago|stone|st\b|kg|feet|ft|foot))"
    r"|\b(?:[1-9]|1[0-2])\s*(?:(?:yo|y/o)\b|(?:-?years?|-?yrs?)[- ]?old\b)"
    r"|\b(?:[1-9]|[12]\d|3[0-6])\s*-?\s*months?[- ]?old\b",
    re.I,
)


# The visitor describing themself by their children: "mum of 3 kids", "a dad of two boys",
# "breastfeeding my 4 month old". The children are not who the question is about.
_OWN_PARENTHOOD = re.compile(
    r"\b(?:(?:single|working|busy|tired|new|first[- ]time)\s+)?(?:mum|mom|mummy|mother|dad|father|parent|nan|gran|"
    r"grandma|grandad|grandmother|grandfather)\s+(?:of|to)\s+(?:\d{1,2}|one|two|three|four|five|six|seven|eight|a)\s+"
    r"(?:\w+\s+)?(?:kids?|children|child|boys?|girls?|little\s+ones|teenagers|teens|grandkids|grandchildren|under\s+\w+s)\b"
    r"|\b(?:breastfeeding|breast\s+feeding|nursing|expressing\s+for|feeding)\s+(?P<baby>(?:my|our)\s+"
    r"(?:\d{1,2}[\s-]*(?:weeks?|months?|wks?|mths?)[\s-]*old|(?:new\s*born|newborn|baby|little\s+one|son|daughter|twins)))\b",
    re.I,
)


def _blank(m: re.Match[str]) -> str:
    """The match with its described children replaced by spaces (the "breastfeeding" kept)."""
    if m.group("baby") is None:
        return " " * len(m.group(0))
    start, end = m.span("baby")
    whole = m.group(0)
    return whole[: start - m.start()] + " " * (end - start) + whole[end - m.start() :]


def without_own_parenthood(text: str) -> str:
    """`text` with the visitor's description of themself as a parent blanked out (same length,
    so offsets stay valid): "mum of 3 kids, 38 years old" is the visitor's age, not a child's."""
    return _OWN_PARENTHOOD.sub(_blank, text or "")


def names_a_young_child(text: str) -> bool:
    """Whether `text` names a young child anywhere ("my toddler", "my son (3)", "a 2 year old").

    Why apart from the subject of a question: a child near tablets matters for safety whoever
    the question is about ("my 2 year old can open the drawer I keep my iron in").
    """
    return bool(_YOUNG_CHILD.search(text or ""))


CHILD = Subject(key="child", group="child", pronoun="they")
_ASKS = re.compile(
    r"\b(?:can|could|should|may|is\s+it|give|giving|how\s+much|how\s+many|safe|ok|okay|asking|enquiring|inquiring)\b",
    re.I,
)


def _named_relation(text: str, pronoun: str | None = None) -> Subject | None:
    """The last relation named in `text` that a "he"/"she" could refer to."""
    named = [relation_subject(_relation(m)) for m in reversed(list(_NAMED.finditer(text)))]
    for wanted in ((pronoun,), ("they",)) if pronoun else ((None,),):
        for subject in named:
            if wanted == (None,) or subject.pronoun in wanted:
                return subject
    return None


def _relation(match: re.Match[str]) -> str:
    return match.group("rel") or match.group("bare")


def _pronoun_in(text: str) -> str | None:
    m = re.search(r"\b(he|him|his|she|her|hers)\b", text, re.I)
    if not m:
        return None
    return "he" if m.group(1).lower() in ("he", "him", "his") else "she"


def mentions(text: str, subject: Subject) -> bool:
    """Whether `text` names this person ("my son ...")."""
    if subject.key == "child" and _AGED_CHILD.search(text or ""):
        return True
    return any(relation_subject(_relation(m)).key == subject.key for m in _NAMED.finditer(text or ""))


def named_people(text: str) -> list[Subject]:
    """Everyone `text` names as "my <relation>", then a child named by age ("my 4 year old")."""
    named = [relation_subject(_relation(m)) for m in _NAMED.finditer(text or "")]
    if _AGED_CHILD.search(text or ""):
        named.append(CHILD)
    return named


# "I'm her husband": the visitor says they are another person than the one asked about.
_ANOTHER_PERSON = re.compile(rf"\b(?:i'?m|i\s+am)\s+(?:her|his|their)\s+{_REL}\b", re.I)


def is_self_reveal(text: str) -> bool:
    """True when the facts given for someone else turn out to be the visitor's own.

    Not "it's for me as well" or "I'm her husband": then there are two people, and each keeps
    their own facts (a wife's pregnancy is never her husband's).
    """
    return bool(_SELF_REVEAL.search(text or "")) and not _ANOTHER_PERSON.search(text or "")
