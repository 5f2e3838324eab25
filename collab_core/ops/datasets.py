"""Datasets in the shared eval format: members, messages (id/author/role/ts/content), questions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from collab_core.chat.message_values import ImportItem, ImportResult, Progress
from collab_core.errors import ValidationError
from collab_core.hub import Hub
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import memberships


@dataclass(frozen=True)
class Question:
    """One evaluation question with the message ids a careful person needs."""

    id: str
    query: str
    relevant: tuple[str, ...]
    kind: str
    lang: str


@dataclass(frozen=True)
class Dataset:
    """A parsed dataset file."""

    name: str
    members: list[dict[str, str]]
    items: list[ImportItem]
    questions: list[Question]


def _parse_ts(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(f"{where}: 'ts' must be an ISO-8601 string.")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(f"{where}: 'ts' {value!r} is not ISO-8601.") from exc


def load_dataset(path: str | Path) -> Dataset:
    """Parse and validate a dataset file; every problem names the message or question at fault."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError(f"No such file: {path}") from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path.name} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise ValidationError(f"{path.name}: expected an object with a 'messages' list.")
    items = []
    for i, m in enumerate(data["messages"]):
        where = f"{path.name} message #{i + 1}"
        if not isinstance(m, dict):
            raise ValidationError(f"{where}: expected an object.")
        missing = [k for k in ("id", "author", "ts", "content") if k not in m]
        if missing:
            raise ValidationError(f"{where}: missing {', '.join(missing)}.")
        items.append(
            ImportItem(
                author=str(m["author"]),
                content=str(m["content"]),
                created_at=_parse_ts(m["ts"], where),
                role=str(m.get("role", "user")),
                kind=str(m.get("kind", "chat")),
                external_id=str(m["id"]),
            )
        )
    questions = [
        Question(
            id=str(q["id"]),
            query=str(q["query"]),
            relevant=tuple(str(r) for r in q.get("relevant", [])),
            kind=str(q.get("kind", "other")),
            lang=str(q.get("lang", "")),
        )
        for q in data.get("questions", [])
    ]
    members = [m for m in data.get("members", []) if isinstance(m, dict) and m.get("name")]
    return Dataset(name=str(data.get("name") or path.stem), members=members, items=items, questions=questions)


def import_dataset(
    hub: Hub, dataset: Dataset, *, project_name: str, progress: Progress | None = None
) -> tuple[int, ImportResult]:
    """Create (or reuse) the project, add the dataset's members with their roles, import messages."""
    project = hub.accounts.find_project(project_name) or hub.accounts.create_project(
        actor_id=None, name=project_name, description=f"Imported from {dataset.name}"
    )
    with write_tx(hub.engine) as conn:
        for m in dataset.members:
            uid = hub.accounts.ensure_user(conn, m["name"])
            role = m.get("role") if m.get("role") in ("owner", "admin", "member", "viewer") else "member"
            exists = conn.execute(
                memberships.select().where(memberships.c.project_id == project.id, memberships.c.user_id == uid)
            ).first()
            if not exists:
                conn.execute(
                    memberships.insert().values(project_id=project.id, user_id=uid, role=role, joined_at=utcnow())
                )
    result = hub.messages.import_items(project_id=project.id, items=dataset.items, progress=progress)
    return project.id, result
