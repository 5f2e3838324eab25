"""Tasks: the board (TODO / IN_PROGRESS / REVIEW / DONE), each change recorded and remembered.

Every write runs in one transaction that changes the task, appends a task_events row (who, when,
from which status to which) and queues any webhook notification; after the commit the change is
posted as a system message attributed to the acting person ("Bob moved 'Logo design' to DONE"),
so the timeline, search and the assistant see it too. Task metrics for the contributions
dashboard live here as well.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update

from collab_core.errors import ConflictError, NotFoundError, ValidationError
from collab_core.memory.text import clean_content, clean_name
from collab_core.people import audit
from collab_core.people.roles import require
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import meetings, memberships, messages, task_comments, task_events, tasks, users

if TYPE_CHECKING:
    import pandas as pd

    from collab_core.chat.messages import MessageService
    from collab_core.models import Message
    from collab_core.outbox.webhooks import Notifier

log = logging.getLogger(__name__)

STATUSES = ("TODO", "IN_PROGRESS", "REVIEW", "DONE")
PRIORITIES = ("low", "normal", "high", "urgent")
EVENTS = ("created", "moved", "reassigned", "edited", "commented", "deleted")
MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_COMMENT = 4000
MAX_LABELS = 10
MAX_LABEL_CHARS = 32

_STATUS_ALIASES = {
    "todo": "TODO",
    "to do": "TODO",
    "할 일": "TODO",
    "할일": "TODO",
    "in progress": "IN_PROGRESS",
    "doing": "IN_PROGRESS",
    "진행 중": "IN_PROGRESS",
    "진행중": "IN_PROGRESS",
    "review": "REVIEW",
    "in review": "REVIEW",
    "검토": "REVIEW",
    "리뷰": "REVIEW",
    "done": "DONE",
    "완료": "DONE",
}
_PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# -- value objects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """A task as the board shows it; overdue = due before today and not DONE."""

    id: int
    project_id: int
    title: str
    description: str
    status: str
    assignee_id: int | None
    assignee: str | None
    due_date: date | None
    priority: str
    labels: tuple[str, ...]
    created_by: int
    created_by_name: str
    created_at: datetime
    updated_at: datetime
    overdue: bool
    meeting_id: int | None = None
    source_message_id: int | None = None
    comment_count: int = 0
    external_id: str | None = None


@dataclass(frozen=True)
class TaskEvent:
    """One change of a task: who did what, when."""

    id: int
    task_id: int
    actor_id: int
    actor: str
    event: str
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any]
    created_at: datetime

    @property
    def text(self) -> str:
        """English one-liner without the task title (the detail view is already about one task)."""
        return describe_event(self.actor, None, self.event, self.from_status, self.to_status, self.detail)


@dataclass(frozen=True)
class TaskComment:
    """A comment on a task."""

    id: int
    task_id: int
    author_id: int
    author: str
    content: str
    created_at: datetime


@dataclass(frozen=True, eq=False)
class TaskMetrics:
    """Task numbers for the contributions dashboard.

    per_member: member_id, member, assigned, open, done, overdue, median_cycle_h, mean_cycle_h
    cycle_times: task_id, title, member_id, member, started_at, done_at, hours (IN_PROGRESS -> DONE)
    status_counts: tasks per status; overdue: open tasks past their due date.
    """

    per_member: pd.DataFrame
    cycle_times: pd.DataFrame
    status_counts: dict[str, int]
    overdue: int


@dataclass
class PendingPost:
    """A system message to post once the transaction has committed."""

    author_id: int
    text: str
    meta: dict[str, Any]
    kind: str = "task"
    action: str = "task_write"


@dataclass
class Effects:
    """What to do after a commit: messages to post (in order); webhooks are already queued."""

    posts: list[PendingPost] = field(default_factory=list)


def publish_effects(
    messages_: MessageService,
    notifier: Notifier | None,
    *,
    actor_id: int | None,
    project_id: int,
    effects: Effects,
) -> list[Message | None]:
    """Post the system messages of a committed change (in order) and wake the webhook sender.

    The change itself is already committed: a failure here is logged, never raised, so it never
    undoes or hides the change (the posted message is None then).
    """
    posted: list[Message | None] = []
    for post in effects.posts:
        try:
            posted.append(
                messages_.post(
                    actor_id=actor_id,
                    project_id=project_id,
                    content=post.text,
                    kind=post.kind,
                    role="system",
                    author_id=post.author_id,
                    meta=post.meta,
                    action=post.action,
                )
            )
        except Exception:
            log.exception("posting the %s message for project %s failed", post.kind, project_id)
            posted.append(None)
    if notifier is not None:
        notifier.kick()
    return posted


# -- parsing -------------------------------------------------------------------------------------


def parse_status(value: object) -> str:
    """'DONE', 'done', 'in progress', '진행 중' ... -> a STATUSES value; ValidationError otherwise."""
    if isinstance(value, str):
        key = value.strip()
        canon = key.upper().replace("-", "_").replace(" ", "_")
        if canon in STATUSES:
            return canon
        alias = _STATUS_ALIASES.get(" ".join(key.casefold().replace("_", " ").replace("-", " ").split()))
        if alias:
            return alias
    raise ValidationError(f"Unknown task status {value!r}.", hint=f"Use one of: {', '.join(STATUSES)}.")


def parse_priority(value: object) -> str:
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return value.strip().lower()
    raise ValidationError(f"Unknown priority {value!r}.", hint=f"Use one of: {', '.join(PRIORITIES)}.")


def parse_due_date(value: object) -> date | None:
    """None/'' -> None; a date, a datetime or 'YYYY-MM-DD' -> date; anything else is a ValidationError."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
        except ValueError:
            pass
        raise ValidationError(
            f"The due date {value!r} is not a valid date.", hint="Write it as YYYY-MM-DD, e.g. 2025-03-14."
        )
    raise ValidationError("The due date must be a date (YYYY-MM-DD).")


def parse_labels(value: object) -> tuple[str, ...]:
    """Labels from an iterable or a comma-separated string: trimmed, de-duplicated (case-insensitive)."""
    if value is None:
        return ()
    items: Iterable[object] = value.split(",") if isinstance(value, str) else value  # type: ignore[assignment]
    if not isinstance(items, Iterable):
        raise ValidationError("Labels must be a list of short texts.")
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValidationError("Each label must be text.")
        label = " ".join(item.split())
        if not label:
            continue
        if len(label) > MAX_LABEL_CHARS:
            raise ValidationError(f"A label can be at most {MAX_LABEL_CHARS} characters ({label[:40]!r}).")
        if label.casefold() not in seen:
            seen.add(label.casefold())
            out.append(label)
    if len(out) > MAX_LABELS:
        raise ValidationError(f"A task can have at most {MAX_LABELS} labels.")
    return tuple(out)


def clean_title(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("A task needs a title.", hint="Say in a few words what needs doing.")
    return clean_name(value, what="task title", max_chars=MAX_TITLE)


def clean_description(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return clean_content(value, max_chars=MAX_DESCRIPTION).strip()


def _user_id(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"The {what} must be a user id.")
    return value


# -- describing events (messages, history, demo) -------------------------------------------------


def describe_event(
    actor: str,
    title: str | None,
    event: str,
    from_status: str | None,
    to_status: str | None,
    detail: dict[str, Any] | None,
) -> str:
    """The English sentence for a task event; with a title it is the project-memory message."""
    d = detail or {}
    what = f"'{title}'" if title is not None else "the task"
    if event == "created":
        parts = []
        if d.get("assignee"):
            parts.append(f"assignee {d['assignee']}")
        if d.get("due_date"):
            parts.append(f"due {d['due_date']}")
        if d.get("priority") and d["priority"] != "normal":
            parts.append(f"priority {d['priority']}")
        if d.get("labels"):
            parts.append("labels " + ", ".join(d["labels"]))
        if to_status and to_status != "TODO":
            parts.append(f"in {to_status}")
        if d.get("meeting"):
            parts.append(f"from meeting '{d['meeting']}'")
        text = f"{actor} created task {what}" + (f" ({'; '.join(parts)})" if parts else "")
        if title is not None and d.get("description"):
            text += f": {d['description']}"
        return text
    if event == "moved":
        return f"{actor} moved {what} to {to_status}" + (f" (from {from_status})" if from_status else "")
    if event == "reassigned":
        if d.get("to_name"):
            return f"{actor} assigned {what} to {d['to_name']}" + (
                f" (was {d['from_name']})" if d.get("from_name") else ""
            )
        return f"{actor} unassigned {what}" + (f" (was {d['from_name']})" if d.get("from_name") else "")
    if event == "edited":
        changes = d.get("changes", {})
        bits = []
        for key, (old, new) in changes.items():
            if key == "description":
                bits.append("description")
            elif key == "labels":
                bits.append(f"labels {', '.join(new) if new else '(none)'}")
            else:
                bits.append(f"{key.replace('_', ' ')} {old or '(none)'} → {new or '(none)'}")
        return f"{actor} updated {what}" + (f": {'; '.join(bits)}" if bits else "")
    if event == "commented":
        return f"{actor} commented on {what}" + (f": {d['content']}" if d.get("content") else "")
    if event == "deleted":
        return f"{actor} deleted task {what}"
    return f"{actor} changed {what} ({event})"


# -- shared helpers ------------------------------------------------------------------------------


def acting_user(conn: Connection, actor_id: int | None, project_id: int) -> int:
    """Who a change is attributed to: the actor, or for the operator (None) the project's first owner."""
    if actor_id is not None:
        return actor_id
    uid = conn.execute(
        select(memberships.c.user_id)
        .where(memberships.c.project_id == project_id)
        .order_by((memberships.c.role == "owner").desc(), memberships.c.joined_at, memberships.c.user_id)
        .limit(1)
    ).scalar_one_or_none()
    if uid is None:
        raise ValidationError("The project has no members to attribute this change to.", hint="Add a member first.")
    return int(uid)


def member_name(conn: Connection, project_id: int, user_id: object, what: str = "assignee") -> str:
    """Display name of a project member; NotFoundError when the user is not a member."""
    uid = _user_id(user_id, what)
    name = conn.execute(
        select(users.c.display_name)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.project_id == project_id, users.c.id == uid)
    ).scalar_one_or_none()
    if name is None:
        raise NotFoundError(f"The {what} is not a member of this project.", hint="Choose someone from the team.")
    return str(name)


def display_name(conn: Connection, user_id: int) -> str:
    return str(conn.execute(select(users.c.display_name).where(users.c.id == user_id)).scalar_one())


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _short(text: str, limit: int = 500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TaskService:
    """Task board reads and writes, permission-checked against the acting user."""

    def __init__(self, engine: Engine, messages_: MessageService, notifier: Notifier | None = None) -> None:
        self.engine = engine
        self.messages = messages_
        self.notifier = notifier

    # -- mapping -------------------------------------------------------------------------------

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

    # -- after commit --------------------------------------------------------------------------

    def publish(self, *, actor_id: int | None, project_id: int, effects: Effects) -> list[Message | None]:
        """Post the system messages of a committed change and wake the webhook sender."""
        return publish_effects(self.messages, self.notifier, actor_id=actor_id, project_id=project_id, effects=effects)

    def _event(
        self,
        conn: Connection,
        *,
        task_id: int,
        project_id: int,
        actor: int,
        event: str,
        from_status: str | None = None,
        to_status: str | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime,
    ) -> None:
        conn.execute(
            task_events.insert().values(
                task_id=task_id,
                project_id=project_id,
                actor_id=actor,
                event=event,
                from_status=from_status,
                to_status=to_status,
                detail=detail or {},
                created_at=at,
            )
        )

    def _notify_assigned(
        self, conn: Connection, *, project_id: int, actor_name: str, title: str, assignee: str, due: date | None
    ) -> None:
        if self.notifier is None:
            return
        text = f"{actor_name} assigned '{title}' to {assignee}" + (f" (due {due.isoformat()})" if due else "")
        self.notifier.enqueue(conn, project_id=project_id, event="task_assigned", text=text)

    # -- writes --------------------------------------------------------------------------------

    def insert_task(
        self,
        conn: Connection,
        *,
        actor_id: int | None,
        project_id: int,
        title: object,
        description: object = "",
        assignee_id: int | None = None,
        due_date: object = None,
        priority: object = "normal",
        labels: object = (),
        status: object = "TODO",
        meeting_id: int | None = None,
        source_message_id: int | None = None,
        effects: Effects,
    ) -> int:
        """Validate and insert a task inside the caller's transaction (permissions already checked)."""
        clean = clean_title(title)
        desc = clean_description(description)
        due = parse_due_date(due_date)
        prio = parse_priority(priority)
        tags = parse_labels(labels)
        state = parse_status(status)
        author = acting_user(conn, actor_id, project_id)
        actor_name = display_name(conn, author)
        assignee = member_name(conn, project_id, assignee_id) if assignee_id is not None else None
        meeting_title = None
        if meeting_id is not None:
            meeting_title = conn.execute(
                select(meetings.c.title).where(meetings.c.id == meeting_id, meetings.c.project_id == project_id)
            ).scalar_one_or_none()
            if meeting_title is None:
                raise NotFoundError("That meeting does not exist in this project.")
        if source_message_id is not None:
            found = conn.execute(
                select(messages.c.id).where(messages.c.id == source_message_id, messages.c.project_id == project_id)
            ).first()
            if found is None:
                raise NotFoundError("The source message does not exist in this project.")
        now = utcnow()
        task_id = int(
            conn.execute(
                tasks.insert().values(
                    project_id=project_id,
                    title=clean,
                    description=desc,
                    status=state,
                    assignee_id=assignee_id,
                    due_date=due,
                    priority=prio,
                    labels=list(tags),
                    created_by=author,
                    created_at=now,
                    updated_at=now,
                    meeting_id=meeting_id,
                    source_message_id=source_message_id,
                    external_id=uuid.uuid4().hex,
                )
            ).inserted_primary_key[0]
        )
        detail = {
            "assignee_id": assignee_id,
            "assignee": assignee,
            "due_date": due.isoformat() if due else None,
            "priority": prio,
            "labels": list(tags),
            "meeting_id": meeting_id,
            "meeting": meeting_title,
        }
        self._event(
            conn,
            task_id=task_id,
            project_id=project_id,
            actor=author,
            event="created",
            to_status=state,
            detail=detail,
            at=now,
        )
        if assignee is not None and assignee_id != author:
            self._notify_assigned(
                conn, project_id=project_id, actor_name=actor_name, title=clean, assignee=assignee, due=due
            )
        text = describe_event(actor_name, clean, "created", None, state, {**detail, "description": _short(desc)})
        effects.posts.append(PendingPost(author, text, {"task_id": task_id, "event": "created"}))
        return task_id

    def create_task(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        title: str,
        description: str = "",
        assignee_id: int | None = None,
        due_date: date | str | None = None,
        priority: str = "normal",
        labels: Iterable[str] | str = (),
        meeting_id: int | None = None,
        source_message_id: int | None = None,
        status: str = "TODO",
    ) -> Task:
        """Create a task (members and up). Raises ValidationError / NotFoundError on bad input."""
        effects = Effects()
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "task_write")
            task_id = self.insert_task(
                conn,
                actor_id=actor_id,
                project_id=project_id,
                title=title,
                description=description,
                assignee_id=assignee_id,
                due_date=due_date,
                priority=priority,
                labels=labels,
                status=status,
                meeting_id=meeting_id,
                source_message_id=source_message_id,
                effects=effects,
            )
            task = self._load(conn, task_id)
        self.publish(actor_id=actor_id, project_id=project_id, effects=effects)
        return task

    def _begin_change(self, conn: Connection, actor_id: int | None, task_id: object, action: str) -> tuple[Task, int]:
        task = self._load(conn, task_id)
        require(conn, actor_id, task.project_id, action)
        return task, acting_user(conn, actor_id, task.project_id)

    def move_task(self, *, actor_id: int | None, task_id: int, status: str, expected_status: str | None = None) -> Task:
        """Move a task to any column; each move is recorded with who and when.

        With expected_status (the column the user saw the card in), a card someone else moved
        meanwhile raises ConflictError instead of silently overwriting their move.
        """
        target = parse_status(status)
        effects = Effects()
        with write_tx(self.engine) as conn:
            task, author = self._begin_change(conn, actor_id, task_id, "task_write")
            if expected_status is not None and parse_status(expected_status) != task.status:
                raise ConflictError(
                    f"'{task.title}' was moved to {task.status} by someone else meanwhile.",
                    hint="The board has been refreshed; try again if you still want to move it.",
                )
            if task.status == target:
                return task
            now = utcnow()
            conn.execute(update(tasks).where(tasks.c.id == task.id).values(status=target, updated_at=now))
            self._event(
                conn,
                task_id=task.id,
                project_id=task.project_id,
                actor=author,
                event="moved",
                from_status=task.status,
                to_status=target,
                at=now,
            )
            actor_name = display_name(conn, author)
            effects.posts.append(
                PendingPost(
                    author,
                    describe_event(actor_name, task.title, "moved", task.status, target, None),
                    {"task_id": task.id, "event": "moved", "from": task.status, "to": target},
                )
            )
            task = self._load(conn, task.id)
        self.publish(actor_id=actor_id, project_id=task.project_id, effects=effects)
        return task

    def reassign(self, *, actor_id: int | None, task_id: int, assignee_id: int | None) -> Task:
        """Give the task to another member (None = unassigned)."""
        effects = Effects()
        with write_tx(self.engine) as conn:
            task, author = self._begin_change(conn, actor_id, task_id, "task_write")
            new_name = member_name(conn, task.project_id, assignee_id) if assignee_id is not None else None
            if assignee_id == task.assignee_id:
                return task
            now = utcnow()
            conn.execute(update(tasks).where(tasks.c.id == task.id).values(assignee_id=assignee_id, updated_at=now))
            detail = {"from": task.assignee_id, "to": assignee_id, "from_name": task.assignee, "to_name": new_name}
            self._event(
                conn,
                task_id=task.id,
                project_id=task.project_id,
                actor=author,
                event="reassigned",
                detail=detail,
                at=now,
            )
            actor_name = display_name(conn, author)
            if new_name is not None and assignee_id != author:
                self._notify_assigned(
                    conn,
                    project_id=task.project_id,
                    actor_name=actor_name,
                    title=task.title,
                    assignee=new_name,
                    due=task.due_date,
                )
            effects.posts.append(
                PendingPost(
                    author,
                    describe_event(actor_name, task.title, "reassigned", None, None, detail),
                    {"task_id": task.id, "event": "reassigned", "to": assignee_id},
                )
            )
            task = self._load(conn, task.id)
        self.publish(actor_id=actor_id, project_id=task.project_id, effects=effects)
        return task

    def update_task(
        self,
        *,
        actor_id: int | None,
        task_id: int,
        title: str = UNSET,
        description: str = UNSET,
        due_date: date | str | None = UNSET,
        priority: str = UNSET,
        labels: Iterable[str] | str = UNSET,
    ) -> Task:
        """Edit a task's fields; only the ones passed change (due_date=None clears the date)."""
        new: dict[str, Any] = {}
        if title is not UNSET:
            new["title"] = clean_title(title)
        if description is not UNSET:
            new["description"] = clean_description(description)
        if due_date is not UNSET:
            new["due_date"] = parse_due_date(due_date)
        if priority is not UNSET:
            new["priority"] = parse_priority(priority)
        if labels is not UNSET:
            new["labels"] = parse_labels(labels)
        effects = Effects()
        with write_tx(self.engine) as conn:
            task, author = self._begin_change(conn, actor_id, task_id, "task_write")
            changes: dict[str, list[Any]] = {}
            for key, value in new.items():
                old = getattr(task, key)
                if old != value:
                    changes[key] = [_plain(old), _plain(value)]
            if not changes:
                return task
            now = utcnow()
            values = {k: (list(v) if k == "labels" else v) for k, v in new.items() if k in changes}
            conn.execute(update(tasks).where(tasks.c.id == task.id).values(**values, updated_at=now))
            if "description" in changes:
                changes["description"] = ["", ""]  # history says it changed; the text itself lives on the task
            detail = {"changes": changes}
            self._event(
                conn, task_id=task.id, project_id=task.project_id, actor=author, event="edited", detail=detail, at=now
            )
            actor_name = display_name(conn, author)
            text = describe_event(actor_name, task.title, "edited", None, None, detail)
            effects.posts.append(PendingPost(author, text, {"task_id": task.id, "event": "edited"}))
            task = self._load(conn, task.id)
        self.publish(actor_id=actor_id, project_id=task.project_id, effects=effects)
        return task

    def comment(self, *, actor_id: int | None, task_id: int, content: str) -> TaskComment:
        """Comment on a task; @names in the comment reach those members' inboxes."""
        text = clean_content(content, max_chars=MAX_COMMENT).strip()
        effects = Effects()
        with write_tx(self.engine) as conn:
            task, author = self._begin_change(conn, actor_id, task_id, "task_write")
            now = utcnow()
            cid = int(
                conn.execute(
                    task_comments.insert().values(task_id=task.id, author_id=author, content=text, created_at=now)
                ).inserted_primary_key[0]
            )
            conn.execute(update(tasks).where(tasks.c.id == task.id).values(updated_at=now))
            self._event(
                conn,
                task_id=task.id,
                project_id=task.project_id,
                actor=author,
                event="commented",
                detail={"comment_id": cid},
                at=now,
            )
            actor_name = display_name(conn, author)
            prefix = describe_event(actor_name, task.title, "commented", None, None, None) + ": "
            effects.posts.append(
                PendingPost(
                    author,
                    prefix + text,
                    {"task_id": task.id, "event": "commented", "comment_id": cid, "mention_from": len(prefix)},
                )
            )
        self.publish(actor_id=actor_id, project_id=task.project_id, effects=effects)
        return TaskComment(cid, task.id, author, actor_name, text, _aware(now))

    def delete_task(self, *, actor_id: int | None, task_id: int) -> None:
        """Remove a task from the board (admins). Its history stays for the record and backups."""
        effects = Effects()
        with write_tx(self.engine) as conn:
            task, author = self._begin_change(conn, actor_id, task_id, "delete_task")
            now = utcnow()
            conn.execute(update(tasks).where(tasks.c.id == task.id).values(deleted_at=now, updated_at=now))
            self._event(conn, task_id=task.id, project_id=task.project_id, actor=author, event="deleted", at=now)
            audit.record(
                conn, actor_id=actor_id, action="task.delete", project_id=task.project_id, target=task.title[:200]
            )
            actor_name = display_name(conn, author)
            effects.posts.append(
                PendingPost(
                    author,
                    describe_event(actor_name, task.title, "deleted", None, None, None),
                    {"task_id": task.id, "event": "deleted"},
                )
            )
        self.publish(actor_id=actor_id, project_id=task.project_id, effects=effects)

    # -- reads ---------------------------------------------------------------------------------

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

    # -- metrics -------------------------------------------------------------------------------

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


def _board_order(t: Task) -> tuple[int, int, date, int]:
    return (STATUSES.index(t.status), -_PRIORITY_RANK.get(t.priority, 1), t.due_date or date.max, t.id)


def _plain(value: Any) -> Any:
    """A field value as JSON (dates as ISO text, tuples as lists)."""
    if isinstance(value, date):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def _day_bound(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    day = datetime.combine(value, time.min)
    return day + timedelta(days=1) if end else day


def task_metrics(
    engine: Engine,
    *,
    actor_id: int | None,
    project_id: int,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    today: date | None = None,
) -> TaskMetrics:
    """See TaskService.metrics; plain SQL reads plus pandas for the per-member table."""
    import pandas as pd

    today = today or date.today()
    lo, hi = _day_bound(start, end=False), _day_bound(end, end=True)
    with engine.connect() as conn:
        require(conn, actor_id, project_id, "read")
        task_rows = conn.execute(
            select(tasks.c.id, tasks.c.title, tasks.c.status, tasks.c.assignee_id, tasks.c.due_date).where(
                tasks.c.project_id == project_id, tasks.c.deleted_at.is_(None)
            )
        ).all()
        moves = conn.execute(
            select(task_events.c.task_id, task_events.c.actor_id, task_events.c.to_status, task_events.c.created_at)
            .join(tasks, tasks.c.id == task_events.c.task_id)
            .where(
                task_events.c.project_id == project_id,
                task_events.c.event.in_(("created", "moved")),
                task_events.c.to_status.in_(("IN_PROGRESS", "DONE")),
                tasks.c.deleted_at.is_(None),
            )
            .order_by(task_events.c.created_at, task_events.c.id)
        ).all()
        names = dict(
            conn.execute(
                select(users.c.id, users.c.display_name)
                .join(memberships, memberships.c.user_id == users.c.id)
                .where(memberships.c.project_id == project_id)
            ).all()
        )
        extra = {r.assignee_id for r in task_rows if r.assignee_id} | {m.actor_id for m in moves}
        missing = [uid for uid in extra if uid not in names]
        if missing:  # former members still own history
            names.update(conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(missing))).all())

    started: dict[int, datetime] = {}
    finished: dict[int, tuple[datetime, int]] = {}
    for m in moves:
        if m.to_status == "IN_PROGRESS":
            started.setdefault(m.task_id, m.created_at)
        else:
            finished[m.task_id] = (m.created_at, m.actor_id)

    status_counts = {s: 0 for s in STATUSES}
    per: dict[int | None, dict[str, Any]] = {}

    def bucket(uid: int | None) -> dict[str, Any]:
        return per.setdefault(uid, {"assigned": 0, "open": 0, "done": 0, "overdue": 0, "cycle": []})

    cycles = []
    overdue_total = 0
    for t in task_rows:
        status_counts[t.status] = status_counts.get(t.status, 0) + 1
        if t.assignee_id is not None:
            b = bucket(t.assignee_id)
            b["assigned"] += 1
            if t.status != "DONE":
                b["open"] += 1
        is_overdue = t.due_date is not None and t.due_date < today and t.status != "DONE"
        if is_overdue:
            overdue_total += 1
            bucket(t.assignee_id)["overdue"] += 1
        if t.status == "DONE" and t.id in finished:
            done_at, mover = finished[t.id]
            if (lo is not None and done_at < lo) or (hi is not None and done_at >= hi):
                continue
            owner = t.assignee_id if t.assignee_id is not None else mover
            b = bucket(owner)
            b["done"] += 1
            began = started.get(t.id)
            if began is not None and began <= done_at:
                hours = (done_at - began).total_seconds() / 3600
                b["cycle"].append(hours)
                cycles.append(
                    {
                        "task_id": t.id,
                        "title": t.title,
                        "member_id": owner,
                        "member": names.get(owner, "?"),
                        "started_at": _aware(began),
                        "done_at": _aware(done_at),
                        "hours": round(hours, 2),
                    }
                )

    rows = []
    for uid, b in per.items():
        series = pd.Series(b["cycle"], dtype="float64")
        rows.append(
            {
                "member_id": uid,
                "member": names.get(uid, "?") if uid is not None else "(unassigned)",
                "assigned": b["assigned"],
                "open": b["open"],
                "done": b["done"],
                "overdue": b["overdue"],
                "median_cycle_h": round(float(series.median()), 2) if len(series) else None,
                "mean_cycle_h": round(float(series.mean()), 2) if len(series) else None,
            }
        )
    columns = ["member_id", "member", "assigned", "open", "done", "overdue", "median_cycle_h", "mean_cycle_h"]
    per_member = pd.DataFrame(rows, columns=columns)
    if len(per_member):
        per_member = per_member.sort_values(["done", "member"], ascending=[False, True], ignore_index=True)
    cycle_df = pd.DataFrame(
        cycles, columns=["task_id", "title", "member_id", "member", "started_at", "done_at", "hours"]
    )
    return TaskMetrics(per_member=per_member, cycle_times=cycle_df, status_counts=status_counts, overdue=overdue_total)
