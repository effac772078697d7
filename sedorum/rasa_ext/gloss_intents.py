"""An NLU component that reads a few plain requests in the visitor's own language.

Why: the intent classifier learnt English only. A visitor who writes "Bitte löschen Sie alles"
must still have their conversation erased (S12), and "stimmt es, dass alles nachweislich wirksam
ist?" is the shop's claim asked about. The safety engine already reads such messages through
an English gloss (sedorum/safety/languages.yml); this component asks that gloss for the few
requests listed in sedorum/safety/gloss_intents.yml and, when one is there, makes it the intent.
English messages and everything else are left to the classifier. It runs before EmergencyGuard,
so an emergency still overrides it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from sedorum.rasa_ext.emergency_guard import _AfterTheClassifier, verdict_of


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class GlossIntents(_AfterTheClassifier):
    """Sets the intent of a non-English message whose gloss plainly asks for it."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def process(self, messages: list[Message]) -> list[Message]:
        from sedorum.safety.language import ENGLISH, intent_of_gloss

        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            # The emergency verdict already holds the language and the gloss (computed once per
            # message and kept on it): reading a long message twice would double its cost.
            verdict = verdict_of(message)
            if verdict.language in (None, ENGLISH):
                continue
            intent = intent_of_gloss(verdict.english or "")
            if intent is None:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get(INTENT_NAME_KEY) != intent]
            top = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
        return messages
