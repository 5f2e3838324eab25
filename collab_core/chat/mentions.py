"""@mentions: found in posted messages, kept per mentioned member (inbox, unread count, mark read).

A mention is `@` followed by a project member's username or display name (case-insensitive,
longest name wins). Korean particles and honorifics attach directly to a name (`@민수님`,
`@Bob에게`), so a name may be followed by Hangul; it may not run on into more Latin letters or
digits (`@bobby` is not `@bob`). Unknown names, e-mail addresses and the author themself are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, and_, func, select, update

from collab_core.errors import ValidationError
from collab_core.models import Message
from collab_core.store.changes import bump, user_scope
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import memberships, mentions, messages, projects, users

if TYPE_CHECKING:
    from collab_core.outbox.webhooks import Notifier

# '@' at the start or after a character that cannot be part of an e-mail's local part.
_AT = re.compile(r"(?:^|(?<=[^\w.+\-]))@", re.UNICODE)
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class Mention:
    """One @mention of a user, with the message it is in."""

    id: int
    project_id: int
    project: str
    message_id: int
    author_id: int
    author: str
    kind: str
    content: str
    created_at: datetime
    read_at: datetime | None

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def mention_spans(text: str, members: Sequence[tuple[int, str, str]]) -> list[tuple[int, int, int]]:
    """(start, end, user_id) of every @mention in `text`, '@' included; members are (user_id, username,
    display_name). The chat draws these highlighted; find_mentions() records them."""
    if "@" not in text:
        return []
    names: list[tuple[str, int]] = []
    for uid, username, display in members:
        for name in {username, display}:
            if name and name.strip():
                names.append((name.strip().casefold(), uid))
    # Longest first, so '@Team Member' beats '@Team' and '@민수정' beats '@민수'.
    names.sort(key=lambda n: -len(n[0]))
    folded = text.casefold()
    found: list[tuple[int, int, int]] = []
    for m in _AT.finditer(text):
        start = m.end()
        for name, uid in names:
            if not folded.startswith(name, start):
                continue
            nxt = folded[start + len(name) : start + len(name) + 1]
            if nxt and _ASCII_WORD.match(nxt):
                continue
            found.append((m.start(), start + len(name), uid))
            break
    return found


def find_mentions(text: str, members: Sequence[tuple[int, str, str]]) -> list[int]:
    """User ids mentioned in `text`; members are (user_id, username, display_name)."""
    return list(dict.fromkeys(uid for _, _, uid in mention_spans(text, members)))


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


class MentionService:
    """Parses mentions when messages are posted and serves each user's inbox."""

    def __init__(self, engine: Engine, notifier: Notifier | None = None) -> None:
        self.engine = engine
        self.notifier = notifier

    # -- write side (a MessageService.on_post listener) ---------------------------------------

    def on_message(self, conn: Connection, message: Message) -> None:
        """Record the mentions of a just-posted message inside its transaction."""
        text = mention_text(message)
        if not text or "@" not in text:
            return
        members = [
            (r[0], r[1], r[2])
            for r in conn.execute(
                select(users.c.id, users.c.username, users.c.display_name)
                .join(memberships, memberships.c.user_id == users.c.id)
                .where(memberships.c.project_id == message.project_id, users.c.disabled.is_(False))
            ).all()
        ]
        targets = [uid for uid in find_mentions(text, members) if uid != message.author_id]
        if not targets:
            return
        now = utcnow()
        conn.execute(
            mentions.insert(),
            [
                {"project_id": message.project_id, "message_id": message.id, "user_id": uid, "created_at": now}
                for uid in targets
            ],
        )
        bump(conn, *(user_scope(uid, "inbox") for uid in targets))
        if self.notifier is not None:
            display = dict((uid, disp) for uid, _, disp in members)
            who = ", ".join(display[uid] for uid in targets)
            self.notifier.enqueue(
                conn,
                project_id=message.project_id,
                event="mention",
                text=f"{message.author} mentioned {who}: {_excerpt(text)}",
            )

    # -- inbox ---------------------------------------------------------------------------------

    def _conds(self, user_id: int, project_id: int | None, unread_only: bool) -> list:  # type: ignore[type-arg]
        conds = [mentions.c.user_id == user_id, messages.c.deleted_at.is_(None)]
        if project_id is not None:
            conds.append(mentions.c.project_id == project_id)
        if unread_only:
            conds.append(mentions.c.read_at.is_(None))
        return conds

    @staticmethod
    def _visible(q, user_id: int):  # type: ignore[no-untyped-def]
        # Only projects the user still belongs to; a removed member's old mentions disappear.
        return q.join(messages, messages.c.id == mentions.c.message_id).join(
            memberships,
            and_(memberships.c.project_id == mentions.c.project_id, memberships.c.user_id == user_id),
        )

    def inbox(
        self,
        *,
        user_id: int,
        project_id: int | None = None,
        unread_only: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Mention]:
        """The user's mentions, newest first."""
        q = self._visible(
            select(
                mentions.c.id,
                mentions.c.project_id,
                projects.c.name.label("project"),
                mentions.c.message_id,
                messages.c.author_id,
                users.c.display_name.label("author"),
                messages.c.kind,
                messages.c.content,
                messages.c.created_at,
                mentions.c.read_at,
            ).select_from(mentions),
            user_id,
        )
        q = (
            q.join(projects, projects.c.id == mentions.c.project_id)
            .join(users, users.c.id == messages.c.author_id)
            .where(*self._conds(user_id, project_id, unread_only))
            .order_by(messages.c.created_at.desc(), mentions.c.id.desc())
            .offset(max(0, offset))
            .limit(max(1, min(limit, 500)))
        )
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [
            Mention(
                id=r["id"],
                project_id=r["project_id"],
                project=r["project"],
                message_id=r["message_id"],
                author_id=r["author_id"],
                author=r["author"],
                kind=r["kind"],
                content=r["content"],
                created_at=r["created_at"].replace(tzinfo=UTC),
                read_at=r["read_at"].replace(tzinfo=UTC) if r["read_at"] else None,
            )
            for r in rows
        ]

    def unread_count(self, *, user_id: int, project_id: int | None = None) -> int:
        """How many unread mentions the user has (in one project, or all)."""
        q = self._visible(select(func.count()).select_from(mentions), user_id).where(
            *self._conds(user_id, project_id, True)
        )
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def mark_read(
        self,
        *,
        user_id: int,
        mention_ids: Iterable[int] | None = None,
        project_id: int | None = None,
        read: bool = True,
    ) -> int:
        """Mark the given mentions (or all of the user's, optionally in one project) read or unread.

        Only the user's own mentions are touched; returns how many changed.
        """
        conds = [mentions.c.user_id == user_id]
        if mention_ids is not None:
            ids = list(mention_ids)
            if not all(isinstance(i, int) for i in ids):
                raise ValidationError("Mention ids must be integers.")
            if not ids:
                return 0
            conds.append(mentions.c.id.in_(ids))
        if project_id is not None:
            conds.append(mentions.c.project_id == project_id)
        conds.append(mentions.c.read_at.is_(None) if read else mentions.c.read_at.is_not(None))
        with write_tx(self.engine) as conn:
            changed = int(
                conn.execute(update(mentions).where(*conds).values(read_at=utcnow() if read else None)).rowcount
            )
            if changed:
                bump(conn, user_scope(user_id, "inbox"))  # the user's other tabs and the sidebar badge
            return changed


def mention_text(message: Message) -> str | None:
    """The words of a message that may mention people.

    People's chat messages count as a whole; system messages only for the human text they carry
    (a task comment, a decision) that starts at meta['mention_from'], never for generated titles
    or recaps; assistant answers never notify anyone.
    """
    meta = message.meta or {}
    start = meta.get("mention_from")
    if isinstance(start, int) and not isinstance(start, bool) and 0 <= start <= len(message.content):
        return message.content[start:]
    if message.role == "user":
        return message.content
    return None
