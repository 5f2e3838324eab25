"""The backup section of the insights (the Hub lists it): commitments, decisions, proposals with their
answers, risks with their states, and the project's radar settings.

Rows name messages and tasks by their external ids and people by username, so a restore maps them onto
the local ids; a record already present (same message and position, same proposal key, same risk key)
is skipped, so restoring twice adds nothing. Everything except the people's answers could also be
rebuilt by `reindex`; keeping it makes a restored project read the same before the first refresh.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from collab_core.errors import BackupFormatError
from collab_core.store.schema import messages, tasks, users

from .tables import insight_commitments, insight_decisions, insight_proposals, insight_risks, insight_settings

TYPES = ("commitment", "decision", "proposal", "risk", "settings")


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ts(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _maps(conn: Connection, project_id: int) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    msg = dict(
        conn.execute(select(messages.c.id, messages.c.external_id).where(messages.c.project_id == project_id)).all()
    )
    task = dict(conn.execute(select(tasks.c.id, tasks.c.external_id).where(tasks.c.project_id == project_id)).all())
    user = dict(conn.execute(select(users.c.id, users.c.username)).all())
    return msg, task, user


def _evidence_out(items: list[dict[str, int]], msg: dict[int, str], task: dict[int, str]) -> list[dict[str, str]]:
    out = []
    for e in items or ():
        if "message" in e and msg.get(e["message"]):
            out.append({"message": msg[e["message"]]})
        elif "task" in e and task.get(e["task"]):
            out.append({"task": task[e["task"]]})
    return out


def export_insights(conn: Connection, project_id: int) -> list[dict[str, Any]]:
    msg, task, user = _maps(conn, project_id)
    out: list[dict[str, Any]] = []
    for r in conn.execute(select(insight_commitments).where(insight_commitments.c.project_id == project_id)).mappings():
        out.append(
            {
                "type": "commitment",
                "message": msg.get(r["message_id"]),
                "seq": r["seq"],
                "user": user.get(r["user_id"]),
                "person": r["person"],
                "what": r["what"],
                "made_at": _iso(r["made_at"]),
                "due": _iso(r["due"]),
                "status": r["status"],
                "done_at": _iso(r["done_at"]),
                "evidence": _evidence_out(r["evidence"], msg, task),
                "task": task.get(r["task_id"]),
            }
        )
    for r in conn.execute(select(insight_decisions).where(insight_decisions.c.project_id == project_id)).mappings():
        out.append(
            {
                "type": "decision",
                "message": msg.get(r["message_id"]),
                "seq": r["seq"],
                "user": user.get(r["user_id"]),
                "person": r["person"],
                "text": r["text"],
                "subject": r["subject"],
                "decided_at": _iso(r["decided_at"]),
                "superseded_by": msg.get(r["superseded_by"]),
            }
        )
    for r in conn.execute(select(insight_proposals).where(insight_proposals.c.project_id == project_id)).mappings():
        out.append(
            {
                "type": "proposal",
                "message": msg.get(r["message_id"]),
                "task": task.get(r["task_id"]),
                "to": r["to_status"],
                "from": r["from_status"],
                "reason": r["reason"],
                "state": r["state"],
                "created_at": _iso(r["created_at"]),
                "decided_by": user.get(r["decided_by"]),
                "decided_at": _iso(r["decided_at"]),
            }
        )
    for r in conn.execute(select(insight_risks).where(insight_risks.c.project_id == project_id)).mappings():
        out.append(
            {
                "type": "risk",
                "key": r["key"],
                "kind": r["kind"],
                "severity": r["severity"],
                "task": task.get(r["task_id"]),
                "user": user.get(r["user_id"]),
                "person": r["person"],
                "evidence": _evidence_out(r["evidence"], msg, task),
                "reason": r["reason"],
                "params": r["params"] or {},
                "state": r["state"],
                "snoozed_until": _iso(r["snoozed_until"]),
                "first_seen": _iso(r["first_seen"]),
                "last_seen": _iso(r["last_seen"]),
                "notified_at": _iso(r["notified_at"]),
            }
        )
    row = conn.execute(select(insight_settings).where(insight_settings.c.project_id == project_id)).mappings().first()
    if row is not None:
        out.append({"type": "settings", "values": row["values"], "updated_at": _iso(row["updated_at"])})
    return out


_NEED = {
    "commitment": ("message", "person", "what", "made_at", "status"),
    "decision": ("message", "person", "text", "decided_at"),
    "proposal": ("message", "task", "to", "from", "state"),
    "risk": ("key", "kind", "severity", "state"),
    "settings": ("values",),
}


def validate_insights(rows: list[Any], where: str) -> None:
    for i, r in enumerate(rows):
        w = f"{where}[{i}]"
        if not isinstance(r, dict):
            raise BackupFormatError(f"{w}: expected an object.")
        kind = r.get("type")
        if kind not in TYPES:
            raise BackupFormatError(f"{w}: unknown insight type {kind!r}.")
        missing = [k for k in _NEED[kind] if k not in r]
        if missing:
            raise BackupFormatError(f"{w}: missing field(s) {', '.join(missing)}.")
        for key in ("made_at", "decided_at", "created_at", "first_seen", "last_seen", "done_at", "snoozed_until"):
            if r.get(key) not in (None, ""):
                try:
                    _ts(r[key])
                except ValueError as exc:
                    raise BackupFormatError(f"{w}: {r[key]!r} is not an ISO-8601 time.") from exc
        if kind == "settings" and not isinstance(r["values"], dict):
            raise BackupFormatError(f"{w}: 'values' must be an object.")


def _evidence_in(items: list[dict[str, str]], msg: dict[str, int], task: dict[str, int]) -> list[dict[str, int]]:
    out = []
    for e in items or ():
        if "message" in e and e["message"] in msg:
            out.append({"message": msg[e["message"]]})
        elif "task" in e and e["task"] in task:
            out.append({"task": task[e["task"]]})
    return out


def restore_insights(accounts: Any, conn: Connection, project_id: int, rows: list[dict[str, Any]]) -> int:
    """Insert the records not yet present; returns how many were added."""
    if not rows:
        return 0
    m_ids, t_ids, u_ids = _maps(conn, project_id)
    msg = {v: k for k, v in m_ids.items() if v}
    task = {v: k for k, v in t_ids.items() if v}
    user = {v: k for k, v in u_ids.items()}
    have_c = {
        tuple(x)
        for x in conn.execute(
            select(insight_commitments.c.message_id, insight_commitments.c.seq).where(
                insight_commitments.c.project_id == project_id
            )
        ).all()
    }
    have_d = {
        tuple(x)
        for x in conn.execute(
            select(insight_decisions.c.message_id, insight_decisions.c.seq).where(
                insight_decisions.c.project_id == project_id
            )
        ).all()
    }
    have_p = {
        tuple(x)
        for x in conn.execute(
            select(insight_proposals.c.message_id, insight_proposals.c.task_id, insight_proposals.c.to_status).where(
                insight_proposals.c.project_id == project_id
            )
        ).all()
    }
    have_r = set(conn.execute(select(insight_risks.c.key).where(insight_risks.c.project_id == project_id)).scalars())
    have_s = conn.execute(
        select(insight_settings.c.project_id).where(insight_settings.c.project_id == project_id)
    ).first()
    added = 0
    for r in rows:
        kind = r["type"]
        if kind in ("commitment", "decision"):
            mid = msg.get(r["message"])
            seq = int(r.get("seq") or 0)
            if mid is None or (mid, seq) in (have_c if kind == "commitment" else have_d):
                continue
            common = dict(
                project_id=project_id, message_id=mid, seq=seq, user_id=user.get(r.get("user")), person=r["person"]
            )
            if kind == "commitment":
                conn.execute(
                    insight_commitments.insert().values(
                        **common,
                        what=r["what"],
                        made_at=_ts(r["made_at"]),
                        due=date.fromisoformat(r["due"]) if r.get("due") else None,
                        status=r["status"],
                        done_at=_ts(r.get("done_at")),
                        evidence=_evidence_in(r.get("evidence"), msg, task),
                        task_id=task.get(r.get("task")),
                    )
                )
                have_c.add((mid, seq))
            else:
                conn.execute(
                    insight_decisions.insert().values(
                        **common,
                        text=r["text"],
                        subject=r.get("subject") or "",
                        decided_at=_ts(r["decided_at"]),
                        superseded_by=msg.get(r.get("superseded_by")),
                    )
                )
                have_d.add((mid, seq))
        elif kind == "proposal":
            mid, tid = msg.get(r["message"]), task.get(r["task"])
            if mid is None or tid is None or (mid, tid, r["to"]) in have_p:
                continue
            conn.execute(
                insight_proposals.insert().values(
                    project_id=project_id,
                    message_id=mid,
                    task_id=tid,
                    to_status=r["to"],
                    from_status=r["from"],
                    reason=r.get("reason") or "",
                    state=r["state"],
                    created_at=_ts(r.get("created_at")) or datetime.now(UTC).replace(tzinfo=None),
                    decided_by=user.get(r.get("decided_by")),
                    decided_at=_ts(r.get("decided_at")),
                )
            )
            have_p.add((mid, tid, r["to"]))
        elif kind == "risk":
            if r["key"] in have_r:
                continue
            seen = _ts(r.get("last_seen")) or datetime.now(UTC).replace(tzinfo=None)
            conn.execute(
                insight_risks.insert().values(
                    project_id=project_id,
                    key=r["key"],
                    kind=r["kind"],
                    severity=r["severity"],
                    task_id=task.get(r.get("task")),
                    user_id=user.get(r.get("user")),
                    person=r.get("person"),
                    evidence=_evidence_in(r.get("evidence"), msg, task),
                    reason=r.get("reason") or "",
                    params=r.get("params") or {},
                    state=r["state"],
                    snoozed_until=_ts(r.get("snoozed_until")),
                    first_seen=_ts(r.get("first_seen")) or seen,
                    last_seen=seen,
                    notified_at=_ts(r.get("notified_at")),
                )
            )
            have_r.add(r["key"])
        else:
            if have_s is not None:
                continue
            conn.execute(
                insight_settings.insert().values(
                    project_id=project_id,
                    values=r["values"],
                    updated_at=_ts(r.get("updated_at")) or datetime.now(UTC).replace(tzinfo=None),
                )
            )
            have_s = True
        added += 1
    return added
