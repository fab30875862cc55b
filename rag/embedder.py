"""Sentence embeddings with the bundled MiniLM model, loaded lazily, offline, once per process."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from rag.config import RagConfig, use_offline_hub

Vector = tuple[float, ...]


class Embedder:
    """Wraps a SentenceTransformer; counts what it embeds so callers (and tests) can see the work done.

    `documents_embedded` counts texts sent to the model by `embed_documents`; `queries_embedded`
    counts query cache misses.
    """

    dimension = 384  # all-MiniLM-L6-v2

    def __init__(
        self,
        model_path: str | None = None,
        *,
        query_cache_size: int = 2048,
        threads: int | None = -1,
        jit: bool | None = None,
    ) -> None:
        self._model_path = model_path
        if threads == -1 or jit is None:
            settings = RagConfig()
            threads = (settings.torch_threads or None) if threads == -1 else threads
            jit = settings.query_jit if jit is None else jit
        self.threads = threads  # None: leave torch's own setting (RAG_TORCH_THREADS=0)
        self.jit = jit  # RAG_QUERY_JIT
        self.query_path = "encode"  # which path embeds queries: "jit", "eager" or "encode" (see _fast_path)
        self._model: Any = None
        self._lock = threading.Lock()
        self._fast_lock = threading.Lock()
        self._per_thread = threading.local()
        self._batch_threads = 0  # torch's own thread count, for document batches (see embed_documents)
        self.documents_embedded = 0
        self.queries_embedded = 0
        self._fast: Any = False  # not yet decided (see _fast_path)
        self.embed_query = lru_cache(maxsize=query_cache_size)(self._embed_query)  # per instance

    @property
    def model_path(self) -> str:
        if self._model_path is None:
            from nlu.minilm import bundled_model_path

            self._model_path = str(bundled_model_path())
        return self._model_path

    @property
    def model_id(self) -> str:
        """Identifies the vectors' space; stored with the index so a model change forces a rebuild."""
        return "all-MiniLM-L6-v2:" + os.path.basename(os.path.normpath(self.model_path))

    def load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    use_offline_hub()  # before the Hugging Face libraries are first imported
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    # no "Loading weights" bar in every CLI call (transformers leaves this helper unannotated)
                    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                    if self.threads:
                        # One query is a handful of tokens: a second intra-op thread buys ~10% on an idle
                        # 2-core machine and costs several times that when the cores are shared (Rasa,
                        # the backend), where the threads wait on each other. Process-wide setting.
                        import torch

                        self._batch_threads = torch.get_num_threads()
                        torch.set_num_threads(self.threads)
                    self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
        return self._model

    def warm_up(self) -> None:
        self.load()
        self.embed_query("warm up")

    def embed_documents(self, texts: Sequence[str], *, batch_size: int = 32) -> list[list[float]]:
        if not texts:
            return []
        model = self.load()
        threads = self.threads or 0  # 0: torch's own setting is left alone (see __init__)
        more = bool(threads) and len(texts) > 1 and self._batch_threads > threads
        if more:  # a batch is real work for every core (rebuild: ~2x faster); queries stay on one thread
            import torch

            torch.set_num_threads(self._batch_threads)  # torch applies it to this thread (and new ones)
        try:
            vectors = model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        finally:
            if more:
                torch.set_num_threads(threads)
        self.documents_embedded += len(texts)
        return [vector.tolist() for vector in vectors]

    def _embed_query(self, text: str) -> Vector:
        model = self.load()
        if self.threads and not getattr(self._per_thread, "threads_set", False):
            # torch keeps the intra-op thread count per OS thread (a thread takes the process value when
            # it first runs an op): pin it once in every thread that embeds queries.
            import torch

            torch.set_num_threads(self.threads)
            self._per_thread.threads_set = True
        fast = self._fast_path(model)
        if fast is not None:
            vector = fast(text)
        else:
            vector = model.encode(
                [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )[0]
        self.queries_embedded += 1
        return tuple(float(value) for value in vector)

    def _fast_path(self, model: Any) -> Any:
        """Single-query encoding without SentenceTransformer.encode's batching overhead (about 4 ms of a
        ~17 ms query here), traced with TorchScript when that gives the same vectors (RAG_QUERY_JIT).
        Used only for the plain Transformer -> mean Pooling (-> Normalize) stack of MiniLM, where it
        gives the same vector; anything else goes through encode()."""
        if getattr(self, "_fast", False) is not False:
            return self._fast
        with self._fast_lock:  # build (and trace) once, even when the first queries arrive together
            if self._fast is False:
                self._build_fast_path(model)
        return self._fast

    def _build_fast_path(self, model: Any) -> None:
        try:
            import torch

            modules = list(model)
            names = [type(module).__name__ for module in modules]
            pooling = modules[1] if len(modules) > 1 else None
            if (
                names[:2] != ["Transformer", "Pooling"]
                or set(names[2:]) - {"Normalize"}
                or getattr(pooling, "pooling_mode", None) not in (None, "mean")
                or not getattr(pooling, "pooling_mode_mean_tokens", True)
            ):
                self._fast, self.query_path = None, "encode"
                return
            tokenizer, transformer = model.tokenizer, modules[0].auto_model
            max_length = int(getattr(model, "max_seq_length", 256) or 256)

            def tokens(text: str) -> Any:
                return tokenizer([text], return_tensors="pt", truncation=True, max_length=max_length)

            class MeanPooled(torch.nn.Module):
                def __init__(self) -> None:
                    super().__init__()
                    self.transformer = transformer

                def forward(self, input_ids: Any, attention_mask: Any) -> Any:
                    hidden = self.transformer(
                        input_ids=input_ids, attention_mask=attention_mask
                    ).last_hidden_state
                    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                    return torch.nn.functional.normalize(pooled, dim=1)

            eager_module = MeanPooled().eval()

            def eager(text: str) -> Any:
                with torch.inference_mode():
                    batch = tokens(text)
                    return eager_module(batch["input_ids"], batch["attention_mask"])[0].numpy()

            self._fast, self.query_path = eager, "eager"
            if self.jit:
                traced = self._traced(eager_module, tokens, eager)
                if traced is not None:

                    def encode(text: str) -> Any:
                        with torch.inference_mode():
                            batch = tokens(text)
                            return traced(batch["input_ids"], batch["attention_mask"])[0].numpy()

                    self._fast, self.query_path = encode, "jit"
        except Exception:  # any surprise: fall back to encode()
            self._fast, self.query_path = None, "encode"

    @staticmethod
    def _traced(module: Any, tokens: Any, eager: Any) -> Any:
        """The same forward pass traced and frozen with TorchScript: no Python per layer and op, about a
        third off a short query's encoding here. Kept only if it gives eager's vectors on probe texts of
        several lengths (tracing records one run; with one unpadded text the model takes no
        length-dependent branch, and this checks it); otherwise None and the eager path is used."""
        import warnings

        import numpy as np
        import torch

        probes = [
            "hi",
            "do you have a vegan soup without peanuts",
            "we are twelve people and would like to book "
            "a private dinner on sunday evening with a vegetarian menu and a birthday cake, is that possible",
        ]
        from transformers.utils import logging as hf_logging

        verbosity = hf_logging.get_verbosity()
        # tracing makes transformers log config notes; nothing to act on (the helper is unannotated)
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # TracerWarnings about Python values; checked below instead
                example = tokens(probes[1])
                traced = torch.jit.freeze(
                    # torch.jit.trace has no annotations
                    torch.jit.trace(  # type: ignore[no-untyped-call]
                        module, (example["input_ids"], example["attention_mask"]), check_trace=False
                    )
                )
            for text in probes * 2:  # also warms up TorchScript's profiling runs
                with torch.inference_mode():
                    batch = tokens(text)
                    got = traced(batch["input_ids"], batch["attention_mask"])[0].numpy()
                if float(np.abs(got - eager(text)).max()) > 1e-5:
                    return None
            return traced
        except Exception:
            return None
        finally:
            hf_logging.set_verbosity(verbosity)


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model_path: str | None = None) -> Embedder:
    """One Embedder (hence one loaded model) per model path per process."""
    key = model_path or ""
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Embedder(model_path)
        return _shared[key]
