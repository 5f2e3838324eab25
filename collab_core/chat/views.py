"""Read models the pages show, composed from MessageService queries (no streamlit here).

chat_window: the newest N pages of a project's chat for the live chat view.
message_runs: consecutive messages by one person within a few minutes, drawn under one header.
author_groups: the grouped-by-author timeline (counts plus each author's newest messages).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from sqlalchemy import func, select

from collab_core.chat.message_values import MAX_PAGE
from collab_core.chat.messages import MessageService
from collab_core.chat.presentation import local_time
from collab_core.models import AuthorGroup, Message, TimeFilter
from collab_core.store.schema import messages as messages_table

CHAT_PAGE = 50
# Messages by one person closer together than this share one header (as in Slack).
RUN_GAP = timedelta(minutes=5)


@dataclass(frozen=True)
class ChatWindow:
    """The messages the chat shows (oldest first) and whether older ones exist."""

    items: list[Message]
    has_older: bool


def chat_window(
    service: MessageService, *, actor_id: int | None, project_id: int, pages: int = 1, page_size: int = CHAT_PAGE
) -> ChatWindow:
    """The newest `pages * page_size` messages, oldest first, fetched in as few queries as possible."""
    want = max(1, pages) * max(1, page_size)
    items: list[Message] = []
    before: int | None = None
    has_older = False
    while want > 0:
        n = min(want, MAX_PAGE - 1)
        chunk = service.latest(actor_id=actor_id, project_id=project_id, limit=n + 1, before_id=before)
        has_older = len(chunk) > n
        if has_older:
            chunk = chunk[1:]  # the extra (oldest) row only told us there is more
        items = chunk + items
        want -= len(chunk)
        if not has_older or not chunk:
            break
        before = chunk[0].id
    return ChatWindow(items=items, has_older=has_older)


@dataclass(frozen=True)
class ChatStamp:
    """What changes when the chat must be redrawn: a new message or a removal."""

    last_id: int
    removed: int


def chat_stamp(service: MessageService, *, project_id: int) -> ChatStamp:
    """Two index-only lookups; the live view compares stamps to skip re-reading unchanged messages.

    No permission check: it reveals only counts, and every read that follows a change is checked.
    """
    m = messages_table.c
    newest = select(func.max(m.id)).where(m.project_id == project_id).scalar_subquery()
    removed = (
        select(func.count())
        .select_from(messages_table)
        .where(m.index_state == "deleted", m.project_id == project_id)
        .scalar_subquery()
    )
    with service.engine.connect() as conn:
        last_id, n_removed = conn.execute(select(newest, removed)).one()
    return ChatStamp(last_id=int(last_id or 0), removed=int(n_removed or 0))


def day_breaks(items: Sequence[Message], tz: tzinfo) -> Iterator[tuple[date | None, Message]]:
    """Each message with the day it starts when it is the first of a new local day (else None)."""
    current: date | None = None
    for m in items:
        day = local_time(m.created_at, tz).date()
        yield (day if day != current else None), m
        current = day


@dataclass(frozen=True)
class MessageRun:
    """Consecutive messages by one author shown under one header; `day` is set when the run starts a new
    local day (the day heading goes above it)."""

    day: date | None
    messages: tuple[Message, ...]

    @property
    def first(self) -> Message:
        return self.messages[0]


def _joins(prev: Message, m: Message, gap: timedelta) -> bool:
    # Chat with chat, a notice with notices of the same kind: a task move never hides under a chat header.
    return (
        prev.author_id == m.author_id
        and prev.role == m.role
        and prev.kind == m.kind
        and timedelta(0) <= m.created_at - prev.created_at <= gap
    )


def message_runs(items: Sequence[Message], tz: tzinfo, *, gap: timedelta = RUN_GAP) -> list[MessageRun]:
    """The messages (oldest first) as runs: a new run at a new author, role or kind, a new local day, or
    after `gap` without a message from that author."""
    runs: list[MessageRun] = []
    current: list[Message] = []
    start_day: date | None = None
    for day, m in day_breaks(items, tz):
        if current and (day is not None or not _joins(current[-1], m, gap)):
            runs.append(MessageRun(start_day, tuple(current)))
            current, start_day = [], None
        if not current:
            start_day = day
        current.append(m)
    if current:
        runs.append(MessageRun(start_day, tuple(current)))
    return runs


@dataclass(frozen=True)
class AuthorSection:
    """One author's group in the grouped timeline: the count and their newest messages."""

    group: AuthorGroup
    newest: list[Message]


def author_groups(
    service: MessageService,
    *,
    actor_id: int | None,
    project_id: int,
    filters: TimeFilter = TimeFilter(),
    offset: int = 0,
    limit: int = 10,
    preview: int = 5,
) -> tuple[list[AuthorSection], int]:
    """A page of author groups (most active first) with each author's newest `preview` messages."""
    groups = service.group_by_author(actor_id=actor_id, project_id=project_id, filters=filters)
    shown = groups[offset : offset + limit]
    sections = []
    for g in shown:
        f = TimeFilter(
            author_ids=(g.author_id,), kinds=filters.kinds, start=filters.start, end=filters.end, text=filters.text
        )
        page = service.timeline(
            actor_id=actor_id, project_id=project_id, filters=f, newest_first=True, offset=0, limit=preview
        )
        sections.append(AuthorSection(group=g, newest=[m for m in page.items if not m.is_deleted]))
    return sections, len(groups)
