"""SQL -> the detectors' plain values: a project's members, people's messages and tasks with their history.

Message keys are `m<id>` and task keys the task's id as text (so "#12" in chat names task 12), or the
task's external id when a replay asks for it (`task_key="external"`: a dataset that says "(t13)" keeps
working). `Keys` maps the detectors' ids back to SQL ids. Only people's messages are evidence: assistant
answers and system notices are never loaded (DESIGN §8).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, select

from collab_core.chat.message_values import to_local
from collab_core.store.engine import aware_utc
from collab_core.store.schema import memberships, messages, task_events, tasks, users

from .model import Member, Msg, TaskChange, TaskState

# The board's priorities in the detectors' three levels.
PRIORITY = {"low": "low", "normal": "medium", "high": "high", "urgent": "high"}


@dataclass
class Keys:
    """Detector ids <-> SQL ids of one project."""

    task_sql: dict[str, int] = field(default_factory=dict)
    task_key: dict[int, str] = field(default_factory=dict)
    user_of: dict[str, int] = field(default_factory=dict)  # display name -> user id

    def message_id(self, key: str) -> int | None:
        return int(key[1:]) if key.startswith("m") and key[1:].isdigit() else None

    def task_id(self, key: str | None) -> int | None:
        return self.task_sql.get(key) if key is not None else None

    def evidence(self, ids: Iterable[str]) -> list[dict[str, int]]:
        """Mixed detector evidence ids -> [{"message": id} | {"task": id}] (unknown ids dropped)."""
        out: list[dict[str, int]] = []
        for key in ids:
            if key in self.task_sql:
                out.append({"task": self.task_sql[key]})
            elif (mid := self.message_id(key)) is not None:
                out.append({"message": mid})
        return out


def message_key(message_id: int) -> str:
    return f"m{message_id}"


def load_members(conn: Connection, project_id: int, keys: Keys, zones: dict[str, str] | None = None) -> list[Member]:
    """Members with their roles; `zones` (display name -> IANA zone) overrides the default Asia/Seoul."""
    rows = conn.execute(
        select(users.c.id, users.c.display_name, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.project_id == project_id, users.c.disabled.is_(False))
        .order_by(users.c.id)
    ).all()
    for uid, name, _ in rows:
        keys.user_of.setdefault(name, uid)
    zones = zones or {}
    return [
        Member(name=name, role=role, **({"timezone": zones[name]} if name in zones else {})) for _, name, role in rows
    ]


def message_query(project_id: int, *, after_id: int = 0, until: datetime | None = None):  # type: ignore[no-untyped-def]
    """People's chat messages of a project, oldest first (after `after_id`, up to `until` naive UTC)."""
    q = (
        select(
            messages.c.id,
            messages.c.content,
            messages.c.created_at,
            messages.c.tz_offset_min,
            messages.c.kind,
            users.c.display_name,
        )
        .join(users, users.c.id == messages.c.author_id)
        .where(
            messages.c.project_id == project_id,
            messages.c.role == "user",
            messages.c.deleted_at.is_(None),
            messages.c.id > after_id,
        )
        .order_by(messages.c.created_at, messages.c.id)
    )
    if until is not None:
        q = q.where(messages.c.created_at <= until)
    return q


def load_messages(conn: Connection, project_id: int, *, after_id: int = 0, until: datetime | None = None) -> list[Msg]:
    rows = conn.execute(message_query(project_id, after_id=after_id, until=until)).all()
    return [
        Msg(id=message_key(r.id), author=r.display_name, ts=to_local(r.created_at, r.tz_offset_min), content=r.content)
        for r in rows
    ]


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _change(event: str, to_status: str | None, detail: dict, ts: datetime, by: str | None) -> TaskChange | None:
    if event == "created":
        return TaskChange(
            ts=ts, by=by, status=to_status, assignee=detail.get("assignee"), due=_day(detail.get("due_date"))
        )
    if event == "moved":
        return TaskChange(ts=ts, by=by, status=to_status)
    if event == "reassigned":
        return TaskChange(ts=ts, by=by, assignee=detail.get("to_name"))
    if event == "edited":
        due = (detail.get("changes") or {}).get("due_date")
        if isinstance(due, list) and len(due) == 2:
            return TaskChange(ts=ts, by=by, due=_day(due[1]))
    return None


def load_tasks(conn: Connection, project_id: int, keys: Keys, *, task_key: str = "id") -> list[TaskState]:
    """The project's live tasks with their change history, keyed as `task_key` says ("id" or "external")."""
    assignee = users.alias("assignee")
    creator = users.alias("creator")
    rows = conn.execute(
        select(tasks, assignee.c.display_name.label("assignee_name"), creator.c.display_name.label("creator_name"))
        .outerjoin(assignee, assignee.c.id == tasks.c.assignee_id)
        .outerjoin(creator, creator.c.id == tasks.c.created_by)
        .where(tasks.c.project_id == project_id, tasks.c.deleted_at.is_(None))
        .order_by(tasks.c.id)
    ).mappings()
    rows = list(rows)
    history: dict[int, list[TaskChange]] = {r["id"]: [] for r in rows}
    events = conn.execute(
        select(
            task_events.c.task_id,
            task_events.c.event,
            task_events.c.to_status,
            task_events.c.detail,
            task_events.c.created_at,
            users.c.display_name,
        )
        .join(users, users.c.id == task_events.c.actor_id)
        .where(task_events.c.project_id == project_id)
        .order_by(task_events.c.created_at, task_events.c.id)
    ).all()
    for e in events:
        if e.task_id in history:
            change = _change(e.event, e.to_status, e.detail or {}, aware_utc(e.created_at), e.display_name)
            if change is not None:
                history[e.task_id].append(change)
    out = []
    for r in rows:
        key = str(r["external_id"]) if task_key == "external" and r["external_id"] else str(r["id"])
        keys.task_sql[key] = r["id"]
        keys.task_key[r["id"]] = key
        out.append(
            TaskState(
                id=key,
                title=r["title"],
                status=r["status"],
                description=r["description"] or "",
                assignee=r["assignee_name"],
                priority=PRIORITY.get(r["priority"], "medium"),
                labels=tuple(r["labels"] or ()),
                due=r["due_date"],
                created_at=aware_utc(r["created_at"]),
                created_by=r["creator_name"],
                history=tuple(history[r["id"]]),
            )
        )
    return out


@dataclass(frozen=True)
class Snapshot:
    """Everything the detectors read about one project, and the id maps back to SQL."""

    members: Sequence[Member]
    messages: Sequence[Msg]
    tasks: Sequence[TaskState]
    keys: Keys
    last_message_id: int


def load_snapshot(
    conn: Connection,
    project_id: int,
    *,
    task_key: str = "id",
    until: datetime | None = None,
    zones: dict[str, str] | None = None,
) -> Snapshot:
    keys = Keys()
    members = load_members(conn, project_id, keys, zones)
    msgs = load_messages(conn, project_id, until=until)
    task_list = load_tasks(conn, project_id, keys, task_key=task_key)
    last = max((keys.message_id(m.id) or 0 for m in msgs), default=0)
    return Snapshot(members=members, messages=msgs, tasks=task_list, keys=keys, last_message_id=last)
