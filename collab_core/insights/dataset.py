"""Build the insight values (`Msg`, `TaskState`, `Member`) from a dataset in the `insight_eval_*.json` format."""

from __future__ import annotations

from datetime import date, datetime

from .model import Member, Msg, TaskChange, TaskState


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load(dataset: dict) -> tuple[list[TaskState], list[Msg], list[Member], datetime]:
    """(tasks, messages, members, now) of one dataset dict; labels are not read."""
    members = [
        Member(
            name=m["name"],
            role=m.get("role", "member"),
            skills=tuple(m.get("skills") or ()),
            timezone=m.get("timezone", "Asia/Seoul"),
        )
        for m in dataset.get("members", [])
    ]
    messages = [
        Msg(
            id=str(m["id"]),
            author=m["author"],
            ts=datetime.fromisoformat(m["ts"]),
            content=m["content"],
            role=m.get("role", "user"),
        )
        for m in dataset.get("messages", [])
    ]
    tasks = []
    for t in dataset.get("tasks", []):
        history = tuple(
            TaskChange(
                ts=datetime.fromisoformat(h["ts"]),
                by=h.get("by"),
                status=h.get("status"),
                assignee=h.get("assignee"),
                due=_day(h.get("due")) if "due" in h else None,
            )
            for h in t.get("history", [])
        )
        tasks.append(
            TaskState(
                id=str(t["id"]),
                title=t["title"],
                status=t["status"],
                description=t.get("description") or "",
                assignee=t.get("assignee"),
                priority=t.get("priority", "medium"),
                labels=tuple(t.get("labels") or ()),
                due=_day(t.get("due")),
                created_at=_dt(t.get("created_at")),
                created_by=t.get("created_by"),
                history=history,
            )
        )
    return tasks, messages, members, datetime.fromisoformat(dataset["now"])
