"""Reading a whole conversation: whom it is about, each person's facts, what is still unclear.

    reading = read_conversation([Turn("my mum is 79, is sedorum ok for her?"),
                                 Turn("she is on dialysis", asked="kidney_disease")])
    reading.subject      # Subject("mum")
    reading.profile      # her facts: age 79, kidney disease
    reading.people       # everyone else's facts, the visitor's own under "self"
    reading.unclear      # health words nobody has explained yet (the visitor's or hers)

Why one pure function over the whole conversation: a fact stated in any message counts,
whatever the classifier thought the message was (a greeting, a symptom story, a shipping
question), because every visitor message is read here, in order, each time an answer needs the
facts. The Rasa actions only turn the tracker into `Turn`s and the reading into slots; the
decisions (whom a message is about, whose fact it is, what a short answer answers, what a
correction replaces) are all here, plain Python, tested without Rasa.

Each message is read in English (a German, French, Spanish or Polish message through its gloss,
sedorum/safety/language.py), with the question the assistant asked just before it, so that a
bare "yes" answers that question.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice

from . import limits
from .ages import implausible_ages
from .emergency import detect_all
from .health_words import HealthWord, unresolved
from .language import ENGLISH, detect_language, read_in_full, to_english
from .mentions import Extraction, Mention, extract
from .profile import SCREENING_QUESTIONS, Profile, ProfileDict
from .short_answers import interpret_answer
from .subject import SELF, THIRD_PERSON_RE, Subject, is_self_reveal, mentions, named_people, requested_subject

# How far back a "he"/"she" may point to a person named earlier.
EARLIER_MESSAGES = 6
# The group of an age that cannot be right ("I'm 150"), kept unclear until a real age is given.
AGE_GROUP = "age"
# The question asked about an unclear health word: "clarify:<group>" (health_words.yml).
CLARIFY = "clarify"
# Which screening question a clarifying question stands for, per group of health words.
CLARIFY_QUESTIONS = {
    "kidney": "kidney_disease",
    "heart": "heart_condition",
    "pregnancy": "pregnancy_status",
    "age": "age",
}
# Buttons that answer the question asked.
BUTTON_ANSWERS = {"/affirm": "yes", "/deny": "no"}


@dataclass(frozen=True)
class Turn:
    """One visitor message and the question the assistant asked right before it (if any):
    a screening question ("age", "kidney_disease", ...) or "clarify:<group>"."""

    text: str
    asked: str | None = None


@dataclass
class Reading:
    """What the conversation says, after its latest message."""

    subject: Subject = SELF
    profile: Profile = field(default_factory=Profile)
    # Everyone's facts but the subject's, by person key ("self" for the visitor).
    people: dict[str, Profile] = field(default_factory=dict)
    extraction: Extraction = field(default_factory=lambda: Extraction(profile=Profile()))
    switched: bool = False  # the latest message changed whom the conversation is about
    answered: bool = False  # the latest message answered the question asked before it
    language: str = ENGLISH  # of the latest message
    # Health words not understood yet, by person key, and the words already asked about.
    unclear: dict[str, list[HealthWord]] = field(default_factory=dict)
    asked_about: dict[str, set[str]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)  # the visitor's messages in English, in order
    # What the latest message added: unclear words, and whether it changed the facts at all.
    new_unclear: list[HealthWord] = field(default_factory=list)
    changed: bool = False
    # The conditions and medicines the previous message named (for "it" in the next one).
    previous: list[Mention] = field(default_factory=list)
    # What the latest message said of the visitor themself while it was about someone else
    # ("she is 79 and I have kidney disease"): said back to the visitor too.
    visitor_new: Profile = field(default_factory=Profile)
    # What the latest message, about the visitor, said of the one relative it names ("my daughter
    # is 7 months pregnant ... I'm 60 and might take it too"): kept for them and said back too.
    relative_new: tuple[Subject, Profile] | None = None
    # "en" and every other language of a message the gloss could not read in full (read_in_full).
    languages: frozenset[str] = frozenset({ENGLISH})

    @property
    def previous_text(self) -> str:
        """The visitor's message before the latest one, in English ("" at the start): what a
        short follow-up such as "and me?" asks again."""
        return self.texts[-2] if len(self.texts) > 1 else ""

    @property
    def not_english(self) -> bool:
        """True once a message was in another language: read through a word list, never fully."""
        return self.languages != {ENGLISH}

    @property
    def unclear_words(self) -> list[HealthWord]:
        """The health words about the person the conversation is about that are still unclear."""
        return list(self.unclear.get(self.subject.key, []))

    def already_asked(self, words: list[HealthWord]) -> bool:
        asked = self.asked_about.get(self.subject.key, set())
        return all(word.word.lower() in asked for word in words)

    def saved_profiles(self) -> dict[str, ProfileDict]:
        """Everyone else's facts as JSON-able dicts (for a slot)."""
        return {key: profile.to_dict() for key, profile in self.people.items()}


@lru_cache(maxsize=4096)
def _extract_cached(text: str, about: str) -> Extraction:
    return extract(text, about)


def read_facts(text: str, about: str = "self") -> Extraction:
    """The extractor's reading of one message (cached: a conversation is read again each turn)."""
    return copy.deepcopy(_extract_cached(text, about))


@lru_cache(maxsize=4096)
def _answer_cached(text: str, asked: str, about: str) -> Profile:
    return Profile.from_dict(interpret_answer(text, asked, about)["profile"])


def _fresh_profile(subject: Subject) -> Profile:
    profile = Profile()
    if subject.pronoun == "he":  # not asked whether he is pregnant
        profile.pregnant = False
        profile.breastfeeding = False
    return profile


def read_conversation(turns: Sequence[Turn]) -> Reading:
    """Every visitor message in order, each with the question asked before it."""
    reading = Reading()
    for turn in turns:
        reading = read_turn(reading, turn)
    return reading


def read_turn(before: Reading, turn: Turn) -> Reading:
    """The reading after one more visitor message."""
    text = turn.text or ""
    if text.startswith("/"):
        text = BUTTON_ANSWERS.get(text.split("{")[0], "") if turn.asked else ""
    english = to_english(text) if text else ""
    reading = replace(
        before,
        people=dict(before.people),
        unclear={key: list(words) for key, words in before.unclear.items()},
        asked_about={key: set(words) for key, words in before.asked_about.items()},
        texts=list(before.texts),
        switched=False,
        answered=False,
        changed=False,
        new_unclear=[],
        visitor_new=Profile(),
        relative_new=None,
        language=detect_language(text) if text else ENGLISH,
        languages=before.languages | {detect_language(text) if text and not read_in_full(text) else ENGLISH},
        extraction=Extraction(profile=Profile()),
        previous=[
            m
            for m in [*before.extraction.mentions, *before.extraction.excluded]
            if m.kind in ("condition", "medication")
        ],
    )
    asked = _screening_question(turn.asked)
    if english and asked and not _turns_to_the_visitor(english, reading.subject):
        _read_answer(reading, english, asked, turn.asked or "")
    if english and not reading.answered:
        _read_statement(reading, english)
    if english:
        _apply_corrections(reading, english)
        _note_unclear(reading, english, turn.asked)
        reading.texts.append(english)
    reading.changed = reading.switched or reading.profile.to_dict() != before.profile.to_dict()
    return reading


def _screening_question(asked: str | None) -> str | None:
    """The screening question a turn answers: asked directly, or through a clarifying question."""
    if not asked:
        return None
    if asked in SCREENING_QUESTIONS:
        return asked
    if asked.startswith(CLARIFY + ":"):
        return CLARIFY_QUESTIONS.get(asked.split(":", 1)[1])
    return None


def _about(subject: Subject) -> str:
    return "self" if subject.is_self else "other"


def _read_answer(reading: Reading, english: str, asked: str, raw_asked: str) -> None:
    """A reply to a question about the person the questions are about ("yes", "72", "none")."""
    about = _about(reading.subject)
    extraction = read_facts(english, about)
    answer = _answer_cached(english, asked, about)
    if about == "other":
        # "she is 79 and I have kidney disease": the visitor's own facts go to the visitor, and
        # "I'm 45" to "how old is your mum?" is the visitor's age, not hers.
        own = _visitor_facts(extraction)
        if not own.is_empty():
            reading.people["self"] = reading.people.get("self", Profile()).merge(own)
            reading.visitor_new = own
            if asked == "age" and own.age is not None and not _has_own_age(extraction):
                answer.age = None
    merged = reading.profile.merge(answer)
    changed = merged.to_dict() != reading.profile.to_dict()
    if changed or (raw_asked.startswith(CLARIFY) and (bool(extraction.mentions) or _says_none(english))):
        reading.profile = merged
        reading.extraction = extraction
        reading.answered = True


def _has_own_age(extraction: Extraction) -> bool:
    """An age the answer gives for the person asked about (not one the visitor gives of themself)."""
    return any(m.kind == "age" for m in extraction.mentions)


def _keep_the_relatives_facts(reading: Reading, english: str, extraction: Extraction) -> None:
    """A message about the visitor that also states facts of the one relative it names."""
    named = named_people(english)
    if not named:
        # "He's 74 and on dialysis" after "My husband and I both have RLS": the one person of
        # that pronoun named in the last few messages
        named = _person_meant_by_pronoun(english, reading.texts[-3:])
    if len(named) != 1:
        return
    theirs = _facts_with_reason(extraction, "family")
    if not (theirs.conditions or theirs.medications or theirs.pregnant or theirs.breastfeeding):
        return  # an age alone ("breastfeeding my 3 month old") says nothing to warn about
    person = named[0]
    reading.people[person.key] = reading.people.get(person.key, _fresh_profile(person)).merge(theirs)
    reading.relative_new = (person, theirs)


_STARTS_WITH_PRONOUN = re.compile(
    r"^\W*(?:and\s+|but\s+|well\s+)?(?P<pronoun>he|she)(?:'s|\s+is|\s+has|\s+takes|\s+was)?\b", re.I
)


def _person_meant_by_pronoun(english: str, earlier: list[str]) -> list[Subject]:
    """The relative a message that starts with "he"/"she" is about: the one of that pronoun named
    in the most recent earlier message that names anyone (none when it named several)."""
    m = _STARTS_WITH_PRONOUN.match(english)
    if m is None:
        return []
    pronoun = m.group("pronoun").lower()
    for before in reversed(earlier):
        people = [p for p in named_people(before) if p.pronoun in (pronoun, "they")]
        if people:
            return people[:1] if len({p.key for p in people}) == 1 else []
    return []


def _visitor_facts(extraction: Extraction) -> Profile:
    """What a reply about someone else says of the visitor themself ("... and I have CKD")."""
    return _facts_with_reason(extraction, "self")


def _facts_with_reason(extraction: Extraction, reason: str) -> Profile:
    """The facts the extractor set aside for one reason ("self": the visitor's, "family": a relative's)."""
    own = [m for m in extraction.excluded if m.reason == reason]
    profile = Profile()
    for mention in own:
        if mention.kind == "condition":
            profile.conditions.add(mention.id)
        elif mention.kind == "medication":
            profile.medications.add(mention.id)
        elif mention.kind == "pregnancy":
            profile.pregnant = True
        elif mention.kind == "breastfeeding":
            profile.breastfeeding = True
        elif mention.kind == "age" and mention.value is not None:
            profile.age = mention.value
    if profile.medications:
        profile.takes_medicines = True
    return profile


def _turns_to_the_visitor(english: str, subject: Subject) -> bool:
    """ "and me? 36, no health problems" while the questions are about the partner: the numbers
    and facts in it are the visitor's, not answers about the partner."""
    return not subject.is_self and bool(_AND_ME.search(english))


_AND_ME = re.compile(r"^\W*(?:and|what\s+about|how\s+about)\s+(?:me|myself|for\s+me)\b", re.I)


def _read_statement(reading: Reading, english: str) -> None:
    """A message that is not an answer: whom it is about, and the facts it states (S11)."""
    subject = reading.subject
    # A correction that gave a fact to a relative does not make a later question about them.
    # Read from the latest back, and only as far as needed: a long conversation must not cost
    # a pass over every message at each turn.
    earlier = list(islice((said for said in reversed(reading.texts) if not _fact_given_away(said)), EARLIER_MESSAGES))
    wanted = requested_subject(english, subject, earlier)
    if wanted is not None and subject.is_self and _fact_given_away(english):
        # "sorry typed that wrong, it's my wife with the kidney problem": the fact moves to the
        # wife (corrections below), and the conversation stays about the visitor.
        wanted = None
    if wanted is not None and wanted != subject:
        reading.switched = True
        profile = reading.profile
        if wanted.is_self and is_self_reveal(english):
            # The facts given "for a friend" were the visitor's own, added to what they said of
            # themself before asking for someone else. What was only assumed for a "he" (not
            # pregnant) was never said, so the question is asked again.
            if subject.pronoun == "he":
                profile = replace(profile, pregnant=None, breastfeeding=None, pregnant_or_breastfeeding=None)
            if SELF.key in reading.people:
                profile = reading.people.pop(SELF.key).merge(profile)
            reading.unclear.setdefault(SELF.key, []).extend(reading.unclear.pop(subject.key, []))
        else:
            reading.people[subject.key] = profile
            if wanted.key in reading.people:
                profile = reading.people.pop(wanted.key)
            else:
                profile = _fresh_profile(wanted)
                # "my son is 7 and ..." said before "how much can he have?": his facts count.
                for said in reversed(earlier):
                    if not wanted.is_self and mentions(said, wanted):
                        profile = profile.merge(read_facts(said, "other").profile)
        reading.subject, reading.profile = wanted, profile
    if not reading.switched and speaks_only_of_the_visitor(english, reading.subject):
        # "I'm 55, no health problems, no tablets" while the questions are about mum: the
        # visitor's own facts, never a correction of hers (her dialysis stays hers).
        extraction = read_facts(english, "self")
        reading.extraction = extraction
        if not extraction.profile.is_empty():
            reading.people["self"] = reading.people.get("self", Profile()).merge(extraction.profile)
            reading.visitor_new = extraction.profile
        return
    if not reading.switched and about_someone_else(english, reading.subject):
        # "my mother is on dialysis" while the questions are about dad: her facts are not his
        # (and, as in any message about a relative, not the visitor's either).
        reading.extraction = read_facts(english, "self")
        return
    about = _about(reading.subject)
    extraction = read_facts(english, about)
    reading.extraction = extraction
    reading.profile = reading.profile.merge(extraction.profile)
    if about == "self":
        _keep_the_relatives_facts(reading, english, extraction)
    if about == "other":
        own = _visitor_facts(extraction)
        if not own.is_empty():
            reading.people["self"] = reading.people.get("self", Profile()).merge(own)
            reading.visitor_new = own


# A message that opens in the visitor's own voice: "I'm 55, ...", "me: 40, no meds", "as for me".
_OWN_VOICE_START = re.compile(
    r"^\W*(?:and\s+|but\s+|oh\s+|ok\s+|also\s+)?(?:i'?m|im|i\s+am|i\s+have|i'?ve|i\s+take|i\s+don'?t|me\s*[:,-]|"
    r"as\s+for\s+me|myself|for\s+me)\b",
    re.I,
)


def speaks_only_of_the_visitor(text: str, subject: Subject) -> bool:
    """Whether a message, while the questions are about a relative, is only about the visitor:
    it opens in their own voice and names no one else, not even with "she" or "he"."""
    if subject.is_self or not text:
        return False
    return bool(_OWN_VOICE_START.search(text)) and not named_people(text) and not THIRD_PERSON_RE.search(text)


def about_someone_else(text: str, subject: Subject) -> bool:
    """Whether a message about a relative names only people other than the one asked about."""
    if subject.is_self or not text:
        return False
    named = named_people(text)
    return bool(named) and not any(_may_be_the_same(person, subject) for person in named)


def _may_be_the_same(named: Subject, subject: Subject) -> bool:
    """ "my father" is "dad", "my son" is "my 7 year old": the same kind of relation and a
    pronoun that fits. Only a clearly different person (mum while asking for dad) is not."""
    if named.key == subject.key:
        return True
    return named.group == subject.group and (
        named.pronoun == subject.pronoun or "they" in (named.pronoun, subject.pronoun)
    )


# ----------------------------------------------------------------------------- corrections

_CORRECTION_CUE = re.compile(
    r"\b(?:sorry|oops|typo|mistyped|correction|my mistake|my bad|i meant|i mean|meant to (?:say|write|type)|"
    r"actually|not mine|isn'?t mine|not me|wrong|wait|no wait|mixed up|mix up|mixed them up|muddled|got confused)\b",
    re.I,
)
_STARRED_AGE = re.compile(r"^\W*(?P<n>\d{1,3})\s*\*")
_CORRECTED_AGE = re.compile(
    r"\b(?:i\s+meant|i\s+mean|meant\s+to\s+(?:say|write|type)|sorry|typo|correction|oops|actually|i'?m\s+actually|"
    r"should\s+be|it'?s|make\s+that|wait)\b[^0-9.!?]{0,25}?(?<![\d.-])(?P<n>\d{1,3})\b(?!\s*(?:mg|kg|%|weeks?|"
    r"months?|days?|hours?|times|tablets?|pills?|x\b|/|\.\d))"
)
_NOT_A_COUNT = r"(?!\s*(?:mg|kg|%|weeks?|months?|days?|hours?|times|tablets?|pills?|capsules?|x\b|/|\.\d))"
_SWAPPED_AGE = re.compile(
    rf"\bnot\s+(?P<old>\d{{1,3}})\b{_NOT_A_COUNT}\W{{0,5}}(?:i'?m\s+|im\s+|it'?s\s+)?(?P<n>\d{{1,3}})\b{_NOT_A_COUNT}"
    rf"|^\W*(?:i'?m\s+|im\s+)?(?P<n2>\d{{1,3}})\s*,?\s*not\s+(?P<old2>\d{{1,3}})\b{_NOT_A_COUNT}",
    re.I,
)
# A fact named in the previous message taken back with "it": "i'm not on it", "my brother has
# it, not me", "it's me who has it as well".
_NOT_MINE = re.compile(
    r"\b(?:i'?m|i\s+am|im)\s+not\s+(?:on|taking)\s+(?:it|that|them)\b|\bi\s+(?:don'?t|do\s+not|never)\s+(?:take|have)\s+"
    r"(?:it|that|them)\b|\b(?:my|our)\s+[a-z]+\s+(?:has|takes|is\s+on|'s\s+on)\s+(?:it|that|them)\b|\bnot\s+me\b|"
    r"\bnot\s+mine\b|\bisn'?t\s+mine\b|\b(?:i\s+mean|i\s+meant|it'?s|it\s+is)\s+my\s+[a-z]+\b",
    re.I,
)
_MINE_TOO = re.compile(
    r"\b(?:it'?s|it\s+is)\s+me\s+(?:who|that)\s+(?:has|have|takes|is\s+on|'s\s+on)\b|\bi\s+(?:have|take|am\s+on|'m\s+on)\s+"
    r"(?:it|that)\s+(?:too|as\s+well)\b|\bme\s+too\b|\bso\s+do\s+i\b|\bi\s+do\s+too\b",
    re.I,
)


_GIVEN_AWAY = re.compile(
    r"\b(?:not mine|isn'?t mine|not for me|not me)\b|\b(?:is|are|was|were|belongs? to)\s+(?:my|our)\s+[a-z]+'s?\b",
    re.I,
)


_ASKING_FOR = re.compile(
    r"\b(?:asking|ask|enquiring|here)\s+(?:for|about|on behalf of)\b|\bfor\s+(?:my|our)\s+[a-z]+\b", re.I
)


@lru_cache(maxsize=4096)
def _fact_given_away(english: str) -> bool:
    """A correction that gives a condition or medicine to a relative, without asking for them."""
    if not _CORRECTION_CUE.search(english) or _ASKING_FOR.search(english):
        return False
    if not (_NOT_MINE.search(english) or _GIVEN_AWAY.search(english)):
        return False
    excluded = read_facts(english, "self").excluded
    return any(m.reason == "family" and m.kind in ("condition", "medication") for m in excluded)


def _apply_corrections(reading: Reading, english: str) -> None:
    """A correction replaces the old fact: "sorry, I meant 67 not 76", "the warfarin is my
    husband's, not mine"."""
    if reading.subject.is_self and reading.previous:
        if _NOT_MINE.search(english) and not reading.extraction.mentions:
            # The facts of the previous message taken back: "i'm not on it", "my brother has it".
            _drop(reading.profile, [m for m in reading.previous if m.reason is None])
        elif _MINE_TOO.search(english):
            # "it's me who has it as well": a relative's fact from the previous message is theirs too.
            mine = Profile()
            for mention in reading.previous:
                if mention.reason == "family" and mention.kind == "condition":
                    mine.conditions.add(mention.id)
                elif mention.reason == "family" and mention.kind == "medication":
                    mine.medications.add(mention.id)
            reading.profile = reading.profile.merge(mine)
    starred = _STARRED_AGE.match(english)
    if starred and reading.profile.age is not None and reading.extraction.profile.age is None:
        # "67*": the chat way of correcting the previous message's number
        value = float(starred.group("n"))
        if limits.load_limits().is_plausible_age(value):
            reading.profile.age = value
    swapped = _SWAPPED_AGE.search(english)
    if swapped and reading.subject.is_self and reading.extraction.profile.age is None:
        # "not 17!! 71", "71 not 17": the number said before was the age, mistyped
        old, new = swapped.group("old") or swapped.group("old2"), swapped.group("n") or swapped.group("n2")
        said_before = any(re.search(rf"(?<![\d.-]){old}\b{_NOT_A_COUNT}", earlier) for earlier in reading.texts)
        if (
            said_before
            and old != new
            and not limits.load_limits().is_child(float(new))
            and limits.load_limits().is_plausible_age(float(new))
        ):
            reading.profile.age = float(new)
    if not _CORRECTION_CUE.search(english):
        return
    corrected = _CORRECTED_AGE.search(english)
    if corrected and reading.profile.age is not None and reading.extraction.profile.age is None:
        value = float(corrected.group("n"))
        if limits.load_limits().is_plausible_age(value):
            reading.profile.age = value
    # A condition or medicine the message gives to someone else, with a correction cue: it was
    # never the visitor's ("actually it's my husband who takes warfarin").
    moved = [m for m in reading.extraction.excluded if m.reason == "family" and m.kind in _MOVABLE_KINDS]
    if _GIVEN_AWAY.search(english):
        # "the levothyroxine is my husband's, not mine": named in the message, given to another.
        moved += [m for m in reading.extraction.mentions if m.kind in ("condition", "medication")]
    if moved and reading.subject.is_self:
        _drop(reading.profile, moved)
    if reading.subject.is_self and re.search(r"\b(?:not mine|isn'?t mine|not me|not for me)\b", english, re.I):
        # Words the visitor said of themself that they now give to someone else are not theirs.
        said = english.lower()
        reading.unclear[SELF.key] = [w for w in reading.unclear.get(SELF.key, []) if w.word.lower() not in said]


# Facts a correction can give to someone else: "oops, my DAUGHTER is pregnant, I'm her mum".
_MOVABLE_KINDS = ("condition", "medication", "pregnancy", "breastfeeding")


def _drop(profile: Profile, moved: list[Mention]) -> None:
    for mention in moved:
        if mention.id == "pregnant" and profile.pregnant:
            profile.pregnant = None
        if mention.id == "breastfeeding" and profile.breastfeeding:
            profile.breastfeeding = None
        if mention.kind == "condition" and mention.id in profile.conditions:
            profile.conditions.discard(mention.id)
        if mention.kind == "medication" and mention.id in profile.medications:
            profile.medications.discard(mention.id)
    if not profile.medications and not profile.other_medicines and profile.takes_medicines:
        profile.takes_medicines = None


# ----------------------------------------------------------------------------- unclear words


def _note_unclear(reading: Reading, english: str, asked: str | None) -> None:
    """Health words of this message that nothing explained, kept for the person they concern.

    A word in a message about someone else (another relative) is theirs; a clarifying question's
    answer settles the words it asked about.
    """
    key = reading.subject.key
    if asked and asked.startswith(CLARIFY):
        note_asked(reading, reading.unclear.get(key, []))
        settled = bool(reading.extraction.mentions) or reading.answered or _says_none(english)
        if settled:
            reading.unclear[key] = []
    if about_someone_else(english, reading.subject) or detect_all(english):
        # Someone else's words, or an emergency: the emergency reply has dealt with that message.
        return
    extraction = reading.extraction
    understood = _understood_groups(extraction)
    words = [
        word
        for word in unresolved(english, extraction.covered)
        if word.group not in understood
        and not _about_a_relative(english, word, reading.subject)
        and not _general_question(english, word)
    ]
    # "I had kidney problems years ago", "since I started dialysis last year": read as past by
    # the extractor, but a past kidney or heart condition may still matter; it stays unclear
    # (no figure) until the visitor answers the question about it.
    words += [
        HealthWord(m.text, group, m.start, m.end)
        for m in extraction.excluded
        if m.reason in ("historical", "unclear")
        and (group := _group_of_concept(m.id)) is not None
        and group not in understood
    ]
    if reading.profile.age is not None:
        # A real age settles a mistyped one ("I'm 150" ... "sorry, 50").
        reading.unclear[key] = [w for w in reading.unclear.get(key, []) if w.group != AGE_GROUP]
    else:
        words += [HealthWord(english[h.start : h.end], AGE_GROUP, h.start, h.end) for h in implausible_ages(english)]
    if words:
        known = {w.word.lower() for w in reading.unclear.get(key, [])}
        new = [w for w in words if w.word.lower() not in known]
        reading.unclear.setdefault(key, []).extend(new)
        reading.new_unclear = new


def note_asked(reading: Reading, words: list[HealthWord]) -> None:
    """Remember that the assistant asked about these words (it asks about a word once)."""
    reading.asked_about.setdefault(reading.subject.key, set()).update(w.word.lower() for w in words)


_NONE = re.compile(r"^\W*(?:no|nope|none|nothing|neither|not really|no i don'?t|i don'?t|n)\b", re.I)


def _says_none(english: str) -> bool:
    return bool(_NONE.search(english))


_GROUP_KINDS = {
    "kidney": {"kidney_disease"},
    "heart": {"heart_block", "slow_heart_rate", "heart_conduction", "heart_other", "heart_or_myasthenia"},
}


def _group_of_concept(concept_id: str) -> str | None:
    return next((group for group, members in _GROUP_KINDS.items() if concept_id in members), None)


def _understood_groups(extraction: Extraction) -> set[str]:
    """Groups of health words the message settles: it names or denies that kind of fact (a
    mention read as past, or one a "no" from another clause leaves unclear, does not settle it)."""
    current = [m for m in extraction.excluded if m.reason not in ("historical", "unclear")]
    ids = {m.id for m in [*extraction.mentions, *current]}
    ids |= extraction.profile.denied_conditions | extraction.profile.conditions
    groups = {group for group, members in _GROUP_KINDS.items() if ids & members}
    if any(m.kind in ("pregnancy", "breastfeeding") for m in [*extraction.mentions, *current]):
        groups.add("pregnancy")
    return groups


_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|me|my|myself|mine)\b", re.I)
_PERSONAL = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|me|my|mine|myself|he|she|his|her|him|they|their|them)\b", re.I)
_QUESTION_START = re.compile(
    r"^\W*(?:what|why|how|when|where|which|who|does|do|is|are|can|could|should|would|will|may)\b", re.I
)


def _clause_around(english: str, word: HealthWord) -> str:
    start = max(english.rfind(mark, 0, word.start) for mark in (".", "!", "?", ";", "\n"))
    ends = [i for i in (english.find(mark, word.end) for mark in (".", "!", "?", ";", "\n")) if i >= 0]
    end = min(ends) if ends else len(english)
    return english[start + 1 : end + 1].strip()


def _general_question(english: str, word: HealthWord) -> bool:
    """ "does magnesium affect the kidneys?": a health word in a question that names nobody is
    a general question, not something the visitor has (a statement without a person, "ESRF,
    on HD", still counts: people write their facts like that)."""
    clause = _clause_around(english, word)
    asks = clause.endswith("?") or bool(_QUESTION_START.search(clause))
    return asks and not _PERSONAL.search(clause)


def _about_a_relative(english: str, word: HealthWord, subject: Subject) -> bool:
    """Whether the clause with `word` is about a relative other than the person asked about."""
    start = max(english.rfind(mark, 0, word.start) for mark in (".", "!", "?", ",", ";", " but ", " and "))
    end_marks = [i for i in (english.find(mark, word.end) for mark in (".", "!", "?", ",", ";")) if i >= 0]
    clause = english[start + 1 : min(end_marks) if end_marks else len(english)]
    named = named_people(clause)
    if not named:
        return False
    if subject.is_self:
        rest = re.sub(r"\b(?:my|our)\s+\w+", "", clause, flags=re.I)
        return not _FIRST_PERSON.search(rest)
    return not any(_may_be_the_same(person, subject) for person in named)
