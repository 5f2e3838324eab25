"""Messages: post, import, delete (tombstones) and reindex; the reads are in message_queries.

Write path: validate -> commit the row and its keyword terms -> index in Mem0 -> mark indexed.
If indexing fails the row stays (index_state 'failed') and reindex() repairs it later."""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace as _replace
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.sql import Select

from collab_core.chat.message_queries import MessageQueries
from collab_core.chat.message_values import (
    KINDS,
    ROLES,
    ImportItem,
    ImportResult,
    Progress,
    passage_text,
    to_local,
    to_utc_naive,
)
from collab_core.errors import NotFoundError, PermissionDeniedError, ValidationError
from collab_core.memory.index import IndexItem, MemoryIndex
from collab_core.memory.text import clean_content, index_terms
from collab_core.models import Message
from collab_core.people import audit
from collab_core.people.accounts import Accounts
from collab_core.people.roles import require
from collab_core.settings import Settings
from collab_core.store.changes import bump, project_scope, user_scope
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import mentions, message_terms, messages, users

_COLUMNS = (
    messages.c.id,
    messages.c.project_id,
    messages.c.author_id,
    messages.c.role,
    messages.c.kind,
    messages.c.content,
    messages.c.created_at,
    messages.c.tz_offset_min,
    messages.c.external_id,
    messages.c.index_state,
    messages.c.deleted_at,
    messages.c.meta,
)

log = logging.getLogger(__name__)


class MessageService(MessageQueries):
    """All message reads and writes, permission-checked against the acting user."""

    def __init__(self, engine: Engine, memory: MemoryIndex, settings: Settings) -> None:
        self.engine = engine
        self.memory = memory
        self.settings = settings
        self.dialect = engine.dialect.name
        self._listeners: list[Callable[[Connection, Message], None]] = []
        self._accounts = Accounts(engine)
        self._indexer: ThreadPoolExecutor | None = None
        self._indexer_lock = threading.Lock()
        self._pending: set[Future[Message]] = set()

    def close(self) -> None:
        """Finish indexing the messages posted with index_later, then stop the indexing thread."""
        self.wait_indexed()
        if self._indexer is not None:
            self._indexer.shutdown(wait=True)
            self._indexer = None

    def wait_indexed(self, timeout: float | None = None) -> None:
        """Wait until every message posted with index_later is indexed (or marked failed)."""
        for future in list(self._pending):
            future.exception(timeout=timeout)

    def _index_soon(self, message: Message) -> None:
        with self._indexer_lock:
            if self._indexer is None:
                # One thread: messages are embedded in posting order, never competing with each other.
                self._indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collab-index")
            future = self._indexer.submit(self._index_one, message)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def on_post(self, listener: Callable[[Connection, Message], None]) -> None:
        """Run `listener(conn, message)` inside the posting transaction (mentions, webhooks)."""
        self._listeners.append(listener)

    def _select(self) -> Select:
        deleter = users.alias("deleter")
        return (
            select(*_COLUMNS, users.c.display_name.label("author"), deleter.c.display_name.label("deleted_by"))
            .join(users, users.c.id == messages.c.author_id)
            .outerjoin(deleter, deleter.c.id == messages.c.deleted_by)
        )

    @staticmethod
    def _row(r: Any) -> Message:
        return Message(
            id=r["id"],
            project_id=r["project_id"],
            author_id=r["author_id"],
            author=r["author"],
            role=r["role"],
            kind=r["kind"],
            content=r["content"],
            created_at=to_local(r["created_at"], r["tz_offset_min"]),
            external_id=r["external_id"],
            index_state=r["index_state"],
            deleted_at=r["deleted_at"].replace(tzinfo=UTC) if r["deleted_at"] else None,
            deleted_by=r["deleted_by"],
            meta=r["meta"],
        )

    def fetch(self, conn: Connection, ids: Iterable[int]) -> dict[int, Message]:
        """Messages by id (no permission check: callers have done it)."""
        ids = list(ids)
        if not ids:
            return {}
        rows = conn.execute(self._select().where(messages.c.id.in_(ids))).mappings().all()
        return {r["id"]: self._row(r) for r in rows}

    def post(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        content: str,
        kind: str = "chat",
        role: str = "user",
        author_id: int | None = None,
        meta: dict[str, Any] | None = None,
        action: str = "post",
        index_later: bool = False,
    ) -> Message:
        """Save a message by the acting user (or `author_id` for assistant/system messages) and index it.

        With index_later the message returns as soon as it is committed (everyone can see it then) and
        is indexed on the service's indexing thread: a long message is embedded in seconds, and the
        person who sent it should not wait for that. Until then it is 'pending'; reindex repairs it
        if the process stops first.
        """
        text = clean_content(content, max_chars=self.settings.max_message_chars)
        if kind not in KINDS:
            raise ValidationError(f"Unknown message kind {kind!r}.", hint=f"Use one of: {', '.join(KINDS)}.")
        if role not in ROLES:
            raise ValidationError(f"Unknown message role {role!r}.")
        author = author_id if author_id is not None else actor_id
        if author is None:
            raise ValidationError("A message needs an author.")
        now = utcnow()
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, action)
            found = conn.execute(select(users.c.password_hash).where(users.c.id == author)).first()
            if found is None:
                raise NotFoundError("Unknown author.")
            # Speaking for someone else is only for assistant/system messages by accounts nobody signs in to.
            if actor_id is not None and author != actor_id and (role == "user" or found[0]):
                raise PermissionDeniedError("You can only post messages as yourself.")
            mid = conn.execute(
                messages.insert().values(
                    project_id=project_id,
                    author_id=author,
                    role=role,
                    kind=kind,
                    content=text,
                    char_count=len(text),
                    created_at=now,
                    tz_offset_min=0,
                    meta=meta,
                    external_id=uuid.uuid4().hex,
                    index_state="pending",
                )
            ).inserted_primary_key[0]
            conn.execute(message_terms.insert().values(message_id=mid, project_id=project_id, terms=index_terms(text)))
            message = self.fetch(conn, [mid])[mid]
            for listener in self._listeners:
                listener(conn, message)
            bump(conn, project_scope(project_id, "messages"))
        if index_later:
            self._index_soon(message)
            return message
        return self._index_one(message)

    def _index_one(self, message: Message) -> Message:
        item = IndexItem(
            project_id=message.project_id,
            message_id=message.id,
            author=message.author,
            role=message.role,
            kind=message.kind,
            text=passage_text(message.author, message.content),
            created_at=message.created_at,
        )
        try:
            memory_id = self.memory.add(item)
        except Exception as exc:  # any index failure: keep the row, repair with reindex
            log.warning("indexing message %s failed: %s", message.id, exc)
            with write_tx(self.engine) as conn:
                conn.execute(
                    update(messages)
                    .where(messages.c.id == message.id)
                    .values(index_state="failed", index_error=str(exc)[:500])
                )
            return _replace(message, index_state="failed")
        with write_tx(self.engine) as conn:
            conn.execute(
                update(messages)
                .where(messages.c.id == message.id)
                .values(index_state="indexed", memory_id=memory_id, index_error=None)
            )
        return _replace(message, index_state="indexed")

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
        """Batch import: SQL rows in chunks, embeddings in batches, one vector upsert per chunk.

        Items with an external_id already present in the project are skipped, so re-running an
        import (or a restore) adds nothing.
        """
        for it in items:
            if it.role not in ROLES:
                raise ValidationError(f"Unknown message role {it.role!r} in import.")
            if it.kind not in KINDS:
                raise ValidationError(f"Unknown message kind {it.kind!r} in import.")
        cleaned = [
            (it, "" if it.deleted_at else clean_content(it.content, max_chars=self.settings.max_message_chars))
            for it in items
        ]
        with self.engine.connect() as conn:
            # Imports set any author and time: an admin-level action ("restore"), never a member's post.
            require(conn, actor_id, project_id, "restore")
        bulk = self.memory.bulk_load(project_id, adding=len(cleaned)) if index else contextlib.nullcontext()
        with bulk:
            added, skipped, indexed, failed = self._import_chunks(
                project_id, cleaned, batch_size=batch_size, progress=progress, index=index
            )
        return ImportResult(added=added, skipped=skipped, indexed=indexed, failed=failed)

    def _import_chunks(
        self,
        project_id: int,
        cleaned: Sequence[tuple[ImportItem, str]],
        *,
        batch_size: int,
        progress: Progress | None,
        index: bool,
    ) -> tuple[int, int, int, int]:
        added = skipped = indexed = failed = 0
        done = 0
        author_ids: dict[str, int] = {}
        for start in range(0, len(cleaned), batch_size):
            chunk = cleaned[start : start + batch_size]
            new: list[tuple[int, str, ImportItem, str]] = []
            with write_tx(self.engine) as conn:
                ext_ids = [it.external_id for it, _ in chunk if it.external_id]
                existing: set[str] = set()
                if ext_ids:
                    existing = set(
                        conn.execute(
                            select(messages.c.external_id).where(
                                messages.c.project_id == project_id, messages.c.external_id.in_(ext_ids)
                            )
                        ).scalars()
                    )
                rows = []
                for it, text in chunk:
                    if it.external_id and it.external_id in existing:
                        skipped += 1
                        continue
                    if it.external_id:
                        existing.add(it.external_id)
                    for name in (it.author, it.deleted_by):
                        if name and name not in author_ids:
                            author_ids[name] = self._accounts.ensure_user(conn, name)
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
                    new.append((0, text, it, ""))
                if rows:
                    ids = list(
                        conn.execute(
                            messages.insert().returning(messages.c.id, sort_by_parameter_order=True), rows
                        ).scalars()
                    )
                    terms = [
                        {"message_id": mid, "project_id": project_id, "terms": index_terms(row["content"])}
                        for mid, row in zip(ids, rows, strict=True)
                        if row["deleted_at"] is None
                    ]
                    if terms:
                        conn.execute(message_terms.insert(), terms)
                    names = {v: k for k, v in author_ids.items()}
                    display = dict(
                        conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(list(names)))).all()
                    )
                    new = [
                        (mid, row["content"], it, display[row["author_id"]])
                        for mid, row, (_, _, it, _) in zip(ids, rows, new, strict=True)
                        if row["deleted_at"] is None
                    ]
                    added += len(rows)
                    bump(conn, project_scope(project_id, "messages"))
            if new and index:
                ok, bad = self._index_batch(project_id, new)
                indexed += ok
                failed += bad
            done += len(chunk)
            if progress:
                progress(done, len(cleaned))
        return added, skipped, indexed, failed

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

    def delete(self, *, actor_id: int | None, message_id: int) -> Message:
        """Admins remove a message: content leaves SQL and the index; a tombstone stays in the timeline."""
        with write_tx(self.engine) as conn:
            row = conn.execute(
                select(messages.c.project_id, messages.c.memory_id, messages.c.deleted_at).where(
                    messages.c.id == message_id
                )
            ).first()
            if row is None:
                raise NotFoundError("That message does not exist.")
            project_id, memory_id, deleted_at = row
            require(conn, actor_id, project_id, "delete_message")
            if deleted_at is not None:
                return self.fetch(conn, [message_id])[message_id]
            conn.execute(
                update(messages)
                .where(messages.c.id == message_id)
                .values(
                    content="",
                    char_count=0,
                    meta=None,
                    deleted_at=utcnow(),
                    deleted_by=actor_id,
                    memory_id=None,
                    index_state="deleted",
                )
            )
            conn.execute(message_terms.delete().where(message_terms.c.message_id == message_id))
            mentioned = conn.execute(select(mentions.c.user_id).where(mentions.c.message_id == message_id)).scalars()
            bump(conn, project_scope(project_id, "messages"), *(user_scope(u, "inbox") for u in mentioned))
            audit.record(
                conn, actor_id=actor_id, action="message.delete", project_id=project_id, target=f"message {message_id}"
            )
            message = self.fetch(conn, [message_id])[message_id]
        if memory_id:
            try:
                self.memory.delete(project_id, memory_id)
            except Exception as exc:  # the SQL tombstone is authoritative; reindex drops strays
                log.warning("removing memory %s failed: %s", memory_id, exc)
        return message

    def reindex(
        self, *, project_id: int | None = None, full: bool = False, progress: Progress | None = None
    ) -> ImportResult:
        """Rebuild the memory index from SQL: everything (full) or only unindexed/failed messages."""
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
                for start in range(0, len(todo), 256):
                    chunk = todo[start : start + 256]
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
