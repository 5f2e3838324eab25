"""The one module that talks to mem0ai: builds Mem0 over our embedder and vector store, adds, deletes, searches.

Isolation and speed come from the same choice: every project gets its own collection
(``collab_p<id>``), all sharing one vector-store client. A query therefore can only ever see its own
project's vectors, and local Qdrant never has to evaluate a payload filter (about 10x slower than an
unfiltered scan at 100k points). Each point still carries ``run_id`` = project, ``actor_id`` = author
and our message id, exactly as Mem0's own ``add(infer=False)`` writes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from collab_core.errors import IndexingError
from collab_core.memory.embeddings import Embedder
from collab_core.settings import Settings

os.environ["MEM0_TELEMETRY"] = "False"  # before mem0 is imported anywhere

log = logging.getLogger(__name__)

# Local Qdrant warns "Local mode is not recommended for >20,000 points" on open and on every upsert
# past that. Our collections use dot-product scans (see _ensure_local_collection), measured at
# 100k points in docs/benchmarks.md; projects beyond that are pointed at QDRANT_URL or PostgreSQL.
warnings.filterwarnings("ignore", message="Local mode is not recommended")

_EMBEDDERS: dict[str, Embedder] = {}


@dataclass(frozen=True)
class IndexItem:
    """One message to put in the memory index."""

    project_id: int
    message_id: int
    author: str
    role: str
    kind: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SemanticHit:
    """One semantic-search result: our message id and cosine similarity."""

    message_id: int
    score: float
    memory_id: str


def run_id(project_id: int) -> str:
    """The Mem0 run_id (session scope) of a project."""
    return f"project-{project_id}"


def _collection(project_id: int) -> str:
    return f"collab_p{project_id}"


def _hnsw_index(project_id: int) -> str:
    # The name Mem0's pgvector store gives the index it creates with the table.
    return f"{_collection(project_id)}_hnsw_idx"


def _pg_index_valid(conn: Any, project_id: int) -> bool:
    row = conn.execute(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (_hnsw_index(project_id),)
    ).fetchone()
    return bool(row and row[0])


# pgvector HNSW search: ef_search is the candidate list size; with strict-order iterative scans
# (pgvector >= 0.8) the index keeps scanning until LIMIT rows are found, so a 100-500 row pool
# for fusion is complete and exactly ordered without raising ef_search for every query.
PG_HNSW_EF_SEARCH = 100
PG_HNSW_ITERATIVE_SCAN = "strict_order"
# Serialises collection DDL (CREATE EXTENSION / TABLE / INDEX) across app servers: two processes
# creating the same table at once would otherwise fail on a pg_type unique violation.
_PG_DDL_LOCK = "collab:pgvector:ddl"


def _configure_pg_connection(conn: Any) -> None:
    conn.execute(f"SET hnsw.ef_search = {int(PG_HNSW_EF_SEARCH)}")
    conn.execute(f"SET hnsw.iterative_scan = {PG_HNSW_ITERATIVE_SCAN}")
    conn.commit()


class _SharedPool:
    """Hands Mem0 one shared psycopg pool without letting it close the pool.

    Mem0's PGVector closes its pool in ``__del__``; every project's store shares this one, so
    only MemoryIndex.close() closes the real pool.
    """

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    def connection(self, *args: Any, **kwargs: Any) -> Any:
        return self._pool.connection(*args, **kwargs)

    def close(self) -> None:
        return None


class _Mem0Embedder:
    """Adapter from our Embedder to Mem0's EmbeddingBase (query vs passage by memory_action)."""

    def __init__(self, config: Any = None) -> None:
        key = (config.model_kwargs or {}).get("collab_embedder") if config else None
        self.config = config
        self._embedder = _EMBEDDERS[key]

    def embed(self, text: str, memory_action: str | None = None) -> list[float]:
        if memory_action == "search":
            return unit(self._embedder.embed_query(text)).tolist()
        return unit(self._embedder.embed_passages([text]))[0].tolist()

    def embed_batch(self, texts: list[str], memory_action: str = "add") -> list[list[float]]:
        return unit(self._embedder.embed_passages(list(texts))).tolist()


def unit(vectors: np.ndarray) -> np.ndarray:
    """Scale vectors (one or a matrix of rows) to length 1, so a dot product is their cosine."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norms > 0, norms, 1.0)


class MemoryIndex:
    """Per-project Mem0 memories over one shared vector-store client."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        os.environ.setdefault("MEM0_DIR", str((settings.data_dir / "mem0").resolve()))
        from mem0 import Memory
        from mem0.configs.base import MemoryConfig
        from mem0.embeddings.configs import EmbedderConfig
        from mem0.memory.storage import SQLiteManager
        from mem0.utils.factory import EmbedderFactory

        logging.getLogger("mem0").setLevel(logging.ERROR)
        self._Memory = Memory
        self._MemoryConfig = MemoryConfig
        self.settings = settings
        self.embedder = embedder
        self._key = f"collab-{id(embedder)}"
        _EMBEDDERS[self._key] = embedder
        EmbedderFactory.provider_to_class["collab_core"] = "collab_core.memory.index._Mem0Embedder"
        # Mem0 validates provider names against a fixed list; our provider is registered above,
        # so the config is built without that validation (the one seam, kept here).
        self._embedder_config = EmbedderConfig.model_construct(
            provider="collab_core",
            config={"embedding_dims": embedder.dims, "model_kwargs": {"collab_embedder": self._key}},
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._history_path = str((settings.data_dir / "mem0_history.db").resolve())
        self._history = SQLiteManager(self._history_path)
        self.store_kind = settings.resolved_vector_store
        self._client = self._make_client()
        self._memories: dict[int, Any] = {}
        self._lock = threading.RLock()
        self._pg_vector_type: Any = None

    # -- construction -------------------------------------------------------------------------

    def _make_client(self) -> Any:
        if self.store_kind == "qdrant-local":
            from qdrant_client import QdrantClient

            path = self.settings.data_dir / "qdrant"
            path.mkdir(parents=True, exist_ok=True)
            try:
                return QdrantClient(path=str(path))
            except RuntimeError as exc:  # portalocker: another process holds the local store
                raise IndexingError(
                    f"The local vector store {path} is in use by another process.",
                    hint="Stop the other app/CLI process using this data dir, or set QDRANT_URL.",
                ) from exc
        if self.store_kind == "qdrant-server":
            from qdrant_client import QdrantClient

            return QdrantClient(url=self.settings.qdrant_url, api_key=self.settings.qdrant_api_key or None)
        if self.store_kind == "pgvector":
            # One psycopg 3 pool for every project's collection, sized like the SQL pool.
            from psycopg_pool import ConnectionPool

            from collab_core.store.pg import libpq_url

            return ConnectionPool(
                conninfo=libpq_url(self.settings.resolved_database_url),
                min_size=1,
                max_size=max(2, self.settings.db_pool_size),
                configure=_configure_pg_connection,
                open=True,
                name="collab-pgvector",
            )
        raise IndexingError(
            f"Unknown vector store {self.store_kind!r}.", hint="Use qdrant-local, qdrant-server or pgvector."
        )

    def _vector_store_config(self, project_id: int) -> dict[str, Any]:
        if self.store_kind == "pgvector":
            return {
                "provider": "pgvector",
                "config": {
                    "collection_name": _collection(project_id),
                    "embedding_model_dims": self.embedder.dims,
                    "connection_pool": _SharedPool(self._client),
                    "hnsw": True,
                    "diskann": False,
                },
            }
        return {
            "provider": "qdrant",
            "config": {
                "collection_name": _collection(project_id),
                "embedding_model_dims": self.embedder.dims,
                "client": self._client,
            },
        }

    def _memory(self, project_id: int) -> Any:
        with self._lock:
            mem = self._memories.get(project_id)
            if mem is not None:
                return mem
            llm: dict[str, Any] = {
                "provider": "openai",
                # Mem0 builds an LLM client eagerly even though add(infer=False) never calls it;
                # without a configured LLM it gets a placeholder key and is never used.
                "config": {
                    "api_key": self.settings.openai_api_key or "llm-not-configured",
                    "model": self.settings.llm_model,
                    **({"openai_base_url": self.settings.openai_base_url} if self.settings.openai_base_url else {}),
                },
            }
            config = self._MemoryConfig.model_construct(
                vector_store=self._MemoryConfig.model_fields["vector_store"].annotation(
                    **self._vector_store_config(project_id)
                ),
                llm=self._MemoryConfig.model_fields["llm"].annotation(**llm),
                embedder=self._embedder_config,
                history_db_path=":memory:",
                reranker=None,
                version="v1.1",
                custom_instructions=None,
            )
            if self.store_kind == "qdrant-local":
                self._ensure_local_collection(project_id)
            try:
                with warnings.catch_warnings():
                    # Mem0 asks local Qdrant for payload indexes it then ignores; nothing to act on.
                    warnings.filterwarnings("ignore", message="Payload indexes have no effect")
                    mem = self._Memory(config)
            except Exception as exc:
                raise IndexingError(f"Could not open the memory index: {exc}") from exc
            mem.db.close()
            mem.db = self._history  # one history database for all projects
            if self.store_kind == "pgvector":
                self._ensure_pg_collection(mem)
            self._memories[project_id] = mem
            return mem

    def _ensure_local_collection(self, project_id: int) -> None:
        """Create a project's local Qdrant collection with dot-product distance (Mem0 then reuses it).

        Local Qdrant is a brute-force scan, and for cosine it re-normalises every stored vector on
        every query (about 90 ms of a 165 ms query at 100k points here). Every vector we store is
        unit length (see `unit`), so the dot product is the cosine and the scan is one matrix-vector
        product. Collections made before this keep cosine and still work; `reindex` recreates them.
        """
        from qdrant_client import models

        name = _collection(project_id)
        if self._client.collection_exists(name):
            return
        self._client.create_collection(
            collection_name=name,
            vectors_config=models.VectorParams(size=self.embedder.dims, distance=models.Distance.DOT),
            # The same sparse slot Mem0 creates (its optional BM25 side; unused offline).
            sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        # Local Qdrant holds a collection it creates as a float32 matrix, but one it loads from disk
        # as float64, and every query reaches it as float64 (its client turns arrays into lists).
        # So in the process that created a collection, each query converted the whole matrix:
        # +60 ms per search at 100k points, until a restart. Start new collections as float64 too.
        local = getattr(getattr(self._client, "_client", None), "collections", {}).get(name)
        for vector_name, matrix in getattr(local, "vectors", {}).items():
            local.vectors[vector_name] = matrix.astype(np.float64)

    def cosine_collections(self, project_ids: Sequence[int]) -> list[int]:
        """Projects whose local Qdrant collection still uses cosine distance (made before dot-product
        collections; slower at scale): `reindex` recreates them. Always empty on other stores."""
        if self.store_kind != "qdrant-local":
            return []
        from qdrant_client import models

        slow = []
        for pid in project_ids:
            name = _collection(pid)
            if self._client.collection_exists(name):
                params = self._client.get_collection(name).config.params.vectors
                if getattr(params, "distance", None) == models.Distance.COSINE:
                    slow.append(pid)
        return slow

    def _ensure_pg_collection(self, mem: Any) -> None:
        """Create the project's pgvector table (HNSW index) once, under a cluster-wide advisory lock."""
        from collab_core.store.pg import advisory_key

        key = advisory_key(_PG_DDL_LOCK)
        try:
            with self._client.connection() as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", (key,))
                try:
                    mem.vector_store._ensure_collection()
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        except Exception as exc:
            raise IndexingError(
                f"Could not prepare the pgvector collection: {exc}",
                hint="The database needs the pgvector extension: run CREATE EXTENSION vector as an administrator.",
            ) from exc

    def _pg_count(self, project_id: int) -> int:
        from psycopg import sql

        with self._client.connection() as conn:
            if conn.execute("SELECT to_regclass(%s)", (_collection(project_id),)).fetchone()[0] is None:
                return 0
            q = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(_collection(project_id)))
            return int(conn.execute(q).fetchone()[0])

    # -- writes -------------------------------------------------------------------------------

    def add(self, item: IndexItem) -> str:
        """Index one message through Mem0's own add (infer=False); returns the memory id."""
        mem = self._memory(item.project_id)
        with self._lock:
            result = mem.add(
                [
                    {
                        "role": "assistant" if item.role == "assistant" else "user",
                        "content": item.text,
                        "name": item.author,
                    }
                ],
                run_id=run_id(item.project_id),
                metadata=self._metadata(item),
                infer=False,
            )
        rows = result.get("results", [])
        if not rows:
            raise IndexingError("The memory index accepted nothing for this message.")
        memory_id = str(rows[0]["id"])
        # Mem0's add also writes the text to its history db, a file on this app server. SQL is the
        # one copy of a message: with several servers, a delete made on another server could never
        # reach this file, so the text is not kept there at all.
        self._purge_history([memory_id])
        return memory_id

    def add_batch(self, items: Sequence[IndexItem], *, vectors: np.ndarray | None = None) -> list[str]:
        """Index many messages with one batched embedding call per chunk and one upsert per project.

        Writes the same payload Mem0's add(infer=False) writes, so Mem0 reads, searches and deletes
        these points like its own. Returns memory ids in item order.
        """
        if not items:
            return []
        vectors = unit(self.embedder.embed_passages([it.text for it in items]) if vectors is None else vectors)
        ids = [str(uuid.uuid4()) for _ in items]
        by_project: dict[int, list[int]] = {}
        for i, it in enumerate(items):
            by_project.setdefault(it.project_id, []).append(i)
        for project_id, idx in by_project.items():
            mem = self._memory(project_id)
            payloads = []
            for i in idx:
                it = items[i]
                created = datetime.now(UTC).isoformat()
                payload = {
                    **self._metadata(it),
                    "run_id": run_id(project_id),
                    "role": "assistant" if it.role == "assistant" else "user",
                    "actor_id": it.author,
                    "data": it.text,
                    "hash": hashlib.md5(it.text.encode()).hexdigest(),
                    "created_at": created,
                    "updated_at": created,
                    "text_lemmatized": it.text,
                }
                payloads.append(payload)
            if self.store_kind == "pgvector":
                self._pg_copy(project_id, [ids[i] for i in idx], vectors[idx], payloads)
                continue
            with self._lock:
                mem.vector_store.insert(
                    vectors=[vectors[i].tolist() for i in idx],
                    ids=[ids[i] for i in idx],
                    payloads=payloads,
                )
        return ids

    def _pg_copy(self, project_id: int, ids: list[str], vectors: np.ndarray, payloads: list[dict[str, Any]]) -> None:
        """The rows Mem0's pgvector insert writes (id, vector, payload), sent with one binary COPY
        instead of one INSERT per row."""
        from pgvector.psycopg.vector import register_vector_info
        from psycopg import sql
        from psycopg.types import TypeInfo
        from psycopg.types.json import Jsonb

        copy = sql.SQL("COPY {} (id, vector, payload) FROM STDIN WITH (FORMAT BINARY)").format(
            sql.Identifier(_collection(project_id))
        )
        with self._client.connection() as conn, conn.cursor() as cur:
            if self._pg_vector_type is None:  # the vector type's oid: one catalog lookup per process
                self._pg_vector_type = TypeInfo.fetch(conn, "vector")
            register_vector_info(cur, self._pg_vector_type)  # numpy rows as binary vectors, on this cursor only
            with cur.copy(copy) as out:
                out.set_types(["uuid", "vector", "jsonb"])
                for mid, vec, payload in zip(ids, vectors, payloads, strict=True):
                    out.write_row((uuid.UUID(mid), vec, Jsonb(payload)))

    # -- bulk loads (pgvector) ------------------------------------------------------------------

    @contextlib.contextmanager
    def bulk_load(self, project_id: int, *, adding: int) -> Iterator[None]:
        """Wrap a large load into one project's collection (import, restore, reindex, migrate).

        pgvector puts each inserted vector into the HNSW graph one at a time, about 3 ms of server
        CPU per vector at 100k here, while building the index after loading costs a fraction of
        that (pgvector's advice for initial loads). So a load of at least ``bulk_index_min``
        vectors into a collection holding fewer than it adds drops the project's HNSW index first
        and builds it again on the way out, whatever happens in between, with CREATE INDEX
        CONCURRENTLY so other app servers' posts are never blocked. Meanwhile that project's
        searches are exact scans: the same answers, slower. Other stores: nothing to do.
        """
        if self.store_kind != "pgvector":
            yield
            return
        if adding >= self.settings.bulk_index_min and self.count(project_id) < adding:
            with self._pg_index_session(project_id) as conn:
                conn.execute(self._pg_sql("DROP INDEX CONCURRENTLY IF EXISTS {index}", project_id))
        try:
            yield
        finally:
            self.ensure_vector_index(project_id)

    def vector_index_ok(self, project_id: int) -> bool:
        """Whether the project's collection has its (valid) HNSW index; always true off pgvector."""
        if self.store_kind != "pgvector":
            return True
        self._memory(project_id)
        with self._client.connection() as conn:
            return _pg_index_valid(conn, project_id)

    def ensure_vector_index(self, project_id: int) -> bool:
        """Build the project's HNSW index if it is missing or invalid (an interrupted load or build).

        Returns True if it had to be built. Sized ``maintenance_work_mem`` keeps the graph in memory
        while building (pgvector falls back to a much slower build otherwise).
        """
        if self.vector_index_ok(project_id):
            return False
        with self._pg_index_session(project_id) as conn:
            if _pg_index_valid(conn, project_id):  # another server built it meanwhile
                return False
            count = self._pg_count(project_id)
            mb = min(1024, max(64, int(count * (4 * self.embedder.dims + 1024) * 1.25 / 2**20) + 1))
            conn.execute(f"SET maintenance_work_mem = '{mb}MB'")
            conn.execute(self._pg_sql("DROP INDEX CONCURRENTLY IF EXISTS {index}", project_id))
            conn.execute(
                self._pg_sql(
                    "CREATE INDEX CONCURRENTLY {index} ON {table} USING hnsw (vector vector_cosine_ops)", project_id
                )
            )
        log.info("built the vector index of project %s (%s vectors)", project_id, count)
        return True

    @staticmethod
    def _pg_sql(template: str, project_id: int) -> Any:
        from psycopg import sql

        return sql.SQL(template).format(
            index=sql.Identifier(_hnsw_index(project_id)), table=sql.Identifier(_collection(project_id))
        )

    @contextlib.contextmanager
    def _pg_index_session(self, project_id: int) -> Iterator[Any]:
        """An autocommit connection (CONCURRENTLY needs one) holding the project's index lock, so
        two app servers never drop or build the same index at once."""
        import psycopg

        from collab_core.store.pg import advisory_key, libpq_url

        self._memory(project_id)  # the table exists
        key = advisory_key(f"collab:pgvector:index:{project_id}")
        with psycopg.connect(libpq_url(self.settings.resolved_database_url), autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield conn
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    @staticmethod
    def _metadata(item: IndexItem) -> dict[str, Any]:
        return {
            "message_id": item.message_id,
            "project_id": item.project_id,
            "kind": item.kind,
            "message_role": item.role,
            "message_time": item.created_at.isoformat(),
        }

    def delete(self, project_id: int, memory_id: str) -> None:
        """Remove one memory; a memory that is already gone is not an error."""
        mem = self._memory(project_id)
        with self._lock, contextlib.suppress(ValueError):  # not found: already removed
            mem.delete(memory_id)
        self._purge_history([memory_id])

    def drop_project(self, project_id: int) -> None:
        """Delete a project's whole collection (reindex, project deletion)."""
        mem = self._memory(project_id)
        with self._lock:
            try:
                listed = mem.vector_store.list(top_k=10_000_000)
                self._purge_history([str(p.id) for p in (listed[0] if listed else [])])
            except Exception as exc:  # an empty or missing collection has nothing to purge
                log.debug("list collection: %s", exc)
            try:
                mem.vector_store.delete_col()
            except Exception as exc:  # a collection that does not exist is fine
                log.debug("drop collection: %s", exc)
            self._memories.pop(project_id, None)

    def _purge_history(self, memory_ids: list[str]) -> None:
        """Mem0 keeps every memory's text in its history db, even after a delete; a removed
        message must really leave (data dirs written before history was purged on add, too)."""
        if not memory_ids:
            return
        db = self._history
        with db._lock:
            db.connection.executemany("DELETE FROM history WHERE memory_id = ?", [(m,) for m in memory_ids])
            db.connection.commit()

    # -- reads --------------------------------------------------------------------------------

    def search(
        self, project_id: int, query: str, *, limit: int = 50, vector: np.ndarray | None = None
    ) -> list[SemanticHit]:
        """Nearest messages of one project; the collection itself is the project scope."""
        mem = self._memory(project_id)
        vector = unit(self.embedder.embed_query(query) if vector is None else vector)
        with self._lock:
            if self.store_kind == "pgvector":
                points = mem.vector_store.search(query=query, vectors=vector.tolist(), top_k=limit, filters=None)
            else:
                # The same query Mem0's Qdrant store sends, asking only for our message id: local
                # Qdrant deep-copies every returned payload (~7 ms for 200 hits at 100k points).
                points = self._client.query_points(
                    collection_name=_collection(project_id),
                    query=vector.tolist(),
                    limit=limit,
                    with_payload=["message_id"],
                ).points
        hits = []
        for p in points:
            payload = p.payload if hasattr(p, "payload") else {}
            mid = payload.get("message_id")
            if mid is None:
                continue
            hits.append(SemanticHit(message_id=int(mid), score=float(p.score), memory_id=str(p.id)))
        return hits

    def search_mem0(self, project_id: int, query: str, *, limit: int = 10) -> list[dict[str, Any]]:
        """Mem0's own search (filters={"run_id": ...}); used by diagnostics as a smoke test."""
        mem = self._memory(project_id)
        with self._lock:
            return mem.search(query, filters={"run_id": run_id(project_id)}, top_k=limit)["results"]

    def count(self, project_id: int) -> int:
        mem = self._memory(project_id)
        with self._lock:
            if self.store_kind == "pgvector":
                return self._pg_count(project_id)
            if self._client is not None:
                return int(self._client.count(_collection(project_id), exact=True).count)
            return len(mem.vector_store.list(top_k=10_000_000)[0])

    def close(self) -> None:
        with self._lock:
            self._memories.clear()
            if self._client is not None:
                with contextlib.suppress(Exception):  # a broken client must not mask the real error
                    self._client.close()
            self._history.close()
        _EMBEDDERS.pop(self._key, None)


def store_path(settings: Settings) -> Path:
    """Where the local vector store lives (diagnostics)."""
    return settings.data_dir / "qdrant"
