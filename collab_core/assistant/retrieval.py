"""Finding the messages an answer needs: hybrid search hits, a second expansion query, the other language, neighbours in time and dated messages, fused by weighted rank."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, select

from collab_core.assistant.questions import _HANGUL, _SUMMARY, QueryInfo, _date_bounds, _named_members
from collab_core.assistant.values import _as_naive, is_evidence
from collab_core.memory.query import asks_current_state
from collab_core.memory.text import STOPWORDS, detect_language, tokenize
from collab_core.models import Message, SearchHit, TimeFilter
from collab_core.store.schema import messages

# Retrieval knobs (measured with `eval --assistant-context`).
RETRIEVE_POOL = 100  # hits asked of SearchService; the other-language list looks this deep
MAIN_DEPTH = 100  # ranks of the fused search that enter as the main list
W_AUTHOR = 0.8
W_DATE = 1.5
W_DAY = 0.5
W_EXPAND = 0.5
W_NEIGHBOUR = 0.4
W_XLANG = 1.0
XLANG_DEPTH = 30  # other-language semantic hits that get their own list
N_ANCHORS = 0  # SearchService already lends neighbours of its top hits a share of their score


class Retrieval:
    """How the assistant finds the messages a question needs (mixed into Assistant)."""

    def _latest_time(self, project_id: int) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(messages.c.created_at)
                .where(messages.c.project_id == project_id)
                .order_by(messages.c.created_at.desc())
                .limit(1)
            ).scalar_one_or_none()

    def analyze(self, *, project_id: int, question: str) -> QueryInfo:
        """Language, named members, date range and intent of a question."""
        lang = detect_language(question)
        members = self._members(project_id)
        authors = _named_members(question, members)
        latest = self._latest_time(project_id)
        ref = (latest or self._clock().replace(tzinfo=None)).date()
        start, end = _date_bounds(question, ref=ref)
        return QueryInfo(
            text=question,
            language=lang,
            author_ids=authors,
            start=start,
            end=end,
            wants_latest=asks_current_state(question),
            summary=bool(_SUMMARY.search(question)),
        )

    def _search(self, actor_id: int | None, project_id: int, query: str, limit: int, f: TimeFilter) -> list[SearchHit]:
        return self.search.search(actor_id=actor_id, project_id=project_id, query=query, limit=limit, filters=f)

    def _expansion_query(self, question: str, top: Sequence[Message]) -> str:
        """Distinctive terms of the best hits that the question lacks (names, codes, Latin words in Korean)."""
        have = set(tokenize(question))
        picked: list[str] = []
        for m in top:
            for word in re.findall(
                r"[A-Za-z][A-Za-z0-9#.\-]{2,}|#[0-9A-Fa-f]{6}|\d+(?:[.,]\d+)?\s*(?:만원|원|%|ms)", m.content
            ):
                w = word.strip(".-")
                toks = tokenize(w)
                if not toks or any(t in have or t in STOPWORDS for t in toks):
                    continue
                if w not in picked and (w[0].isupper() or not w.isalpha() or _HANGUL.search(m.content)):
                    picked.append(w)
        return " ".join(picked[:6])

    def _neighbours(self, project_id: int, anchors: Sequence[Message], window: timedelta) -> dict[int, list[int]]:
        """For each anchor, the messages right before and after it (same project, within `window`)."""
        out: dict[int, list[int]] = {}
        with self.engine.connect() as conn:
            for m in anchors:
                created = _as_naive(m.created_at)
                base = select(messages.c.id, messages.c.created_at).where(
                    messages.c.project_id == project_id, messages.c.deleted_at.is_(None)
                )
                prev = conn.execute(
                    base.where(
                        (messages.c.created_at < created) | and_(messages.c.created_at == created, messages.c.id < m.id)
                    )
                    .order_by(messages.c.created_at.desc(), messages.c.id.desc())
                    .limit(1)
                ).first()
                nxt = conn.execute(
                    base.where(
                        (messages.c.created_at > created) | and_(messages.c.created_at == created, messages.c.id > m.id)
                    )
                    .order_by(messages.c.created_at, messages.c.id)
                    .limit(1)
                ).first()
                out[m.id] = [r[0] for r in (prev, nxt) if r is not None and abs(r[1] - created) <= window]
        return out

    def retrieve(
        self, *, actor_id: int | None, project_id: int, info: QueryInfo, exclude_ids: Iterable[int] = ()
    ) -> list[tuple[Message, float]]:
        """Candidate messages with fused scores, best first.

        One hybrid search (one query embedding) gives the main ranking; the author / date-range
        variants are that ranking filtered plus filtered keyword matches (SQL only), and terms of the
        best hits that the question lacks add a keyword expansion. Neighbours of the best hits
        (the message before and after, within a few hours) come in with part of their anchor's score.
        """
        exclude = set(exclude_ids)
        query = info.text
        hits = self._search(actor_id, project_id, query, RETRIEVE_POOL, TimeFilter())
        main = [h.message for h in hits]
        lists: list[tuple[float, list[Message]]] = [(1.0, main[:MAIN_DEPTH])]
        # Keyword matching cannot cross languages, so in a bilingual team the fused ranking buries
        # messages written in the other language; their semantic order gets a list of its own.
        other = [
            h.message
            for h in hits
            if "semantic" in h.sources
            and "keyword" not in h.sources
            and detect_language(h.message.content) != info.language
        ]
        if other:
            lists.append((W_XLANG, other[:XLANG_DEPTH]))
        terms = tokenize(query)
        keyword_lists: list[tuple[float, list[str], TimeFilter, int]] = []
        # A named person or a date range: the main ranking restricted to them, plus filtered keyword
        # matches (SQL only, so the question is embedded once).
        if info.author_ids:
            wanted = set(info.author_ids)
            lists.append((W_AUTHOR, [m for m in main if m.author_id in wanted][:30]))
            keyword_lists.append((W_AUTHOR, terms, TimeFilter(author_ids=info.author_ids), 30))
        if info.start or info.end:
            f = TimeFilter(start=info.start, end=info.end)
            lo = info.start or datetime.min
            hi = info.end or datetime.max
            lists.append((W_DATE, [m for m in main if lo <= _as_naive(m.created_at) < hi][:30]))
            keyword_lists.append((W_DATE, terms, f, 30))
            page = self.messages.timeline(actor_id=actor_id, project_id=project_id, filters=f, limit=30)
            if page.total <= 30:
                lists.append((W_DAY, [m for m in page.items if not m.is_deleted]))
        expansion = self._expansion_query(query, main[:3])
        if expansion:
            keyword_lists.append((W_EXPAND, tokenize(expansion), TimeFilter(), 20))
        if keyword_lists:
            with self.engine.connect() as conn:
                ranked_ids = [
                    (w, [r.message_id for r in self.search.keyword(conn, project_id, t, limit=n, filters=f)])
                    for w, t, f, n in keyword_lists
                    if t
                ]
                known = {m.id: m for m in main}
                need = {i for _, ids in ranked_ids for i in ids if i not in known}
                known.update(self.messages.fetch(conn, need))
            for w, ids in ranked_ids:
                lists.append((w, [known[i] for i in ids if i in known and known[i].project_id == project_id]))

        k = 60.0
        scores: dict[int, float] = {}
        found: dict[int, Message] = {}
        for weight, items in lists:
            for rank, m in enumerate(items):
                if m.id in exclude or not is_evidence(m):
                    continue
                scores[m.id] = scores.get(m.id, 0.0) + weight / (k + rank + 1)
                found[m.id] = m
        ranked = sorted(scores, key=lambda i: -scores[i])
        anchors = [found[i] for i in ranked[:N_ANCHORS]]
        extra: dict[int, float] = {}
        for anchor_id, ids in self._neighbours(project_id, anchors, timedelta(hours=3)).items():
            for nid in ids:
                if nid in exclude:
                    continue
                extra[nid] = max(extra.get(nid, 0.0), scores[anchor_id] * W_NEIGHBOUR)
        missing = [i for i in extra if i not in found]
        if missing:
            with self.engine.connect() as conn:
                found.update(self.messages.fetch(conn, missing))
        for nid, s in extra.items():
            if nid in found and is_evidence(found[nid]):
                scores[nid] = scores.get(nid, 0.0) + s
        ranked = sorted((i for i in scores if i in found), key=lambda i: -scores[i])
        return [(found[i], scores[i]) for i in ranked]
