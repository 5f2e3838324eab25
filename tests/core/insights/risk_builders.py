"""Small builders for the risk/assignment tests: a fixed clock, tasks, messages and members."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from collab_core.insights.model import Member, Msg, TaskChange, TaskState

KST = timezone(timedelta(hours=9))
NOW = datetime(2025, 3, 18, 18, 0, tzinfo=KST)
TODAY = NOW.date()
MEMBERS = [
    Member("서연", role="owner"),
    Member("준호", skills=("backend", "kotlin")),
    Member("민지", skills=("react", "typescript")),
    Member("Daniel", skills=("java", "spring")),
    Member("Emily", skills=("product design",)),
]


def at(days_ago: float, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def task(
    tid: str,
    title: str,
    *,
    status: str = "TODO",
    assignee: str | None = "준호",
    priority: str = "medium",
    labels: tuple[str, ...] = (),
    due: date | None = None,
    created: float = 20,
    changes: tuple[TaskChange, ...] = (),
    description: str = "",
) -> TaskState:
    first = TaskChange(ts=at(created), by="서연", status="TODO", assignee=assignee, due=due)
    return TaskState(
        id=tid,
        title=title,
        status=status,
        description=description,
        assignee=assignee,
        priority=priority,
        labels=labels,
        due=due,
        created_at=at(created),
        created_by="서연",
        history=(first, *changes),
    )


_counter = iter(range(1, 10_000))


def msg(author: str, content: str, days_ago: float = 1, hour: int = 10) -> Msg:
    return Msg(id=f"m{next(_counter)}", author=author, ts=at(days_ago, hour), content=content)
