"""Messages in German, French, Spanish or Polish: which language, and an English gloss.

Why: a visitor who writes "Ich bin im fünften Monat schwanger" or "no puedo respirar" must get
the same safety decisions as in English; the assistant answers in English, but says so in their
language and gives the emergency line or referral there too (languages.yml).

The gloss is a word-for-word phrase table, not a translation: it turns the safety vocabulary
(conditions, medicines, people, negation, emergency words) into the English words the extractor
and the emergency detector know, and leaves everything else as it was. That is enough for the
decisions that matter here, and it is data a speaker of the language can review.

The language is decided by the language's own words, with a language classifier (py3langid,
restricted to these languages) where they are few: a message counts as German when it has
German words English does not have (three markers such as "ich", or a gloss word such as
"schwanger" with a marker or a German letter), or a little of that and the classifier agrees.
An English message with typos, or with a French name in it ("my mum, Françoise, ..."), is
never glossed.

Accents are optional, as people type on phones: a gloss phrase, a marker or a risk word
written "riñón", "ciąża" or "fünften" also matches "rinon", "ciaza" and "fuenften" or
"funften". The few words whose accent is their meaning (Spanish "él", he, is not "el", the)
are listed under `accented` and match only as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .person_spelling import fix_person_words
from .yaml_data import mapping, read_mapping, strings, text

if TYPE_CHECKING:  # the classifier's model loads on first use
    from py3langid.langid import LanguageIdentifier

LANGUAGES_PATH = Path(__file__).with_name("languages.yml")
ENGLISH = "en"
REPLY_KINDS = ("english_only", "emergency", "poisoning", "crisis", "urgent", "clinician")
RISK_KINDS = ("poisoning", "crisis", "emergency")
# How sure the classifier must be (its probabilities over English and these four languages)
# when the message has only weak evidence of its own: a marker with a gloss phrase or a letter,
# or one gloss phrase that is no English word ("he pensado en quitarme la vida").
# With strong evidence (three markers; or a gloss phrase that is no English word, "nerki",
# with a marker, a letter of the language or a second such phrase) the message's own words
# decide: on a few words the classifier is often wrong ("mam chore nerki": English, 0.99).
MIN_PROBABILITY = 0.7
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
# A French elision ("j'ai", "n'arrive", "m'évanouir") is also read as its first part, "j'".
_ELISION = re.compile(r"(?<![^\W_])([^\W\d_]{1,3}')(?=[^\W\d_])", re.UNICODE)
# Letters with their plain form, for the typed-without-accents match (the rest via Unicode).
_PLAIN = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i"})
# Written without the umlaut, German also spells ä, ö, ü and ß as ae, oe, ue and ss.
_SPELLED_OUT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "œ": "oe", "æ": "ae"}
_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőœřśšşťùúûüūůűųýÿźżžß"


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    markers: frozenset[str]
    gloss: tuple[tuple[re.Pattern[str], str], ...]  # longest phrase first
    replies: dict[str, str]
    # Letters English does not use ("ł", "ñ", "ß"): evidence for the language, with a marker.
    letters: frozenset[str] = frozenset()
    # Words that carry risk, by reply kind (emergency, crisis, poisoning): a message
    # in the language with one of them, in which the gloss let the detector find no sign, still
    # gets that reply. The assistant cannot read the rest, so it fails safe.
    risk: tuple[tuple[str, re.Pattern[str]], ...] = ()
    # The gloss phrases with a word that is no English word ("schwanger", "nerki", not
    # "suicide") and that are not markers: evidence of the language beside its markers.
    foreign: tuple[re.Pattern[str], ...] = ()
    # Every gloss phrase in one pattern, longest first, one group each: the gloss is one pass,
    # so that an English word it wrote ("on dialysis") is never glossed again (Polish "on": he).
    combined: re.Pattern[str] | None = None


@lru_cache(maxsize=2)
def load_languages(path: str | Path = LANGUAGES_PATH) -> dict[str, Language]:
    data = read_mapping(path, frozenset({"languages"}), frozenset({"languages"}))
    out: dict[str, Language] = {}
    for code, item in mapping(data["languages"] or {}, "languages.yml: languages").items():
        where = f"languages.yml: {code}"
        body = mapping(
            item,
            where,
            frozenset({"name", "markers", "letters", "accented", "gloss", "risk_words", "replies"}),
            frozenset({"name", "markers", "gloss", "replies"}),
        )
        risk_words = body.get("risk_words") or {}
        if not isinstance(risk_words, dict) or set(risk_words) - set(RISK_KINDS):
            raise ValueError(f"{where}: risk_words must map {', '.join(RISK_KINDS)} to words")
        risk = tuple(
            (
                kind,
                re.compile(
                    r"(?<![^\W_])(?:"
                    + "|".join(_risk_pattern(w) for w in strings(words, f"{where}: risk_words.{kind}"))
                    + ")",
                    re.IGNORECASE,
                ),
            )
            for kind, words in mapping(risk_words, f"{where}: risk_words").items()
            if words
        )
        replies = {
            kind: " ".join(text(reply, f"{where}: replies.{kind}").split())
            for kind, reply in mapping(body["replies"] or {}, f"{where}: replies").items()
        }
        if set(replies) != set(REPLY_KINDS):
            raise ValueError(f"{where}: replies must be exactly {', '.join(REPLY_KINDS)}")
        phrases = sorted(
            (
                (phrase.lower(), text(english, f"{where}: gloss.{phrase}"))
                for phrase, english in mapping(body["gloss"] or {}, f"{where}: gloss").items()
            ),
            key=lambda kv: -len(kv[0]),
        )
        accented = {_fold(word) for word in strings(body.get("accented") or [], f"{where}: accented")}
        gloss = tuple(
            (_whole(re.escape(_fold(phrase)) if _fold(phrase) in accented else loose_pattern(phrase)), english)
            for phrase, english in phrases
        )
        markers = frozenset(plain(m) for m in strings(body["markers"] or [], f"{where}: markers"))
        foreign = tuple(
            pattern
            for (phrase, _), (pattern, _) in zip(phrases, gloss, strict=True)
            if _fold(phrase) not in accented and plain(phrase) not in markers and _is_foreign(phrase)
        )
        out[code] = Language(
            code=code,
            name=text(body["name"], f"{where}: name"),
            markers=markers,
            gloss=gloss,
            replies=replies,
            letters=frozenset(_fold(text(body.get("letters") or "", f"{where}: letters"))) - {" "},
            risk=risk,
            foreign=foreign,
            combined=re.compile("|".join(f"({pattern.pattern})" for pattern, _ in gloss), re.IGNORECASE)
            if gloss
            else None,
        )
    return out


def _fold(text: str) -> str:
    """Lower case, typographic apostrophes straightened, accents kept (they carry meaning)."""
    return unicodedata.normalize("NFC", text.replace("\u2019", "'")).lower()


def plain(text: str) -> str:
    """Folded and without accents: "Ciąża" -> "ciaza", "fünften" -> "funften", "łzy" -> "lzy"."""
    decomposed = unicodedata.normalize("NFD", _fold(text).translate(_PLAIN))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Each plain letter and the accented letters it stands for when typed without them."""
    out: dict[str, str] = {}
    for letter in _ACCENTED:
        base = plain(letter)
        if len(base) == 1 and base != letter:
            out[base] = out.get(base, base) + letter
    return out


def loose_pattern(phrase: str) -> str:
    """A regex for a phrase written with or without its accents (the caller adds the word
    boundaries). Each letter also matches its accented forms (a phrase written without accents finds the accented
    spelling too), an umlaut also matches its spelling with e, an apostrophe may be left out
    or typed as a space ("jai", "j ai", "narrive") and a hyphen may be a space or nothing ("aidez-moi")."""
    variants = _variants()
    parts = []
    for char in _fold(phrase):
        base = plain(char)
        if char in _SPELLED_OUT:
            one = "[" + re.escape(variants.get(base[0], base[0]) if len(base) == 1 else char) + "]"
            parts.append(f"(?:{one}|{_SPELLED_OUT[char]})")
        elif char == "'":
            parts.append("(?:'|\\s)?")
        elif char == "-":
            parts.append(r"[-\s]?")
        elif char == " ":
            parts.append(r"\s+")
        elif len(base) == 1 and base in variants:
            parts.append("[" + variants[base] + "]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _risk_pattern(word: str) -> str:
    """A risk word or phrase, whole words; "suizid*" is a word beginning (suizidal, Suizidgedanken)."""
    if word.endswith("*"):
        return loose_pattern(word[:-1])
    return loose_pattern(word) + r"(?![^\W_])"


def _whole(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<![^\W_])(?:" + pattern + r")(?![^\W_])", re.IGNORECASE)


def _is_foreign(phrase: str) -> bool:
    """True when a gloss phrase has a word of 3+ letters that is no English word."""
    from .english_words import is_english_word

    return any(len(word) >= 3 and not is_english_word(word) for word in plain(phrase).split())


def _words(folded: str) -> set[str]:
    """The message's words without accents, French elisions also as their first part."""
    return {plain(word) for word in [*_WORD.findall(folded), *_ELISION.findall(folded)]}


@lru_cache(maxsize=1)
def _classifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages([ENGLISH, *load_languages()])
    return identifier


@lru_cache(maxsize=4096)
def detect_language(text: str) -> str:
    """The message's language code: "en", or one of languages.yml when the evidence is clear
    (the language's own words, and the classifier's agreement when they are few)."""
    folded = _fold(text or "")
    if len(set(_WORD.findall(folded))) < 2:
        return ENGLISH
    words = _words(folded)
    strong: list[str] = []
    weak: list[str] = []
    for code, language in load_languages().items():
        markers = len(words & language.markers)
        foreign = sum(1 for pattern in language.foreign if pattern.search(folded))
        glossed = foreign > 0 or any(pattern.search(folded) for pattern, _ in language.gloss)
        lettered = bool(language.letters & set(folded))
        if markers >= 3 or (foreign and (markers or lettered)) or foreign >= 2:
            strong.append(code)
        elif foreign or (markers and (glossed or lettered)):
            weak.append(code)
    if not strong and not weak:
        return ENGLISH
    ranking = _classifier().rank(text)
    if strong:
        # The message's own words decide; the classifier only chooses between two languages.
        return str(next(code for code, _ in ranking if code in strong))
    code, probability = ranking[0]
    return str(code) if code in weak and probability >= MIN_PROBABILITY else ENGLISH


@lru_cache(maxsize=4096)
@lru_cache(maxsize=4096)
def read_in_full(text: str) -> bool:
    """True when every word of a message is understood: English, or a message in another language
    whose gloss left only English words, numbers and that language's own small words.

    Why: in another language the engine reads a word list, not the language, so amounts are
    withheld unless nothing of the message was left unread ("Ich bin 45, gesund, keine
    Nierenprobleme. Was ist die Höchstmenge?" is read in full; a kidney word the list lacks
    stays German and keeps the figure back). Cached: a conversation is read again at every turn.
    """
    from .english_words import is_english_word

    code = detect_language(text)
    if code == ENGLISH:
        return True
    language = load_languages().get(code)
    markers = language.markers if language is not None else frozenset()
    for word in re.findall(r"[^\W\d_]+", to_english(text).lower()):
        if len(word) > 2 and word not in markers and plain(word) not in markers and not is_english_word(word):
            return False
    return True


def to_english(text: str) -> str:
    """The message as the extractor and the emergency detector read it: English words for the
    safety vocabulary of its language, and person words typed with one slip put right
    ("mtoher", person_spelling.py; same length, so an English message keeps its offsets)."""
    code = detect_language(text)
    if code == ENGLISH:
        return fix_person_words(text)
    language = load_languages()[code]
    if language.combined is None:
        return fix_person_words(text)
    english = [english for _, english in language.gloss]
    return fix_person_words(language.combined.sub(lambda m: english[(m.lastindex or 1) - 1], _fold(text)))


def risk_kinds(text: str, code: str) -> list[tuple[str, str]]:
    """(reply kind, word) for each risk word of language `code` in `text`, most pressing first."""
    language = load_languages().get(code)
    if language is None:
        return []
    folded = _fold(text)
    found = []
    for kind in RISK_KINDS:
        for name, pattern in language.risk:
            match = pattern.search(folded) if name == kind else None
            if match:
                found.append((kind, match.group(0)))
    return found


def reply_lines(code: str, kinds: tuple[str, ...], values: dict[str, str]) -> list[str]:
    """The lines a reply starts with for a visitor writing in `code`: "I answer in English" and
    one line per kind (emergency, poisoning, crisis, urgent, clinician); none for English."""
    language = load_languages().get(code)
    if language is None:
        return []
    lines = [language.replies["english_only"]]
    for kind in kinds:
        if kind in language.replies and kind != "english_only":
            line = language.replies[kind]
            for key, value in values.items():
                line = line.replace("{" + key + "}", value)
            lines.append(line)
    return lines


GLOSS_INTENTS_PATH = Path(__file__).with_name("gloss_intents.yml")


@lru_cache(maxsize=1)
def load_gloss_intents(path: Path = GLOSS_INTENTS_PATH) -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    """gloss_intents.yml: (intent, its patterns), in file order."""
    data = read_mapping(path, frozenset({"intents"}), frozenset({"intents"}))
    intents = mapping(data["intents"], "gloss_intents.yml: intents")
    return tuple(
        (str(name), tuple(re.compile(p) for p in strings(patterns, f"gloss_intents.yml: {name}")))
        for name, patterns in intents.items()
    )


def intent_of_gloss(english: str) -> str | None:
    """The request of gloss_intents.yml in an English gloss already made (None if none)."""
    low = english.lower()
    return next((name for name, patterns in load_gloss_intents() if any(p.search(low) for p in patterns)), None)
