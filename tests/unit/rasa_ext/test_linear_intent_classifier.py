"""LinearIntentClassifier without a server: training, ranking, and a save/load round trip."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sedorum.rasa_ext.linear_intent_classifier import LinearIntentClassifier

VOCAB = ["hello", "hi", "bye", "later", "magnesium", "dose", "mg", "much"]
WORDS = {
    "greet": ["hello", "hi"],
    "goodbye": ["bye", "later"],
    "ask_dosage": ["magnesium", "dose", "mg", "much"],
}


def _message(words: list[str], intent: str | None = None, dense: np.ndarray | None = None) -> Message:
    counts = np.zeros((1, len(VOCAB)))
    for word in words:
        counts[0, VOCAB.index(word)] += 1
    message = Message(data={TEXT: " ".join(words), **({"intent": intent} if intent else {})})
    message.add_features(Features(sp.coo_matrix(counts), "sentence", TEXT, "counts"))
    if dense is not None:
        message.add_features(Features(dense.reshape(1, -1), "sentence", TEXT, "embedding"))
    return message


def _training_data(intents: list[str], rng: np.random.Generator) -> TrainingData:
    examples = []
    for index, intent in enumerate(intents):
        direction = np.eye(3)[index]
        for _ in range(8):
            words = list(rng.choice(WORDS[intent], size=2))
            examples.append(_message(words, intent, direction + rng.normal(0, 0.1, 3)))
    return TrainingData(examples)


def _classifier(tmp_path: Path) -> tuple[LinearIntentClassifier, LocalModelStorage, Resource]:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intent")
    config = LinearIntentClassifier.get_default_config()
    return LinearIntentClassifier.create(config, storage, resource, SimpleNamespace()), storage, resource


def test_learns_intents_and_ranks_them_with_probabilities(tmp_path: Path) -> None:
    classifier, _, _ = _classifier(tmp_path)
    classifier.train(_training_data(list(WORDS), np.random.default_rng(1)))
    assert classifier.classes == sorted(WORDS)
    message = _message(["much", "mg"], dense=np.array([0.0, 0.0, 1.0]))
    classifier.process([message])
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "ask_dosage"
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert ranking[0]["confidence"] > 0.5


def test_round_trip_through_model_storage_gives_identical_probabilities(tmp_path: Path) -> None:
    classifier, storage, resource = _classifier(tmp_path)
    classifier.train(_training_data(list(WORDS), np.random.default_rng(2)))
    loaded = LinearIntentClassifier.load(classifier.config, storage, resource, SimpleNamespace())
    probe = [_message(["hi"], dense=np.array([1.0, 0.0, 0.0])), _message(["later", "bye"])]
    np.testing.assert_allclose(loaded.probabilities(probe), classifier.probabilities(probe), atol=1e-6)
    assert loaded.classes == classifier.classes
    assert [b.origin for b in loaded.blocks] == ["counts", "embedding"]


def test_two_intents_give_two_probabilities_that_sum_to_one(tmp_path: Path) -> None:
    classifier, _, _ = _classifier(tmp_path)
    classifier.train(_training_data(["greet", "goodbye"], np.random.default_rng(3)))
    (row,) = classifier.probabilities([_message(["bye"], dense=np.array([0.0, 1.0, 0.0]))])
    assert row.shape == (2,) and row.sum() == pytest.approx(1.0)
    assert classifier.classes[int(row.argmax())] == "goodbye"


def test_a_message_without_features_still_gets_a_ranking(tmp_path: Path) -> None:
    classifier, _, _ = _classifier(tmp_path)
    classifier.train(_training_data(list(WORDS), np.random.default_rng(4)))
    bare = Message(data={TEXT: "?"})
    classifier.process([bare])
    assert bare.get("intent")["name"] in WORDS
    assert len(bare.get("intent_ranking")) == len(WORDS)


def test_an_untrained_model_predicts_nothing_instead_of_failing(tmp_path: Path) -> None:
    classifier, storage, resource = _classifier(tmp_path)
    loaded = LinearIntentClassifier.load(classifier.config, storage, resource, SimpleNamespace())
    message = Message(data={TEXT: "hello"})
    loaded.process([message])
    assert message.get("intent") is None
