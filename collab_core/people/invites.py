"""Invites into a project: picking existing accounts by name, and invite links for new people.

An invite link carries a random token (stored only as its SHA-256) with a role and an expiry; anyone
holding it may create an account and lands in the project with that role, or, already signed in,
joins with it. A link can be used until it expires or a project admin revokes it. Links never grant
"owner" (ownership is handed over, not invited). Only project admins and owners create, list and
revoke links or see the account directory, and an invite never lowers the role of an existing member.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, Engine, ForeignKey, Integer, String, Table, func, or_, select

from collab_core.errors import NotFoundError, ValidationError
from collab_core.models import Project
from collab_core.people import audit
from collab_core.people.roles import ROLES, require
from collab_core.people.sessions import token_hash
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import memberships, metadata, projects, users

INVITE_ROLES = ("admin", "member", "viewer")
DEFAULT_INVITE_DAYS = 7
MAX_INVITE_DAYS = 90
DIRECTORY_LIMIT = 200
INVALID = "This invite link is not valid or has expired."

project_invites = Table(
    "project_invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("created_by", Integer, ForeignKey("users.id")),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("uses", Integer, nullable=False, default=0),
)


@dataclass(frozen=True)
class Invite:
    """An invite link as its project's admins see it (the token only right after creating it)."""

    id: int
    project_id: int
    project_name: str
    role: str
    created_at: datetime
    expires_at: datetime
    uses: int
    token: str | None = None


@dataclass(frozen=True)
class Person:
    """An account an admin can add to a project."""

    user_id: int
    username: str
    display_name: str


class InviteService:
    """Invite links and the account directory. `clock` returns naive UTC now."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def create(
        self, *, actor_id: int | None, project_id: int, role: str = "member", days: int = DEFAULT_INVITE_DAYS
    ) -> Invite:
        """A new invite link (admins and owners of the project)."""
        if role not in INVITE_ROLES:
            raise ValidationError(
                f"An invite link cannot grant the role {role!r}.", hint="Use admin, member or viewer."
            )
        if not isinstance(days, int) or not 1 <= days <= MAX_INVITE_DAYS:
            raise ValidationError(f"An invite link lasts 1 to {MAX_INVITE_DAYS} days.")
        now = self.clock()
        token = secrets.token_urlsafe(32)
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "manage_members")
            iid = conn.execute(
                project_invites.insert().values(
                    project_id=project_id,
                    token_hash=token_hash(token),
                    role=role,
                    created_by=actor_id,
                    created_at=now,
                    expires_at=now + timedelta(days=days),
                    uses=0,
                )
            ).inserted_primary_key[0]
            audit.record(
                conn, actor_id=actor_id, action="invite.create", project_id=project_id, detail={"role": role}, at=now
            )
            name = conn.execute(select(projects.c.name).where(projects.c.id == project_id)).scalar_one()
        return Invite(int(iid), project_id, name, role, now, now + timedelta(days=days), 0, token)

    def active(self, *, actor_id: int | None, project_id: int) -> list[Invite]:
        """Links of the project that still work, newest first."""
        now = self.clock()
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "manage_members")
            rows = conn.execute(
                select(project_invites, projects.c.name)
                .join(projects, projects.c.id == project_invites.c.project_id)
                .where(
                    project_invites.c.project_id == project_id,
                    project_invites.c.revoked_at.is_(None),
                    project_invites.c.expires_at > now,
                )
                .order_by(project_invites.c.created_at.desc(), project_invites.c.id.desc())
            ).all()
        return [Invite(r.id, r.project_id, r.name, r.role, r.created_at, r.expires_at, r.uses) for r in rows]

    def revoke(self, *, actor_id: int | None, project_id: int, invite_id: int) -> None:
        """The link stops working at once."""
        now = self.clock()
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "manage_members")
            n = conn.execute(
                project_invites.update()
                .where(project_invites.c.id == invite_id, project_invites.c.project_id == project_id)
                .values(revoked_at=now)
            ).rowcount
            if not n:
                raise NotFoundError("That invite link does not exist.")
            audit.record(conn, actor_id=actor_id, action="invite.revoke", project_id=project_id, at=now)

    def preview(self, token: object) -> Invite:
        """What a link offers (project name, role), for the sign-up form; NotFoundError when it does not work."""
        row = self._live(token)
        return Invite(row.id, row.project_id, row.name, row.role, row.created_at, row.expires_at, row.uses)

    def accept(self, *, token: object, user_id: int) -> Project:
        """Join the link's project with its role (an existing member keeps a higher role)."""
        now = self.clock()
        with write_tx(self.engine) as conn:
            row = self._live(token, conn=conn)
            disabled = conn.execute(select(users.c.disabled).where(users.c.id == user_id)).scalar_one_or_none()
            if disabled is None or disabled:
                raise NotFoundError("That user does not exist.")
            current = conn.execute(
                select(memberships.c.role).where(
                    memberships.c.project_id == row.project_id, memberships.c.user_id == user_id
                )
            ).scalar_one_or_none()
            role = row.role
            if current is None:
                conn.execute(
                    memberships.insert().values(project_id=row.project_id, user_id=user_id, role=role, joined_at=now)
                )
            elif ROLES.index(current) > ROLES.index(role):  # ROLES runs from owner down
                conn.execute(
                    memberships.update()
                    .where(memberships.c.project_id == row.project_id, memberships.c.user_id == user_id)
                    .values(role=role)
                )
            else:
                role = current
            conn.execute(
                project_invites.update().where(project_invites.c.id == row.id).values(uses=project_invites.c.uses + 1)
            )
            audit.record(
                conn,
                actor_id=user_id,
                action="invite.accept",
                project_id=row.project_id,
                detail={"role": role, "invite": row.id},
                at=now,
            )
            project = conn.execute(select(projects).where(projects.c.id == row.project_id)).mappings().one()
        return Project(project["id"], project["name"], project["description"], project["created_at"], role)

    def people_to_add(
        self, *, actor_id: int | None, project_id: int, query: str = "", limit: int = DIRECTORY_LIMIT
    ) -> list[Person]:
        """Enabled accounts that can sign in and are not in the project yet, matching query (any language)."""
        q = (query or "").strip().casefold()[:64]
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "manage_members")
            members = select(memberships.c.user_id).where(memberships.c.project_id == project_id)
            stmt = select(users.c.id, users.c.username, users.c.display_name).where(
                users.c.disabled.is_(False), users.c.password_hash.is_not(None), users.c.id.not_in(members)
            )
            if q:
                like = f"%{q.replace('%', '').replace('_', '')}%"
                stmt = stmt.where(or_(users.c.username_key.like(like), func.lower(users.c.display_name).like(like)))
            rows = conn.execute(stmt.order_by(users.c.display_name, users.c.id).limit(max(1, min(limit, 1000)))).all()
        return [Person(int(r.id), r.username, r.display_name) for r in rows]

    def memberships_of(self, *, user_id: int) -> tuple[tuple[int, str], ...]:
        """(project id, role) pairs of the user: one indexed query, polled by open pages to notice invites."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(memberships.c.project_id, memberships.c.role)
                .where(memberships.c.user_id == user_id)
                .order_by(memberships.c.project_id)
            ).all()
        return tuple((int(p), str(r)) for p, r in rows)

    def _live(self, token: object, *, conn=None):  # type: ignore[no-untyped-def]
        if not isinstance(token, str) or not token or len(token) > 128:
            raise NotFoundError(INVALID, hint="Ask the person who invited you for a new link.")
        now = self.clock()
        stmt = (
            select(project_invites, projects.c.name)
            .join(projects, projects.c.id == project_invites.c.project_id)
            .where(project_invites.c.token_hash == token_hash(token))
        )
        if conn is None:
            with self.engine.connect() as c:
                row = c.execute(stmt).first()
        else:
            row = conn.execute(stmt).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise NotFoundError(INVALID, hint="Ask the person who invited you for a new link.")
        return row
