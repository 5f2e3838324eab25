"""Users, projects and memberships (roles). Sign-in and passwords live in auth.py."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from collab_core import validation
from collab_core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from collab_core.memory.text import clean_name
from collab_core.models import Member, Project, User
from collab_core.people import audit
from collab_core.people.roles import ROLES, require
from collab_core.store.changes import bump, user_scope
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import memberships, projects, users
from collab_core.validation import look_alike_key

# Accounts the system itself speaks through (the assistant's): never an import target.
BUILT_IN = frozenset({"assistant", "ai-assistant", "ai-assistant-bot"})
# The name the assistant's messages carry; nobody else may be called anything that looks like it.
ASSISTANT_NAME = "AI Assistant"
_USERNAME = re.compile(r"^[^\W][\w.\-]{0,31}$", re.UNICODE)


def username_key(username: str) -> str:
    """Case-insensitive identity of a username."""
    return username.strip().casefold()


def validate_username(username: object) -> str:
    name = clean_name(username, what="username", max_chars=32)
    if not _USERNAME.match(name):
        raise ValidationError(
            "A username may contain letters (any language), digits, '.', '-' and '_' and must start with a letter or digit."
        )
    return name


def _user(row: Any) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        is_system_admin=bool(row["is_system_admin"]),
        created_at=row["created_at"],
        has_password=bool(row["password_hash"]),
        disabled=bool(row["disabled"]),
    )


def _project(row: Any, role: str | None = None) -> Project:
    return Project(
        id=row["id"], name=row["name"], description=row["description"], created_at=row["created_at"], role=role
    )


class Accounts:
    """User, project and membership services."""

    def __init__(self, engine: Engine, memory: Any = None) -> None:
        self.engine = engine
        # The MemoryIndex, when given, lets delete_project drop the project's collection.
        self.memory = memory

    # -- users ---------------------------------------------------------------------------------

    def create_user(
        self,
        *,
        username: str,
        display_name: str | None = None,
        password_hash: str | None = None,
        is_system_admin: bool = False,
        conn: Connection | None = None,
    ) -> User:
        """Create an account; without a password hash it cannot sign in (imported authors)."""
        name = validate_username(username)
        display = clean_name(display_name or name, what="display name", max_chars=128)
        values = dict(
            username=name,
            username_key=username_key(name),
            display_name=display,
            password_hash=password_hash,
            is_system_admin=is_system_admin,
            disabled=False,
            created_at=utcnow(),
        )
        try:
            if conn is not None:
                uid = conn.execute(users.insert().values(**values)).inserted_primary_key[0]
                row = conn.execute(select(users).where(users.c.id == uid)).mappings().one()
                return _user(row)
            with write_tx(self.engine) as c:
                uid = c.execute(users.insert().values(**values)).inserted_primary_key[0]
                row = c.execute(select(users).where(users.c.id == uid)).mappings().one()
        except IntegrityError as exc:
            raise ConflictError(f"The username {name!r} is taken.") from exc
        return _user(row)

    def import_author(self, conn: Connection, name: str) -> int:
        """The import-only account for an author named in an import or backup, created when missing.

        Never a person's account: when the name belongs to an account someone signs in to (a password
        or SSO), a system admin, or the assistant, the author gets an import-only account of its own
        (``name.import``, shown as "name (import)"), so nothing imported can speak for a real account.
        """
        base = validate_username(name)
        candidates = [base] + [
            f"{base[: 32 - len(sfx)]}{sfx}" for sfx in (".import", *[f".import{n}" for n in range(2, 10)])
        ]
        for i, candidate in enumerate(candidates):
            row = (
                conn.execute(
                    select(users.c.id, users.c.password_hash, users.c.is_system_admin).where(
                        users.c.username_key == username_key(candidate)
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                display = base if i == 0 else f"{base} (import)"
                return self.create_user(username=candidate, display_name=display, conn=conn).id
            if not row["password_hash"] and not row["is_system_admin"] and username_key(candidate) not in BUILT_IN:
                return int(row["id"])
        raise ConflictError(f"No free import-only name for the author {base!r}.")

    def is_import_only(self, conn: Connection, user_id: int) -> bool:
        """Whether an account exists only as an imported author (nobody signs in to it)."""
        row = conn.execute(
            select(users.c.password_hash, users.c.is_system_admin, users.c.username_key).where(users.c.id == user_id)
        ).first()
        return row is not None and not row[0] and not row[1] and row[2] not in BUILT_IN

    def check_display_name(self, conn: Connection, display: str, *, username: str) -> str:
        """A person's display name, refused when it looks like the assistant's or another person's name
        (the same letters up to case, spacing or invisible characters)."""
        shown = validation.name(display, field="display name", max_chars=128)
        own = {look_alike_key(username)}
        taken = self.protected_name_keys(conn, except_username=username)
        key = look_alike_key(shown)
        if (key in taken and key not in own) or key == look_alike_key(ASSISTANT_NAME):
            raise ConflictError(
                f"The display name {shown!r} looks like someone else's.",
                hint="Choose a name others can tell apart (add a family name or initial).",
            )
        return shown

    def protected_name_keys(self, conn: Connection, *, except_username: str | None = None) -> set[str]:
        """Look-alike keys of the names of accounts that speak for someone (people, admins, the assistant)."""
        q = select(users.c.username, users.c.display_name, users.c.username_key).where(
            (users.c.password_hash.is_not(None))
            | (users.c.is_system_admin.is_(True))
            | (users.c.username_key.in_(sorted(BUILT_IN)))
        )
        if except_username is not None:
            q = q.where(users.c.username_key != username_key(except_username))
        rows = conn.execute(q).all()
        keys = {look_alike_key(ASSISTANT_NAME)}
        for username, display, _ in rows:
            keys.update((look_alike_key(username), look_alike_key(display)))
        return keys

    def ensure_user(self, conn: Connection, name: str) -> int:
        """Id of the user with this name, creating a password-less account when missing."""
        key = username_key(name)
        uid = conn.execute(select(users.c.id).where(users.c.username_key == key)).scalar_one_or_none()
        if uid is not None:
            return int(uid)
        return self.create_user(username=name, conn=conn).id

    def get_user(self, user_id: int) -> User:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
        if row is None:
            raise NotFoundError("That user does not exist.")
        return _user(row)

    def find_user(self, username: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username_key == username_key(username))).mappings().first()
        return _user(row) if row else None

    def user_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    # -- projects ------------------------------------------------------------------------------

    def create_project(self, *, actor_id: int | None, name: str, description: str = "") -> Project:
        """Create a project; the creating user becomes its owner."""
        pname = clean_name(name, what="project name", max_chars=128)
        desc = description.strip() if isinstance(description, str) else ""
        now = utcnow()
        try:
            with write_tx(self.engine) as conn:
                if actor_id is not None:
                    exists = conn.execute(select(users.c.disabled).where(users.c.id == actor_id)).first()
                    if not exists:
                        raise NotFoundError("Unknown user; sign in again.")
                    if exists[0]:
                        raise PermissionDeniedError("Your account cannot act here. Sign in again.")
                pid = conn.execute(
                    projects.insert().values(
                        name=pname, name_key=pname.casefold(), description=desc, created_at=now, created_by=actor_id
                    )
                ).inserted_primary_key[0]
                if actor_id is not None:
                    conn.execute(
                        memberships.insert().values(project_id=pid, user_id=actor_id, role="owner", joined_at=now)
                    )
                    bump(conn, user_scope(actor_id, "projects"))  # the creator's other open pages
                audit.record(conn, actor_id=actor_id, action="project.create", project_id=pid, target=pname)
                row = conn.execute(select(projects).where(projects.c.id == pid)).mappings().one()
        except IntegrityError as exc:
            raise ConflictError(f"A project named {pname!r} already exists.") from exc
        return _project(row, "owner" if actor_id is not None else None)

    def list_projects(self, *, user_id: int | None) -> list[Project]:
        """Projects the user belongs to (all projects for the operator, user_id None)."""
        with self.engine.connect() as conn:
            if user_id is None:
                rows = conn.execute(select(projects).order_by(projects.c.name)).mappings().all()
                return [_project(r) for r in rows]
            rows = (
                conn.execute(
                    select(projects, memberships.c.role)
                    .join(memberships, memberships.c.project_id == projects.c.id)
                    .where(memberships.c.user_id == user_id)
                    .order_by(projects.c.name)
                )
                .mappings()
                .all()
            )
        return [_project(r, r["role"]) for r in rows]

    def get_project(self, *, actor_id: int | None, project_id: int) -> Project:
        with self.engine.connect() as conn:
            role = require(conn, actor_id, project_id, "read")
            row = conn.execute(select(projects).where(projects.c.id == project_id)).mappings().one()
        return _project(row, role if actor_id is not None else None)

    def find_project(self, name: str) -> Project | None:
        """Operator lookup by name (CLI)."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(projects).where(projects.c.name_key == name.strip().casefold())).mappings().first()
            )
        return _project(row) if row else None

    def rename_project(self, *, actor_id: int | None, project_id: int, name: str) -> Project:
        pname = clean_name(name, what="project name", max_chars=128)
        try:
            with write_tx(self.engine) as conn:
                require(conn, actor_id, project_id, "rename_project")
                conn.execute(
                    projects.update().where(projects.c.id == project_id).values(name=pname, name_key=pname.casefold())
                )
                audit.record(conn, actor_id=actor_id, action="project.rename", project_id=project_id, target=pname)
        except IntegrityError as exc:
            raise ConflictError(f"A project named {pname!r} already exists.") from exc
        return self.get_project(actor_id=actor_id, project_id=project_id)

    # -- members -------------------------------------------------------------------------------

    def list_members(self, *, actor_id: int | None, project_id: int) -> list[Member]:
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = (
                conn.execute(
                    select(memberships, users.c.username, users.c.display_name)
                    .join(users, users.c.id == memberships.c.user_id)
                    .where(memberships.c.project_id == project_id)
                    .order_by(users.c.display_name)
                )
                .mappings()
                .all()
            )
        return [
            Member(r["project_id"], r["user_id"], r["username"], r["display_name"], r["role"], r["joined_at"])
            for r in rows
        ]

    def set_member(self, *, actor_id: int | None, project_id: int, user_id: int, role: str) -> Member:
        """Add a member or change a member's role (admins; only owners grant or take 'owner')."""
        if role not in ROLES:
            raise ValidationError(f"Unknown role {role!r}.", hint=f"Use one of: {', '.join(ROLES)}.")
        with write_tx(self.engine) as conn:
            actor_role = require(conn, actor_id, project_id, "manage_members")
            target = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
            if target is None:
                raise NotFoundError("That user does not exist.")
            current = conn.execute(
                select(memberships.c.role).where(
                    memberships.c.project_id == project_id, memberships.c.user_id == user_id
                )
            ).scalar_one_or_none()
            if (role == "owner" or current == "owner") and actor_role != "owner":
                raise PermissionDeniedError("Only the project owner can grant or change the owner role.")
            if current == "owner" and role != "owner" and self._owner_count(conn, project_id) <= 1:
                raise ConflictError("A project needs an owner.", hint="Hand over ownership first.")
            now = utcnow()
            if current is None:
                conn.execute(
                    memberships.insert().values(project_id=project_id, user_id=user_id, role=role, joined_at=now)
                )
            else:
                conn.execute(
                    memberships.update()
                    .where(memberships.c.project_id == project_id, memberships.c.user_id == user_id)
                    .values(role=role)
                )
            bump(conn, user_scope(user_id, "projects"))  # their open pages show the project (or new role)
            audit.record(
                conn,
                actor_id=actor_id,
                action="member.add" if current is None else "member.role",
                project_id=project_id,
                target=target["username"],
                detail={"from": current, "to": role},
            )
        return next(m for m in self.list_members(actor_id=None, project_id=project_id) if m.user_id == user_id)

    def remove_member(self, *, actor_id: int | None, project_id: int, user_id: int) -> None:
        """Remove a membership; the user's past messages stay attributed to them."""
        with write_tx(self.engine) as conn:
            actor_role = require(conn, actor_id, project_id, "manage_members")
            current = conn.execute(
                select(memberships.c.role).where(
                    memberships.c.project_id == project_id, memberships.c.user_id == user_id
                )
            ).scalar_one_or_none()
            if current is None:
                raise NotFoundError("That user is not a member of this project.")
            if current == "owner" and (actor_role != "owner" or self._owner_count(conn, project_id) <= 1):
                raise PermissionDeniedError("The last owner cannot be removed; hand over ownership first.")
            conn.execute(
                memberships.delete().where(memberships.c.project_id == project_id, memberships.c.user_id == user_id)
            )
            bump(conn, user_scope(user_id, "projects"))
            name = conn.execute(select(users.c.username).where(users.c.id == user_id)).scalar_one()
            audit.record(conn, actor_id=actor_id, action="member.remove", project_id=project_id, target=name)

    def transfer_ownership(self, *, actor_id: int, project_id: int, user_id: int) -> None:
        """The owner hands the project to another member and becomes an admin."""
        if actor_id is not None and user_id == actor_id:
            raise ValidationError("Choose another member to hand the project to.")
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "transfer_ownership")
            current = conn.execute(
                select(memberships.c.role).where(
                    memberships.c.project_id == project_id, memberships.c.user_id == user_id
                )
            ).scalar_one_or_none()
            if current is None:
                raise NotFoundError("The new owner must already be a member of the project.")
            conn.execute(
                memberships.update()
                .where(memberships.c.project_id == project_id, memberships.c.user_id == user_id)
                .values(role="owner")
            )
            conn.execute(
                memberships.update()
                .where(memberships.c.project_id == project_id, memberships.c.user_id == actor_id)
                .values(role="admin")
            )
            name = conn.execute(select(users.c.username).where(users.c.id == user_id)).scalar_one()
            audit.record(conn, actor_id=actor_id, action="project.transfer", project_id=project_id, target=name)

    def delete_project(self, *, actor_id: int | None, project_id: int) -> None:
        """The owner deletes a project: messages, tasks, meetings and memberships leave SQL and the
        project's memory collection is dropped. The audit log keeps the record of the deletion.
        """
        from collab_core.store.schema import audit_log, message_terms, messages

        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "delete_project")
            name = conn.execute(select(projects.c.name).where(projects.c.id == project_id)).scalar_one()
            n_messages = conn.execute(
                select(func.count()).select_from(messages).where(messages.c.project_id == project_id)
            ).scalar_one()
            # Explicit for the keyword index (its FTS mirror follows through triggers); the rest cascades.
            conn.execute(message_terms.delete().where(message_terms.c.project_id == project_id))
            conn.execute(messages.delete().where(messages.c.project_id == project_id))
            conn.execute(projects.delete().where(projects.c.id == project_id))
            # SQLite may hand the id to the next project: its admins must not read this one's history.
            conn.execute(audit_log.update().where(audit_log.c.project_id == project_id).values(project_id=None))
            audit.record(
                conn,
                actor_id=actor_id,
                action="project.delete",
                target=name,
                detail={"project_id": project_id, "messages": int(n_messages)},
            )
        if self.memory is not None:
            self.memory.drop_project(project_id)

    @staticmethod
    def _owner_count(conn: Connection, project_id: int) -> int:
        return int(
            conn.execute(
                select(func.count()).where(memberships.c.project_id == project_id, memberships.c.role == "owner")
            ).scalar_one()
        )
