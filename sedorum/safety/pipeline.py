"""The shared spaCy pipeline of the extractor, built once per process.

spaCy blank("en") tokenizer, spaCy's rule-based sentencizer, a typo normaliser (sets
token.norm_ for near-misses of lexicon words; typo_words.yml keeps ordinary English out of
it), medspaCy's TargetMatcher (lexicon.yml phrases, matched on NORM), the age finder
(ages.py) and medspaCy's ConText with the conversational rules of context_rules.yml.
Building it costs about a second, so it is made on first use and shared by all threads.
"""

from __future__ import annotations

import re
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .ages import find_ages
from .context_rules import build_context_rules
from .lexicon import Concept, load_lexicon

if TYPE_CHECKING:  # spaCy loads when the pipeline is first built, not with this module
    from spacy.language import Language
    from spacy.tokens import Doc

    from .fuzzy import FuzzyVocab

TYPO_WORDS_PATH = Path(__file__).with_name("typo_words.yml")

_lock = threading.Lock()
_nlp: Language | None = None
# Lexicon concepts by id (the TargetMatcher's labels), filled when the pipeline is built.
concepts: dict[str, Concept] = {}
_FUZZY: list[FuzzyVocab] = []  # the typo normaliser's vocabulary, set when the pipeline is built


@lru_cache(maxsize=1)
def load_typo_words() -> tuple[frozenset[str], frozenset[str]]:
    """(protected, not_typo_targets) from typo_words.yml."""
    data = yaml.safe_load(TYPO_WORDS_PATH.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or set(data) != {"protected", "not_typo_targets"}:
        raise ValueError("typo_words.yml: must hold two lists, protected and not_typo_targets")
    lists = []
    for key in ("protected", "not_typo_targets"):
        words = data[key]
        if not isinstance(words, list) or not all(isinstance(w, str) and w.isalpha() for w in words):
            raise ValueError(f"typo_words.yml: {key} must be a list of single words")
        lists.append(frozenset(words))
    return lists[0], lists[1]


def _build_fuzzy_vocab() -> FuzzyVocab:
    from .fuzzy import FuzzyVocab

    protected, not_targets = load_typo_words()
    words: set[str] = set()
    for concept in load_lexicon().concepts.values():
        for term in concept.terms:
            for w in re.findall(r"[a-z]+", term.lower()):
                if w not in not_targets:
                    words.add(w)
    return FuzzyVocab(words, min_word_len=6, protected=protected)


def get_nlp() -> Language:
    """The shared spaCy pipeline (built once, thread-safe)."""
    global _nlp
    if _nlp is not None:
        return _nlp
    with _lock:
        if _nlp is not None:
            return _nlp
        saved_filters = warnings.filters[:]  # medspaCy silences all warnings process-wide on import
        try:
            import spacy
            from medspacy.context import ConText  # importing it registers the factory
            from medspacy.target_matcher import TargetMatcher, TargetRule
            from spacy.language import Language
            from spacy.tokens import Doc, Span
        finally:
            # typeshed declares warnings.filters a Sequence; at run time it is the list to restore.
            warnings.filters[:] = saved_filters  # type: ignore[index]

        lexicon = load_lexicon()
        vocab = _build_fuzzy_vocab()

        if not Doc.has_extension("sedorum_ages"):
            Doc.set_extension("sedorum_ages", default=None)
        if not Span.has_extension("sedorum_denial_unclear"):
            # set by context_rules.denial_reaches: a "no" too far from the fact to deny it
            Span.set_extension("sedorum_denial_unclear", default=False)

        if "sedorum_fuzzy_norm" not in Language.factories:

            @Language.component("sedorum_fuzzy_norm")
            def _fuzzy_norm(doc: Doc) -> Doc:
                fv = _FUZZY[0]
                for token in doc:
                    if token.is_alpha and len(token.text) >= 5:
                        fixed = fv.correct(token.lower_)
                        if fixed:
                            token.norm_ = fixed
                return doc

            @Language.component("sedorum_age")
            def _age(doc: Doc) -> Doc:
                ents = list(doc.ents)
                taken = [(e.start_char, e.end_char) for e in ents]
                values: dict[tuple[int, int], float] = {}
                for hit in find_ages(doc.text):
                    span = doc.char_span(hit.start, hit.end, label="AGE", alignment_mode="expand")
                    if span is None:
                        continue
                    if any(not (span.end_char <= s or span.start_char >= e) for s, e in taken):
                        continue
                    ents.append(span)
                    taken.append((span.start_char, span.end_char))
                    values[(span.start_char, span.end_char)] = hit.value
                # spaCy's stub declares Doc.ents a one-element tuple; it takes any sequence of spans.
                doc.ents = sorted(ents, key=lambda s: s.start)  # type: ignore[assignment]
                doc._.sedorum_ages = values
                return doc

        _FUZZY[:] = [vocab]
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("sedorum_fuzzy_norm")
        matcher: TargetMatcher = nlp.add_pipe("medspacy_target_matcher", config={"phrase_matcher_attr": "NORM"})
        target_rules = []
        for concept in lexicon.concepts.values():
            concepts[concept.id] = concept
            for term in concept.terms:
                target_rules.append(TargetRule(term, concept.id))
        # medspaCy also runs a token Matcher; give it a pattern that never matches, or spaCy warns (W036)
        # on every message.
        target_rules.append(TargetRule("never", "NEVER_MATCHES", pattern=[{"TEXT": "\u0000never\u0000"}]))
        matcher.add(target_rules)
        nlp.add_pipe("sedorum_age")
        context: ConText = nlp.add_pipe("medspacy_context", config={"rules": None})
        context.add(build_context_rules())
        _nlp = nlp
        return _nlp
