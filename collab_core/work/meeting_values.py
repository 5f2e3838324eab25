"""What a meeting is: its statuses and limits, the frozen values (attendees, agenda, action items, decisions) and the
structured recap written when no LLM summarises it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


STATUSES = ("open", "ended")
MAX_NOTES = 20000
MAX_DECISION = 1000


@dataclass(frozen=True)
class Attendee:
    """A person in a meeting."""

    user_id: int
    name: str


@dataclass(frozen=True)
class AgendaItem:
    """One agenda topic, in order."""

    id: int
    meeting_id: int
    position: int
    topic: str
    details: str
    presenter_id: int | None
    presenter: str | None


@dataclass(frozen=True)
class ActionItem:
    """A follow-up agreed in a meeting; task_id is the board task it created."""

    id: int
    meeting_id: int
    title: str
    assignee_id: int | None
    assignee: str | None
    due_date: date | None
    task_id: int | None
    task_status: str | None
    created_at: datetime


@dataclass(frozen=True)
class Decision:
    """A decision recorded in a meeting."""

    meeting_id: int
    meeting_title: str
    text: str
    decided_at: datetime | None
    decided_by: str | None


@dataclass(frozen=True)
class Meeting:
    """A meeting with everything recorded in it."""

    id: int
    project_id: int
    title: str
    status: str
    started_by: int
    started_by_name: str
    started_at: datetime
    ended_at: datetime | None
    notes: str
    decisions: tuple[Decision, ...]
    summary: str | None
    attendees: tuple[Attendee, ...]
    agenda: tuple[AgendaItem, ...]
    action_items: tuple[ActionItem, ...]
    summary_message_id: int | None = None
    external_id: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None


def _fmt_time(value: datetime | None, offset_min: int) -> str:
    if value is None:
        return "?"
    local = value.astimezone(timezone(timedelta(minutes=offset_min)))
    sign = "+" if offset_min >= 0 else "-"
    return local.strftime("%Y-%m-%d %H:%M") + f" (UTC{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d})"


def structured_recap(meeting: Meeting, *, utc_offset_min: int = 0) -> str:
    """The summary without an LLM: attendees, agenda, decisions, action items and notes (Korean/English headings).

    Times are shown in the given UTC offset (the team's, e.g. 540 for KST).
    """
    lines = [f"Meeting recap (회의 요약): {meeting.title}"]
    when = _fmt_time(meeting.started_at, utc_offset_min)
    if meeting.ended_at:
        end = _fmt_time(meeting.ended_at, utc_offset_min)
        same_day = end[:10] == when[:10]
        when += f" – {end[11:16] if same_day else end}"
    lines.append(f"When (일시): {when}")
    if meeting.attendees:
        lines.append("Attendees (참석자): " + ", ".join(a.name for a in meeting.attendees))
    lines.append("")
    lines.append("Agenda (안건):")
    if meeting.agenda:
        for item in meeting.agenda:
            who = f" — {item.presenter}" if item.presenter else ""
            lines.append(f"{item.position}. {item.topic}{who}")
            if item.details:
                lines.append(f"   {' '.join(item.details.split())}")
    else:
        lines.append("- (none / 없음)")
    lines.append("")
    lines.append("Decisions (결정 사항):")
    if meeting.decisions:
        lines.extend(f"- {d.text}" for d in meeting.decisions)
    else:
        lines.append("- (none / 없음)")
    lines.append("")
    lines.append("Action items (실행 항목):")
    if meeting.action_items:
        for a in meeting.action_items:
            bits = [a.assignee or "unassigned / 미지정"]
            if a.due_date:
                bits.append(f"due {a.due_date.isoformat()}")
            task = f" [task #{a.task_id}]" if a.task_id else ""
            lines.append(f"- {a.title} → {', '.join(bits)}{task}")
    else:
        lines.append("- (none / 없음)")
    if meeting.notes.strip():
        lines.append("")
        lines.append("Notes (메모):")
        lines.append(meeting.notes.strip())
    return "\n".join(lines)


def _decision(meeting_id: int, title: str, raw: Any) -> Decision:
    if isinstance(raw, str):
        return Decision(meeting_id, title, raw, None, None)
    at = raw.get("at")
    return Decision(
        meeting_id,
        title,
        str(raw.get("text", "")),
        datetime.fromisoformat(at).replace(tzinfo=UTC) if at else None,
        raw.get("by_name"),
    )
