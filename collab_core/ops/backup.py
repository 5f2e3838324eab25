"""Backup and restore: every SQL row of a project as JSON with a format version and counts.

Restore validates the whole file before writing anything, is idempotent (messages are keyed by
their stable external id, users by username, projects by name) and rebuilds the memory index.
Password hashes are never exported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from collab_core.chat.message_values import ImportItem, Progress, to_local
from collab_core.errors import BackupFormatError
from collab_core.hub import Hub
from collab_core.models import BackupSection
from collab_core.people import audit
from collab_core.people.roles import require
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import memberships, messages, projects, users

FORMAT = "collab-hub-backup"
VERSION = 1


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


def _need(obj: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(obj, dict):
        raise BackupFormatError(f"{where}: expected an object.")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise BackupFormatError(f"{where}: missing field(s) {', '.join(missing)}.")


def _ts(value: Any, where: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BackupFormatError(f"{where}: {value!r} is not an ISO-8601 time.") from exc


def parse_backup(raw: bytes | str, sections: Sequence[BackupSection] = ()) -> dict[str, Any]:
    """Parse and fully validate a backup (with the features' sections); raises BackupFormatError naming the first problem."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupFormatError(
            f"The backup is not valid JSON ({exc}).", hint="Choose a file made by Export backup."
        ) from exc
    _need(data, ("format", "version", "users", "projects", "counts"), "backup")
    if data["format"] != FORMAT:
        raise BackupFormatError(f"Not a collab-hub backup (format {data['format']!r}).")
    if data["version"] != VERSION:
        raise BackupFormatError(
            f"Backup format version {data['version']!r} is not supported; this version reads {VERSION}."
        )
    if not isinstance(data["users"], list) or not isinstance(data["projects"], list):
        raise BackupFormatError("backup: 'users' and 'projects' must be lists.")
    for i, u in enumerate(data["users"]):
        _need(u, ("username",), f"users[{i}]")
    for pi, p in enumerate(data["projects"]):
        where = f"projects[{pi}]"
        _need(p, ("name", "members", "messages"), where)
        for mi, m in enumerate(p["members"]):
            _need(m, ("username", "role"), f"{where}.members[{mi}]")
            if m["role"] not in ("owner", "admin", "member", "viewer"):
                raise BackupFormatError(f"{where}.members[{mi}]: unknown role {m['role']!r}.")
        for mi, m in enumerate(p["messages"]):
            w = f"{where}.messages[{mi}]"
            _need(m, ("id", "author", "role", "kind", "ts", "content"), w)
            _ts(m["ts"], w)
            if not m.get("deleted_at") and not str(m["content"]).strip():
                raise BackupFormatError(f"{w}: empty content.")
        for section in sections:
            name, validate = section.name, section.validate
            rows = p.get(name, [])
            if not isinstance(rows, list):
                raise BackupFormatError(f"{where}.{name} must be a list.")
            validate(rows, f"{where}.{name}")
    counts = data["counts"]
    actual = {"users": len(data["users"]), "projects": len(data["projects"])}
    actual["messages"] = sum(len(p["messages"]) for p in data["projects"])
    for key, value in actual.items():
        if counts.get(key) != value:
            raise BackupFormatError(
                f"The backup's counts do not match its contents ({key}: says {counts.get(key)}, has {value}); "
                "the file may be truncated."
            )
    return data


def restore_backup(
    hub: Hub, raw: bytes | str, *, actor_id: int | None, progress: Progress | None = None
) -> dict[str, Any]:
    """Validate, then restore. Idempotent: running it twice adds nothing the second time."""
    data = parse_backup(raw, hub.backup_sections)
    added_messages = 0
    skipped_messages = 0
    section_counts: dict[str, int] = {}
    projects_created = 0
    with write_tx(hub.engine) as conn:
        # A non-operator may only restore into projects they administer (or brand-new ones).
        for p in data["projects"]:
            existing = hub.accounts.find_project(p["name"])
            if existing is not None:
                require(conn, actor_id, existing.id, "restore")
        display = {u["username"]: u.get("display_name") for u in data["users"]}
        for u in data["users"]:
            _ensure_user(hub, conn, u["username"], display.get(u["username"]))
    for p in data["projects"]:
        project = hub.accounts.find_project(p["name"])
        if project is None:
            project = hub.accounts.create_project(
                actor_id=actor_id, name=p["name"], description=p.get("description", "")
            )
            projects_created += 1
        with write_tx(hub.engine) as conn:
            for m in p["members"]:
                uid = _ensure_user(hub, conn, m["username"], display.get(m["username"]))
                exists = conn.execute(
                    select(memberships.c.role).where(
                        memberships.c.project_id == project.id, memberships.c.user_id == uid
                    )
                ).first()
                if not exists:
                    conn.execute(
                        memberships.insert().values(
                            project_id=project.id,
                            user_id=uid,
                            role=m["role"],
                            joined_at=_ts(m["joined_at"], "member").replace(tzinfo=None)
                            if m.get("joined_at")
                            else utcnow(),
                        )
                    )
        items = [
            ImportItem(
                author=m["author"],
                content=m["content"],
                created_at=_ts(m["ts"], "message"),
                role=m["role"],
                kind=m["kind"],
                external_id=str(m["id"]),
                meta=m.get("meta"),
                deleted_at=_ts(m["deleted_at"], "message") if m.get("deleted_at") else None,
                deleted_by=m.get("deleted_by"),
            )
            for m in p["messages"]
        ]
        result = hub.messages.import_items(project_id=project.id, items=items, progress=progress)
        added_messages += result.added
        skipped_messages += result.skipped
        with write_tx(hub.engine) as conn:
            for section in hub.backup_sections:
                name = section.name
                added = section.restore(hub.accounts, conn, project.id, p.get(name, []))
                section_counts[name] = section_counts.get(name, 0) + added
            audit.record(
                conn,
                actor_id=actor_id,
                action="backup.restore",
                project_id=project.id,
                detail={"added": result.added, "skipped": result.skipped},
            )
        hub.messages.reindex(project_id=project.id)
    return {
        "projects_created": projects_created,
        "messages_added": added_messages,
        "messages_skipped": skipped_messages,
        **{f"{k}_added": v for k, v in section_counts.items()},
    }


def _ensure_user(hub: Hub, conn: Connection, username: str, display_name: str | None) -> int:
    uid = hub.accounts.ensure_user(conn, username)
    if display_name:
        conn.execute(
            users.update()
            # Only credential-less (imported) authors: a restore must not rename real accounts.
            .where(users.c.id == uid, users.c.display_name == users.c.username, users.c.password_hash.is_(None))
            .values(display_name=display_name)
        )
    return uid
