"""Backup sections for tasks and meetings (the Hub lists them as backup sections; the demo reuses them).

Rows refer to people by username and to each other by stable external ids (tasks and meetings
keep theirs from migration 0002; messages by their own external id), so a restore maps them onto
whatever local ids exist and restoring the same file twice adds nothing. Tasks come before
meetings: a meeting's restore links its action items and tasks once both exist.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from collab_core.errors import BackupFormatError
from collab_core.store.schema import (
    action_items,
    agenda_items,
    meeting_attendees,
    meetings,
    messages,
    task_comments,
    task_events,
    tasks,
    users,
)
from collab_core.work.task_values import EVENTS, PRIORITIES, STATUSES

# -- helpers -------------------------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ts(value: Any, where: str) -> datetime:
    """ISO-8601 -> naive UTC (the stored form); aware times are converted."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BackupFormatError(f"{where}: {value!r} is not an ISO-8601 time.") from exc
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _day(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BackupFormatError(f"{where}: {value!r} is not a YYYY-MM-DD date.") from exc


def _need(obj: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(obj, dict):
        raise BackupFormatError(f"{where}: expected an object.")
    missing = [k for k in keys if k not in obj]
    if missing:
        raise BackupFormatError(f"{where}: missing field(s) {', '.join(missing)}.")


def _text(obj: dict[str, Any], key: str, where: str, *, empty_ok: bool = False) -> None:
    value = obj.get(key)
    if not isinstance(value, str) or (not empty_ok and not value.strip()):
        raise BackupFormatError(f"{where}: '{key}' must be {'text' if empty_ok else 'non-empty text'}.")


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise BackupFormatError(f"{where}: '{key}' must be a list.")
    return value


def _usernames(conn: Connection, ids: set[int]) -> dict[int, str]:
    ids.discard(None)  # type: ignore[arg-type]
    if not ids:
        return {}
    return dict(conn.execute(select(users.c.id, users.c.username).where(users.c.id.in_(ids))).all())


class _Users:
    """username -> local id, creating password-less accounts for unknown names (like message import)."""

    def __init__(self, accounts: Any, conn: Connection) -> None:
        self.accounts, self.conn, self.ids = accounts, conn, {}

    def __call__(self, name: str | None) -> int | None:
        if not name:
            return None
        if name not in self.ids:
            self.ids[name] = self.accounts.ensure_user(self.conn, name)
        return self.ids[name]


def _message_ids(conn: Connection, project_id: int, keys: set[str]) -> dict[str, int]:
    keys.discard(None)  # type: ignore[arg-type]
    if not keys:
        return {}
    rows = conn.execute(
        select(messages.c.external_id, messages.c.id).where(
            messages.c.project_id == project_id, messages.c.external_id.in_(keys)
        )
    ).all()
    return dict(rows)


def _message_keys(conn: Connection, ids: set[int]) -> dict[int, str]:
    ids.discard(None)  # type: ignore[arg-type]
    if not ids:
        return {}
    rows = conn.execute(select(messages.c.id, messages.c.external_id).where(messages.c.id.in_(ids))).all()
    return {i: ext or f"msg-{i}" for i, ext in rows}


def _key(kind: str, row_id: int, external_id: str | None) -> str:
    return external_id or f"{kind}-{row_id}"


# -- tasks -----------------------------------------------------------------------------------------


def export_tasks(conn: Connection, project_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(tasks).where(tasks.c.project_id == project_id).order_by(tasks.c.id)).mappings().all()
    if not rows:
        return []
    task_ids = [r["id"] for r in rows]
    events = (
        conn.execute(
            select(task_events)
            .where(task_events.c.task_id.in_(task_ids))
            .order_by(task_events.c.created_at, task_events.c.id)
        )
        .mappings()
        .all()
    )
    comments = (
        conn.execute(
            select(task_comments)
            .where(task_comments.c.task_id.in_(task_ids))
            .order_by(task_comments.c.created_at, task_comments.c.id)
        )
        .mappings()
        .all()
    )
    people = _usernames(
        conn,
        {r["created_by"] for r in rows}
        | {r["assignee_id"] for r in rows}
        | {e["actor_id"] for e in events}
        | {c["author_id"] for c in comments},
    )
    meeting_keys = dict(
        (mid, _key("meeting", mid, ext))
        for mid, ext in conn.execute(
            select(meetings.c.id, meetings.c.external_id).where(meetings.c.project_id == project_id)
        ).all()
    )
    message_keys = _message_keys(conn, {r["source_message_id"] for r in rows})
    by_task_events: dict[int, list[dict[str, Any]]] = {i: [] for i in task_ids}
    for e in events:
        by_task_events[e["task_id"]].append(
            {
                "actor": people.get(e["actor_id"]),
                "event": e["event"],
                "from": e["from_status"],
                "to": e["to_status"],
                "detail": e["detail"] or {},
                "at": _iso(e["created_at"]),
            }
        )
    by_task_comments: dict[int, list[dict[str, Any]]] = {i: [] for i in task_ids}
    for c in comments:
        by_task_comments[c["task_id"]].append(
            {"author": people.get(c["author_id"]), "content": c["content"], "at": _iso(c["created_at"])}
        )
    return [
        {
            "id": _key("task", r["id"], r["external_id"]),
            "title": r["title"],
            "description": r["description"],
            "status": r["status"],
            "assignee": people.get(r["assignee_id"]),
            "due_date": _iso(r["due_date"]),
            "priority": r["priority"],
            "labels": list(r["labels"] or []),
            "created_by": people.get(r["created_by"]),
            "created_at": _iso(r["created_at"]),
            "updated_at": _iso(r["updated_at"]),
            "meeting": meeting_keys.get(r["meeting_id"]),
            "source_message": message_keys.get(r["source_message_id"]),
            "deleted_at": _iso(r["deleted_at"]),
            "events": by_task_events[r["id"]],
            "comments": by_task_comments[r["id"]],
        }
        for r in rows
    ]


def validate_tasks(rows: list[Any], where: str) -> None:
    seen: set[str] = set()
    for i, t in enumerate(rows):
        w = f"{where}[{i}]"
        _need(t, ("id", "title", "status", "created_by", "created_at"), w)
        _text(t, "id", w)
        _text(t, "title", w)
        _text(t, "created_by", w)
        if t["id"] in seen:
            raise BackupFormatError(f"{w}: duplicate task id {t['id']!r}.")
        seen.add(t["id"])
        if t["status"] not in STATUSES:
            raise BackupFormatError(f"{w}: unknown status {t['status']!r}.")
        if t.get("priority", "normal") not in PRIORITIES:
            raise BackupFormatError(f"{w}: unknown priority {t['priority']!r}.")
        _ts(t["created_at"], w)
        for key in ("updated_at", "deleted_at"):
            if t.get(key):
                _ts(t[key], w)
        _day(t.get("due_date"), w)
        labels = _list(t, "labels", w)
        if not all(isinstance(x, str) for x in labels):
            raise BackupFormatError(f"{w}: labels must be text.")
        for j, e in enumerate(_list(t, "events", w)):
            ew = f"{w}.events[{j}]"
            _need(e, ("actor", "event", "at"), ew)
            _text(e, "actor", ew)
            if e["event"] not in EVENTS:
                raise BackupFormatError(f"{ew}: unknown event {e['event']!r}.")
            for key in ("from", "to"):
                if e.get(key) is not None and e[key] not in STATUSES:
                    raise BackupFormatError(f"{ew}: unknown status {e[key]!r}.")
            _ts(e["at"], ew)
        for j, c in enumerate(_list(t, "comments", w)):
            cw = f"{w}.comments[{j}]"
            _need(c, ("author", "content", "at"), cw)
            _text(c, "author", cw)
            _text(c, "content", cw)
            _ts(c["at"], cw)


def restore_tasks(accounts: Any, conn: Connection, project_id: int, rows: list[dict[str, Any]]) -> int:
    """Insert the tasks not yet in the project (by external id) with their history and comments."""
    if not rows:
        return 0
    existing = set(
        conn.execute(
            select(tasks.c.external_id).where(
                tasks.c.project_id == project_id, tasks.c.external_id.in_([t["id"] for t in rows])
            )
        ).scalars()
    )
    user = _Users(accounts, conn)
    meeting_ids = dict(
        conn.execute(
            select(meetings.c.external_id, meetings.c.id).where(
                meetings.c.project_id == project_id,
                meetings.c.external_id.in_([t["meeting"] for t in rows if t.get("meeting")]),
            )
        ).all()
    )
    source_ids = _message_ids(conn, project_id, {t.get("source_message") for t in rows})
    added = 0
    for t in rows:
        if t["id"] in existing:
            continue
        created = _ts(t["created_at"], "task")
        task_id = conn.execute(
            tasks.insert().values(
                project_id=project_id,
                external_id=t["id"],
                title=t["title"].strip()[:200],
                description=t.get("description") or "",
                status=t["status"],
                assignee_id=user(t.get("assignee")),
                due_date=_day(t.get("due_date"), "task"),
                priority=t.get("priority") or "normal",
                labels=list(t.get("labels") or []),
                created_by=user(t["created_by"]),
                created_at=created,
                updated_at=_ts(t["updated_at"], "task") if t.get("updated_at") else created,
                meeting_id=meeting_ids.get(t.get("meeting")),
                source_message_id=source_ids.get(t.get("source_message")),
                deleted_at=_ts(t["deleted_at"], "task") if t.get("deleted_at") else None,
            )
        ).inserted_primary_key[0]
        events = [
            {
                "task_id": task_id,
                "project_id": project_id,
                "actor_id": user(e["actor"]),
                "event": e["event"],
                "from_status": e.get("from"),
                "to_status": e.get("to"),
                "detail": e.get("detail") or {},
                "created_at": _ts(e["at"], "event"),
            }
            for e in t.get("events") or []
        ]
        if events:
            conn.execute(task_events.insert(), events)
        comments = [
            {
                "task_id": task_id,
                "author_id": user(c["author"]),
                "content": c["content"],
                "created_at": _ts(c["at"], "c"),
            }
            for c in t.get("comments") or []
        ]
        if comments:
            conn.execute(task_comments.insert(), comments)
        added += 1
    return added


# -- meetings --------------------------------------------------------------------------------------


def export_meetings(conn: Connection, project_id: int) -> list[dict[str, Any]]:
    rows = (
        conn.execute(select(meetings).where(meetings.c.project_id == project_id).order_by(meetings.c.id))
        .mappings()
        .all()
    )
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    attendees = conn.execute(
        select(meeting_attendees.c.meeting_id, meeting_attendees.c.user_id).where(
            meeting_attendees.c.meeting_id.in_(ids)
        )
    ).all()
    agenda = (
        conn.execute(
            select(agenda_items)
            .where(agenda_items.c.meeting_id.in_(ids))
            .order_by(agenda_items.c.position, agenda_items.c.id)
        )
        .mappings()
        .all()
    )
    actions = (
        conn.execute(
            select(action_items)
            .where(action_items.c.meeting_id.in_(ids))
            .order_by(action_items.c.created_at, action_items.c.id)
        )
        .mappings()
        .all()
    )
    linked = conn.execute(
        select(tasks.c.meeting_id, tasks.c.id, tasks.c.external_id).where(tasks.c.meeting_id.in_(ids))
    ).all()
    task_keys = {tid: _key("task", tid, ext) for _, tid, ext in linked}
    extra_tasks = {a["task_id"] for a in actions if a["task_id"] and a["task_id"] not in task_keys}
    if extra_tasks:
        for tid, ext in conn.execute(select(tasks.c.id, tasks.c.external_id).where(tasks.c.id.in_(extra_tasks))):
            task_keys[tid] = _key("task", tid, ext)
    people = _usernames(
        conn,
        {r["started_by"] for r in rows}
        | {uid for _, uid in attendees}
        | {a["presenter_id"] for a in agenda}
        | {a["assignee_id"] for a in actions},
    )
    message_keys = _message_keys(conn, {r["summary_message_id"] for r in rows})
    out = []
    for r in rows:
        mid = r["id"]
        decisions = []
        for d in r["decisions"] or []:
            if isinstance(d, dict):
                # Local user ids mean nothing elsewhere: keep the name, drop the id.
                decisions.append({k: v for k, v in d.items() if k != "by"})
            else:
                decisions.append({"text": str(d)})
        out.append(
            {
                "id": _key("meeting", mid, r["external_id"]),
                "title": r["title"],
                "status": r["status"],
                "started_by": people.get(r["started_by"]),
                "started_at": _iso(r["started_at"]),
                "ended_at": _iso(r["ended_at"]),
                "notes": r["notes"] or "",
                "decisions": decisions,
                "summary": r["summary"],
                "summary_message": message_keys.get(r["summary_message_id"]),
                "attendees": sorted(people[uid] for m, uid in attendees if m == mid and uid in people),
                "agenda": [
                    {
                        "position": a["position"],
                        "presenter": people.get(a["presenter_id"]),
                        "topic": a["topic"],
                        "details": a["details"],
                    }
                    for a in agenda
                    if a["meeting_id"] == mid
                ],
                "action_items": [
                    {
                        "title": a["title"],
                        "assignee": people.get(a["assignee_id"]),
                        "due_date": _iso(a["due_date"]),
                        "task": task_keys.get(a["task_id"]),
                        "created_at": _iso(a["created_at"]),
                    }
                    for a in actions
                    if a["meeting_id"] == mid
                ],
                "tasks": sorted(task_keys[tid] for m, tid, _ in linked if m == mid),
            }
        )
    return out


def validate_meetings(rows: list[Any], where: str) -> None:
    seen: set[str] = set()
    for i, m in enumerate(rows):
        w = f"{where}[{i}]"
        _need(m, ("id", "title", "status", "started_by", "started_at"), w)
        _text(m, "id", w)
        _text(m, "title", w)
        _text(m, "started_by", w)
        if m["id"] in seen:
            raise BackupFormatError(f"{w}: duplicate meeting id {m['id']!r}.")
        seen.add(m["id"])
        if m["status"] not in ("open", "ended"):
            raise BackupFormatError(f"{w}: unknown meeting status {m['status']!r}.")
        _ts(m["started_at"], w)
        if m.get("ended_at"):
            _ts(m["ended_at"], w)
        if not isinstance(m.get("notes", ""), str) or not isinstance(m.get("summary") or "", str):
            raise BackupFormatError(f"{w}: notes and summary must be text.")
        for j, d in enumerate(_list(m, "decisions", w)):
            if not (isinstance(d, str) or (isinstance(d, dict) and isinstance(d.get("text"), str))):
                raise BackupFormatError(f"{w}.decisions[{j}]: expected text or an object with 'text'.")
            if isinstance(d, dict) and d.get("at"):
                _ts(d["at"], f"{w}.decisions[{j}]")
        if not all(isinstance(x, str) for x in _list(m, "attendees", w)):
            raise BackupFormatError(f"{w}: attendees must be usernames.")
        for j, a in enumerate(_list(m, "agenda", w)):
            aw = f"{w}.agenda[{j}]"
            _need(a, ("topic",), aw)
            _text(a, "topic", aw)
            if "position" in a and (not isinstance(a["position"], int) or isinstance(a["position"], bool)):
                raise BackupFormatError(f"{aw}: position must be a number.")
        for j, a in enumerate(_list(m, "action_items", w)):
            aw = f"{w}.action_items[{j}]"
            _need(a, ("title",), aw)
            _text(a, "title", aw)
            _day(a.get("due_date"), aw)
            if a.get("created_at"):
                _ts(a["created_at"], aw)
        if not all(isinstance(x, str) for x in _list(m, "tasks", w)):
            raise BackupFormatError(f"{w}: tasks must be task ids.")


def restore_meetings(accounts: Any, conn: Connection, project_id: int, rows: list[dict[str, Any]]) -> int:
    """Insert the meetings not yet in the project, then link their tasks and action items."""
    if not rows:
        return 0
    existing = set(
        conn.execute(
            select(meetings.c.external_id).where(
                meetings.c.project_id == project_id, meetings.c.external_id.in_([m["id"] for m in rows])
            )
        ).scalars()
    )
    user = _Users(accounts, conn)
    task_ids = dict(
        conn.execute(
            select(tasks.c.external_id, tasks.c.id).where(
                tasks.c.project_id == project_id,
                tasks.c.external_id.in_(
                    {k for m in rows for k in m.get("tasks") or []}
                    | {a.get("task") for m in rows for a in m.get("action_items") or [] if a.get("task")}
                ),
            )
        ).all()
    )
    summary_ids = _message_ids(conn, project_id, {m.get("summary_message") for m in rows})
    added = 0
    for m in rows:
        if m["id"] in existing:
            continue
        started = _ts(m["started_at"], "meeting")
        decisions = [d if isinstance(d, dict) else {"text": d} for d in m.get("decisions") or []]
        mid = conn.execute(
            meetings.insert().values(
                project_id=project_id,
                external_id=m["id"],
                title=m["title"].strip()[:200],
                status=m["status"],
                started_by=user(m["started_by"]),
                started_at=started,
                ended_at=_ts(m["ended_at"], "meeting") if m.get("ended_at") else None,
                notes=m.get("notes") or "",
                decisions=decisions,
                summary=m.get("summary"),
                summary_message_id=summary_ids.get(m.get("summary_message")),
            )
        ).inserted_primary_key[0]
        people = list(dict.fromkeys(user(name) for name in m.get("attendees") or []))
        if people:
            conn.execute(meeting_attendees.insert(), [{"meeting_id": mid, "user_id": uid} for uid in people])
        agenda = [
            {
                "meeting_id": mid,
                "position": a.get("position") or i + 1,
                "presenter_id": user(a.get("presenter")),
                "topic": a["topic"].strip()[:200],
                "details": a.get("details") or "",
            }
            for i, a in enumerate(m.get("agenda") or [])
        ]
        if agenda:
            conn.execute(agenda_items.insert(), agenda)
        actions = [
            {
                "meeting_id": mid,
                "title": a["title"].strip()[:200],
                "assignee_id": user(a.get("assignee")),
                "due_date": _day(a.get("due_date"), "action item"),
                "task_id": task_ids.get(a.get("task")),
                "created_at": _ts(a["created_at"], "action item") if a.get("created_at") else started,
            }
            for a in m.get("action_items") or []
        ]
        if actions:
            conn.execute(action_items.insert(), actions)
        linked = [task_ids[k] for k in m.get("tasks") or [] if k in task_ids]
        if linked:
            conn.execute(
                update(tasks).where(tasks.c.id.in_(linked), tasks.c.meeting_id.is_(None)).values(meeting_id=mid)
            )
        added += 1
    return added
