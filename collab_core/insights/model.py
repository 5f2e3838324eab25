"""Plain values the insight detectors read and write: no SQL, no services, so every detector is a pure function.

The detectors read a project's history as `Msg`, `TaskState` (with its `TaskChange` history) and `Member`
values, take `now` as a parameter, and return `Commitment`, `Decision`, `Proposal`, `Risk` and
`Suggestion` values that carry the ids of their evidence. Storage and services (later in this package)
load these values from SQL and save the results; the eval builds them straight from a dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

STATUSES = ("TODO", "IN_PROGRESS", "REVIEW", "DONE")


@dataclass(frozen=True)
class Member:
    """A project member as the detectors see them."""

    name: str
    role: str = "member"
    skills: tuple[str, ...] = ()
    timezone: str = "Asia/Seoul"


@dataclass(frozen=True)
class Msg:
    """One chat message. `id` is the message's id as a string (SQL id, or the dataset's id)."""

    id: str
    author: str
    ts: datetime  # timezone-aware
    content: str
    role: str = "user"  # user / assistant / system; assistant output is never evidence
    kind: str = "chat"  # chat / task / meeting / system


@dataclass(frozen=True)
class TaskChange:
    """One change of a task, in time order; a field left None did not change."""

    ts: datetime
    by: str | None = None
    status: str | None = None
    assignee: str | None = None
    due: date | None = None


@dataclass(frozen=True)
class TaskState:
    """A task as it stands at `now`, with every change that led there."""

    id: str
    title: str
    status: str
    description: str = ""
    assignee: str | None = None
    priority: str = "medium"  # low / medium / high
    labels: tuple[str, ...] = ()
    due: date | None = None
    created_at: datetime | None = None
    created_by: str | None = None
    history: tuple[TaskChange, ...] = ()


@dataclass(frozen=True)
class Commitment:
    """A promise made in chat: who, what, by when, and what shows it kept."""

    message_id: str
    person: str
    what: str
    made_at: datetime
    due: date | None = None
    status: str = "open"  # open / done / late
    done_at: datetime | None = None
    fulfilled_by: tuple[str, ...] = ()  # message ids or task ids
    task_id: str | None = None  # the task the promise is about, when one is recognisable


@dataclass(frozen=True)
class Decision:
    """A decision stated in chat or recorded in a meeting; a later one on the same subject supersedes it."""

    message_id: str
    person: str
    text: str
    decided_at: datetime
    subject: str = ""  # normalised subject key used for supersession
    superseded_by: str | None = None  # message id of the superseding decision


@dataclass(frozen=True)
class Proposal:
    """Chat says a task moved while the board disagrees: 'Move <task> to <to_status>?'."""

    message_id: str
    task_id: str
    to_status: str
    from_status: str
    reason: str = ""


@dataclass(frozen=True)
class Risk:
    """One open risk with its evidence (message and task ids) and a reason key + params for the viewer's language."""

    kind: str  # overdue, due_soon_no_progress, stalled, blocked, unowned, overloaded, deadline_slipping,
    #           decision_conflict, single_point_of_knowledge
    severity: str  # low / medium / high
    task_id: str | None = None
    person: str | None = None
    evidence: tuple[str, ...] = ()
    reason: str = ""  # English one-liner; the UI renders the localised text from `kind` + `params`
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        """Stable identity across recomputations (state such as acknowledged/snoozed hangs on it)."""
        subject = self.task_id or self.person or ",".join(sorted(self.evidence)[:2])
        return f"{self.kind}:{subject}"


@dataclass(frozen=True)
class Suggestion:
    """A ranked candidate for a task, with the reason."""

    task_id: str
    person: str
    score: float
    reason: str = ""
    params: dict = field(default_factory=dict, hash=False, compare=False)
