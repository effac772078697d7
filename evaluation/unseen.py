"""Classifies the hand-written unseen messages with a trained model.

Why shared code: the pytest suite (tests/model/test_unseen_messages.py) and the NLU
benchmark (bench/bench_nlu.py) must score the same messages the same way.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path

import yaml

from sedorum.settings import PROJECT_ROOT

UNSEEN_FILE = PROJECT_ROOT / "tests" / "model" / "data" / "unseen_messages.yml"


def load_unseen() -> dict[str, list[str]]:
    """intent -> messages written for it, never used for training."""
    return yaml.safe_load(UNSEEN_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def _agent(model_path: str):  # noqa: ANN202 - rasa's Agent, imported lazily
    from rasa.core.agent import Agent

    return Agent.load(model_path)


def parse_texts(model_path: str | Path, texts: list[str]) -> list[dict]:
    """The trained model's parse data (intent, ranking, entities...) for each text, in order."""
    agent = _agent(str(model_path))

    async def parse() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


def classify_unseen(model_path: str | Path) -> list[tuple[str, str, str]]:
    """(expected intent, message, predicted intent) for every unseen message, in file order."""
    pairs = [(intent, text) for intent, messages in load_unseen().items() for text in messages]
    parsed = parse_texts(model_path, [text for _, text in pairs])
    return [(intent, text, data["intent"]["name"]) for (intent, text), data in zip(pairs, parsed, strict=True)]
