"""Hybrid search: keyword (CJK bigrams + stemmed words over SQL full-text) and semantic (Mem0), fused.

Both sides are scoped to one project before ranking; filters (author, kind, date range) apply to
both. Each hit says which side(s) found it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, select, text

from collab_core.chat.message_values import _bound, to_local, to_utc_naive
from collab_core.chat.messages import MessageService
from collab_core.memory.index import MemoryIndex
from collab_core.memory.query import asks_what_was_said, mentioned_people, parse_dates
from collab_core.memory.text import detect_language, query_terms
from collab_core.models import Message, SearchHit, TimeFilter
from collab_core.people.roles import require
from collab_core.store.schema import memberships, messages, users

RRF_K = 5
CANDIDATES = 200  # per side; person/date re-ranking looks this deep
FUSION_DEPTH = 100  # ranks of each side that enter the main fusion
SUBSET_WEIGHT = 1.0
SAID_WEIGHT = 2.0
NEIGHBOUR_TOP = 30
NEIGHBOUR_SHARE = 0.3
# Weight of the other-language semantic slot. Measured on team_eval_dev recall@10: 1.0 -> 0.783,
# 1.5 -> 0.810, 2.0 -> 0.835, 3.0 -> 0.798 (0 -> 0.731); LoCoMo (English only) is unchanged.
CROSS_WEIGHT = 2.0
COVERAGE_TOP = 5


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
            # The messages join is needed only for filters: every match is ranked, so at 100k
            # messages a common word's ~10k matches would each cost a row lookup.
            join = " JOIN messages m ON m.id = t.message_id" if where else ""
            sql = (
                "SELECT t.message_id, bm25(message_fts) AS s FROM message_fts "
                f"JOIN message_terms t ON t.message_id = message_fts.rowid{join} "
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
        include_ai: bool = False,
    ) -> list[SearchHit]:
        """Top `limit` messages for the query, best first.

        The assistant's answers are output, not what people wrote: they are left out unless
        `include_ai` asks for them, and then they rank like any message (never boosted).
        """
        query = (query or "").strip()
        if not query:
            return []
        terms = query_terms(query)
        filtered = bool(filters.author_ids or filters.kinds or filters.start or filters.end)
        pool = max(CANDIDATES, limit * 5) * (3 if filtered else 1)
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "search")
            window = parse_dates(query, self._newest_day(conn, project_id))
            names = self._people(conn, project_id)
            kw_filters = filters
            if window is not None and window.strict and not (filters.start or filters.end):
                # Let SQL pre-select the stated range (a day wider: SQL bounds are UTC, the window is the
                # author's local date); the exact local-date check happens below.
                kw_filters = replace(
                    filters,
                    start=window.start - timedelta(days=1) if window.start else None,
                    end=window.end + timedelta(days=1) if window.end else None,
                )
            # The semantic side (query embedding + vector search) runs beside the keyword query:
            # both spend their time outside the GIL (native embedder, database I/O).
            semantic = _SEMANTIC.submit(self.memory.search, project_id, query, limit=pool)
            kw = self.keyword(conn, project_id, terms, limit=pool, filters=kw_filters)
        sem = [_Ranked(h.message_id, h.score) for h in semantic.result()]
        with self.engine.connect() as conn:
            found = self.messages.fetch(conn, {r.message_id for r in kw} | {r.message_id for r in sem})

        def usable(m: Message | None) -> bool:
            if m is None or m.project_id != project_id or m.is_deleted or not _passes(m, filters):
                return False
            if m.role == "assistant" and not include_ai:
                return False
            return window is None or not window.strict or window.contains(m.created_at.date())

        kw = [r for r in kw if usable(found.get(r.message_id))]
        sem = [r for r in sem if usable(found.get(r.message_id))]
        sources: dict[int, set[str]] = {}
        for side, ranked in (("keyword", kw), ("semantic", sem)):
            for r in ranked:
                sources.setdefault(r.message_id, set()).add(side)
        fused = _rrf(kw[:FUSION_DEPTH], sem[:FUSION_DEPTH])
        # The keyword side cannot see a message written in the other language, so in a bilingual
        # project the semantic side's other-language results get a fusion slot of their own instead
        # of competing with same-language word matches for the top ranks. Not when the keyword side
        # already has an answer (one of its best matches holds every query term: "배포",
        # "certificates") or the query itself mixes both languages ("SSL 인증서 staging").
        for mid, v in self._cross_lingual(query, terms, kw, sem, found).items():
            fused[mid] = fused.get(mid, 0.0) + v

        # A question about a person or a day is also answered as if the user had set that filter: the
        # filtered ranking is added to the unfiltered one, so the person's / day's best matches rise even
        # when other messages share more words with the question.
        people = mentioned_people(query, names | {m.author: m.author_id for m in found.values()})
        # Asking for someone's own words ("what did Daniel say") weighs the person more than merely naming them.
        subsets = []
        if people:
            weight = SAID_WEIGHT if asks_what_was_said(query) else SUBSET_WEIGHT
            subsets.append((weight, lambda m: m.author_id in people))
        if window is not None and not window.strict:
            subsets.append((SUBSET_WEIGHT, lambda m: window.contains(m.created_at.date())))
        for weight, keep in subsets:
            sub = _rrf(*([r for r in side if keep(found[r.message_id])] for side in (kw, sem)))
            for mid, v in sub.items():
                fused[mid] = fused.get(mid, 0.0) + weight * v
        # Conversation context: the answer to a matching question is usually the next message, and a
        # matching answer needs the message it replies to, so each top hit lends its neighbours a share of
        # its score. A neighbour found only this way reports the side that found its neighbour.
        top = sorted(fused, key=lambda m: -fused[m])[:NEIGHBOUR_TOP]
        with self.engine.connect() as conn:
            adjacent = self._neighbours(conn, top)
            missing = {n for ns in adjacent.values() for n in ns if n not in found}
            found |= self.messages.fetch(conn, missing)
        scores = dict(fused)
        for mid in top:
            for n in adjacent[mid]:
                if usable(found.get(n)):
                    scores[n] = scores.get(n, 0.0) + NEIGHBOUR_SHARE * fused[mid]
                    if n not in sources:
                        sources[n] = set(sources[mid])

        hits: list[SearchHit] = []
        for mid in sorted(scores, key=lambda m: -scores[m])[:limit]:
            m = found[mid]
            hits.append(
                SearchHit(
                    message=m,
                    score=scores[mid],
                    sources=tuple(sorted(sources[mid])),
                    terms=tuple(t for t in dict.fromkeys(terms) if t in m.content.lower()),
                )
            )
        return hits

    @staticmethod
    def _cross_lingual(
        query: str, terms: list[str], kw: list[_Ranked], sem: list[_Ranked], found: dict[int, Message]
    ) -> dict[int, float]:
        """Extra fusion score for semantic hits written in the other language than the query."""
        lang = detect_language(query)
        if len({detect_language(t) for t in terms}) > 1:
            return {}
        if _coverage(terms, [found[r.message_id] for r in kw[:COVERAGE_TOP]]) >= 1.0:
            return {}
        other = [r for r in sem if detect_language(found[r.message_id].content) != lang]
        return {mid: CROSS_WEIGHT * v for mid, v in _rrf(other[:FUSION_DEPTH]).items()}

    def _newest_day(self, conn: Connection, project_id: int) -> date | None:
        """Local date of the project's newest message: "last week" and year-less dates count from it."""
        row = conn.execute(
            select(messages.c.created_at, messages.c.tz_offset_min)
            .where(messages.c.project_id == project_id)
            .order_by(messages.c.created_at.desc())
            .limit(1)
        ).first()
        return to_local(row[0], row[1]).date() if row else None

    def _people(self, conn: Connection, project_id: int) -> dict[str, int]:
        """Display names and usernames of the project's members -> user id."""
        rows = conn.execute(
            select(users.c.id, users.c.username, users.c.display_name)
            .join(memberships, memberships.c.user_id == users.c.id)
            .where(memberships.c.project_id == project_id)
        ).all()
        return {name: uid for uid, username, display in rows for name in (username, display) if name}

    def _neighbours(self, conn: Connection, ids: list[int]) -> dict[int, list[int]]:
        """For each message id: the ids just before and just after it in its project's timeline."""
        if not ids:
            return {}
        rows = conn.execute(_ADJACENT, {"ids": ids}).all()
        return {int(r[0]): [int(x) for x in r[1:] if x is not None] for r in rows}


# One round trip for all top hits (it was two queries per hit). The correlated subqueries are index
# ranges on (project_id, created_at, id) on both backends: row-value comparisons, because the
# equivalent OR form made PostgreSQL walk the index from one end (~8 ms a query at 100k messages).
_ADJACENT = text(
    "SELECT m.id, "
    "(SELECT b.id FROM messages b WHERE b.project_id = m.project_id AND b.deleted_at IS NULL "
    "AND (b.created_at, b.id) < (m.created_at, m.id) ORDER BY b.created_at DESC, b.id DESC LIMIT 1), "
    "(SELECT a.id FROM messages a WHERE a.project_id = m.project_id AND a.deleted_at IS NULL "
    "AND (a.created_at, a.id) > (m.created_at, m.id) ORDER BY a.created_at, a.id LIMIT 1) "
    "FROM messages m WHERE m.id IN :ids"
).bindparams(bindparam("ids", expanding=True))


# Runs the semantic side of searches beside their keyword query (threads start on first use).
_SEMANTIC = ThreadPoolExecutor(max_workers=4, thread_name_prefix="collab-semantic")


def _rrf(*sides: list[_Ranked]) -> dict[int, float]:
    # Reciprocal rank fusion with a small k (scaled so rank 1 scores 1): on both the team chat and
    # LoCoMo sets a sharp k=5 beat the textbook k=60, which lets deep ranks of one side outvote the
    # top of the other.
    out: dict[int, float] = {}
    for ranked in sides:
        for rank, r in enumerate(ranked):
            out[r.message_id] = out.get(r.message_id, 0.0) + (RRF_K + 1) / (RRF_K + rank + 1)
    return out


def _coverage(terms: list[str], best: list[Message]) -> float:
    """Share of the query's distinct terms found together in one of the best keyword matches."""
    wanted = set(terms)
    if not wanted:
        return 0.0
    return max((len({t for t in wanted if t in m.content.lower()}) / len(wanted) for m in best), default=0.0)


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
