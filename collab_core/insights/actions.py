"""What people do with the insights (a mixin of InsightService): apply or dismiss a board proposal,
acknowledge or snooze a risk, ask who should take a task and assign one of them.

Every change of the board goes through the normal TaskService (permissions, history, the system
message in chat); nothing is moved or assigned without the click of a person allowed to do it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, update

from collab_core.errors import ConflictError, NotFoundError, ValidationError
from collab_core.people.roles import require
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import tasks as tasks_table

from .assignment import suggest_assignees
from .persist import naive
from .tables import insight_proposals, insight_risks
from .values import AssigneeSuggestion

if TYPE_CHECKING:
    from collab_core.work.task_values import Task

MAX_SNOOZE_DAYS = 90


class InsightActions:
    """Writes people make on insights; each checks the actor's role in collab_core."""

    engine: Engine
    tasks: Any
    clock: Any
    embed: Any
    task_key: str

    # -- proposals -----------------------------------------------------------------------------

    def _proposal(self, conn: Any, proposal_id: int) -> Any:
        row = conn.execute(select(insight_proposals).where(insight_proposals.c.id == proposal_id)).first()
        if row is None:
            raise NotFoundError("That board proposal does not exist.")
        return row

    def apply_proposal(self, *, actor_id: int | None, proposal_id: int) -> Task:
        """Move the card as proposed (through TaskService: permissions, history, chat notice)."""
        with self.engine.connect() as conn:
            p = self._proposal(conn, proposal_id)
            require(conn, actor_id, p.project_id, "task_write")
        if p.state != "open":
            raise ConflictError("That board proposal was already answered.", hint="The board shows the current state.")
        task = self.tasks.move_task(
            actor_id=actor_id, task_id=p.task_id, status=p.to_status, expected_status=p.from_status
        )
        self._answer(proposal_id, actor_id, "applied")
        return task

    def dismiss_proposal(self, *, actor_id: int | None, proposal_id: int) -> None:
        """Dismiss a proposal; it does not come back."""
        with self.engine.connect() as conn:
            p = self._proposal(conn, proposal_id)
            require(conn, actor_id, p.project_id, "task_write")
        if p.state != "open":
            raise ConflictError("That board proposal was already answered.")
        self._answer(proposal_id, actor_id, "dismissed")

    def _answer(self, proposal_id: int, actor_id: int | None, state: str) -> None:
        with write_tx(self.engine) as conn:
            conn.execute(
                update(insight_proposals)
                .where(insight_proposals.c.id == proposal_id)
                .values(state=state, decided_by=actor_id, decided_at=utcnow())
            )

    # -- risks ---------------------------------------------------------------------------------

    def _set_risk(self, actor_id: int | None, risk_id: int, **values: Any) -> None:
        with write_tx(self.engine) as conn:
            row = conn.execute(select(insight_risks.c.project_id).where(insight_risks.c.id == risk_id)).first()
            if row is None:
                raise NotFoundError("That risk does not exist.")
            require(conn, actor_id, row.project_id, "task_write")
            conn.execute(
                update(insight_risks)
                .where(insight_risks.c.id == risk_id)
                .values(state_by=actor_id, state_at=utcnow(), **values)
            )

    def acknowledge_risk(self, *, actor_id: int | None, risk_id: int) -> None:
        """Someone has seen it: it leaves the open radar (and its notices) until it resolves and comes back."""
        self._set_risk(actor_id, risk_id, state="acknowledged", snoozed_until=None, notified_at=utcnow())

    def snooze_risk(self, *, actor_id: int | None, risk_id: int, days: int = 1, now: datetime | None = None) -> None:
        """Hide a risk for `days` days; it reads as open again after that."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SNOOZE_DAYS:
            raise ValidationError(f"Snooze for 1 to {MAX_SNOOZE_DAYS} days.")
        until = naive(now or self.clock()) + timedelta(days=days)
        self._set_risk(actor_id, risk_id, state="snoozed", snoozed_until=until, notified_at=utcnow())

    def reopen_risk(self, *, actor_id: int | None, risk_id: int) -> None:
        """Undo an acknowledge or snooze."""
        self._set_risk(actor_id, risk_id, state="open", snoozed_until=None)

    # -- assignment ----------------------------------------------------------------------------

    def suggest_assignees(
        self, *, actor_id: int | None, task_id: int, k: int = 3, now: datetime | None = None
    ) -> list[AssigneeSuggestion]:
        """Up to `k` people who should take the task, ranked, each with a reason (nobody is assigned)."""
        now = now or self.clock()
        with self.engine.connect() as conn:
            project_id = conn.execute(
                select(tasks_table.c.project_id).where(tasks_table.c.id == task_id, tasks_table.c.deleted_at.is_(None))
            ).scalar_one_or_none()
            if project_id is None:
                raise NotFoundError("That task does not exist.")
            require(conn, actor_id, project_id, "read")
        with self._lock:  # type: ignore[attr-defined]
            with self.engine.connect() as conn:
                live, _ = self._sync(conn, project_id, now)  # type: ignore[attr-defined]
            tasks = list(live.radar.tasks)
            key = live.keys.task_key.get(task_id)
            target = next((t for t in tasks if t.id == key), None)
            if target is None:
                return []
            ranked = suggest_assignees(
                task=target,
                tasks=tasks,
                messages=live.messages,
                members=live.radar.members,
                now=now,
                embed=self.embed,
                k=max(1, min(k, 10)),
                settings=live.settings,
                signals=live.radar.signals,
            )
            users = dict(live.keys.user_of)
        return [
            AssigneeSuggestion(task_id, users[s.person], s.person, s.score, s.reason, dict(s.params))
            for s in ranked
            if s.person in users and s.score > 0
        ]

    def assign(self, *, actor_id: int | None, task_id: int, user_id: int) -> Task:
        """One click on a suggestion: give the task to that person (through TaskService)."""
        return self.tasks.reassign(actor_id=actor_id, task_id=task_id, assignee_id=user_id)
