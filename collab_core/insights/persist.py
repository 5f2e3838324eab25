"""Saving detector output: commitments and decisions of a window of messages, proposals, risks with state.

Extraction output for the messages it looked at replaces what was stored for them (a rebuild from SQL
is always possible). Proposals keep the answer people gave: an applied or dismissed proposal is never
re-opened by a later run (its key is unique). Risks keep their state by key: a risk seen again stays
acknowledged or snoozed, one no longer seen becomes resolved, and `notified_at` makes a notice go out once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select, update

from .extract import Insights
from .loader import Keys
from .model import Risk
from .tables import insight_commitments, insight_decisions, insight_proposals, insight_risks


def naive(value: datetime) -> datetime:
    """Aware -> naive UTC (the stored form)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def save_extraction(
    conn: Connection, *, project_id: int, found: Insights, keys: Keys, window: Sequence[int], now: datetime
) -> None:
    """Replace the commitments/decisions of the messages in `window`; add new proposals, drop stale open ones."""
    ids = list(window)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for table in (insight_commitments, insight_decisions):
            conn.execute(delete(table).where(table.c.project_id == project_id, table.c.message_id.in_(chunk)))
    seq: dict[int, int] = {}
    rows = []
    for c in found.commitments:
        mid = keys.message_id(c.message_id)
        if mid is None:
            continue
        seq[mid] = seq.get(mid, -1) + 1
        rows.append(
            dict(
                project_id=project_id,
                message_id=mid,
                seq=seq[mid],
                user_id=keys.user_of.get(c.person),
                person=c.person,
                what=c.what[:2000],
                made_at=naive(c.made_at),
                due=c.due,
                status=c.status,
                done_at=naive(c.done_at) if c.done_at else None,
                evidence=keys.evidence(c.fulfilled_by),
                task_id=keys.task_id(c.task_id),
            )
        )
    if rows:
        conn.execute(insight_commitments.insert(), rows)
    seq = {}
    rows = []
    for d in found.decisions:
        mid = keys.message_id(d.message_id)
        if mid is None:
            continue
        seq[mid] = seq.get(mid, -1) + 1
        rows.append(
            dict(
                project_id=project_id,
                message_id=mid,
                seq=seq[mid],
                user_id=keys.user_of.get(d.person),
                person=d.person,
                text=d.text[:2000],
                subject=d.subject[:500],
                decided_at=naive(d.decided_at),
                superseded_by=keys.message_id(d.superseded_by) if d.superseded_by else None,
            )
        )
    if rows:
        conn.execute(insight_decisions.insert(), rows)
    save_proposals(conn, project_id=project_id, found=found, keys=keys, now=now)


def save_proposals(conn: Connection, *, project_id: int, found: Insights, keys: Keys, now: datetime) -> None:
    existing = {
        (r.message_id, r.task_id, r.to_status): (r.id, r.state)
        for r in conn.execute(
            select(
                insight_proposals.c.id,
                insight_proposals.c.message_id,
                insight_proposals.c.task_id,
                insight_proposals.c.to_status,
                insight_proposals.c.state,
            ).where(insight_proposals.c.project_id == project_id)
        )
    }
    current = set()
    for p in found.proposals:
        mid, tid = keys.message_id(p.message_id), keys.task_id(p.task_id)
        if mid is None or tid is None:
            continue
        key = (mid, tid, p.to_status)
        current.add(key)
        if key in existing:
            continue
        conn.execute(
            insight_proposals.insert().values(
                project_id=project_id,
                message_id=mid,
                task_id=tid,
                to_status=p.to_status,
                from_status=p.from_status,
                reason=p.reason[:1000],
                state="open",
                created_at=naive(now),
            )
        )
        existing[key] = (0, "open")
    # An open proposal the detectors no longer make (the card moved, the message was deleted) goes away;
    # answered ones stay so they never come back.
    stale = [pid for key, (pid, state) in existing.items() if state == "open" and key not in current and pid]
    if stale:
        conn.execute(delete(insight_proposals).where(insight_proposals.c.id.in_(stale)))


def save_risks(
    conn: Connection, *, project_id: int, risks: Sequence[Risk], keys: Keys, now: datetime
) -> tuple[list[int], int]:
    """Upsert the open risks by key; resolve the ones gone. Returns (ids of high risks to notify, new count)."""
    at = naive(now)
    stored = {
        r.key: r
        for r in conn.execute(
            select(
                insight_risks.c.id,
                insight_risks.c.key,
                insight_risks.c.state,
                insight_risks.c.snoozed_until,
                insight_risks.c.notified_at,
            ).where(insight_risks.c.project_id == project_id)
        )
    }
    seen: set[str] = set()
    notify: list[int] = []
    new = 0
    for risk in risks:
        key = risk.key[:255]
        if key in seen:
            continue
        seen.add(key)
        values = dict(
            kind=risk.kind,
            severity=risk.severity,
            task_id=keys.task_id(risk.task_id),
            user_id=keys.user_of.get(risk.person) if risk.person else None,
            person=risk.person,
            evidence=keys.evidence(risk.evidence),
            reason=risk.reason[:1000],
            params=_plain(risk.params),
            last_seen=at,
        )
        old = stored.get(key)
        if old is None:
            rid = conn.execute(
                insight_risks.insert().values(project_id=project_id, key=key, state="open", first_seen=at, **values)
            ).inserted_primary_key[0]
            new += 1
            if risk.severity == "high":
                notify.append(int(rid))
            continue
        state = old.state
        if state == "resolved":
            state = "open"  # it came back
        elif state == "snoozed" and old.snoozed_until is not None and old.snoozed_until <= at:
            state = "open"
        conn.execute(update(insight_risks).where(insight_risks.c.id == old.id).values(state=state, **values))
        if risk.severity == "high" and old.notified_at is None and state == "open":
            notify.append(int(old.id))
    gone = [r.id for key, r in stored.items() if key not in seen and r.state != "resolved"]
    if gone:
        conn.execute(update(insight_risks).where(insight_risks.c.id.in_(gone)).values(state="resolved", state_at=at))
    return notify, new


def _plain(params: dict) -> dict:
    out = {}
    for k, v in (params or {}).items():
        if isinstance(v, (str, int, float, bool)) or v is None:
            out[k] = v
        elif isinstance(v, (list, tuple)):
            out[k] = [x if isinstance(x, (str, int, float, bool)) else str(x) for x in v]
        else:
            out[k] = str(v)
    return out
