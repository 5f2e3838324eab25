"""Task metrics for the contributions dashboard: done, open, overdue and cycle times per person and week."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from collab_core.people.roles import require
from collab_core.store.schema import memberships, task_events, tasks, users
from collab_core.work.task_values import _PRIORITY_RANK, STATUSES, Task, TaskMetrics, _aware

if TYPE_CHECKING:
    pass


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
