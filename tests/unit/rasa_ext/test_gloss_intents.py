"""GlossIntents: plain requests in another language get their intent from the English gloss."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from sedorum.rasa_ext.gloss_intents import GlossIntents


def _classified(text: str, intent: str = "inform") -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.6})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.6}, {"name": "delete_data", "confidence": 0.1}])
    return GlossIntents({}).process([message])[0]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Bitte löschen Sie alles, was ich über meine Schwangerschaft geschrieben habe.", "delete_data"),
        ("Supprimez mes données, s'il vous plaît", "delete_data"),
        ("Bitte löschen Sie alle meine Daten und alles, was ich hier geschrieben habe.", "delete_data"),
        ("Wie hoch ist die Obergrenze für Magnesium aus Nahrungsergänzungsmitteln pro Tag?", "ask_dosage"),
        ("Quelle est la quantité maximale de magnésium en complément par jour pour un adulte ?", "ask_dosage"),
        ("Jaki jest górny limit magnezu z suplementów?", "ask_dosage"),
        ('Im Shop steht, alle Inhaltsstoffe seien "nachweislich wirksam". Stimmt das?', "ask_evidence"),
    ],
)
def test_a_plain_request_in_another_language_gets_its_intent(text: str, intent: str) -> None:
    message = _classified(text)
    assert message.get(INTENT) == {"name": intent, "confidence": 1.0}
    ranking = [r["name"] for r in message.get(INTENT_RANKING_KEY)]
    assert ranking[0] == intent and ranking.count(intent) == 1


@pytest.mark.parametrize(
    "text",
    [
        "delete my data",  # English: the classifier's own job
        "Ich bin in der 20. Woche schwanger. Darf ich Magnesium nehmen?",
        "¿Cuántos miligramos de magnesio tengo que tomar al día?",
    ],
)
def test_everything_else_is_left_to_the_classifier(text: str) -> None:
    assert _classified(text).get(INTENT)["name"] == "inform"
