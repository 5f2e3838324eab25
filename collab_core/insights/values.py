"""What the insight service returns: stored commitments, decisions, proposals and risks as frozen values.

Times are timezone-aware UTC; evidence is a tuple of `Evidence` (a message id or a task id), so a page can
link each flag to what shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from .risks import RiskSettings

RISK_STATES = ("open", "acknowledged", "snoozed", "resolved")
PROPOSAL_STATES = ("open", "applied", "dismissed")


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: a message or a task."""

    message_id: int | None = None
    task_id: int | None = None

    @staticmethod
    def of(items: list[dict[str, int]] | None) -> tuple[Evidence, ...]:
        return tuple(Evidence(message_id=i.get("message"), task_id=i.get("task")) for i in items or ())

    @property
    def message_ids(self) -> tuple[int, ...]:
        return (self.message_id,) if self.message_id is not None else ()


@dataclass(frozen=True)
class CommitmentItem:
    """A promise made in chat; `status` is open / done / late as of the time it was read."""

    id: int
    project_id: int
    message_id: int
    user_id: int | None
    person: str
    what: str
    made_at: datetime
    due: date | None
    status: str
    done_at: datetime | None
    evidence: tuple[Evidence, ...]
    task_id: int | None

    @property
    def kept_on_time(self) -> bool:
        return self.status == "done" and (self.due is None or self.done_at is None or self.done_at.date() <= self.due)


@dataclass(frozen=True)
class DecisionItem:
    """A decision stated in chat; `superseded_by` is the message of the later decision on the same subject."""

    id: int
    project_id: int
    message_id: int
    user_id: int | None
    person: str
    text: str
    subject: str
    decided_at: datetime
    superseded_by: int | None

    @property
    def standing(self) -> bool:
        return self.superseded_by is None


@dataclass(frozen=True)
class ProposalItem:
    """'Move <task> to <to_status>?', from what someone said in chat."""

    id: int
    project_id: int
    message_id: int
    task_id: int
    task_title: str
    author: str
    to_status: str
    from_status: str
    reason: str
    state: str
    created_at: datetime


@dataclass(frozen=True)
class RiskItem:
    """One flag on the radar with its state (open / acknowledged / snoozed / resolved)."""

    id: int
    project_id: int
    key: str
    kind: str
    severity: str
    task_id: int | None
    user_id: int | None
    person: str | None
    evidence: tuple[Evidence, ...]
    reason: str
    params: dict[str, Any] = field(hash=False, compare=False)
    state: str = "open"
    snoozed_until: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def message_ids(self) -> tuple[int, ...]:
        return tuple(e.message_id for e in self.evidence if e.message_id is not None)


@dataclass(frozen=True)
class CommitmentRecord:
    """One person's record: made, kept, kept on time, late, open."""

    user_id: int | None
    person: str
    made: int
    kept: int
    kept_on_time: int
    late: int
    open: int


@dataclass(frozen=True)
class AssigneeSuggestion:
    """A ranked candidate for a task, with the reason's parameters (the page words them)."""

    task_id: int
    user_id: int
    person: str
    score: float
    reason: str
    params: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh of a project found and did."""

    project_id: int
    messages_folded: int
    commitments: int
    decisions: int
    proposals: int
    risks_open: int
    risks_new: int
    notified: int
    extracted: bool


# Thresholds as settings: name -> (lowest, highest) accepted value.
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "stalled_days": (1, 90),
    "due_soon_days": (0, 30),
    "overload_window_days": (1, 60),
    "overload_limit": (1, 50),
    "slip_moves": (1, 20),
    "blocked_max_days": (1, 120),
    "absence_lookahead_days": (1, 90),
}


def settings_dict(values: RiskSettings) -> dict[str, int]:
    return {f.name: getattr(values, f.name) for f in fields(values)}
