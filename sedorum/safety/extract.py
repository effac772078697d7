"""Finds the user's OWN current health facts in a chat message: the extractor's public entry point.

    ex = extract("I'm 72, on dialysis, and my wife takes Gaviscon")
    ex.profile    # Profile(age=72, conditions={"kidney_disease"})
    ex.excluded   # [Mention(id="magnesium_antacid", reason="family", ...)]

Also `interpret_answer(text, asked)` for answers to one screening question. The work is
split by what a reader may want to change:

- `context_rules.yml` (loaded by `context_rules.py`): the words that negate a fact, make it
  someone else's, hypothetical or past - the part a clinician reviews;
- `typo_words.yml`: ordinary words the typo tolerance must leave alone;
- `pipeline.py`: the spaCy/medspaCy pipeline built from those files and lexicon.yml;
- `ages.py`: number words and age statements;
- `mentions.py`: who has what (the `Extraction`), and denials that name no condition;
- `short_answers.py`: "yes" / "no" / "not sure" / a number, mapped to the question asked.

Callers import from here; the names below are the stable interface.
"""

from __future__ import annotations

from .ages import AgeHit, find_ages, words_to_number
from .mentions import REASONS, Extraction, Mention, extract, normalise
from .pipeline import get_nlp
from .short_answers import interpret_answer

__all__ = [
    "REASONS",
    "AgeHit",
    "Extraction",
    "Mention",
    "extract",
    "find_ages",
    "get_nlp",
    "interpret_answer",
    "normalise",
    "words_to_number",
]
