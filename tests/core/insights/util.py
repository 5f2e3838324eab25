"""Small builders for the insight tests: messages and tasks from short literals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from collab_core.insights.model import Member, Msg, TaskChange, TaskState

KST = timezone(timedelta(hours=9))


def at(s: str) -> datetime:
    """'2025-03-10 09:30' in KST."""
    return datetime.fromisoformat(s).replace(tzinfo=KST)


def msg(mid: str, author: str, ts: str, content: str, role: str = "user") -> Msg:
    return Msg(id=mid, author=author, ts=at(ts), content=content, role=role)


def task(tid: str, title: str, status: str, assignee: str | None, changes: list[tuple[str, str]], **kw) -> TaskState:
    hist = tuple(TaskChange(ts=at(ts), status=st) for ts, st in changes)
    return TaskState(
        id=tid,
        title=title,
        status=status,
        assignee=assignee,
        created_at=hist[0].ts if hist else None,
        history=hist,
        **kw,
    )


MEMBERS = [Member(name=n) for n in ("하늘", "도윤", "Priya", "Tom")] + [Member(name="Ana", timezone="America/New_York")]
