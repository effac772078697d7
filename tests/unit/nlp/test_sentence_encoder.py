"""The NumPy MiniLM encoder against sentence-transformers' own output, and the Rasa featurizer.

tests/unit/nlp/data/minilm_reference.json holds vectors that sentence-transformers produced for
the same texts (its "generated_by" says which version): if the forward pass, the tokenizer
settings or the pooling drift, these fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sedorum.nlp.sentence_encoder import MAX_TOKENS, MODEL_DIR_ENV, SentenceEncoder, shared_encoder

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return shared_encoder()


def test_matches_sentence_transformers_including_empty_and_non_ascii(encoder: SentenceEncoder) -> None:
    # The reference's last text is longer than MAX_TOKENS: sentence-transformers cuts it
    # differently (at 256, from the end), so it is checked by the next test instead.
    short = [(t, v) for t, v in zip(REFERENCE["texts"], REFERENCE["vectors"], strict=True) if len(t) < 300]
    texts = [t for t, _ in short]
    assert "" in texts and any(not t.isascii() for t in texts) and len(short) == len(REFERENCE["texts"]) - 1
    ours = encoder.encode(texts)
    expected = np.array([v for _, v in short], dtype=np.float32)
    assert ours.shape == expected.shape == (len(texts), 384)
    np.testing.assert_allclose(ours, expected, atol=1e-4)


def test_a_long_message_is_read_at_both_ends(encoder: SentenceEncoder) -> None:
    """Over MAX_TOKENS word pieces, the beginning and the end are kept: the question at the end
    of a long story still shapes the embedding, and the cost stays bounded."""
    story = "I have been feeling tired and I walked the dog and then we visited my sister. " * 20
    question = "how much magnesium is too much for me?"
    assert len(encoder._tokenizer.encode(story + question).ids) > MAX_TOKENS
    with_question, story_only, question_only = encoder.encode([story + question, story, question])
    assert float(with_question @ question_only) > float(story_only @ question_only) + 0.1
    assert float(np.linalg.norm(with_question)) == pytest.approx(1.0, abs=1e-5)


def test_vectors_are_unit_length_and_batching_does_not_change_them(encoder: SentenceEncoder) -> None:
    texts = ["hi", "what does magnesium do in the body and how much is too much for an older person"]
    together = encoder.encode(texts, batch_size=2)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_requests(encoder: SentenceEncoder) -> None:
    a, b, c = encoder.encode(
        [
            "my legs feel creepy and crawly when I lie down at night",
            "an urge to move my legs in bed in the evening",
            "what's the weather in London tomorrow",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_empty_input_list_gives_an_empty_matrix(encoder: SentenceEncoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


def test_a_missing_model_directory_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError):
        SentenceEncoder()


def test_featurizer_adds_one_sentence_feature_per_text_message() -> None:
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from sedorum.rasa_ext.sentence_featurizer import SentenceEmbeddingFeaturizer

    featurizer = SentenceEmbeddingFeaturizer.create(
        SentenceEmbeddingFeaturizer.get_default_config(), None, None, SimpleNamespace(node_name="emb")
    )
    with_text = Message(data={TEXT: "is magnesium safe in pregnancy"})
    intent_only = Message(data={"intent": "greet"})
    featurizer.process_training_data(TrainingData([with_text, intent_only]))
    sequence, sentence = with_text.get_dense_features(TEXT)
    assert sequence is None
    assert sentence.features.shape == (1, 384)
    assert [f.origin for f in with_text.features] == ["emb"]
    assert intent_only.features == []

    live = Message(data={TEXT: "is magnesium safe in pregnancy"})
    featurizer.process([live])
    np.testing.assert_allclose(live.get_dense_features(TEXT)[1].features, sentence.features, atol=1e-6)

    layered = SentenceEmbeddingFeaturizer.create(
        {**SentenceEmbeddingFeaturizer.get_default_config(), "layers": [6, 4, 2]},
        None,
        None,
        SimpleNamespace(node_name="emb3"),
    )
    message = Message(data={TEXT: "is magnesium safe in pregnancy"})
    layered.process([message])
    wide = message.get_dense_features(TEXT)[1].features
    assert wide.shape == (1, 3 * 384)
    np.testing.assert_allclose(wide[:, :384], sentence.features, atol=1e-5)


def test_other_layers_are_pooled_beside_the_last_one(encoder: SentenceEncoder) -> None:
    """The first block of a multi-layer embedding is the model's own (checked against
    sentence-transformers above); every block is unit length, and the middle layers differ
    from the last, or pooling them would add nothing."""
    texts = ["how much magnesium is too much", "why is my magnesium low", "hi"]
    layered = encoder.encode(texts, layers=(6, 4, 2))
    assert layered.shape == (3, 3 * 384)
    np.testing.assert_allclose(layered[:, :384], encoder.encode(texts), atol=1e-5)
    blocks = layered.reshape(3, 3, 384)
    np.testing.assert_allclose(np.linalg.norm(blocks, axis=2), 1.0, atol=1e-5)
    assert float(np.abs(blocks[:, 0] - blocks[:, 1]).max()) > 0.05
    # One message at a time (the cached path) gives the same rows as a batch.
    np.testing.assert_allclose(encoder.encode([texts[0]], layers=(6, 4, 2)), layered[:1], atol=1e-5)
    assert encoder.encode([texts[0]]).shape == (1, 384)  # the cache keeps layer sets apart


@pytest.mark.parametrize("layers", [(0,), (7,), (6, 9)])
def test_a_layer_the_model_does_not_have_is_refused(encoder: SentenceEncoder, layers: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="between 1 and 6"):
        encoder.encode(["hi"], layers=layers)


def test_featurizer_refuses_a_malformed_layer_list() -> None:
    from sedorum.rasa_ext.sentence_featurizer import SentenceEmbeddingFeaturizer

    with pytest.raises(ValueError, match="layers"):
        SentenceEmbeddingFeaturizer.validate_config({"layers": "6,4"})
    SentenceEmbeddingFeaturizer.validate_config({"layers": [6, 4, 2]})


def test_repeated_messages_come_from_a_bounded_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import sedorum.nlp.sentence_encoder as module

    encoder = SentenceEncoder()
    monkeypatch.setattr(module, "CACHE_SIZE", 3)
    first = encoder.encode(["yes"])
    again = encoder.encode(["yes"])
    np.testing.assert_array_equal(first, again)
    again[0, 0] = 42.0  # callers may modify what they get; the cache must not change with it
    np.testing.assert_array_equal(encoder.encode(["yes"]), first)
    for text in ["no", "thanks", "bye", "hello"]:
        encoder.encode([text])
    assert len(encoder._cache) == 3 and "yes" not in {text for text, _ in encoder._cache}
    np.testing.assert_allclose(encoder.encode(["yes"]), encoder.encode(["yes", "no"])[:1], atol=1e-6)
