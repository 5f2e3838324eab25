"""Backup and restore: every SQL row of a project as JSON with a format version and counts.

Restore is all or nothing: it checks the whole file (ops.backup_checks) and every permission first,
then writes every project in one transaction, then builds the memory index from the rows left pending
(a re-run after a crash finishes that indexing). Any error leaves the target exactly as it was. It is
idempotent (messages keyed by their stable external id, users by username, projects by name).

Who may restore: into an existing project, its admins and owners (roles in the file may not exceed
what the restoring person may grant; only an owner grants 'owner'); as a new project, system admins
and the command line's operator only. Authors and members are matched to import-only accounts, never
to people's accounts, unless the operator or a system admin confirms it (``link_accounts``).
Password hashes are never exported.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from collab_core import validation
from collab_core.chat.message_values import ImportItem, Progress, to_local
from collab_core.errors import BackupFormatError, NotFoundError, PermissionDeniedError, ValidationError
from collab_core.hub import Hub
from collab_core.ops.backup_checks import FORMAT, VERSION, parse_backup, ts
from collab_core.people import audit
from collab_core.people.roles import _RANK, require
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import memberships, messages, projects, users


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_backup(hub: Hub, *, actor_id: int | None, project_ids: list[int] | None = None) -> dict[str, Any]:
    """Export projects (default: all the actor may see) with members, messages and every section."""
    with hub.engine.connect() as conn:
        if project_ids is None:
            project_ids = [p.id for p in hub.accounts.list_projects(user_id=actor_id)]
        for pid in project_ids:
            require(conn, actor_id, pid, "export")
        out_projects = []
        user_ids: set[int] = set()
        for pid in project_ids:
            p = conn.execute(select(projects).where(projects.c.id == pid)).mappings().one()
            members = (
                conn.execute(
                    select(memberships, users.c.username)
                    .join(users, users.c.id == memberships.c.user_id)
                    .where(memberships.c.project_id == pid)
                    .order_by(users.c.username)
                )
                .mappings()
                .all()
            )
            user_ids.update(m["user_id"] for m in members)
            deleter = users.alias("deleter")
            rows = (
                conn.execute(
                    select(messages, users.c.username, deleter.c.username.label("deleted_by_name"))
                    .join(users, users.c.id == messages.c.author_id)
                    .outerjoin(deleter, deleter.c.id == messages.c.deleted_by)
                    .where(messages.c.project_id == pid)
                    .order_by(messages.c.created_at, messages.c.id)
                )
                .mappings()
                .all()
            )
            user_ids.update(r["author_id"] for r in rows)
            user_ids.update(r["deleted_by"] for r in rows if r["deleted_by"])
            project = {
                "name": p["name"],
                "description": p["description"],
                "created_at": _iso(p["created_at"]),
                "members": [
                    {"username": m["username"], "role": m["role"], "joined_at": _iso(m["joined_at"])} for m in members
                ],
                "messages": [
                    {
                        "id": r["external_id"] or f"msg-{r['id']}",
                        "author": r["username"],
                        "role": r["role"],
                        "kind": r["kind"],
                        "ts": to_local(r["created_at"], r["tz_offset_min"]).isoformat(),
                        "content": r["content"],
                        "meta": r["meta"],
                        "deleted_at": _iso(r["deleted_at"]),
                        "deleted_by": r["deleted_by_name"],
                    }
                    for r in rows
                ],
            }
            for section in hub.backup_sections:
                project[section.name] = section.export(conn, pid)
            out_projects.append(project)
        user_rows = (
            conn.execute(select(users).where(users.c.id.in_(user_ids)).order_by(users.c.username)).mappings().all()
        )
    counts = {
        "users": len(user_rows),
        "projects": len(out_projects),
        "messages": sum(len(p["messages"]) for p in out_projects),
    }
    for section in hub.backup_sections:
        name = section.name
        counts[name] = sum(len(p[name]) for p in out_projects)
    data = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat() + "Z",
        "counts": counts,
        "users": [
            {"username": u["username"], "display_name": u["display_name"], "created_at": _iso(u["created_at"])}
            for u in user_rows
        ],
        "projects": out_projects,
    }
    with write_tx(hub.engine) as conn:
        for pid in project_ids:
            audit.record(conn, actor_id=actor_id, action="backup.export", project_id=pid, detail=counts)
    return data


def _may_restore_new(conn: Connection, actor_id: int | None) -> bool:
    """The operator and enabled system admins may restore a backup as a new project."""
    if actor_id is None:
        return True
    row = conn.execute(select(users.c.is_system_admin, users.c.disabled).where(users.c.id == actor_id)).first()
    return row is not None and bool(row[0]) and not row[1]


_REFUSED = (
    "You can restore a backup only into a project you administer; restoring it as a new project needs a system admin."
)


def _plan(
    hub: Hub, conn: Connection, data: dict[str, Any], actor_id: int | None, link: bool
) -> list[tuple[int | None, str | None]]:
    """The permissions to enter each target, before anything is written: (project id or None to create
    it, the restoring person's role there; None for the operator). Raises PermissionDeniedError."""
    may_new = _may_restore_new(conn, actor_id)
    if link and not may_new:
        raise PermissionDeniedError(
            "Only a system admin can match a backup's authors to existing accounts.",
            hint="Restore without matching: the authors are kept as import-only names.",
        )
    targets: list[tuple[int | None, str | None]] = []
    for p in data["projects"]:
        existing = hub.accounts.find_project(p["name"])
        role: str | None = "owner"
        if existing is None:
            if not may_new:
                raise PermissionDeniedError(_REFUSED)
        elif actor_id is not None:
            try:
                role = require(conn, actor_id, existing.id, "restore")
            except NotFoundError:
                raise PermissionDeniedError(_REFUSED) from None
        targets.append((existing.id if existing is not None else None, role if actor_id is not None else None))
    return targets


class _Authors:
    """Backup usernames -> local ids for one restore: import-only accounts, or (when confirmed) the
    accounts of the same name. Sections call ensure_user(conn, name) like on Accounts."""

    def __init__(self, hub: Hub, conn: Connection, display: dict[str, str | None], link: bool) -> None:
        self.hub, self.conn, self.display, self.link = hub, conn, display, link
        self.ids: dict[str, int] = {}
        # Members of the project being restored into, by username: restoring a project's own backup over
        # it keeps attributing to its members (they are already in it: nothing is granted or linked).
        self.members: dict[str, int] = {}
        # Names people and the assistant are known by: an imported name must not pass for one of them.
        self.protected = hub.accounts.protected_name_keys(conn)

    def ensure_user(self, conn: Connection, name: str) -> int:
        if name in self.members:
            return self.members[name]
        if name in self.ids:
            return self.ids[name]
        accounts = self.hub.accounts
        try:
            uid = accounts.ensure_user(conn, name) if self.link else accounts.import_author(conn, name)
        except ValidationError as exc:
            raise BackupFormatError(f"The backup names an invalid user {name!r}: {exc.message}") from exc
        shown = self.display.get(name) or name
        if accounts.is_import_only(conn, uid):
            username = conn.execute(select(users.c.username).where(users.c.id == uid)).scalar_one()
            if username != name or validation.look_alike_key(shown) in self.protected:
                shown = f"{validation.name(shown, field='display name', max_chars=118)} (import)"
            conn.execute(
                users.update()
                # Only still-unnamed import-only authors: a restore never renames an account.
                .where(users.c.id == uid, users.c.display_name == users.c.username)
                .values(display_name=shown)
            )
        self.ids[name] = uid
        return uid

    def __call__(self, conn: Connection, name: str) -> int:
        return self.ensure_user(conn, name)


def _items(p: dict[str, Any]) -> list[ImportItem]:
    return [
        ImportItem(
            author=m["author"],
            content=m["content"] if not m.get("deleted_at") else "",
            created_at=ts(m["ts"], "message"),
            role=m["role"],
            kind=m["kind"],
            external_id=str(m["id"]),
            meta=m.get("meta"),
            deleted_at=ts(m["deleted_at"], "message") if m.get("deleted_at") else None,
            deleted_by=m.get("deleted_by"),
        )
        for m in p["messages"]
    ]


def restore_backup(
    hub: Hub,
    raw: bytes | str,
    *,
    actor_id: int | None,
    progress: Progress | None = None,
    link_accounts: bool = False,
) -> dict[str, Any]:
    """Check everything, write everything in one transaction, then index. Idempotent."""
    actor_id = validation.optional_ident(actor_id, field="user id")
    validation.flag(link_accounts, field="link_accounts")
    data = parse_backup(raw, hub.backup_sections, max_message_chars=hub.settings.max_message_chars)
    prepared = []
    for pi, p in enumerate(data["projects"]):
        try:
            prepared.append(hub.messages.prepare_import(_items(p), where=f"projects[{pi}].messages"))
        except ValidationError as exc:
            raise BackupFormatError(exc.message, hint=exc.hint) from exc
    report: dict[str, Any] = {"projects_created": 0, "messages_added": 0, "messages_skipped": 0}
    section_counts = {section.name: 0 for section in hub.backup_sections}
    display = {u["username"]: u.get("display_name") for u in data["users"]}
    now = utcnow()
    with write_tx(hub.engine) as conn:
        targets = _plan(hub, conn, data, actor_id, link_accounts)
        authors = _Authors(hub, conn, display, link_accounts)
        restored: list[int] = []
        for pi, (p, (target, role), items) in enumerate(zip(data["projects"], targets, prepared, strict=True)):
            pid = target if target is not None else _new_project(conn, p, actor_id, now)
            report["projects_created"] += target is None
            authors.members = _member_usernames(conn, pid) if target is not None else {}
            _restore_members(conn, pid, p["members"], authors, now, role=role, where=f"projects[{pi}]")
            added, skipped = hub.messages.insert_imported(conn, project_id=pid, prepared=items, authors=authors)
            report["messages_added"] += added
            report["messages_skipped"] += skipped
            for section in hub.backup_sections:
                section_counts[section.name] += section.restore(authors, conn, pid, p.get(section.name, []))
            audit.record(
                conn,
                actor_id=actor_id,
                action="backup.restore",
                project_id=pid,
                detail={"added": added, "skipped": skipped},
            )
            restored.append(pid)
    indexed = failed = 0
    for pid in restored:
        done = hub.messages.reindex(project_id=pid, progress=progress)
        indexed += done.indexed
        failed += done.failed
    return {
        **report,
        "messages_indexed": indexed,
        "messages_failed": failed,
        **{f"{k}_added": v for k, v in section_counts.items()},
    }


def _new_project(conn: Connection, p: dict[str, Any], actor_id: int | None, now: datetime) -> int:
    name = validation.name(p["name"], field="project name", max_chars=128)
    pid = conn.execute(
        projects.insert().values(
            name=name,
            name_key=name.casefold(),
            description=(p.get("description") or "").strip(),
            created_at=now,
            created_by=actor_id,
        )
    ).inserted_primary_key[0]
    if actor_id is not None:
        conn.execute(memberships.insert().values(project_id=pid, user_id=actor_id, role="owner", joined_at=now))
    audit.record(conn, actor_id=actor_id, action="project.create", project_id=pid, target=name)
    return int(pid)


def _member_usernames(conn: Connection, pid: int) -> dict[str, int]:
    rows = conn.execute(
        select(users.c.username, users.c.id)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.project_id == pid)
    ).all()
    return {str(name): int(uid) for name, uid in rows}


def _restore_members(
    conn: Connection,
    pid: int,
    members: list[dict[str, Any]],
    authors: _Authors,
    now: datetime,
    *,
    role: str | None,
    where: str,
) -> None:
    """Add the members the project lacks (existing memberships and roles are never changed). Each role
    added must be one the restoring person may grant (role None: the operator grants any); a refusal
    rolls the whole restore back."""
    for mi, m in enumerate(members):
        uid = authors.ensure_user(conn, m["username"])
        exists = conn.execute(
            select(memberships.c.role).where(memberships.c.project_id == pid, memberships.c.user_id == uid)
        ).first()
        granted = m["role"]
        if (
            not exists
            and role is not None
            and (_RANK[granted] > _RANK[role] or (granted == "owner" and role != "owner"))
        ):
            raise PermissionDeniedError(
                f"{where}.members[{mi}].role: your role ({role}) cannot grant {granted!r}.",
                hint="Only a project owner can restore owners; edit the file or ask the owner.",
            )
        if not exists:
            joined = ts(m["joined_at"], "member") if m.get("joined_at") else None
            conn.execute(
                memberships.insert().values(
                    project_id=pid,
                    user_id=uid,
                    role=m["role"],
                    joined_at=joined.replace(tzinfo=None) if joined else now,
                )
            )
