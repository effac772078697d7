"""Classifies the hand-written unseen messages with a trained model.

Why shared code: the pytest suite (tests/model/test_unseen_messages.py) and the NLU
benchmark (bench/bench_nlu.py) must score the same messages the same way.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

UNSEEN_FILE = Path(__file__).resolve().parents[2] / "tests" / "model" / "data" / "unseen_messages.yml"


def load_unseen() -> dict[str, list[str]]:
    """intent -> messages written for it, never used for training."""
    return yaml.safe_load(UNSEEN_FILE.read_text(encoding="utf-8"))


def classify_unseen(model_path: str | Path) -> list[tuple[str, str, str]]:
    """(expected intent, message, predicted intent) for every unseen message, in file order."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))

    async def classify() -> list[tuple[str, str, str]]:
        rows = []
        for intent, messages in load_unseen().items():
            for text in messages:
                rows.append((intent, text, (await agent.parse_message(text))["intent"]["name"]))
        return rows

    return asyncio.run(classify())
