"""Messages: the doors that write them (people's posts, task/meeting events, the assistant's answers), delete
(tombstones); import and reindex are in message_import, the reads in message_queries.

Write path: validate -> commit the row and its keyword terms -> index in Mem0 -> mark indexed.
If indexing fails the row stays (index_state 'failed') and reindex() repairs it later.

Who may write what follows from what is written, never from an argument: people post role=user chat
messages as themselves ('post', or 'ask' for a question to the assistant); the task and meeting services
post role=system events of their kind ('task_write', 'meeting_write'); only the AnswerWriter, which the
Assistant makes for itself, writes role=assistant messages, always as the assistant's account.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace as _replace
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.sql import Select

from collab_core import validation
from collab_core.chat.message_import import MessageImport
from collab_core.chat.message_queries import MessageQueries
from collab_core.chat.message_values import passage_text, to_local
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

# The metadata each door accepts (key -> value types); anything else is refused.
_SCALAR = (str, int, float, bool, type(None))
USER_META: dict[str, tuple[type, ...]] = {"assistant": (str,)}
EVENT_META: dict[str, tuple[type, ...]] = {
    "task_id": (int,),
    "meeting_id": (int,),
    "comment_id": (int,),
    "event": (str,),
    "from": _SCALAR,
    "to": _SCALAR,
    "mention_from": (int,),
    "summary_source": _SCALAR,
    "notice": (dict,),  # the structured event the chat draws in the viewer's language (chat.notices)
}
ANSWER_META: dict[str, tuple[type, ...]] = {
    "assistant": (str,),
    "question_id": (int, type(None)),
    "citations": (list,),
    "invalid_citations": (list,),
    "generated": (bool,),
    "model": (str, type(None)),
    "context_ids": (list,),
    "context_tokens": (int,),
    "summary": _SCALAR,
    "period": (dict, list, str, type(None)),
    "incomplete": (str,),  # why a cut-off answer stopped ("length", "content_filter")
    "grounding": (dict,),  # sentence support (assistant.grounding)
}
# The right each event kind needs.
EVENT_ACTIONS = {"task": "task_write", "meeting": "meeting_write"}

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


class MessageService(MessageImport, MessageQueries):
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
        meta: dict[str, Any] | None = None,
        index_later: bool = False,
    ) -> Message:
        """A person's chat message, by the acting user: role user, kind chat.

        The permission follows from what is posted: a question to the assistant (meta
        ``{"assistant": "question"}``) needs 'ask', any other message 'post'. Nobody posts as
        someone else, as the assistant or as a system event through this door.

        With index_later the message returns as soon as it is committed (everyone can see it then) and
        is indexed on the service's indexing thread: a long message takes seconds to embed, and the
        person who sent it should not wait for that. Until then it is 'pending'; reindex repairs it
        if the process stops first.
        """
        meta = validation.meta(meta, allowed=USER_META)
        if meta is not None and meta.get("assistant") != "question":
            raise ValidationError("A person's message can only be marked as a question to the assistant.")
        if actor_id is None:
            raise ValidationError("A message needs an author.", hint="Sign in, or post as a project member.")
        return self._write(
            actor_id=actor_id,
            project_id=project_id,
            author_id=actor_id,
            role="user",
            kind="chat",
            content=content,
            meta=meta,
            action="ask" if meta else "post",
            index_later=index_later,
        )

    def post_event(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        content: str,
        kind: str,
        meta: dict[str, Any] | None = None,
        author_id: int | None = None,
    ) -> Message:
        """A task or meeting event for the timeline (role system), attributed to the acting user.

        The permission is the kind's write right (task: 'task_write', meeting: 'meeting_write').
        Only the trusted operator (actor_id None) names the author, for changes it makes.
        """
        kind = validation.choice(kind, field="event kind", options=EVENT_ACTIONS)
        meta = validation.meta(meta, allowed=EVENT_META)
        if actor_id is not None and author_id not in (None, actor_id):
            raise PermissionDeniedError("You can only post messages as yourself.")
        author = actor_id if actor_id is not None else author_id
        if author is None:
            raise ValidationError("A message needs an author.")
        return self._write(
            actor_id=actor_id,
            project_id=project_id,
            author_id=author,
            role="system",
            kind=kind,
            content=content,
            meta=meta,
            action=EVENT_ACTIONS[kind],
        )

    def _write(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        author_id: int,
        role: str,
        kind: str,
        content: str,
        meta: dict[str, Any] | None,
        action: str,
        index_later: bool = False,
    ) -> Message:
        """Save one message and index it; the public doors above decided role, kind and action."""
        actor_id = validation.optional_ident(actor_id, field="user id")
        project_id = validation.ident(project_id, field="project id")
        author_id = validation.ident(author_id, field="author id")
        text = clean_content(content, max_chars=self.settings.max_message_chars)
        now = utcnow()
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, action)
            if conn.execute(select(users.c.id).where(users.c.id == author_id)).first() is None:
                raise NotFoundError("Unknown author.")
            mid = conn.execute(
                messages.insert().values(
                    project_id=project_id,
                    author_id=author_id,
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

    def delete(self, *, actor_id: int | None, message_id: int) -> Message:
        """Admins remove a message: content leaves SQL and the index; a tombstone stays in the timeline."""
        message_id = validation.ident(message_id, field="message id")
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


class AnswerWriter:
    """The one writer of role=assistant messages. The Assistant makes its own and keeps it; the author is
    always the assistant's account (``author`` returns its id), the right is the asker's 'ask'."""

    def __init__(self, messages_: MessageService, *, author: Callable[[], int]) -> None:
        self._messages = messages_
        self._author = author

    def write(self, *, actor_id: int | None, project_id: int, content: str, meta: dict[str, Any]) -> Message:
        """Save an answer (or summary) by the assistant in the project."""
        meta = validation.meta(meta, allowed=ANSWER_META)
        return self._messages._write(
            actor_id=actor_id,
            project_id=project_id,
            author_id=self._author(),
            role="assistant",
            kind="chat",
            content=content,
            meta=meta,
            action="ask",
        )
