"""The insight reads (a mixin of InsightService): commitments, decisions, proposals, risks, records, CSV.

Every read checks that the actor may read the project; filters by person and date range are SQL. A
commitment's status is read as of `now`: an open promise whose date has passed reads as late.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select

from collab_core.people.roles import require
from collab_core.store.engine import aware_utc
from collab_core.store.schema import messages, tasks, users

from .persist import naive
from .reasons import kind_label, risk_reason, severity_label, status_label
from .tables import insight_commitments, insight_decisions, insight_proposals, insight_risks
from .values import CommitmentItem, CommitmentRecord, DecisionItem, Evidence, ProposalItem, RiskItem

_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _bound(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return naive(value)
    return datetime.combine(value + timedelta(days=1) if end else value, time())


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_CSV_FORMULA) else text


def to_csv(header: list[str], rows: list[list[object]]) -> bytes:
    """CSV with a BOM (spreadsheets read Korean right) and formula-looking cells quoted as text."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


class InsightQueries:
    """Reads over the insight tables."""

    engine: Engine
    clock: Any

    def _check(self, actor_id: int | None, project_id: int) -> None:
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")

    def commitments(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        user_id: int | None = None,
        status: str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        now: datetime | None = None,
        limit: int = 500,
    ) -> list[CommitmentItem]:
        """Promises made in chat, newest first; `status` filters on open / done / late as of `now`."""
        self._check(actor_id, project_id)
        today = (now or self.clock()).date()
        q = select(insight_commitments).where(insight_commitments.c.project_id == project_id)
        if user_id is not None:
            q = q.where(insight_commitments.c.user_id == user_id)
        if (lo := _bound(since, end=False)) is not None:
            q = q.where(insight_commitments.c.made_at >= lo)
        if (hi := _bound(until, end=True)) is not None:
            q = q.where(insight_commitments.c.made_at < hi)
        q = q.order_by(insight_commitments.c.made_at.desc(), insight_commitments.c.id.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(q.limit(max(1, min(limit, 5000)))).mappings().all()
        out = []
        for r in rows:
            state = r["status"]
            if state == "open" and r["due"] is not None and r["due"] < today:
                state = "late"
            if status is not None and state != status:
                continue
            out.append(
                CommitmentItem(
                    id=r["id"],
                    project_id=project_id,
                    message_id=r["message_id"],
                    user_id=r["user_id"],
                    person=r["person"],
                    what=r["what"],
                    made_at=aware_utc(r["made_at"]),
                    due=r["due"],
                    status=state,
                    done_at=aware_utc(r["done_at"]),
                    evidence=Evidence.of(r["evidence"]),
                    task_id=r["task_id"],
                )
            )
        return out

    def commitment_record(
        self, *, actor_id: int | None, project_id: int, now: datetime | None = None
    ) -> list[CommitmentRecord]:
        """Per person: promises made, kept, kept on time, late (open past their date) and open."""
        items = self.commitments(actor_id=actor_id, project_id=project_id, now=now, limit=5000)
        acc: dict[str, dict[str, Any]] = {}
        for c in items:
            row = acc.setdefault(
                c.person, {"user_id": c.user_id, "made": 0, "kept": 0, "kept_on_time": 0, "late": 0, "open": 0}
            )
            row["made"] += 1
            if c.status == "done":
                row["kept"] += 1
                row["kept_on_time"] += int(c.kept_on_time)
            elif c.status == "late":
                row["late"] += 1
            else:
                row["open"] += 1
        return sorted(
            (CommitmentRecord(person=p, **v) for p, v in acc.items()), key=lambda r: (-r.made, r.person.casefold())
        )

    def decisions(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        user_id: int | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        standing_only: bool = False,
        limit: int = 500,
    ) -> list[DecisionItem]:
        """The decision ledger, newest first; superseded decisions stay, linked to what replaced them."""
        self._check(actor_id, project_id)
        q = select(insight_decisions).where(insight_decisions.c.project_id == project_id)
        if user_id is not None:
            q = q.where(insight_decisions.c.user_id == user_id)
        if (lo := _bound(since, end=False)) is not None:
            q = q.where(insight_decisions.c.decided_at >= lo)
        if (hi := _bound(until, end=True)) is not None:
            q = q.where(insight_decisions.c.decided_at < hi)
        if standing_only:
            q = q.where(insight_decisions.c.superseded_by.is_(None))
        q = q.order_by(insight_decisions.c.decided_at.desc(), insight_decisions.c.id.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(q.limit(max(1, min(limit, 5000)))).mappings().all()
        return [
            DecisionItem(
                id=r["id"],
                project_id=project_id,
                message_id=r["message_id"],
                user_id=r["user_id"],
                person=r["person"],
                text=r["text"],
                subject=r["subject"],
                decided_at=aware_utc(r["decided_at"]),
                superseded_by=r["superseded_by"],
            )
            for r in rows
        ]

    def proposals(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        state: str | None = "open",
        author_id: int | None = None,
        task_id: int | None = None,
        limit: int = 200,
    ) -> list[ProposalItem]:
        """Board proposals from chat (open ones by default), newest first."""
        self._check(actor_id, project_id)
        q = (
            select(insight_proposals, tasks.c.title, users.c.display_name)
            .join(tasks, tasks.c.id == insight_proposals.c.task_id)
            .join(messages, messages.c.id == insight_proposals.c.message_id)
            .join(users, users.c.id == messages.c.author_id)
            .where(insight_proposals.c.project_id == project_id, tasks.c.deleted_at.is_(None))
        )
        if state is not None:
            q = q.where(insight_proposals.c.state == state)
        if author_id is not None:
            q = q.where(messages.c.author_id == author_id)
        if task_id is not None:
            q = q.where(insight_proposals.c.task_id == task_id)
        q = q.order_by(insight_proposals.c.id.desc()).limit(max(1, min(limit, 2000)))
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [
            ProposalItem(
                id=r["id"],
                project_id=project_id,
                message_id=r["message_id"],
                task_id=r["task_id"],
                task_title=r["title"],
                author=r["display_name"],
                to_status=r["to_status"],
                from_status=r["from_status"],
                reason=r["reason"],
                state=r["state"],
                created_at=aware_utc(r["created_at"]),
            )
            for r in rows
        ]

    def risks(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        states: tuple[str, ...] = ("open",),
        user_id: int | None = None,
        kind: str | None = None,
        now: datetime | None = None,
    ) -> list[RiskItem]:
        """The radar, most severe first. A snoozed risk whose time is up reads as open."""
        self._check(actor_id, project_id)
        at = naive(now or self.clock())
        q = select(insight_risks).where(insight_risks.c.project_id == project_id)
        if user_id is not None:
            q = q.where(insight_risks.c.user_id == user_id)
        if kind is not None:
            q = q.where(insight_risks.c.kind == kind)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        out = []
        for r in rows:
            state = r["state"]
            if state == "snoozed" and r["snoozed_until"] is not None and r["snoozed_until"] <= at:
                state = "open"
            if state not in states:
                continue
            out.append(
                RiskItem(
                    id=r["id"],
                    project_id=project_id,
                    key=r["key"],
                    kind=r["kind"],
                    severity=r["severity"],
                    task_id=r["task_id"],
                    user_id=r["user_id"],
                    person=r["person"],
                    evidence=Evidence.of(r["evidence"]),
                    reason=r["reason"],
                    params=r["params"] or {},
                    state=state,
                    snoozed_until=aware_utc(r["snoozed_until"]),
                    first_seen=aware_utc(r["first_seen"]),
                    last_seen=aware_utc(r["last_seen"]),
                )
            )
        return sorted(out, key=lambda r: (_SEVERITY_RANK.get(r.severity, 3), r.kind, r.id))

    # -- CSV -----------------------------------------------------------------------------------

    def commitments_csv(self, *, actor_id: int | None, project_id: int, lang: str = "en", **filters: Any) -> bytes:
        items = self.commitments(actor_id=actor_id, project_id=project_id, **filters)
        return to_csv(
            ["id", "message_id", "person", "what", "made_at", "due", "status", "done_at", "task_id"],
            [
                [
                    c.id,
                    c.message_id,
                    c.person,
                    c.what,
                    c.made_at.isoformat(),
                    c.due or "",
                    c.status,
                    c.done_at or "",
                    c.task_id or "",
                ]
                for c in items
            ],
        )

    def decisions_csv(self, *, actor_id: int | None, project_id: int, lang: str = "en", **filters: Any) -> bytes:
        items = self.decisions(actor_id=actor_id, project_id=project_id, **filters)
        return to_csv(
            ["id", "message_id", "person", "decision", "decided_at", "superseded_by_message"],
            [[d.id, d.message_id, d.person, d.text, d.decided_at.isoformat(), d.superseded_by or ""] for d in items],
        )

    def proposals_csv(self, *, actor_id: int | None, project_id: int, lang: str = "en", **filters: Any) -> bytes:
        items = self.proposals(actor_id=actor_id, project_id=project_id, **filters)
        return to_csv(
            ["id", "message_id", "author", "task_id", "task", "from", "to", "state"],
            [
                [
                    p.id,
                    p.message_id,
                    p.author,
                    p.task_id,
                    p.task_title,
                    status_label(p.from_status, lang),
                    status_label(p.to_status, lang),
                    p.state,
                ]
                for p in items
            ],
        )

    def risks_csv(self, *, actor_id: int | None, project_id: int, lang: str = "en", **filters: Any) -> bytes:
        items = self.risks(actor_id=actor_id, project_id=project_id, **filters)
        return to_csv(
            ["id", "kind", "severity", "task_id", "person", "reason", "state", "evidence_messages"],
            [
                [
                    r.id,
                    kind_label(r.kind, lang),
                    severity_label(r.severity, lang),
                    r.task_id or "",
                    r.person or "",
                    risk_reason(r.kind, r.params, lang, fallback=r.reason),
                    r.state,
                    " ".join(str(m) for m in r.message_ids),
                ]
                for r in items
            ],
        )
