"""Messages in German, French, Spanish or Polish: which language, and an English gloss.

Why: a visitor who writes "Ich bin im fünften Monat schwanger" or "no puedo respirar" must get
the same safety decisions as in English; the assistant answers in English, but says so in their
language and gives the emergency line or referral there too (languages.yml).

The gloss is a word-for-word phrase table, not a translation: it turns the safety vocabulary
(conditions, medicines, people, negation, emergency words) into the English words the extractor
and the emergency detector know, and leaves everything else as it was. That is enough for the
decisions that matter here, and it is data a speaker of the language can review.

The language is decided by a language classifier (py3langid, restricted to these languages)
together with the language's own words: a message counts as German only if the classifier says
German and it contains a German marker word or gloss phrase, so that an English message with
typos is never glossed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .yaml_data import mapping, read_mapping, strings, text

if TYPE_CHECKING:  # the classifier's model loads on first use
    from py3langid.langid import LanguageIdentifier

LANGUAGES_PATH = Path(__file__).with_name("languages.yml")
ENGLISH = "en"
REPLY_KINDS = ("english_only", "emergency", "poisoning", "crisis", "urgent", "clinician")
RISK_KINDS = ("poisoning", "crisis", "emergency")
# How sure the classifier must be (its probabilities over English and these four languages).
MIN_PROBABILITY = 0.7
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    markers: frozenset[str]
    gloss: tuple[tuple[re.Pattern[str], str], ...]  # longest phrase first
    replies: dict[str, str]
    # Letters English does not use ("ł", "ñ", "ß"): evidence for the language, with a marker.
    letters: frozenset[str] = frozenset()
    # Word beginnings that carry risk, by reply kind (emergency, crisis, poisoning): a message
    # in the language with one of them, in which the gloss let the detector find no sign, still
    # gets that reply. The assistant cannot read the rest, so it fails safe.
    risk: tuple[tuple[str, re.Pattern[str]], ...] = ()


@lru_cache(maxsize=2)
def load_languages(path: str | Path = LANGUAGES_PATH) -> dict[str, Language]:
    data = read_mapping(path, frozenset({"languages"}), frozenset({"languages"}))
    out: dict[str, Language] = {}
    for code, item in mapping(data["languages"] or {}, "languages.yml: languages").items():
        where = f"languages.yml: {code}"
        body = mapping(
            item,
            where,
            frozenset({"name", "markers", "letters", "gloss", "risk_words", "replies"}),
            frozenset({"name", "markers", "gloss", "replies"}),
        )
        risk_words = body.get("risk_words") or {}
        if not isinstance(risk_words, dict) or set(risk_words) - set(RISK_KINDS):
            raise ValueError(f"{where}: risk_words must map {', '.join(RISK_KINDS)} to word beginnings")
        risk = tuple(
            (
                kind,
                re.compile(
                    r"(?<![^\W_])(?:"
                    + "|".join(re.escape(_fold(w)) for w in strings(words, f"{where}: risk_words.{kind}"))
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
        gloss = tuple(
            (re.compile(r"(?<![^\W_])" + re.escape(_fold(phrase)) + r"(?![^\W_])", re.IGNORECASE), english)
            for phrase, english in phrases
        )
        out[code] = Language(
            code=code,
            name=text(body["name"], f"{where}: name"),
            markers=frozenset(_fold(m.lower()) for m in strings(body["markers"] or [], f"{where}: markers")),
            gloss=gloss,
            replies=replies,
            letters=frozenset(_fold(text(body.get("letters") or "", f"{where}: letters"))) - {" "},
            risk=risk,
        )
    return out


def _fold(text: str) -> str:
    """Lower case, typographic apostrophes straightened, accents kept (they carry meaning)."""
    return unicodedata.normalize("NFC", text.replace("\u2019", "'")).lower()


@lru_cache(maxsize=1)
def _classifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    identifier.set_languages([ENGLISH, *load_languages()])
    return identifier


@lru_cache(maxsize=4096)
def detect_language(text: str) -> str:
    """The message's language code: "en", or one of languages.yml when the evidence is clear
    (the classifier's choice, backed by the language's own words)."""
    folded = _fold(text or "")
    words = set(_WORD.findall(folded))
    if len(words) < 2:
        return ENGLISH
    languages = load_languages()
    candidates = []
    for code, language in languages.items():
        markers = len(words & language.markers)
        glossed = any(pattern.search(folded) for pattern, _ in language.gloss)
        lettered = bool(language.letters & set(folded))
        if markers >= 3 or (markers >= 1 and (glossed or lettered)):
            candidates.append(code)
    if not candidates:
        return ENGLISH
    code, probability = _classifier().classify(text)
    return str(code) if code in candidates and probability >= MIN_PROBABILITY else ENGLISH


@lru_cache(maxsize=4096)
def to_english(text: str) -> str:
    """The message as the extractor and the emergency detector read it: English words for the
    safety vocabulary of its language (unchanged when it is English)."""
    code = detect_language(text)
    if code == ENGLISH:
        return text
    glossed = _fold(text)
    for pattern, english in load_languages()[code].gloss:
        glossed = pattern.sub(english, glossed)
    return glossed


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
