"""Checking a backup file before a restore writes anything: structure, every record, and the names it uses.

Each problem raises BackupFormatError naming the first bad record's path (``projects[0].messages[49999].author``),
so a person can find it in the file. The checks: format and version, counts, usernames (valid, listed once),
members (listed users, known roles, once each), messages (ids unique, naming both places; authors listed in
``users``; known roles and kinds; text that is valid, non-empty and within the size limit; times within
1900-2200; metadata a small JSON object), project names (valid, once each) and every feature section.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from collab_core import validation
from collab_core.chat.message_values import KINDS, ROLES
from collab_core.errors import BackupFormatError, ValidationError
from collab_core.memory.text import MAX_MESSAGE_CHARS, clean_content
from collab_core.models import BackupSection
from collab_core.people.accounts import validate_username
from collab_core.people.roles import ROLES as MEMBER_ROLES

FORMAT = "collab-hub-backup"
VERSION = 1


def need(obj: Any, keys: tuple[str, ...], where: str) -> None:
    """The record is an object holding these keys."""
    if not isinstance(obj, dict):
        raise BackupFormatError(f"{where}: expected an object.")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise BackupFormatError(f"{where}: missing field(s) {', '.join(missing)}.")


def ts(value: Any, where: str) -> datetime:
    """An ISO-8601 time between 1900 and 2200."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BackupFormatError(f"{where}: {_short(value)} is not an ISO-8601 time.") from exc
    try:
        validation.moment(parsed, field="time", allow_none=False)
    except ValidationError as exc:
        raise BackupFormatError(f"{where}: {exc.message}") from exc
    return parsed


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _check(where: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a validation rule; its ValidationError becomes a BackupFormatError at this path."""
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        raise BackupFormatError(f"{where}: {exc.message}", hint=exc.hint) from exc


def parse_backup(
    raw: bytes | str, sections: Sequence[BackupSection] = (), *, max_message_chars: int = MAX_MESSAGE_CHARS
) -> dict[str, Any]:
    """Parse and fully validate a backup (with the features' sections); raises BackupFormatError naming the first problem."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BackupFormatError(
            f"The backup is not valid JSON ({str(exc)[:200]}).", hint="Choose a file made by Export backup."
        ) from exc
    need(data, ("format", "version", "users", "projects", "counts"), "backup")
    if data["format"] != FORMAT:
        raise BackupFormatError(f"Not a collab-hub backup (format {_short(data['format'])}).")
    if data["version"] != VERSION:
        raise BackupFormatError(
            f"Backup format version {_short(data['version'])} is not supported; this version reads {VERSION}."
        )
    if not isinstance(data["users"], list) or not isinstance(data["projects"], list):
        raise BackupFormatError("backup: 'users' and 'projects' must be lists.")
    if not isinstance(data["counts"], dict):
        raise BackupFormatError("backup.counts: expected an object.")
    usernames: dict[str, int] = {}
    for i, u in enumerate(data["users"]):
        w = f"users[{i}]"
        need(u, ("username",), w)
        name = _check(f"{w}.username", validate_username, u["username"])
        if name != u["username"]:
            raise BackupFormatError(f"{w}.username: {_short(u['username'])} is not a plain username.")
        if name in usernames:
            raise BackupFormatError(f"{w}.username: {name!r} is also users[{usernames[name]}].")
        usernames[name] = i
        if u.get("display_name") is not None:
            _check(f"{w}.display_name", validation.name, u["display_name"], field="display name", max_chars=128)
    names: dict[str, int] = {}
    for pi, p in enumerate(data["projects"]):
        where = f"projects[{pi}]"
        need(p, ("name", "members", "messages"), where)
        pname = _check(f"{where}.name", validation.name, p["name"], field="project name", max_chars=128)
        if pname.casefold() in names:
            raise BackupFormatError(f"{where}.name: {pname!r} is also projects[{names[pname.casefold()]}].")
        names[pname.casefold()] = pi
        if not isinstance(p.get("description") or "", str):
            raise BackupFormatError(f"{where}.description: must be text.")
        _members(p["members"], where, usernames)
        _messages(p["messages"], where, usernames, max_message_chars)
        for section in sections:
            rows = p.get(section.name, [])
            if not isinstance(rows, list):
                raise BackupFormatError(f"{where}.{section.name} must be a list.")
            section.validate(rows, f"{where}.{section.name}")
    counts = data["counts"]
    actual = {"users": len(data["users"]), "projects": len(data["projects"])}
    actual["messages"] = sum(len(p["messages"]) for p in data["projects"])
    for key, value in actual.items():
        if counts.get(key) != value:
            raise BackupFormatError(
                f"The backup's counts do not match its contents ({key}: says {_short(counts.get(key))}, has {value}); "
                "the file may be truncated."
            )
    return data


def _members(members: Any, where: str, usernames: dict[str, int]) -> None:
    if not isinstance(members, list):
        raise BackupFormatError(f"{where}.members must be a list.")
    seen: dict[str, int] = {}
    for mi, m in enumerate(members):
        w = f"{where}.members[{mi}]"
        need(m, ("username", "role"), w)
        if m["role"] not in MEMBER_ROLES:
            raise BackupFormatError(f"{w}.role: unknown role {_short(m['role'])}.")
        if not isinstance(m["username"], str) or m["username"] not in usernames:
            raise BackupFormatError(f"{w}.username: {_short(m['username'])} is not one of the backup's users.")
        if m["username"] in seen:
            raise BackupFormatError(f"{w}: {m['username']!r} is also {where}.members[{seen[m['username']]}].")
        seen[m["username"]] = mi
        if m.get("joined_at"):
            ts(m["joined_at"], f"{w}.joined_at")


def _messages(rows: Any, where: str, usernames: dict[str, int], max_chars: int) -> None:
    if not isinstance(rows, list):
        raise BackupFormatError(f"{where}.messages must be a list.")
    seen: dict[str, int] = {}
    for mi, m in enumerate(rows):
        w = f"{where}.messages[{mi}]"
        need(m, ("id", "author", "role", "kind", "ts", "content"), w)
        mid = m["id"]
        if not isinstance(mid, (str, int)) or isinstance(mid, bool) or not str(mid).strip() or len(str(mid)) > 128:
            raise BackupFormatError(f"{w}.id: a message id must be short text.")
        key = str(mid)
        if key in seen:
            raise BackupFormatError(
                f"{w}.id: the message id {key!r} is also used by {where}.messages[{seen[key]}].",
                hint="Each message needs its own id; the file may have been edited by hand.",
            )
        seen[key] = mi
        for field in ("author", "deleted_by"):
            who = m.get(field)
            if field == "deleted_by" and who is None:
                continue
            if not isinstance(who, str) or who not in usernames:
                raise BackupFormatError(f"{w}.{field}: {_short(who)} is not one of the backup's users.")
        if m["role"] not in ROLES:
            raise BackupFormatError(f"{w}.role: unknown message role {_short(m['role'])}.")
        if m["kind"] not in KINDS:
            raise BackupFormatError(f"{w}.kind: unknown message kind {_short(m['kind'])}.")
        ts(m["ts"], f"{w}.ts")
        if m.get("deleted_at"):
            ts(m["deleted_at"], f"{w}.deleted_at")
        elif not isinstance(m["content"], str) or not m["content"].strip():
            raise BackupFormatError(f"{w}.content: empty content.")
        else:
            _check(f"{w}.content", clean_content, m["content"], max_chars=max_chars)
        if m.get("meta") is not None:
            meta = m["meta"]
            allowed = {k: (object,) for k in meta} if isinstance(meta, dict) else {}
            _check(f"{w}.meta", validation.meta, meta, allowed=allowed)
