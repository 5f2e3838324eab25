"""Tasks: the board (TODO / IN_PROGRESS / REVIEW / DONE), each change recorded and remembered.

Every write runs in one transaction that changes the task, appends a task_events row (who, when,
from which status to which) and queues any webhook notification; after the commit the change is
posted as a system message attributed to the acting person ("Bob moved 'Logo design' to DONE"),
so the timeline, search and the assistant see it too."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select, update

from collab_core.chat.notices import task_notice
from collab_core.errors import ConflictError, NotFoundError
from collab_core.memory.text import clean_content
from collab_core.people import audit
from collab_core.people.roles import require
from collab_core.store.changes import bump, project_scope
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import meetings, messages, task_comments, task_events, tasks
from collab_core.work.task_events import (
    Effects,
    PendingPost,
    _short,
    acting_user,
    describe_event,
    display_name,
    member_name,
    publish_effects,
)
from collab_core.work.task_metrics import _plain
from collab_core.work.task_queries import TaskQueries
from collab_core.work.task_values import (
    MAX_COMMENT,
    UNSET,
    Task,
    TaskComment,
    _aware,
    clean_description,
    clean_title,
    parse_due_date,
    parse_labels,
    parse_priority,
    parse_status,
)

if TYPE_CHECKING:
    from collab_core.chat.messages import MessageService
    from collab_core.models import Message
    from collab_core.outbox.webhooks import Notifier


class TaskService(TaskQueries):
    """Task board reads and writes, permission-checked against the acting user."""

    def __init__(self, engine: Engine, messages_: MessageService, notifier: Notifier | None = None) -> None:
        self.engine = engine
        self.messages = messages_
        self.notifier = notifier

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
        bump(conn, project_scope(project_id, "tasks"))  # every board change records an event

    def _notify_assigned(
        self, conn: Connection, *, project_id: int, actor_name: str, title: str, assignee: str, due: date | None
    ) -> None:
        if self.notifier is None:
            return
        text = f"{actor_name} assigned '{title}' to {assignee}" + (f" (due {due.isoformat()})" if due else "")
        self.notifier.enqueue(conn, project_id=project_id, event="task_assigned", text=text)

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
        notice = task_notice(
            "created",
            actor=actor_name,
            title=clean,
            assignee=assignee,
            due_date=detail["due_date"],
            priority=prio,
            labels=list(tags),
            status=state,
            meeting=meeting_title,
        )
        effects.posts.append(PendingPost(author, text, {"task_id": task_id, "event": "created", "notice": notice}))
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
                    {
                        "task_id": task.id,
                        "event": "moved",
                        "from": task.status,
                        "to": target,
                        "notice": task_notice(
                            "moved", actor=actor_name, title=task.title, **{"from": task.status, "to": target}
                        ),
                    },
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
                    {
                        "task_id": task.id,
                        "event": "reassigned",
                        "to": assignee_id,
                        "notice": task_notice(
                            "reassigned", actor=actor_name, title=task.title, to_name=new_name, from_name=task.assignee
                        ),
                    },
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
            notice = task_notice("edited", actor=actor_name, title=task.title, fields=list(changes))
            effects.posts.append(PendingPost(author, text, {"task_id": task.id, "event": "edited", "notice": notice}))
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
                    {
                        "task_id": task.id,
                        "event": "commented",
                        "comment_id": cid,
                        "mention_from": len(prefix),
                        "notice": task_notice("commented", actor=actor_name, title=task.title, body=text),
                    },
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
                    {
                        "task_id": task.id,
                        "event": "deleted",
                        "notice": task_notice("deleted", actor=actor_name, title=task.title),
                    },
                )
            )
        self.publish(actor_id=actor_id, project_id=task.project_id, effects=effects)
