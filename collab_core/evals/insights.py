"""`eval --insights`: replay insight datasets through the real InsightService and score against the labels.

For each file (format: shared/eval/README.md, `insight_eval_*.json`) a fresh temporary data dir gets the
members (with their roles), the messages (their ids and times) and the tasks with every change of their
history as board events; the service then refreshes the project with its clock set to the dataset's `now`,
and what it stored is read back from SQL and compared with the labels.

Matching: a commitment or decision matches a label on the same source message (several on one message pair
in order); a status proposal matches on the same task and target status; due_accuracy and status_accuracy
are over matched commitments, supersession_accuracy over matched decisions. A risk matches a label of the
same kind about the same task (person-level kinds: the same person; decision conflicts: overlapping
evidence), each at most once. Assignment hit@k: an expected or acceptable person is among the top k
suggestions. Scores are micro-averaged over the files.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from collab_core.chat.message_values import ImportItem
from collab_core.errors import ValidationError
from collab_core.hub import Hub
from collab_core.insights.extract import Insights
from collab_core.insights.model import Commitment, Decision, Proposal, Risk
from collab_core.insights.scoring import _counts, _summary
from collab_core.insights.scoring_risks import score_risk_list
from collab_core.memory.embeddings import Embedder, build_embedder
from collab_core.settings import Settings
from collab_core.store.engine import write_tx
from collab_core.store.schema import memberships, messages, task_events, tasks

PRIORITY = {"low": "low", "medium": "normal", "normal": "normal", "high": "high", "urgent": "urgent"}


def _naive(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def load_into(hub: Hub, data: dict[str, Any], name: str) -> int:
    """Create the dataset's project with its members, messages and tasks (history as board events)."""
    project = hub.accounts.create_project(actor_id=None, name=name)
    users: dict[str, int] = {}
    with write_tx(hub.engine) as conn:
        for m in data.get("members", []):
            uid = hub.accounts.ensure_user(conn, m["name"])
            users[m["name"]] = uid
            role = m.get("role") if m.get("role") in ("owner", "admin", "member", "viewer") else "member"
            conn.execute(
                memberships.insert().values(
                    project_id=project.id, user_id=uid, role=role, joined_at=_naive(data["now"])
                )
            )
    items = [
        ImportItem(
            author=str(m["author"]),
            content=str(m["content"]),
            created_at=datetime.fromisoformat(m["ts"]),
            role=str(m.get("role", "user")),
            external_id=str(m["id"]),
        )
        for m in data.get("messages", [])
    ]
    hub.messages.import_items(project_id=project.id, items=items)
    with write_tx(hub.engine) as conn:
        for name_ in {m["author"] for m in data.get("messages", [])} | {
            v for t in data.get("tasks", []) for v in (t.get("assignee"), t.get("created_by")) if v
        }:
            users.setdefault(name_, hub.accounts.ensure_user(conn, name_))
        for t in data.get("tasks", []):
            _insert_task(conn, project.id, t, users)
    return project.id


def _insert_task(conn: Any, project_id: int, t: dict[str, Any], users: dict[str, int]) -> None:
    history = list(t.get("history") or [])
    created = _naive(t.get("created_at") or (history[0]["ts"] if history else "1970-01-01T00:00:00+00:00"))
    creator = users.get(t.get("created_by") or "") or next(iter(users.values()))
    last = _naive(history[-1]["ts"]) if history else created
    tid = conn.execute(
        tasks.insert().values(
            project_id=project_id,
            title=str(t["title"])[:200],
            description=t.get("description") or "",
            status=t["status"],
            assignee_id=users.get(t.get("assignee") or ""),
            due_date=_day(t.get("due")),
            priority=PRIORITY.get(t.get("priority", "medium"), "normal"),
            labels=list(t.get("labels") or []),
            created_by=creator,
            created_at=created,
            updated_at=max(created, last),
            external_id=str(t["id"]),
        )
    ).inserted_primary_key[0]
    status = None
    due = None
    for i, h in enumerate(history):
        at, actor = _naive(h["ts"]), users.get(h.get("by") or "") or creator
        rows = []
        if i == 0:
            rows.append(
                ("created", None, h.get("status") or "TODO", {"assignee": h.get("assignee"), "due_date": h.get("due")})
            )
            status, due = h.get("status") or "TODO", h.get("due")
        else:
            if h.get("status") and h["status"] != status:
                rows.append(("moved", status, h["status"], {}))
                status = h["status"]
            if h.get("assignee"):
                rows.append(("reassigned", None, None, {"to_name": h["assignee"], "to": users.get(h["assignee"])}))
            if "due" in h and h.get("due") != due:
                rows.append(("edited", None, None, {"changes": {"due_date": [due, h.get("due")]}}))
                due = h.get("due")
        for event, frm, to, detail in rows:
            conn.execute(
                task_events.insert().values(
                    task_id=tid,
                    project_id=project_id,
                    actor_id=actor,
                    event=event,
                    from_status=frm,
                    to_status=to,
                    detail=detail,
                    created_at=at,
                )
            )


def _predictions(hub: Hub, project_id: int, now: datetime) -> tuple[Insights, list[Risk], dict[int, str]]:
    """What the service stored, in the dataset's ids, oldest first (several on one message pair in order)."""
    with hub.engine.connect() as conn:
        msg = dict(
            conn.execute(select(messages.c.id, messages.c.external_id).where(messages.c.project_id == project_id)).all()
        )
        task = dict(conn.execute(select(tasks.c.id, tasks.c.external_id).where(tasks.c.project_id == project_id)).all())
    ins = hub.insights
    commitments = [
        Commitment(
            message_id=msg[c.message_id], person=c.person, what=c.what, made_at=c.made_at, due=c.due, status=c.status
        )
        for c in reversed(ins.commitments(actor_id=None, project_id=project_id, now=now, limit=5000))
    ]
    decisions = [
        Decision(
            message_id=msg[d.message_id],
            person=d.person,
            text=d.text,
            decided_at=d.decided_at,
            superseded_by=msg.get(d.superseded_by) if d.superseded_by else None,
        )
        for d in reversed(ins.decisions(actor_id=None, project_id=project_id, limit=5000))
    ]
    proposals = [
        Proposal(
            message_id=msg[p.message_id], task_id=task[p.task_id], to_status=p.to_status, from_status=p.from_status
        )
        for p in ins.proposals(actor_id=None, project_id=project_id, limit=2000)
    ]
    risks = []
    for r in ins.risks(actor_id=None, project_id=project_id, now=now):
        evidence = tuple(msg.get(e.message_id) if e.message_id is not None else task.get(e.task_id) for e in r.evidence)
        risks.append(
            Risk(
                kind=r.kind,
                severity=r.severity,
                task_id=task.get(r.task_id) if r.task_id else None,
                person=r.person,
                evidence=tuple(e for e in evidence if e),
            )
        )
    return Insights(tuple(commitments), tuple(decisions), tuple(proposals)), risks, task


def evaluate_insights(
    paths: Sequence[str | Path], *, settings: Settings, embedder: Embedder | None = None
) -> dict[str, Any]:
    """The issue-14/15 JSON: commitments, decisions, status_proposals, risks (with by_kind), assignment."""
    embedder = embedder or build_embedder(settings)
    total: dict[str, int] = defaultdict(int)
    all_risks: list[Risk] = []
    all_labels: list[dict[str, Any]] = []
    hits = {1: 0, 3: 0}
    cases = 0
    for n, path in enumerate(paths):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValidationError(f"{path}: cannot read the dataset ({exc}).") from exc
        if not isinstance(data, dict) or "now" not in data or "messages" not in data:
            raise ValidationError(f"{path}: expected an insight dataset with 'now', 'members', 'messages', 'tasks'.")
        now = datetime.fromisoformat(data["now"])
        labels = data.get("labels") or {}
        with tempfile.TemporaryDirectory(prefix="collab-insight-eval-") as tmp:
            hub = Hub.open(replace(settings, data_dir=Path(tmp), database_url=""), embedder=embedder)
            try:
                ins = hub.insights
                ins.background, ins.task_key, ins.clock = False, "external", (lambda now=now: now)
                ins.zones = {m["name"]: m["timezone"] for m in data.get("members", []) if m.get("timezone")}
                pid = load_into(hub, data, f"eval-{n}")
                ins.refresh(project_id=pid, now=now)
                found, risks, task_ext = _predictions(hub, pid, now)
                for k, v in _counts(found, labels).items():
                    total[k] += v
                # Risk labels of different files never share ids: prefix them, so matching stays per file.
                all_risks += [_prefixed(r, n) for r in risks]
                all_labels += [_prefixed_label(lab, n) for lab in labels.get("risks") or []]
                sql_of = {v: k for k, v in task_ext.items()}
                for case in labels.get("assignment") or []:
                    tid = sql_of.get(str(case["task"]))
                    if tid is None:
                        continue
                    cases += 1
                    people = [s.person for s in ins.suggest_assignees(actor_id=None, task_id=tid, now=now)]
                    good = set(case.get("expected") or ()) | set(case.get("acceptable") or ())
                    for k in hits:
                        hits[k] += bool(good & set(people[:k]))
            finally:
                hub.close()
    out: dict[str, Any] = {"datasets": len(paths)} | _summary(total)
    out["risks"] = score_risk_list(all_risks, all_labels)
    out["assignment"] = {
        "cases": cases,
        "hit@1": round(hits[1] / cases, 4) if cases else 0.0,
        "hit@3": round(hits[3] / cases, 4) if cases else 0.0,
    }
    return out


def _prefixed(r: Risk, n: int) -> Risk:
    return Risk(
        kind=r.kind,
        severity=r.severity,
        task_id=f"{n}:{r.task_id}" if r.task_id else None,
        person=f"{n}:{r.person}" if r.person else None,
        evidence=tuple(f"{n}:{e}" for e in r.evidence),
    )


def _prefixed_label(lab: dict[str, Any], n: int) -> dict[str, Any]:
    out = dict(lab)
    for key in ("task", "person"):
        if out.get(key):
            out[key] = f"{n}:{out[key]}"
    out["evidence"] = [f"{n}:{e}" for e in out.get("evidence") or ()]
    return out
