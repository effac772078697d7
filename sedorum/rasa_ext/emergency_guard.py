"""NLU component that turns emergency descriptions into `report_emergency`, whatever DIET said.

Why: S1 must not depend on a statistical classifier alone. A message that the deterministic
detector in `sedorum.safety.emergency` flags is re-labelled with full confidence, so the
dialogue policies answer it first in every state (forms, handoff, after other topics).
The classifier can still find emergencies the detector misses; this only adds recall.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

EMERGENCY_INTENT = "report_emergency"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyGuard(GraphComponent, IntentClassifier):
    """Overrides the predicted intent when the deterministic emergency detector fires."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def __init__(self, config: dict[str, Any]) -> None:
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmergencyGuard:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        # Imported here: the detector builds its patterns on first import, which training
        # (where this component does nothing) should not pay for.
        from sedorum.safety.emergency import detect_emergency

        for message in messages:
            text = message.get(TEXT) or ""
            match = detect_emergency(text) if text else None
            if match is None:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get(INTENT_NAME_KEY) != EMERGENCY_INTENT]
            top = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
            message.set("emergency_sign", match.sign, add_to_output=True)
        return messages
