"""Visits: when each person last opened each project, and the visit before that.

The app records a visit when a person opens a project (and refreshes it while they stay), so "since
you were last here" and the assistant's "since my last visit" cover what happened while they were away.
Opening again within VISIT_GAP of the last activity continues the same visit. A deactivated account
or a non-member records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, Engine, ForeignKey, Integer, Table, select, update

from collab_core.errors import NotFoundError, PermissionDeniedError
from collab_core.store.engine import aware_utc, db_time, utcnow, write_tx
from collab_core.store.schema import memberships, metadata, users

# Reopening a project this soon after the last activity is the same visit.
VISIT_GAP = timedelta(minutes=30)

project_visits = Table(
    "project_visits",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("seen_at", DateTime, nullable=False),  # the newest activity of the current visit
    Column("previous_at", DateTime),  # the last activity of the visit before (None: first visit)
)


@dataclass(frozen=True)
class Visit:
    """A person's visit to a project: since = the end of the previous visit (None on the first one)."""

    project_id: int
    user_id: int
    seen_at: datetime
    since: datetime | None


class Visits:
    """Records and reads project visits."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, *, user_id: int, project_id: int, now: datetime | None = None) -> Visit:
        """The person opened (or is still using) the project: returns the visit with its 'since'."""
        at = db_time(now) if now is not None else utcnow()
        with write_tx(self.engine) as conn:
            person = conn.execute(
                select(users.c.disabled, memberships.c.role)
                .select_from(users)
                .outerjoin(
                    memberships, (memberships.c.user_id == users.c.id) & (memberships.c.project_id == project_id)
                )
                .where(users.c.id == user_id)
            ).first()
            if person is None or person.role is None:
                raise NotFoundError("That project does not exist or you are not a member of it.")
            if person.disabled:
                raise PermissionDeniedError("This account is deactivated.", hint="Ask a system admin.")
            row = conn.execute(
                select(project_visits.c.seen_at, project_visits.c.previous_at).where(
                    project_visits.c.project_id == project_id, project_visits.c.user_id == user_id
                )
            ).first()
            if row is None:
                # A data dir from before visits were kept: the membership's last_seen_at is the last visit.
                legacy = conn.execute(
                    select(memberships.c.last_seen_at).where(
                        memberships.c.project_id == project_id, memberships.c.user_id == user_id
                    )
                ).scalar()
                since = legacy if legacy is not None and legacy < at - VISIT_GAP else None
                conn.execute(
                    project_visits.insert().values(
                        project_id=project_id, user_id=user_id, seen_at=at, previous_at=since
                    )
                )
            else:
                same_visit = row.seen_at >= at - VISIT_GAP
                since = row.previous_at if same_visit else row.seen_at
                conn.execute(
                    update(project_visits)
                    .where(project_visits.c.project_id == project_id, project_visits.c.user_id == user_id)
                    .values(seen_at=max(at, row.seen_at), previous_at=since)
                )
            conn.execute(
                update(memberships)
                .where(memberships.c.project_id == project_id, memberships.c.user_id == user_id)
                .values(last_seen_at=at)
            )
        return Visit(project_id, user_id, aware_utc(at), aware_utc(since))

    def since(self, *, user_id: int, project_id: int) -> datetime | None:
        """The end of the person's previous visit (aware UTC); None before the second visit."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(project_visits.c.previous_at).where(
                    project_visits.c.project_id == project_id, project_visits.c.user_id == user_id
                )
            ).first()
        return aware_utc(row[0]) if row else None
