"""Audit log: who did what, when (sign-ins, role changes, deletions, restores, exports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, or_, select

from collab_core.store.engine import utcnow
from collab_core.store.schema import audit_log, users


@dataclass(frozen=True)
class AuditEntry:
    """One audit record."""

    id: int
    at: datetime
    actor: str | None
    action: str
    project_id: int | None
    target: str | None
    detail: dict[str, Any] | None


def record(
    conn: Connection,
    *,
    actor_id: int | None,
    action: str,
    project_id: int | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
    at: datetime | None = None,
) -> None:
    """Append an audit record inside the caller's transaction."""
    if actor_name is None and actor_id is not None:
        actor_name = conn.execute(select(users.c.username).where(users.c.id == actor_id)).scalar_one_or_none()
    conn.execute(
        audit_log.insert().values(
            at=at or utcnow(),
            actor_id=actor_id,
            actor_name=actor_name or ("operator" if actor_id is None else None),
            action=action,
            project_id=project_id,
            target=target,
            detail=detail,
        )
    )


def entries(
    engine: Engine,
    *,
    project_ids: list[int] | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int = 200,
    since: datetime | None = None,
    until: datetime | None = None,
    system: bool = False,
) -> list[AuditEntry]:
    """Newest first, optionally filtered (since inclusive, until exclusive; naive UTC).

    With project_ids, system=True also includes entries without a project (sign-ins, accounts).
    """
    q = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    if project_ids is not None:
        scope = audit_log.c.project_id.in_(project_ids)
        q = q.where(or_(scope, audit_log.c.project_id.is_(None)) if system else scope)
    if since is not None:
        q = q.where(audit_log.c.at >= since)
    if until is not None:
        q = q.where(audit_log.c.at < until)
    if action:
        q = q.where(audit_log.c.action == action)
    if actor:
        q = q.where(audit_log.c.actor_name == actor)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return [
        AuditEntry(r["id"], r["at"], r["actor_name"], r["action"], r["project_id"], r["target"], r["detail"])
        for r in rows
    ]


def actions(engine: Engine, *, project_ids: list[int] | None = None) -> list[str]:
    """The distinct actions recorded (for filter pickers)."""
    q = select(audit_log.c.action).distinct().order_by(audit_log.c.action)
    if project_ids is not None:
        q = q.where(audit_log.c.project_id.in_(project_ids))
    with engine.connect() as conn:
        return list(conn.execute(q).scalars())
