"""A blank English spaCy pipeline on disk, for Rasa's SpacyNLP component.

Why blank: spaCy's pretrained pipelines come from a release page this machine cannot reach.
A blank pipeline gives spaCy's rule-based English tokenizer (exceptions for "don't", "I'm",
units like "400mg"), which is what the comparison in bench_nlu.py measures.
"""

from __future__ import annotations

from pathlib import Path


def build_blank_pipeline(path: Path) -> Path:
    import spacy

    if not (path / "config.cfg").exists():
        spacy.blank("en").to_disk(path)
    return path
