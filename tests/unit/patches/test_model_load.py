"""The fast model load gives exactly the predictions of Rasa's own loader.

Loads the project's trained model both ways in this process (about a minute) and compares
intent rankings, entities and the dialogue policies' next-action scores on messages from
every part of the assistant. Any unrestored weight or stale label embedding would change
them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sedorum.patches import model_load

MESSAGES = [
    "hi",
    "what is restless legs syndrome?",
    "how much magnesium can I take a day?",
    "I have kidney disease and take levodopa",
    "is sedorum safe for me?",
    "chest pain and I can't breathe",
    "what's the weather like",
    "I am pregnant",
    "thanks",
]


def predictions(model_path: Path) -> list[Any]:
    from rasa.core.agent import Agent
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    async def run() -> list[Any]:
        agent = Agent.load(str(model_path))
        out: list[Any] = []
        for text in MESSAGES:
            parsed = await agent.parse_message(text)
            out.append(
                (
                    parsed["intent"]["name"],
                    [(r["name"], round(r["confidence"], 5)) for r in parsed["intent_ranking"][:5]],
                    sorted((e["entity"], str(e["value"])) for e in parsed["entities"]),
                )
            )
            tracker = DialogueStateTracker.from_events("cmp", [], agent.domain.slots)
            tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parse_data=parsed), agent.domain)
            prediction = agent.processor._predict_next_with_tracker(tracker)
            out.append((prediction.policy_name, [round(p, 5) for p in prediction.probabilities]))
        return out

    return asyncio.run(run())


@pytest.mark.timeout(600)
def test_fast_load_predicts_exactly_like_rasas_loader(trained_model: Path) -> None:
    from sedorum.patches import compat

    compat.patch_sanic_websockets()
    try:
        model_load.uninstall()
        reference = predictions(trained_model)
        model_load.install()
        model_load.fast_loads.clear()
        fast = predictions(trained_model)
    finally:
        model_load.uninstall()
    assert len(model_load.fast_loads) >= 2, "DIET and TED took the fast path (no fallback)"
    assert fast == reference
