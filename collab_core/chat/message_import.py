"""Importing messages (datasets, restores, the demo) and rebuilding the memory index from SQL.

An import is all or nothing: every item is checked first (an error names the first bad one, e.g.
``items[49999].author``), then every row is written in one transaction, then the memory index is built
from the rows still pending. A crash after the commit leaves rows pending, never missing: running the
import again adds nothing and indexes what the crashed run left, so the index is whole without reindex.
Authors are matched to import-only accounts by name, never to people's accounts (see
Accounts.import_author) unless the caller resolves them itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, bindparam, select, update

from collab_core import validation
from collab_core.chat.message_values import KINDS, ROLES, ImportItem, ImportResult, Progress, passage_text, to_utc_naive
from collab_core.errors import ValidationError
from collab_core.memory.index import IndexItem
from collab_core.memory.text import clean_content, index_terms
from collab_core.people.roles import require
from collab_core.store.changes import bump, project_scope
from collab_core.store.engine import write_tx
from collab_core.store.schema import message_terms, messages

log = logging.getLogger(__name__)

AuthorResolver = Callable[[Connection, str], int]
_INSERT_CHUNK = 500


class MessageImport:
    """Import and reindex (mixed into MessageService)."""

    def prepare_import(self, items: Sequence[ImportItem], *, where: str = "items") -> list[tuple[ImportItem, str]]:
        """Check every item before anything is written; returns (item, cleaned text) pairs.

        Refuses unknown roles and kinds, empty or over-long text, times outside 1900-2200, and an
        external id given twice (naming both places)."""
        out: list[tuple[ImportItem, str]] = []
        seen: dict[str, int] = {}
        for i, it in enumerate(items):
            w = f"{where}[{i}]"
            if not isinstance(it, ImportItem):
                raise ValidationError(f"{w}: expected an import item.")
            try:
                validation.choice(it.role, field="message role", options=ROLES)
                validation.choice(it.kind, field="message kind", options=KINDS)
                validation.moment(it.created_at, field="message time", allow_none=False)
                validation.moment(it.deleted_at, field="deletion time")
                validation.name(it.author, field="author", max_chars=128)
                if it.deleted_by is not None:
                    validation.name(it.deleted_by, field="deleted_by", max_chars=128)
                text = "" if it.deleted_at else clean_content(it.content, max_chars=self.settings.max_message_chars)
                if it.external_id is not None:
                    validation.text(it.external_id, field="message id", max_chars=128, multiline=False)
                if it.meta is not None:
                    validation.meta(it.meta, allowed={k: (object,) for k in it.meta})
            except ValidationError as exc:
                raise ValidationError(f"{w}: {exc.message}", hint=exc.hint) from exc
            if it.external_id:
                if it.external_id in seen:
                    raise ValidationError(
                        f"{w}: the message id {it.external_id!r} is also used by {where}[{seen[it.external_id]}].",
                        hint="Each message needs its own id.",
                    )
                seen[it.external_id] = i
            out.append((it, text))
        return out

    def import_items(
        self,
        *,
        project_id: int,
        items: Sequence[ImportItem],
        actor_id: int | None = None,
        batch_size: int = 256,
        progress: Progress | None = None,
        index: bool = True,
    ) -> ImportResult:
        """Check everything, write every row in one transaction, then index the pending rows in batches.

        Items whose external id the project already holds are skipped, so re-running an import (or a
        restore) adds nothing, and it finishes the indexing a crashed run left pending.
        """
        project_id = validation.ident(project_id, field="project id")
        batch_size = validation.integer(batch_size, field="batch size", minimum=1, maximum=10_000)
        prepared = self.prepare_import(items)
        with write_tx(self.engine) as conn:
            # Imports set any author and time: an admin-level action ("restore"), never a member's post.
            require(conn, actor_id, project_id, "restore")
            added, skipped = self.insert_imported(conn, project_id=project_id, prepared=prepared)
        if not index:
            return ImportResult(added=added, skipped=skipped, indexed=0, failed=0)
        done = self.reindex(project_id=project_id, progress=progress, batch_size=batch_size)
        return ImportResult(added=added, skipped=skipped, indexed=done.indexed, failed=done.failed)

    def insert_imported(
        self,
        conn: Connection,
        *,
        project_id: int,
        prepared: Sequence[tuple[ImportItem, str]],
        authors: AuthorResolver | None = None,
    ) -> tuple[int, int]:
        """Insert prepared items (rows pending indexing) in the caller's transaction: (added, skipped)."""
        resolve = authors or self._accounts.import_author
        known: set[str] = set()
        ext_ids = [it.external_id for it, _ in prepared if it.external_id]
        for start in range(0, len(ext_ids), _INSERT_CHUNK):
            part = ext_ids[start : start + _INSERT_CHUNK]
            known.update(
                conn.execute(
                    select(messages.c.external_id).where(
                        messages.c.project_id == project_id, messages.c.external_id.in_(part)
                    )
                ).scalars()
            )
        author_ids: dict[str, int] = {}
        rows = []
        skipped = 0
        for it, text in prepared:
            if it.external_id and it.external_id in known:
                skipped += 1
                continue
            for who in (it.author, it.deleted_by):
                if who and who not in author_ids:
                    author_ids[who] = resolve(conn, who)
            created, offset = to_utc_naive(it.created_at)
            rows.append(
                dict(
                    project_id=project_id,
                    author_id=author_ids[it.author],
                    role=it.role,
                    kind=it.kind,
                    content=text,
                    char_count=len(text),
                    created_at=created,
                    tz_offset_min=offset,
                    external_id=it.external_id,
                    meta=it.meta,
                    index_state="deleted" if it.deleted_at else "pending",
                    deleted_at=to_utc_naive(it.deleted_at)[0] if it.deleted_at else None,
                    deleted_by=author_ids[it.deleted_by] if it.deleted_by else None,
                )
            )
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            ids = list(
                conn.execute(messages.insert().returning(messages.c.id, sort_by_parameter_order=True), chunk).scalars()
            )
            terms = [
                {"message_id": mid, "project_id": project_id, "terms": index_terms(row["content"])}
                for mid, row in zip(ids, chunk, strict=True)
                if row["deleted_at"] is None
            ]
            if terms:
                conn.execute(message_terms.insert(), terms)
        if rows:
            bump(conn, project_scope(project_id, "messages"))
        return len(rows), skipped

    def _index_batch(self, project_id: int, new: Sequence[tuple[int, str, ImportItem, str]]) -> tuple[int, int]:
        items = [
            IndexItem(
                project_id=project_id,
                message_id=mid,
                author=author,
                role=it.role,
                kind=it.kind,
                text=passage_text(author, text),
                created_at=it.created_at,
            )
            for mid, text, it, author in new
        ]
        try:
            memory_ids = self.memory.add_batch(items)
        except Exception as exc:
            log.warning("batch indexing failed: %s", exc)
            with write_tx(self.engine) as conn:
                conn.execute(
                    update(messages)
                    .where(messages.c.id.in_([m for m, *_ in new]))
                    .values(index_state="failed", index_error=str(exc)[:500])
                )
            return 0, len(new)
        with write_tx(self.engine) as conn:
            conn.execute(
                update(messages)
                .where(messages.c.id == bindparam("mid"))
                .values(index_state="indexed", memory_id=bindparam("memid"), index_error=None),
                [{"mid": m, "memid": mem} for (m, *_), mem in zip(new, memory_ids, strict=True)],
            )
        return len(new), 0

    def reindex(
        self,
        *,
        project_id: int | None = None,
        full: bool = False,
        progress: Progress | None = None,
        batch_size: int = 256,
    ) -> ImportResult:
        """Rebuild the memory index from SQL: everything (full) or only unindexed/failed messages."""
        if project_id is not None:
            project_id = validation.ident(project_id, field="project id")
        with self.engine.connect() as conn:
            q = select(messages.c.project_id).distinct()
            if project_id is not None:
                q = q.where(messages.c.project_id == project_id)
            project_ids = list(conn.execute(q).scalars())
        total_ok = total_bad = 0
        for pid in project_ids:
            if full:
                self.memory.drop_project(pid)
                with write_tx(self.engine) as conn:
                    conn.execute(
                        update(messages)
                        .where(messages.c.project_id == pid, messages.c.deleted_at.is_(None))
                        .values(index_state="pending", memory_id=None)
                    )
            with self.engine.connect() as conn:
                rows = (
                    conn.execute(
                        self._select()
                        .where(
                            messages.c.project_id == pid,
                            messages.c.deleted_at.is_(None),
                            messages.c.index_state.in_(("pending", "failed")),
                        )
                        .order_by(messages.c.id)
                    )
                    .mappings()
                    .all()
                )
            todo = [self._row(r) for r in rows]
            # Also rebuilds a missing vector index (pgvector), even with nothing left to index.
            with self.memory.bulk_load(pid, adding=len(todo)):
                for start in range(0, len(todo), batch_size):
                    chunk = todo[start : start + batch_size]
                    ok, bad = self._index_batch(
                        pid,
                        [
                            (
                                m.id,
                                m.content,
                                ImportItem(
                                    author=m.author,
                                    content=m.content,
                                    created_at=m.created_at,
                                    role=m.role,
                                    kind=m.kind,
                                ),
                                m.author,
                            )
                            for m in chunk
                        ],
                    )
                    total_ok += ok
                    total_bad += bad
                    if progress:
                        progress(start + len(chunk), len(todo))
        return ImportResult(added=0, skipped=0, indexed=total_ok, failed=total_bad)
