"""Roles and permissions: every write service calls require() with the acting user.

An actor_id of None is the trusted operator (the command line working on its own data dir);
pages always pass the signed-in user's id.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from collab_core.errors import NotFoundError, PermissionDeniedError
from collab_core.store.schema import memberships, projects, users

ROLES = ("owner", "admin", "member", "viewer")
_RANK = {"viewer": 1, "member": 2, "admin": 3, "owner": 4}

# The least role each action needs.
ACTIONS: dict[str, str] = {
    "read": "viewer",
    "search": "viewer",
    "export": "viewer",
    "post": "member",
    "ask": "member",
    "task_write": "member",
    "meeting_write": "member",
    "delete_message": "admin",
    "delete_task": "admin",
    "manage_members": "admin",
    "restore": "admin",
    "set_webhook": "admin",
    "rename_project": "owner",
    "delete_project": "owner",
    "transfer_ownership": "owner",
}


def role_allows(role: str | None, action: str) -> bool:
    """Whether a role may perform an action (pages use this to hide controls)."""
    need = ACTIONS[action]
    return role is not None and _RANK.get(role, 0) >= _RANK[need]


def role_of(conn: Connection, user_id: int, project_id: int) -> str | None:
    """The user's role in the project, or None when not a member."""
    return conn.execute(
        select(memberships.c.role).where(memberships.c.user_id == user_id, memberships.c.project_id == project_id)
    ).scalar_one_or_none()


def require(conn: Connection, actor_id: int | None, project_id: int, action: str) -> str | None:
    """Raise unless the actor may do `action` in the project; returns the actor's role.

    Non-members get NotFoundError, the same as for a project that does not exist, so a project's
    existence is not revealed to outsiders.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    exists = conn.execute(select(projects.c.id).where(projects.c.id == project_id)).first()
    if actor_id is None:
        if not exists:
            raise NotFoundError("That project does not exist.")
        return "owner"
    disabled = conn.execute(select(users.c.disabled).where(users.c.id == actor_id)).scalar_one_or_none()
    if disabled is None or disabled:
        raise PermissionDeniedError("Your account cannot act here. Sign in again.")
    role = role_of(conn, actor_id, project_id) if exists else None
    if role is None:
        raise NotFoundError("That project does not exist or you are not a member of it.")
    if not role_allows(role, action):
        raise PermissionDeniedError(
            f"Your role ({role}) does not allow this; it needs {ACTIONS[action]} or higher.",
            hint="Ask a project admin to change your role.",
        )
    return role
