"""Reading the board: one task, filtered lists, columns, labels, the board version, history, comments and metrics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, or_, select

from collab_core.errors import NotFoundError, ValidationError
from collab_core.people.roles import require
from collab_core.store.schema import task_comments, task_events, tasks, users
from collab_core.work.task_events import _user_id
from collab_core.work.task_metrics import _board_order, task_metrics
from collab_core.work.task_values import STATUSES, Task, TaskComment, TaskEvent, TaskMetrics, _aware, parse_status

if TYPE_CHECKING:
    pass


class TaskQueries:
    """The read side of the task service (mixed into TaskService)."""

    def _select(self):  # type: ignore[no-untyped-def]
        assignee = users.alias("assignee")
        creator = users.alias("creator")
        comments = (
            select(func.count())
            .where(task_comments.c.task_id == tasks.c.id)
            .correlate(tasks)
            .scalar_subquery()
            .label("comment_count")
        )
        return (
            select(
                tasks,
                assignee.c.display_name.label("assignee_name"),
                creator.c.display_name.label("creator_name"),
                comments,
            )
            .outerjoin(assignee, assignee.c.id == tasks.c.assignee_id)
            .join(creator, creator.c.id == tasks.c.created_by)
        )

    @staticmethod
    def _row(r: Any, today: date) -> Task:
        return Task(
            id=r["id"],
            project_id=r["project_id"],
            title=r["title"],
            description=r["description"],
            status=r["status"],
            assignee_id=r["assignee_id"],
            assignee=r["assignee_name"],
            due_date=r["due_date"],
            priority=r["priority"],
            labels=tuple(r["labels"] or ()),
            created_by=r["created_by"],
            created_by_name=r["creator_name"],
            created_at=_aware(r["created_at"]),
            updated_at=_aware(r["updated_at"]),
            overdue=bool(r["due_date"] and r["due_date"] < today and r["status"] != "DONE"),
            meeting_id=r["meeting_id"],
            source_message_id=r["source_message_id"],
            comment_count=int(r["comment_count"] or 0),
            external_id=r["external_id"],
        )

    def _load(self, conn: Connection, task_id: object, today: date | None = None) -> Task:
        if isinstance(task_id, bool) or not isinstance(task_id, int):
            raise ValidationError("A task id must be a number.")
        r = conn.execute(self._select().where(tasks.c.id == task_id, tasks.c.deleted_at.is_(None))).mappings().first()
        if r is None:
            raise NotFoundError("That task does not exist (or was deleted).")
        return self._row(r, today or date.today())

    def get_task(self, *, actor_id: int | None, task_id: int, today: date | None = None) -> Task:
        with self.engine.connect() as conn:
            task = self._load(conn, task_id, today)
            require(conn, actor_id, task.project_id, "read")
        return task

    def list_tasks(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        status: str | Sequence[str] | None = None,
        assignee_id: int | None = None,
        unassigned: bool = False,
        mine: bool = False,
        label: str | None = None,
        overdue: bool | None = None,
        due_before: date | None = None,
        meeting_id: int | None = None,
        text: str = "",
        today: date | None = None,
        limit: int = 1000,
    ) -> list[Task]:
        """Tasks on the board, in column order, then priority (urgent first), due date, age.

        mine=True means assigned to the acting user; overdue=True/False filters on the overdue
        flag (due before `today`, default the server's date, and not DONE).
        """
        today = today or date.today()
        conds = [tasks.c.project_id == project_id, tasks.c.deleted_at.is_(None)]
        if status is not None:
            wanted = [parse_status(status)] if isinstance(status, str) else [parse_status(s) for s in status]
            conds.append(tasks.c.status.in_(wanted))
        if mine:
            if actor_id is None:
                raise ValidationError("'mine' needs a signed-in user.")
            assignee_id = actor_id
        if assignee_id is not None:
            conds.append(tasks.c.assignee_id == _user_id(assignee_id, "assignee"))
        elif unassigned:
            conds.append(tasks.c.assignee_id.is_(None))
        is_overdue = and_(tasks.c.due_date.is_not(None), tasks.c.due_date < today, tasks.c.status != "DONE")
        if overdue is True:
            conds.append(is_overdue)
        elif overdue is False:
            conds.append(~is_overdue)
        if due_before is not None:
            conds.append(and_(tasks.c.due_date.is_not(None), tasks.c.due_date <= due_before))
        if meeting_id is not None:
            conds.append(tasks.c.meeting_id == meeting_id)
        if text and text.strip():
            needle = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(
                or_(
                    tasks.c.title.ilike(f"%{needle}%", escape="\\"),
                    tasks.c.description.ilike(f"%{needle}%", escape="\\"),
                )
            )
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = conn.execute(self._select().where(*conds).order_by(tasks.c.id)).mappings().all()
        out = [self._row(r, today) for r in rows]
        if label:
            # Labels are a JSON list; filtering here keeps the query portable (SQLite / PostgreSQL).
            key = label.strip().casefold()
            out = [t for t in out if any(x.casefold() == key for x in t.labels)]
        out.sort(key=_board_order)
        return out[: max(1, limit)]

    def board(self, *, actor_id: int | None, project_id: int, **filters: Any) -> dict[str, list[Task]]:
        """list_tasks grouped into the four columns (every column present, maybe empty)."""
        columns: dict[str, list[Task]] = {s: [] for s in STATUSES}
        for task in self.list_tasks(actor_id=actor_id, project_id=project_id, **filters):
            columns[task.status].append(task)
        return columns

    def labels(self, *, actor_id: int | None, project_id: int) -> list[str]:
        """Every label in use on the project's board (for filter pickers)."""
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = conn.execute(
                select(tasks.c.labels)
                .where(tasks.c.project_id == project_id, tasks.c.deleted_at.is_(None))
                .order_by(tasks.c.id)  # the oldest task's spelling wins, on every backend
            ).scalars()
            seen: dict[str, str] = {}
            for labels in rows:
                for label in labels or ():
                    seen.setdefault(label.casefold(), label)
        return sorted(seen.values(), key=str.casefold)

    def board_version(self, *, project_id: int) -> tuple[int, str]:
        """A cheap fingerprint of the board (row count, newest change) for live refresh checks."""
        with self.engine.connect() as conn:
            count, newest = conn.execute(
                select(func.count(), func.max(tasks.c.updated_at)).where(tasks.c.project_id == project_id)
            ).one()
        return int(count), newest.isoformat() if newest else ""

    def history(self, *, actor_id: int | None, task_id: int) -> list[TaskEvent]:
        """Every change of a task, oldest first."""
        with self.engine.connect() as conn:
            project_id = conn.execute(select(tasks.c.project_id).where(tasks.c.id == task_id)).scalar_one_or_none()
            if project_id is None:
                raise NotFoundError("That task does not exist.")
            require(conn, actor_id, project_id, "read")
            rows = (
                conn.execute(
                    select(task_events, users.c.display_name)
                    .join(users, users.c.id == task_events.c.actor_id)
                    .where(task_events.c.task_id == task_id)
                    .order_by(task_events.c.created_at, task_events.c.id)
                )
                .mappings()
                .all()
            )
        return [
            TaskEvent(
                id=r["id"],
                task_id=r["task_id"],
                actor_id=r["actor_id"],
                actor=r["display_name"],
                event=r["event"],
                from_status=r["from_status"],
                to_status=r["to_status"],
                detail=dict(r["detail"] or {}),
                created_at=_aware(r["created_at"]),
            )
            for r in rows
        ]

    def comments(self, *, actor_id: int | None, task_id: int) -> list[TaskComment]:
        """A task's comments, oldest first."""
        with self.engine.connect() as conn:
            task = self._load(conn, task_id)
            require(conn, actor_id, task.project_id, "read")
            rows = conn.execute(
                select(task_comments, users.c.display_name)
                .join(users, users.c.id == task_comments.c.author_id)
                .where(task_comments.c.task_id == task.id)
                .order_by(task_comments.c.created_at, task_comments.c.id)
            ).mappings()
            return [
                TaskComment(
                    r["id"], r["task_id"], r["author_id"], r["display_name"], r["content"], _aware(r["created_at"])
                )
                for r in rows
            ]

    def metrics(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        start: date | datetime | None = None,
        end: date | datetime | None = None,
        today: date | None = None,
    ) -> TaskMetrics:
        """Done per member, cycle time (first IN_PROGRESS -> final DONE) and overdue per member.

        start/end bound when a task was finished (for done counts and cycle times); open and
        overdue counts are as of now. A finished task counts for its assignee, or for whoever
        moved it to DONE when it had none.
        """
        return task_metrics(self.engine, actor_id=actor_id, project_id=project_id, start=start, end=end, today=today)
