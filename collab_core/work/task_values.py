"""What a task is: statuses, priorities and limits, the frozen values (Task, TaskEvent, TaskComment, TaskMetrics) and the
parsers that turn what a person typed into them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from collab_core.errors import ValidationError
from collab_core.memory.text import clean_content, clean_name
from collab_core.work.task_events import describe_event

if TYPE_CHECKING:
    import pandas as pd

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


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)
