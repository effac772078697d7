"""One verdict per message: the rule layer, the meaning layer and the visitor's language together.

    verdict = assess("my toddler ate some of my iron tablets before I noticed")
    verdict.reply      # "poisoning": A&E now, even if the child seems fine
    verdict.signs      # [{"sign": ..., "category": "poisoning", "reply": "poisoning", "layer": "rules"}]
    verdict.language   # "en"

Why one entry point: the NLU (EmergencyGuard, through `verdict_of`), the generated checks and the
tests must see the same decision, made once per message. (The router's emergency lane, which only
orders the queue, runs the rule layer alone: `detect_emergency`.) The order is:
1. the message is read in English (a German, French, Spanish or Polish message through its gloss);
2. the rule layer (emergency_signs.yml) decides when it finds a sign that counts;
   then a young child named anywhere in the message, with tablets opened or missing anywhere in
   it, is a poisoning (`tablets_gone_near_a_child`: the rule layer reads one sentence at a time);
3. otherwise the meaning layer (emergency_meanings.yml) may add one: freely when the rule layer
   saw no sign words at all, and only a child's poisoning or a person in crisis when the rule
   layer saw sign words and set them aside (negated, past, hypothetical): for those two, no cue
   may set the emergency aside; for the others the rule layer's reading of the cues stands;
4. otherwise a message in another language with a risk word of that language (languages.yml
   `risk_words`) gets the reply that word calls for: what the gloss could not make readable
   fails safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict

from ..language import ENGLISH, detect_language, risk_kinds, to_english
from ..subject import names_a_young_child
from .assess import detect_all, mentions_sign, most_pressing
from .signs import REPLY_KINDS, FoundSign, load_signs


class VerdictDict(TypedDict):
    """A Verdict as plain data (`Verdict.to_dict()`)."""

    signs: list[FoundSign]
    language: str
    layer: str | None
    reply: str | None
    replies: list[str]


_TABLETS_GONE = re.compile(
    r"(?<!\bi )(?<!\bi've )(?<!\bwe )\b(?:opened|got into|got at|got hold of|emptied)\s+"
    r"(?:my|the|his|her|our|grandad's|grandma's|nan's)\s+"
    r"(?:\w+\s+){0,4}?(?:pill|tablet|medicine|vitamin|sedorum)s?(?:\s+(?:box(?:es)?|organi[sz]ers?|packs?|pots?|"
    r"bottles?|tubs?|strips?))?\b"
    r"|\b(?:some|one|a few|a couple|two|three|tablets?|pills?)\s+(?:of them\s+)?(?:are|is|were|was|seem to be|look)\s+"
    r"(?:missing|gone)\b"
    # "she ate 'the pink sweeties' from my bedside table": eaten from where adults keep tablets
    r"|\b(?:ate|eaten|eating|swallowed|chewed|had)\b[^.!?]{0,40}?\bfrom\s+(?:my|mummy's|mum's|mom's|nan's|nana's|"
    r"grandma's|granny's|gran's|dad's|daddy's|grandad's)\s+(?:bedside(?:\s+table)?|handbag|bag|purse|nightstand|"
    r"medicine\s+(?:cabinet|cupboard|box)|bathroom\s+cabinet|pill\s*box|dosette)\b"
    r"|\b(?:ate|eaten|swallowed|had)\s+(?:some\s+|a\s+few\s+|the\s+)?[\"'\u201c\u2018](?:the\s+)?(?:\w+\s+)?"
    r"(?:sweet(?:ie)?s|candy|candies|smarties|mints)[\"'\u201d\u2019]",
    re.I,
)


# Swallowing and what is swallowed, anywhere in one message that names a young child: "my
# little brother is 6 and he ate some of my mum's magnesium tablets", told in words no single
# sign has. Either order, within a short stretch; a child's own prescribed medicine and "can't
# swallow tablets" are everyday.
_SWALLOWING = (
    r"(?:swallow(?:ed|s|ing)?|ate|eaten|eating|chew(?:ed|ing)?|got\s+into|gotten\s+into|got\s+hold\s+of|"
    r"had\s+(?:some|a\s+few|one|two|three|a\s+couple|loads|lots)|sucking\s+on|sucked|licked|tasted|"
    r"(?:in|round|around)\s+(?:his|her|their)\s+mouth)"
)
_TABLET_WORDS = (
    r"(?:pills?|tablets?|tabs|capsules?|caps|gummies|vitamins?|supplements?|meds|medicines?|medication|sedorum|"
    r"magnesium|iron|ferrous|laxatives?|antacids?|bottle|tub|packet|pack|blister|pill\s*box)"
)
_CHILD_SWALLOWED = re.compile(
    rf"\b{_SWALLOWING}\b[^.!?]{{0,50}}?\b{_TABLET_WORDS}\b|\b{_TABLET_WORDS}\b[^.!?]{{0,50}}?\b{_SWALLOWING}\b",
    re.I,
)
_NOT_SWALLOWED = re.compile(
    r"\b(?:can't|cannot|can not|won't|will not|doesn't|does not|struggles? to|hard to|difficult to|trouble)\s+"
    r"(?:\w+\s+)?swallow"
    r"|\b(?:his|her|their)\s+(?:own\s+)?(?:usual|normal|daily|prescribed)\s+(?:dose|tablets?|medicines?|vitamins?|iron)"
    r"|\b(?:stop|keep|prevent|avoid)\w*\b[^.!?]{0,40}\b(?:getting\s+into|eating|swallowing)"
    r"|\biron[- ]rich\b|\b(?:eats?|eating|ate)\s+(?:\w+\s+){0,3}?(?:spinach|cereals?|meat|beans|foods?|greens|"
    r"vegetables|veg|fruit|dinner|lunch|breakfast)\b",
    re.I,
)
# Something round a young child's mouth near where tablets are kept: "my 18 month old has
# brown bits round his mouth" (the open bottle was in the message before).
_MOUTH_TRACES = re.compile(
    r"\b(?:bits|powder|residue|crumbs|coating|colou?r|stuff|something|pieces?|tablet|pill)\b[^.!?]{0,25}?"
    r"\b(?:round|around|in|on)\s+(?:his|her|their)\s+(?:mouth|lips|teeth|tongue|gums)\b",
    re.I,
)


def swallowed_near_a_child(english: str) -> str | None:
    """The words that say tablets were swallowed (or are round a mouth) in a message that names
    a young child, or None: a poisoning, whatever else the message says."""
    text = english or ""
    if not names_a_young_child(text) or _GROWN_UP.search(text) or _NOT_SWALLOWED.search(text):
        return None
    found = _CHILD_SWALLOWED.search(text) or _MOUTH_TRACES.search(text)
    return found.group(0).lower() if found else None


_GROWN_UP = re.compile(r"\b(?:grown[- ]up|adults?|(?:1[3-9]|[2-9]\d)\s*(?:years?|yrs?)?\s*old)\b", re.I)


def tablets_gone_near_a_child(english: str) -> str | None:
    """The words that say tablets were opened or are missing, in a message that names a young
    child (a child who may have swallowed tablets: never set aside), or None."""
    text = english or ""
    gone = _TABLETS_GONE.search(text)
    if gone is None or not names_a_young_child(text) or _GROWN_UP.search(text):
        return None
    return gone.group(0).lower()


# "On purpose." said beside an overdose, often in a sentence of its own, which the rule layer
# (one clause at a time) cannot join to the overdose: self-harm, so the crisis lines too.
_ON_PURPOSE = re.compile(
    r"(?<!\bnot )(?<!\bwasn't )(?<!\bwas not )(?<!\bdidn't do it )\b(?:on purpose|deliberately|intentionally|"
    r"to (?:end it|not wake up|never wake up|kill myself|hurt myself)|(?:i|he|she|they) meant (?:to|it)|"
    # a teenager's overdose "after we had a row": self-harm until a professional says otherwise
    r"after (?:we |they |she |he |i )?(?:had |have )?(?:a |an |the |another )?(?:big |huge )?"
    r"(?:row|argument|fight|falling out|break ?up))\b",
    re.I,
)


def overdose_on_purpose(english: str, found: list[FoundSign]) -> FoundSign | None:
    """A crisis sign for an overdose the visitor says was meant ("I took twenty. On purpose."),
    or None."""
    if not any(sign["category"] == "overdose" for sign in found):
        return None
    if any(sign["reply"] == "crisis" for sign in found):
        return None
    meant = _ON_PURPOSE.search(english or "")
    if meant is None:
        return None
    return FoundSign(sign=meant.group(0).lower(), category="self_harm", reply="crisis", layer="rules")


# Signs of saying farewell. One alone is often innocent ("I said my goodbyes at the station");
# two in one message ("won't need it after tonight. I've said my goodbyes and written the
# letters") are a crisis.
_FAREWELLS = (
    re.compile(r"\b(?:said|saying|say)\s+(?:all\s+)?(?:my|his|her|their)\s+(?:last\s+)?goodbyes?\b", re.I),
    re.compile(
        r"\b(?:written|wrote|writing|left)\s+(?:(?:the|my|some|all\s+the)\s+)?(?:goodbye\s+|last\s+)?(?:letters|notes)\b"
        r"(?!\s+(?:to|for)\s+(?:the\s+)?(?:council|bank|school|gp|doctor|surgery|hospital|company|shop|editor|mp|landlord))",
        re.I,
    ),
    re.compile(
        r"\b(?:won'?t|will\s+not|wont|shan'?t)\s+(?:need|be\s+needing)\s+(?:it|them|this|anything)\s+"
        r"(?:after|past|beyond)\s+(?:tonight|today|this\s+week)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:put|sorted|sorting|putting|got|getting)\s+(?:out\s+)?(?:all\s+)?(?:my|his|her)\s+affairs\s+"
        r"(?:in\s+order|sorted|straight)\b|\b(?:sorted|sorting)\s+(?:out\s+)?(?:all\s+)?(?:my|his|her)\s+affairs\b",
        re.I,
    ),
    # "before I go", not "before I go to bed / out / shopping"
    re.compile(
        r"\bbefore\s+(?:i|he|she)\s+go(?:es)?\b(?!\s+(?:to|out|in|into|on|back|away|home|up|down|and|shopping|for))",
        re.I,
    ),
    re.compile(r"\bgiv(?:en|ing|e)\s+away\s+(?:all\s+)?(?:my|his|her)\s+(?:things|stuff|belongings)\b", re.I),
    re.compile(r"\b(?:my|his|her)\s+last\s+(?:night|day)\b", re.I),
)


# Signs of a low mood that, like a farewell, are common alone ("feeling so low with my legs")
# and a crisis when two come together ("I'm not going to do anything, but I'm really low at
# 3am. who can I talk to right now?"), often in separate sentences.
_LOW_MOOD = (
    re.compile(
        r"\b(?:not going to|not gonna|won'?t|wouldn'?t|i'?d never|i would never)\s+do\s+anything"
        r"(?:\s+(?:stupid|silly|daft|drastic))?\b(?!\s+(?:with|about|to|for|until|till|else))",
        re.I,
    ),
    re.compile(
        r"\b(?:really|so|very|feeling|feel|i'?m|i\s+am)\s+(?:\w+\s+)?(?:low|down|depressed|hopeless|desperate|"
        r"worthless|empty|alone)\b",
        re.I,
    ),
    re.compile(
        r"\bwho\s+can\s+i\s+(?:talk|speak)\s+to\b|\b(?:someone|anyone|somebody)\s+to\s+(?:talk|speak)\s+to\b"
        r"|\bneed\s+to\s+(?:talk|speak)\s+to\s+(?:someone|somebody|anyone)\b",
        re.I,
    ),
    re.compile(r"\b(?:dark|bad|scary|horrible)\s+thoughts\b|\bcan'?t\s+(?:cope|go\s+on)\b", re.I),
    # hurting oneself, and meaning it: "digging my nails into my legs till they bleed. on purpose."
    re.compile(
        r"\bdig(?:ging|s)?\s+(?:my\s+)?nails\s+into\b|\b(?:till|until)\s+(?:they|it|i)\s+(?:bleed|bleeds|bled|bruise|bruises)\b",
        re.I,
    ),
    re.compile(
        r"\bon\s+purpose\b|\bdeliberately\b|\btakes?\s+my\s+mind\s+off\b|\bto\s+feel\s+something\b"
        r"|\bpunish(?:ing)?\s+myself\b|\bhate\s+myself\b",
        re.I,
    ),
)


def farewells(english: str) -> FoundSign | None:
    """A crisis sign when a message says farewell, or shows a low mood, in two ways; or None."""
    said = [m.group(0).lower() for p in (*_FAREWELLS, *_LOW_MOOD) if (m := p.search(english or ""))]
    if len(said) < 2:
        return None
    return FoundSign(sign=" / ".join(said), category="self_harm", reply="crisis", layer="rules")


@dataclass(frozen=True)
class Verdict:
    signs: tuple[FoundSign, ...] = ()
    language: str = ENGLISH
    layer: str | None = None  # "rules" | "meaning" | None
    english: str = ""  # the text the layers read
    mentioned: bool = False  # the rule layer saw sign words, whatever it decided
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def reply(self) -> str | None:
        """poisoning | crisis | emergency | urgent, or None when nothing counts."""
        return most_pressing(sign["reply"] for sign in self.signs)

    @property
    def replies(self) -> tuple[str, ...]:
        """Every reply kind the signs call for, most pressing first (a child's poisoning that was
        also self-harm gets the poisoning reply, then the crisis lines)."""
        kinds = {sign["reply"] for sign in self.signs}
        if "poisoning" in kinds:
            kinds.discard("emergency")  # the poisoning reply already says when to call the number
        ordered = tuple(kind for kind in REPLY_KINDS if kind in kinds)
        # Same-day help adds nothing once the emergency number has been given.
        return ordered if len(ordered) == 1 else tuple(kind for kind in ordered if kind != "urgent")

    @property
    def is_emergency(self) -> bool:
        return bool(self.signs)

    def to_dict(self) -> VerdictDict:
        return {
            "signs": list(self.signs),
            "language": self.language,
            "layer": self.layer,
            "reply": self.reply,
            "replies": list(self.replies),
        }


def assess(text: str, use_meaning: bool = True) -> Verdict:
    """The emergency verdict for one visitor message (see the module doc for the order)."""
    text = text or ""
    if not text.strip():
        return Verdict()
    language = detect_language(text)
    english = to_english(text)
    found = detect_all(english)
    mentioned = bool(found) or mentions_sign(english)
    if found:
        by_rules = [
            FoundSign(sign=match.sign, category=match.category, reply=match.reply, layer="rules") for match in found
        ]
        on_purpose = overdose_on_purpose(english, by_rules)
        if on_purpose is not None:
            by_rules.insert(0, on_purpose)
        return Verdict(tuple(by_rules), language, "rules", english, mentioned)
    farewell = farewells(english)
    if farewell is not None:
        # told in pieces, each harmless alone: the rule layer reads one clause at a time
        return Verdict((farewell,), language, "rules", english, True)
    gone = tablets_gone_near_a_child(english) or swallowed_near_a_child(english)
    if gone is not None:
        # Told over two sentences ("My grandson is 3 ... I think he opened my pill boxes ...
        # some are missing"), which the rule layer reads one sentence at a time.
        sign = FoundSign(sign=gone, category="poisoning", reply="poisoning", layer="rules")
        return Verdict((sign,), language, "rules", english, True)
    if not use_meaning:
        return Verdict((), language, None, english, mentioned)
    from .meaning import meaning_matches

    never = load_signs().never_set_aside
    meant = [m for m in meaning_matches(english) if not mentioned or m.category in never]
    if _NOT_SWALLOWED.search(english):
        # "my 8 year old can't swallow tablets": near a poisoning in meaning, not in fact
        meant = [m for m in meant if m.category != "poisoning"]
    if meant:
        return Verdict(tuple(m.to_dict() for m in meant), language, "meaning", english, mentioned)
    if language != ENGLISH and not mentioned:
        # A message in another language that the gloss did not make readable, with a word that
        # carries risk ("respirar", "umrzeć"): the reply that word calls for, to be safe.
        risky = risk_kinds(text, language)
        if risky:
            signs = tuple(
                FoundSign(sign=word, category="language_risk", reply=kind, layer="language") for kind, word in risky
            )
            return Verdict(signs, language, "language", english, mentioned)
    return Verdict((), language, None, english, mentioned)
