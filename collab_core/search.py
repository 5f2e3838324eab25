"""Hybrid search: keyword (CJK bigrams + stemmed words over SQL full-text) and semantic (Mem0), fused.

Both sides are scoped to one project before ranking; filters (author, kind, date range) apply to
both. Each hit says which side(s) found it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text

from .authz import require
from .memory import MemoryIndex
from .messages import MessageService, _bound, to_utc_naive
from .models import Message, SearchHit, TimeFilter
from .text import tokenize

RRF_K = 60


@dataclass(frozen=True)
class _Ranked:
    message_id: int
    score: float


def _fts_query(terms: list[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(terms))


class SearchService:
    """Project-scoped hybrid retrieval used by the search page, the assistant and `eval`."""

    def __init__(self, engine: Engine, memory: MemoryIndex, messages: MessageService) -> None:
        self.engine = engine
        self.memory = memory
        self.messages = messages
        self.dialect = engine.dialect.name

    def keyword(
        self, conn: Connection, project_id: int, terms: list[str], *, limit: int, filters: TimeFilter = TimeFilter()
    ) -> list[_Ranked]:
        """BM25-ranked keyword matches (SQLite FTS5) or ts_rank (PostgreSQL)."""
        if not terms:
            return []
        params: dict[str, object] = {"pid": project_id, "k": limit}
        extra = []
        if filters.author_ids:
            extra.append("m.author_id IN (" + ",".join(str(int(a)) for a in filters.author_ids) + ")")
        if filters.kinds:
            for i, k in enumerate(filters.kinds):
                params[f"kind{i}"] = k
            extra.append("m.kind IN (" + ",".join(f":kind{i}" for i in range(len(filters.kinds))) + ")")
        start, end = _bound(filters.start, end=False), _bound(filters.end, end=True)
        if start is not None:
            params["start"] = start
            extra.append("m.created_at >= :start")
        if end is not None:
            params["end"] = end
            extra.append("m.created_at < :end" if not isinstance(filters.end, datetime) else "m.created_at <= :end")
        where = "".join(" AND " + e for e in extra)
        if self.dialect == "sqlite":
            params["q"] = _fts_query(terms)
            sql = (
                "SELECT m.id, bm25(message_fts) AS s FROM message_fts "
                "JOIN message_terms t ON t.message_id = message_fts.rowid "
                "JOIN messages m ON m.id = t.message_id "
                f"WHERE message_fts MATCH :q AND t.project_id = :pid{where} ORDER BY s LIMIT :k"
            )
            rows = conn.execute(text(sql), params).all()
            return [_Ranked(int(r[0]), -float(r[1])) for r in rows]
        params["q"] = " | ".join("'" + t.replace("'", "''") + "'" for t in dict.fromkeys(terms))
        # t.tsv: stored to_tsvector('simple', terms) with a GIN index (migration 0003); ranking reads
        # it instead of re-parsing every match. The messages join is needed only for filters.
        join = " JOIN messages m ON m.id = t.message_id" if where else ""
        sql = (
            "SELECT t.message_id, ts_rank(t.tsv, to_tsquery('simple', :q)) AS s "
            f"FROM message_terms t{join} "
            f"WHERE t.tsv @@ to_tsquery('simple', :q) AND t.project_id = :pid{where} "
            "ORDER BY s DESC, t.message_id DESC LIMIT :k"
        )
        rows = conn.execute(text(sql), params).all()
        return [_Ranked(int(r[0]), float(r[1])) for r in rows]

    def search(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        query: str,
        limit: int = 20,
        filters: TimeFilter = TimeFilter(),
    ) -> list[SearchHit]:
        """Top `limit` messages for the query, best first."""
        query = (query or "").strip()
        if not query:
            return []
        terms = tokenize(query)
        filtered = bool(filters.author_ids or filters.kinds or filters.start or filters.end)
        pool = max(100, limit * 5) * (5 if filtered else 1)
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "search")
            kw = self.keyword(conn, project_id, terms, limit=pool, filters=filters)
        sem = [_Ranked(h.message_id, h.score) for h in self.memory.search(project_id, query, limit=pool)]
        fused: dict[int, float] = {}
        sources: dict[int, set[str]] = {}
        for side, ranked in (("keyword", kw), ("semantic", sem)):
            for rank, r in enumerate(ranked):
                fused[r.message_id] = fused.get(r.message_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                sources.setdefault(r.message_id, set()).add(side)
        order = sorted(fused, key=lambda m: -fused[m])
        with self.engine.connect() as conn:
            found = self.messages.fetch(conn, order[: limit * 10 if filtered else limit * 3])
        hits: list[SearchHit] = []
        for mid in order:
            m = found.get(mid)
            if m is None or m.project_id != project_id or m.is_deleted or not _passes(m, filters):
                continue
            hits.append(
                SearchHit(
                    message=m,
                    score=fused[mid],
                    sources=tuple(sorted(sources[mid])),
                    terms=tuple(t for t in dict.fromkeys(terms) if t in m.content.lower()),
                )
            )
            if len(hits) >= limit:
                break
        return hits


def _passes(m: Message, f: TimeFilter) -> bool:
    if f.author_ids and m.author_id not in f.author_ids:
        return False
    if f.kinds and m.kind not in f.kinds:
        return False
    created = to_utc_naive(m.created_at)[0]
    start, end = _bound(f.start, end=False), _bound(f.end, end=True)
    if start is not None and created < start:
        return False
    return not (end is not None and (created > end if isinstance(f.end, datetime) else created >= end))
