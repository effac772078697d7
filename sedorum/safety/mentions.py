"""Who has what: turns the pipeline's entities and their ConText modifiers into facts.

    ex = extract("I'm 72, on dialysis, and my wife takes Gaviscon")
    ex.profile    # Profile(age=72, conditions={"kidney_disease"})
    ex.excluded   # [Mention(id="magnesium_antacid", reason="family", ...)]

Mentions that are negated, about someone else, hypothetical or in the past (the rules of
context_rules.yml) are reported in `excluded` and never become the person's facts; an
explicit "no" (negated, or "stopped taking") is remembered as a negative in the profile. The
regular expressions below catch the denials ConText cannot see because they name no
condition ("my kidneys are fine", "no health problems", "I don't take any medicines").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NotRequired, TypedDict

from .ages import words_to_number
from .limits import load_limits
from .pipeline import concepts, get_nlp
from .profile import HEART_CONDITIONS, Profile, ProfileDict
from .subject import RELATION_WORDS, RELATIONS, THIRD_PERSON_RE, without_own_parenthood

if TYPE_CHECKING:  # spaCy loads with the pipeline (pipeline.py), not with this module
    from spacy.tokens import Span

REASONS = ("negated", "family", "self", "hypothetical", "historical", "unclear")


class MentionDict(TypedDict):
    """A Mention as plain data (`Mention.to_dict()`)."""

    text: str
    kind: str
    id: str
    start: int
    end: int
    reason: NotRequired[str]
    value: NotRequired[float]


class ExtractionDict(TypedDict):
    """An Extraction as plain data (`Extraction.to_dict()`)."""

    profile: ProfileDict
    mentions: list[MentionDict]
    excluded: list[MentionDict]


@dataclass(frozen=True)
class Mention:
    text: str
    kind: str  # condition | medication | pregnancy | breastfeeding | age
    id: str
    start: int
    end: int
    reason: str | None = None  # None if used as the user's fact
    value: float | None = None  # the age, for kind == "age"

    def to_dict(self) -> MentionDict:
        d: MentionDict = {"text": self.text, "kind": self.kind, "id": self.id, "start": self.start, "end": self.end}
        if self.reason:
            d["reason"] = self.reason
        if self.value is not None:
            d["value"] = self.value
        return d


@dataclass
class Extraction:
    profile: Profile
    mentions: list[Mention] = field(default_factory=list)  # used as the user's facts (incl. explicit "no")
    excluded: list[Mention] = field(default_factory=list)  # ignored, with the reason
    # Character spans the extractor understood (every mention, excluded or not, and every
    # denial such as "my kidneys are fine"): health words outside them are unresolved.
    covered: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> ExtractionDict:
        return {
            "profile": self.profile.to_dict(),
            "mentions": [m.to_dict() for m in self.mentions],
            "excluded": [m.to_dict() for m in self.excluded],
        }


_MEDS_NONE_RE = re.compile(
    r"\b(?:(?:i(?:'m|\s+am)?\s+)?(?:not\s+(?:on|taking)|don'?t\s+take|do\s+not\s+take|never\s+take|take\s+no)\s+"
    r"(?:any\s+)?(?:other\s+|regular\s+|prescription\s+|prescribed\s+|daily\s+)*"
    r"(?:medications?|medicines?|meds|drugs|pills|tablets|prescriptions?)"
    r"|no\s+(?:other\s+|regular\s+|prescription\s+|prescribed\s+|daily\s+)*(?:medications?|medicines?|meds|drugs|pills|prescriptions?)"
    r"|i\s+(?:don'?t|do\s+not)\s+take\s+anything|i\s+take\s+nothing|nothing\s+regular)\b",
    re.I,
)
_MEDS_SOME_RE = re.compile(
    r"\bi(?:'m|\s+am)?\s+(?:on|take|taking)\s+(?:some|several|a\s+few|lots\s+of|many|a\s+lot\s+of|various|"
    r"regular|daily|prescription|prescribed|other)?\s*(?:medications?|medicines?|meds|drugs|prescriptions?)\b",
    re.I,
)
_MALE_RE = re.compile(
    r"\b(?:i'?m|i\s+am)\s+(?:a\s+)?(?:\d{1,3}\s*-?\s*(?:years?|yrs?|yr)?\s*-?\s*(?:old\s+)?)?(?:man|male|guy|gentleman|bloke)\b"
    r"|\bas\s+a\s+(?:man|male|guy)\b",
    re.I,
)
_KIDNEYS_FINE_RE = re.compile(
    r"\b(?:my|his|her|their)\s+kidneys?(?:\s+function)?\s+(?:are|is|work|works|are\s+working|is\s+working)\s+"
    r"(?:completely\s+|perfectly\s+|totally\s+|all\s+|absolutely\s+)?(?:fine|ok|okay|good|healthy|normal)\b"
    r"|\b(?:my|his|her|their)\s+kidney\s+function\s+is\s+(?:fine|ok|okay|good|normal)\b"
    # "kidneys fine", "my own kidneys are normal", "kidney function was normal at my last test",
    # "kidneys checked last month, all normal": a kidney word, then a word for healthy, no "not".
    r"|\b(?:renal|kidneys?)\b(?:(?!\b(?:not|never|no\s+longer|but)\b|n'?t\b)[^.!?;]){0,40}?"
    r"\b(?:fine|normal|perfect|healthy|ok|okay|good|great|all\s+clear)\b(?!\s+(?:for|to|if|with)\b)"
    r"|\b(?:nothing|nowt|no\s*thing)\s+(?:wrong|the\s+matter)\s+with\s+(?:my|his|her|their)\s+kidneys?\b",
    re.I,
)
# A resting pulse given as a figure: below limits.yml's `pulse.slow_below_bpm` it is a slow heart
# rate (the screening's heart question). Only "my" pulse: not a figure about people in general.
_SLOW_PULSE_RE = re.compile(
    r"\bmy\s+(?:resting\s+)?(?:pulse|heart\s*rate|heart\s*beat|heartbeat|bpm)\b[^.!?\d]{0,30}?(?<![\d.-])(?P<bpm>\d{2,3})\b"
    r"(?!\s*(?:%|mg|kg|years?|mins?|minutes?|hours?|times))",
    re.I,
)
_NOT_MY_PULSE_RE = re.compile(r"\b(?:was|used\s+to\s+be|when|if|would)\b", re.I)

# Kidneys described as ill without a lexicon phrase: "my kidneys only work at 30%", "my kidneys
# are damaged from diabetes", "mum's kidneys are failing", "my kidnyes are at 15%". `owner` says
# whose: "my" is the visitor's, "his", "her", "their" or "mum's" the person asked about.
_KIDNEYS_ILL_RE = re.compile(
    r"\b(?P<owner>my|his|her|their|[a-z]+'s)\s+(?:own\s+)?"
    r"(?:kidneys?|kidn(?:ey|ye|y|ie|ee)s?|kindeys?|kiddneys?|kidenys?)\b"
    r"(?:(?!\bbut\b)[^.!?;]){0,30}?\b(?:damaged|failing|failed|weak|poor|bad|"
    r"knackered|dodgy|shot|rubbish|diseased|scarred|impaired|reduced|low|only\s+work|work\s+at|not\s+work\w*|"
    # "my kidneys aren't great", "my kidney function isnt good": a healthy-word denied is ill
    r"(?:not|\w*n'?t)\s+(?:\w+\s+){0,2}?(?:great|good|fine|ok|okay|best|healthy|normal|right|brilliant|perfect|100)\b|"
    r"don'?t\s+work|do\s+not\s+work|aren'?t\s+working|stopped|packed\s+(?:up|in)|stage\s+[1-5]|\d+\s*(?:%|percent\b|per\s*cent\b)|"
    # "my kidney function has been going down for years": declining is ill
    r"going\s+down|gone\s+down|declin\w*|deteriorat\w*|getting\s+worse|got\s+worse|dropping|dropped|worsening)",
    re.I,
)
_HEART_FINE_RE = re.compile(
    r"\b(?:my|his|her|their)\s+heart\s+(?:is|works)\s+(?:completely\s+|perfectly\s+|totally\s+)?"
    r"(?:fine|ok|okay|good|healthy|normal)\b",
    re.I,
)
_NO_ORGAN_PROBLEMS_RE = re.compile(
    r"\b(?:no|not|never|without|(?:don'?t|do\s+not)\s+have)\s+(?:any\s+)?(?P<a>kidney|heart)\s+(?:or|and|nor|/)\s+"
    r"(?P<b>kidney|heart)\s+(?:problems?|issues?|disease|conditions?|trouble)\b",
    re.I,
)
_NO_HEALTH_PROBLEMS_RE = re.compile(
    r"\b(?:no|(?:i\s+|he\s+|she\s+)?(?:don'?t|do\s+not|doesn'?t|does\s+not)\s+have\s+any)\s+(?:other\s+)?"
    r"(?:(?:health|medical|known)\s+)?(?:problems?|conditions?|issues?|illness(?:es)?|diseases?)\b"
    r"|\b(?:i'?m|i\s+am|he'?s|he\s+is|she'?s|she\s+is)\s+(?:perfectly\s+|completely\s+|generally\s+|otherwise\s+|"
    r"very\s+|quite\s+|pretty\s+)?(?:healthy|fit\s+and\s+healthy|fit\s+and\s+well|in\s+good\s+health)\b"
    r"|\bnothing\s+(?:else\s+)?wrong\s+with\s+(?:me|him|her)\b|\bhealthy\s+otherwise\b"
    r"|\b(?:i'?m|i\s+am|he'?s|she'?s)\s+\d{1,3}\s+and\s+(?:otherwise\s+|perfectly\s+|very\s+|quite\s+)?healthy\b",
    re.I,
)


# Relation words that name someone else (not "man" or "lady", which people say of themselves).
_OTHER_PEOPLE = RELATION_WORDS - {
    "man",
    "woman",
    "lady",
    "gentleman",
    "men",
    "women",
    "ladys",
    "gentlemans",
    "mans",
    "womans",
}
_FIRST_PERSON_START_RE = re.compile(r"^(?:i'?m|i\s+am|i\s+don'?t|i\s+do\s+not)\b|\bwith\s+me\b", re.I)


def _health_statement_owner(text: str, m: re.Match[str], about: str) -> str:
    """Whose health "no health problems" / "she's healthy" is about: "self" or "other".

    Said in the first person, the visitor's; with he or she, or in a sentence about a named
    relative, someone else's.
    """
    said = m.group(0)
    if _FIRST_PERSON_START_RE.search(said):
        return "self"
    if THIRD_PERSON_RE.search(said):
        return "other"
    sentence = text[max(text.rfind(mark, 0, m.start()) for mark in ".!?") + 1 : m.start()].lower()
    # the person named nearest before it: "I look after my mum, no health problems" is hers,
    # "I'm a 58 year old man with no health problems" is the visitor's ("man" names no one else)
    others = [w.start() for w in re.finditer(r"[a-z]+", sentence) if w.group(0) in _OTHER_PEOPLE]
    others += [w.start() for w in THIRD_PERSON_RE.finditer(sentence)]
    own = [w.start() for w in re.finditer(r"\b(?:i|i'm|im|me|myself)\b", sentence)]
    if not others and not own:
        return about  # "no health problems" alone: whoever the conversation is about
    return "other" if max(others, default=-1) > max(own, default=-1) else "self"


# Pregnancy said in weeks or months without the word "pregnant": "24 weeks with my 2nd",
# "expecting twins", "due in March".
_PREGNANT_WITHOUT_THE_WORD_RE = re.compile(
    r"\b\d{1,2}\s*(?:weeks?|wks?|months?)\s+(?:along|gone|in|and\s+counting|today|with\s+(?:my|our|the)\s+(?:\w+\s+)?"
    r"(?:baby|bump|first|second|third|1st|2nd|3rd|4th|twins?|little\s+one|girl|boy))\b"
    r"|\b\d{1,2}\s*\+\s*\d\s*(?:weeks?|wks?)?\b"
    r"|\b(?:i'?m|i\s+am|im)\s+(?P<no>not\s+)?expecting\b(?!\s+(?:a\s+(?:call|parcel|delivery|letter|reply)|an?\s+answer|it|that|much))"
    r"|\bexpecting\s+(?:a\s+baby|twins|my\s+\w+\s+baby|my\s+(?:first|second|third|\w+)\s+(?:child|baby))\b"
    r"|\b(?:we'?re|we\s+are|i'?m|i\s+am)\s+expecting\s+(?:our|my)\s+(?:first|second|third|fourth|1st|2nd|3rd|4th|"
    r"baby|little\s+one|rainbow\s+baby)\b"
    r"|\b(?:i'?m|i\s+am|im)\s+(?:now\s+|about\s+|nearly\s+|almost\s+|only\s+|just\s+)?(?:[4-9]|[1-3]\d|4[0-2])\s*"
    r"(?:weeks?|wks?)(?:\s+(?:now|today|along|gone|in))?\b(?!\s+(?:ago|after|since|postpartum|post|old))"
    r"|\b(?:i'?m\s+|i\s+am\s+)?due\s+in\s+(?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december|\d+\s+weeks?)\b"
    # the bump, the baby kicking, the second pregnancy: "my bump is big", "the baby kicks and so do my legs"
    r"|\b(?:my|the)\s+(?:\w+\s+)?bump\b"
    r"|\b(?:the\s+)?baby\s+(?:kicks|is\s+kicking|kicking|keeps\s+kicking|moves|is\s+moving|is\s+due)\b"
    r"|\b(?:first|second|third|fourth|1st|2nd|3rd|4th|this|every)\s+pregnancy\b"
    r"|\b(?:with|in)\s+(?:my|this)\s+pregnancy\b"
    # "28 weeks, RLS is bad": weeks said first, as pregnant women write; a positive test
    r"|^\W*(?:i'?m\s+|im\s+)?(?:[4-9]|[1-3]\d|4[0-2])\s*(?:weeks?|wks?|w)\s*(?:[,.!;:-]|now\b|today\b)"
    r"|(?<!covid )(?<!covid-19 )(?<!flu )(?<!flow )(?<!blood )(?<!strep )(?<!urine )(?<!pcr )(?<!antigen )"
    r"\b(?:pregnancy\s+)?test\s+(?:just\s+)?(?:came\s+back|was|is|showed|says|said)\s+positive\b"
    r"|\bpositive\s+pregnancy\s+test\b"
    # "5 months pg", "im pg": the texting short form, only with weeks, months or "I'm"
    r"|\b\d{1,2}\s*(?:weeks?|wks?|months?|mths?|w|m)\s+(?:pg|preg)\b"
    r"|\b(?:i'?m|im|i\s+am)\s+(?:\w+\s+)?(?:pg|preg)\b",
    re.I,
)


# Breastfeeding said through the baby: "my baby is 2 months and fully breastfed", "still feeding
# my 1 year old myself" (the baby is breastfed, so the visitor breastfeeds).
_BREASTFEEDING_THROUGH_THE_BABY_RE = re.compile(
    r"\b(?:my|our)\s+(?:\w+\s+){0,2}?(?:baby|newborn|infant|little\s+one|\d+\s*(?:months?|weeks?)[\s-]*old)\b"
    r"[^.!?]{0,40}?\b(?:breast\s*-?\s*fed|breastfeeding|breast\s*feeding|on\s+the\s+breast)\b"
    r"|\bfeeding\s+(?:my|our|the)\s+(?:\w+\s+){0,3}?myself\b",
    re.I,
)


# "I was pregnant when my legs started" (the ConText rule was-pregnant reads the plain case;
# a clause after the fact, "when my rls started", can hide it from the rule's scope).
_WAS_PREGNANT_RE = re.compile(r"\bi\s+(?:was|had\s+been)\s+(?:\w+\s+){0,3}?$", re.I)
_FOUND_OUT_RE = re.compile(
    r"\b(?:found|find)\s+out|\b(?:told|realised|realized|knew|know|discovered|learn[et]d?)\s+$", re.I
)


def _was_pregnant(text: str, start: int) -> bool:
    before = text[max(0, text.rfind(".", 0, start) + 1) : start]
    found = _WAS_PREGNANT_RE.search(before)
    return found is not None and not _FOUND_OUT_RE.search(before[: found.start()] + " ")


_NO_LONGER_FEEDING_RE = re.compile(
    r"\b(?:stopped|stop|no\s+longer|not|never|finished|weaned|gave\s+up|given\s+up|used\s+to)\b|n't\b", re.I
)


# A comma before a new clause in the visitor's own voice ("no kidney problems, I have
# myasthenia", "no kidney problems, take milk of magnesia") ends the sentence for the
# clinical NLP, so a "no" cannot reach across it.
_NEW_CLAUSE = re.compile(r",(?=\s+(?:i|i'm|im|i've|ive|i\s+am|take|taking|use|using|on|he|she|he's|she's)\b)", re.I)


def normalise(text: str) -> str:
    """Straight quotes and plain spaces; a comma before a new own-voice clause becomes a full stop."""
    # Same length as the input, so offsets stay valid.
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    return _NEW_CLAUSE.sub(".", without_own_parenthood(text))


# "I'm a 68-year-old woman" is the visitor; "my 82-year-old dad" is not.
_RELATION_AFTER_AGE = frozenset(w for w in RELATIONS if w not in {"man", "woman", "lady", "gentleman", "boy", "girl"})
_RELATION_AFTER_AGE |= {w + "s" for w in _RELATION_AFTER_AGE}
_THIRD_PERSON = frozenset({"he", "she", "him", "her", "his", "they", "them", "their"}) | frozenset(RELATION_WORDS)
_FIRST_PERSON = frozenset({"i", "i'm", "im", "me", "my", "myself", "mine", "i've", "ive", "i'd", "i'll"})


def _owner(span: Span, about: str, is_age: bool = False) -> str | None:
    """Whose fact a mention is, seen from `about` ("self" or "other").

    "family" marks a fact that belongs to someone other than the person we screen, "self"
    (only when screening someone else) a fact the visitor states about themself.
    """
    family = bool(span._.is_family) or (is_age and (_relation_right_after(span) or _possessive_right_before(span)))
    if about == "self":
        return "family" if family else None
    if family:
        return None
    if is_age and span[0].lower_ in _FIRST_PERSON:
        return "self"  # "I'm 45", "I turned 70": the age statement names its owner itself
    # Screening someone else: an unattributed fact ("on dialysis 3 times a week", answering
    # "Is he on dialysis?") is about them; one the visitor says of themself ("I have CKD") is not.
    # The nearest person word before the fact decides: "I have CKD, but he doesn't have kidney
    # disease" - the second mention is his.
    before = [t for t in span.sent if t.i < span.start]
    for index in range(len(before) - 1, -1, -1):
        word = before[index].lower_
        if word in _THIRD_PERSON:
            return None
        if word in _FIRST_PERSON:
            following = before[index + 1].lower_ if index + 1 < len(before) else ""
            if word in ("my", "our") and following in _THIRD_PERSON:
                return None  # "my husbnd has hart block": the relation, not the visitor
            return "self"
    return None


def _possessive_right_before(span: Span) -> bool:
    """ "breastfeeding my 3 month old", "how much for a 6 year old": an age after "my" or "a"
    is someone else's (but not "I'm a 34 year old")."""
    starts_with_number = span[0].like_num or words_to_number(span[0].text) is not None
    if not starts_with_number or span.start == 0:
        return False
    before = span.doc[span.start - 1].lower_
    if before in ("my", "our", "his", "her", "their"):
        return True
    if before in ("a", "an"):
        earlier = span.doc[span.start - 2].lower_ if span.start >= 2 else ""
        return earlier not in ("i'm", "im", "am", "i", "'m", "was", "as")
    return False


def _relation_right_after(span: Span) -> bool:
    """ "my 82-year-old dad": an age written right before the relation it belongs to."""
    doc = span.doc
    for tok in doc[span.end : min(span.end + 2, len(doc))]:
        if tok.lower_ in _RELATION_AFTER_AGE:
            return True
        if not tok.is_alpha:
            return False
    return False


def _negated(span: Span) -> bool:
    """Negated by a cue outside the mention itself.

    "my kidneys don't work" is a lexicon term that contains a negation word; that "don't" is
    part of saying the kidneys are ill, not a denial of it.
    """
    if not span._.is_negated:
        return False
    for mod in span._.modifiers:
        if mod.category != "NEGATED_EXISTENCE":
            continue
        start, end = mod.modifier_span
        if start < span.start or end > span.end:
            return True
    return False


# "diagnosed last year", "since I started dialysis last year", "for the past 3 years": a time
# word that dates the start of something still going on, not something over.
_STILL_GOING_ON_RE = re.compile(
    r"\b(?:diagnosed|since|started|ongoing|still|for\s+(?:the\s+)?(?:last|past)|for\s+\d+)\b", re.I
)


def _reason(span: Span, about: str = "self") -> str | None:
    owner = _owner(span, about)
    if owner == "family":
        return "family"
    if span._.is_hypothetical:
        return "hypothetical"  # "can dialysis patients take it?": nobody's, the visitor's neither
    if owner == "self":
        # "I'm a bloke so obviously not pregnant, but my partner is 20 weeks": the visitor's own
        # "no", which is neither a fact of theirs nor the partner's denial
        return "self_negated" if _negated(span) else "self"
    if _negated(span):
        return "negated"
    if span._.sedorum_denial_unclear:
        return "unclear"  # a "no" in another clause: neither the visitor's yes nor a no
    if span._.is_historical and not _STILL_GOING_ON_RE.search(span.sent.text):
        return "historical"
    return None


_POSSESSED_AGE_RE = re.compile(r"\b(?:my|our|his|her|their)\s+(?:little\s+|youngest\s+|eldest\s+)?$", re.I)


def _age_reason(span: Span, about: str = "self") -> str | None:
    if span.text[:1].isdigit() and _POSSESSED_AGE_RE.search(span.doc.text[: span.start_char]):
        # "my 5yo", "our 7 year old": the age of the child named by it, never the visitor's
        return "family" if about == "self" else None
    if span.text.lower().startswith(("born", "b.")):
        # "my mum was born in 1940", "I was born in 1944": the nearest person before says whose
        for token in reversed([t for t in span.sent if t.i < span.start]):
            if token.lower_ in _THIRD_PERSON:
                return "family" if about == "self" else None
            if token.lower_ in _FIRST_PERSON:
                return None if about == "self" else "self"
    owner = _owner(span, about, is_age=True)
    if owner:
        return owner
    if span._.is_hypothetical:
        return "hypothetical"
    # A negation counts for an age only right before it ("not 65"), not across a list.
    for mod in span._.modifiers:
        if mod.category == "NEGATED_EXISTENCE" and 0 <= span.start - mod.modifier_span[1] <= 1:
            return "negated"
    return None


def extract(text: str, about: str = "self") -> Extraction:
    """The current facts in `text` about one person, and what was ignored (with the reason).

    about="self" (default): the visitor's own facts; a relative's are excluded as "family".
    about="other": the facts of the person the visitor asks for (named as "my dad", "he",
    or not named at all in an answer); the visitor's own ("I have ...") are excluded as "self".
    """
    text = normalise(text or "")
    profile = Profile()
    result = Extraction(profile=profile)
    if not text.strip():
        return result
    nlp = get_nlp()
    doc = nlp(text)
    ages = doc._.sedorum_ages or {}

    positives: dict[str, set[str]] = {"condition": set(), "medication": set()}
    negatives: dict[str, set[str]] = {"condition": set(), "medication": set()}
    preg: dict[str, list[bool]] = {"pregnant": [], "breastfeeding": []}
    user_ages: list[float] = []

    for ent in doc.ents:
        result.covered.append((ent.start_char, ent.end_char))
        if ent.label_ == "AGE":
            value = ages.get((ent.start_char, ent.end_char))
            reason = _age_reason(ent, about)
            if reason is None and about == "self" and value is not None and value < 1:
                reason = "family"  # "4 months old": a baby's age; the visitor is not a baby
            mention = Mention(ent.text, "age", "age", ent.start_char, ent.end_char, reason, value)
            if reason:
                result.excluded.append(mention)
            elif value is not None:
                user_ages.append(value)
                result.mentions.append(mention)
            continue
        concept = concepts.get(ent.label_)
        if concept is None:
            continue
        reason = _reason(ent, about)
        mention = Mention(ent.text, concept.kind, concept.id, ent.start_char, ent.end_char, reason)
        if concept.kind in ("condition", "medication"):
            if reason is None:
                positives[concept.kind].add(concept.id)
                result.mentions.append(mention)
            elif reason == "negated" or (reason == "historical" and concept.kind == "medication"):
                # "I don't have X" / "I stopped taking Y": an explicit no for now.
                negatives[concept.kind].add(concept.id)
                result.mentions.append(mention)
                result.excluded.append(mention)
            else:
                result.excluded.append(mention)
        else:  # pregnancy / breastfeeding
            key = concept.id
            # "I was pregnant when ...", "I WAS breastfeeding, I stopped": over, so a no for now
            if reason is None and key in ("pregnant", "breastfeeding") and _was_pregnant(text, ent.start_char):
                reason = "historical"
                mention = Mention(ent.text, concept.kind, concept.id, ent.start_char, ent.end_char, reason)
            if reason is None:
                preg[key].append(True)
                result.mentions.append(mention)
            elif reason in ("negated", "historical"):
                preg[key].append(False)
                result.mentions.append(mention)
                result.excluded.append(mention)
            else:
                result.excluded.append(mention)

    # A "no" to a general heart problem rules out the whole heart group.
    if negatives["condition"] & HEART_CONDITIONS and "heart_other" in negatives["condition"]:
        negatives["condition"] |= HEART_CONDITIONS
    described_ill = list(_KIDNEYS_ILL_RE.finditer(text))
    ill = [m for m in described_ill if (m.group("owner").lower() == "my") == (about == "self")]
    for m in ill:
        positives["condition"].add("kidney_disease")
        result.covered.append(m.span())
        result.mentions.append(Mention(m.group(0), "condition", "kidney_disease", m.start(), m.end()))
    for m in _SLOW_PULSE_RE.finditer(text) if about == "self" else []:
        if int(m.group("bpm")) < load_limits().slow_pulse_below_bpm and not _NOT_MY_PULSE_RE.search(m.group(0)):
            # "my resting pulse is always about 44": a slow heart rate, said as a figure
            positives["condition"].add("slow_heart_rate")
            result.covered.append(m.span())
            result.mentions.append(Mention(m.group(0), "condition", "slow_heart_rate", m.start(), m.end()))
    for m in _KIDNEYS_FINE_RE.finditer(text):
        if any(m.start() < i.end() and i.start() < m.end() for i in described_ill):
            continue  # "mum's kidneys are failing, is that dose ok": ill, whoever's, never "fine"
        negatives["condition"].add("kidney_disease")
        result.covered.append(m.span())
    for m in _HEART_FINE_RE.finditer(text):
        negatives["condition"] |= HEART_CONDITIONS
        result.covered.append(m.span())
    for m in _NO_ORGAN_PROBLEMS_RE.finditer(text):
        for organ in (m.group("a").lower(), m.group("b").lower()):
            negatives["condition"] |= {"kidney_disease"} if organ == "kidney" else HEART_CONDITIONS
        result.covered.append(m.span())
    for m in _NO_HEALTH_PROBLEMS_RE.finditer(text):
        result.covered.append(m.span())  # understood, whoever it is about
        if _health_statement_owner(text, m, about) != about:
            # "she's 30 and healthy" said by a visitor on dialysis: her health, not theirs
            continue
        negatives["condition"] |= HEART_CONDITIONS | {"kidney_disease", "myasthenia_gravis"}
    for m in _MEDS_NONE_RE.finditer(text):
        result.covered.append(m.span())

    profile.conditions = positives["condition"]
    profile.medications = positives["medication"]
    # Within one message a "yes" for a fact wins over a "no" for the same fact.
    profile.denied_conditions = negatives["condition"] - positives["condition"]
    profile.denied_medications = negatives["medication"] - positives["medication"]
    if not preg["breastfeeding"] and about == "self":
        for m in _BREASTFEEDING_THROUGH_THE_BABY_RE.finditer(text):
            # "my baby is 14 months and i stopped breastfeeding": said through the baby, and over
            preg["breastfeeding"].append(not _NO_LONGER_FEEDING_RE.search(m.group(0)))
            result.covered.append(m.span())
    if not preg["pregnant"] and about == "self":
        for m in _PREGNANT_WITHOUT_THE_WORD_RE.finditer(text):
            # its own sentence only: "will it go away after the baby comes? I'm 38 weeks"
            sentence = text[max(text.rfind(mark, 0, m.start()) for mark in ".!?") + 1 : m.end()]
            # "the baby kicks": the baby named by the sign itself is not someone else
            others = RELATION_WORDS & set(re.findall(r"[a-z]+", sentence.lower())) - set(
                re.findall(r"[a-z]+", m.group(0).lower())
            )
            if not others:
                preg["pregnant"].append(not m.groupdict().get("no"))
                result.covered.append(m.span())
    for key in ("pregnant", "breastfeeding"):
        if preg[key]:
            setattr(profile, key, any(preg[key]))
    if _MALE_RE.search(text):
        if profile.pregnant is None:
            profile.pregnant = False
        if profile.breastfeeding is None:
            profile.breastfeeding = False
    if user_ages:
        profile.age = user_ages[0]
    if profile.medications:
        profile.takes_medicines = True
    elif _MEDS_NONE_RE.search(text):
        profile.takes_medicines = False
    elif _MEDS_SOME_RE.search(text):
        profile.takes_medicines = True
    return result
