"""Reading messages: one message, the timeline with filters, the latest, the ones around a message, grouping by author
and the contribution stats (SQL queries, paginated; never a memory scan)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from collab_core.chat.message_values import MAX_PAGE, _aware, _bound
from collab_core.errors import NotFoundError
from collab_core.models import AuthorGroup, Contribution, Message, Page, TimeFilter
from collab_core.people.roles import require
from collab_core.store.schema import messages, users
from collab_core.store.sqlfn import local_day, local_hour, local_weekday, message_local_day


class MessageQueries:
    """The read side of the message service (mixed into MessageService)."""

    def get(self, *, actor_id: int | None, message_id: int) -> Message:
        with self.engine.connect() as conn:
            found = self.fetch(conn, [message_id]).get(message_id)
            if found is None:
                raise NotFoundError("That message does not exist.")
            require(conn, actor_id, found.project_id, "read")
        return found

    def _filtered(self, project_id: int, f: TimeFilter) -> list[Any]:
        conds = [messages.c.project_id == project_id]
        if f.author_ids:
            conds.append(messages.c.author_id.in_(list(f.author_ids)))
        if f.kinds:
            conds.append(messages.c.kind.in_(list(f.kinds)))
        start, end = _bound(f.start, end=False), _bound(f.end, end=True)
        if start is not None:
            conds.append(messages.c.created_at >= start)
        if end is not None:
            conds.append(
                messages.c.created_at < end if not isinstance(f.end, datetime) else messages.c.created_at <= end
            )
        if f.text.strip():
            needle = f.text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(messages.c.content.ilike(f"%{needle}%", escape="\\"))
        return conds

    def timeline(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        filters: TimeFilter = TimeFilter(),
        newest_first: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """One page of the project's messages in time order (tombstones included unless text-filtered)."""
        limit = max(1, min(limit, MAX_PAGE))
        offset = max(0, offset)
        conds = self._filtered(project_id, filters)
        order = (
            (messages.c.created_at.desc(), messages.c.id.desc())
            if newest_first
            else (messages.c.created_at, messages.c.id)
        )
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            total = conn.execute(select(func.count()).select_from(messages).where(and_(*conds))).scalar_one()
            rows = (
                conn.execute(self._select().where(and_(*conds)).order_by(*order).offset(offset).limit(limit))
                .mappings()
                .all()
            )
        return Page(items=[self._row(r) for r in rows], total=int(total), offset=offset, limit=limit)

    def latest(
        self, *, actor_id: int | None, project_id: int, limit: int = 50, before_id: int | None = None
    ) -> list[Message]:
        """The newest `limit` messages (older than before_id when paging back), oldest first."""
        conds = [messages.c.project_id == project_id]
        if before_id is not None:
            conds.append(messages.c.id < before_id)
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = (
                conn.execute(
                    self._select()
                    .where(and_(*conds))
                    .order_by(messages.c.id.desc())
                    .limit(max(1, min(limit, MAX_PAGE)))
                )
                .mappings()
                .all()
            )
        return [self._row(r) for r in reversed(rows)]

    def around(self, *, actor_id: int | None, message_id: int, before: int = 5, after: int = 5) -> list[Message]:
        """A message with its neighbours in time (search click-through)."""
        target = self.get(actor_id=actor_id, message_id=message_id)
        with self.engine.connect() as conn:
            created = conn.execute(select(messages.c.created_at).where(messages.c.id == message_id)).scalar_one()
            base = self._select().where(messages.c.project_id == target.project_id)
            older = (
                conn.execute(
                    base.where(
                        or_(
                            messages.c.created_at < created,
                            and_(messages.c.created_at == created, messages.c.id < message_id),
                        )
                    )
                    .order_by(messages.c.created_at.desc(), messages.c.id.desc())
                    .limit(before)
                )
                .mappings()
                .all()
            )
            newer = (
                conn.execute(
                    base.where(
                        or_(
                            messages.c.created_at > created,
                            and_(messages.c.created_at == created, messages.c.id > message_id),
                        )
                    )
                    .order_by(messages.c.created_at, messages.c.id)
                    .limit(after)
                )
                .mappings()
                .all()
            )
        return [self._row(r) for r in reversed(older)] + [target] + [self._row(r) for r in newer]

    def group_by_author(
        self, *, actor_id: int | None, project_id: int, filters: TimeFilter = TimeFilter()
    ) -> list[AuthorGroup]:
        """Message counts per author (most active first) within the filters."""
        conds = [*self._filtered(project_id, filters), messages.c.deleted_at.is_(None)]
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = conn.execute(
                select(
                    messages.c.author_id,
                    users.c.display_name,
                    func.count().label("n"),
                    func.min(messages.c.created_at),
                    func.max(messages.c.created_at),
                )
                .join(users, users.c.id == messages.c.author_id)
                .where(and_(*conds))
                .group_by(messages.c.author_id, users.c.display_name)
                .order_by(func.count().desc(), users.c.display_name)
            ).all()
        return [AuthorGroup(r[0], r[1], int(r[2]), _aware(r[3]), _aware(r[4])) for r in rows]

    def contributions(
        self, *, actor_id: int | None, project_id: int, filters: TimeFilter = TimeFilter()
    ) -> list[Contribution]:
        """Per author: messages, characters, active days (in each message's own offset), first/last."""
        conds = [*self._filtered(project_id, filters), messages.c.deleted_at.is_(None)]
        day = message_local_day(self.dialect, messages.c.created_at, messages.c.tz_offset_min)
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = conn.execute(
                select(
                    messages.c.author_id,
                    func.count(),
                    func.coalesce(func.sum(messages.c.char_count), 0),
                    func.count(day.distinct()),
                    func.min(messages.c.created_at),
                    func.max(messages.c.created_at),
                )
                .where(and_(*conds))
                .group_by(messages.c.author_id)
            ).all()
            names = dict(
                conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_([r[0] for r in rows]))).all()
            )
        out = [
            Contribution(r[0], names[r[0]], int(r[1]), int(r[2]), int(r[3]), _aware(r[4]), _aware(r[5])) for r in rows
        ]
        return sorted(out, key=lambda c: (-c.messages, c.author))

    def daily_activity(
        self, *, actor_id: int | None, project_id: int, filters: TimeFilter = TimeFilter(), utc_offset_min: int = 0
    ) -> list[tuple[str, int, str, int]]:
        """(day 'YYYY-MM-DD', author_id, author, count) in the viewer's offset."""
        conds = [*self._filtered(project_id, filters), messages.c.deleted_at.is_(None)]
        day = local_day(self.dialect, messages.c.created_at, utc_offset_min).label("day")
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = conn.execute(
                select(day, messages.c.author_id, func.count())
                .where(and_(*conds))
                .group_by(day, messages.c.author_id)
                .order_by(day)
            ).all()
            names = dict(
                conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_({r[1] for r in rows}))).all()
            )
        return [(str(r[0]), int(r[1]), names[r[1]], int(r[2])) for r in rows]

    def weekly_heatmap(
        self, *, actor_id: int | None, project_id: int, filters: TimeFilter = TimeFilter(), utc_offset_min: int = 0
    ) -> list[tuple[int, int, int]]:
        """(weekday 0=Sunday, hour, count) in the viewer's offset."""
        conds = [*self._filtered(project_id, filters), messages.c.deleted_at.is_(None)]
        wd = local_weekday(self.dialect, messages.c.created_at, utc_offset_min).label("wd")
        hr = local_hour(self.dialect, messages.c.created_at, utc_offset_min).label("hr")
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = conn.execute(select(wd, hr, func.count()).where(and_(*conds)).group_by(wd, hr)).all()
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    def counts(self, *, project_id: int | None = None) -> dict[str, int]:
        """Message counts by index state (diagnostics; operator-level)."""
        q = select(messages.c.index_state, func.count()).group_by(messages.c.index_state)
        if project_id is not None:
            q = q.where(messages.c.project_id == project_id)
        with self.engine.connect() as conn:
            return {k: int(v) for k, v in conn.execute(q).all()}
