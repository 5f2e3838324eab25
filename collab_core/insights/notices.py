"""Notices for new high-severity risks: one system message per risk that @mentions the people concerned.

The mention puts it in their inbox and, when the project has a webhook, sends it there too (the mention
service does both). A risk's `notified_at` is set in the same step, so a notice goes out once, not on
every recomputation; a snoozed or acknowledged risk is never announced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from collab_core.errors import CollabError
from collab_core.store.engine import write_tx
from collab_core.store.schema import tasks, users

from .persist import naive
from .reasons import kind_label, risk_reason
from .tables import insight_risks

BOT_USERNAME = "risk-radar"
BOT_DISPLAY = "Risk radar · 리스크 레이더"


def bot_id(service: Any) -> int:
    """The radar's own password-less account (never a member, cannot sign in)."""
    if service._bot_id is not None:
        return service._bot_id
    user = service.accounts.find_user(BOT_USERNAME)
    if user is None:
        try:
            user = service.accounts.create_user(username=BOT_USERNAME, display_name=BOT_DISPLAY)
        except CollabError:  # created concurrently
            user = service.accounts.find_user(BOT_USERNAME)
    assert user is not None
    service._bot_id = user.id
    return user.id


def notice_text(risk: Any, names: Sequence[str]) -> str:
    params = dict(risk.params or {})
    who = " ".join(f"@{n}" for n in names)
    ko = risk_reason(risk.kind, params, "ko", fallback=risk.reason)
    en = risk_reason(risk.kind, params, "en", fallback=risk.reason)
    return f"⚠️ {who} [{kind_label(risk.kind, 'ko')} · {kind_label(risk.kind, 'en')}] {ko} / {en}".replace("  ", " ")


def post_notices(service: Any, *, project_id: int, risk_ids: Sequence[int], now: datetime) -> int:
    """Announce each (still open, not yet announced) risk to the people it concerns; returns how many went out."""
    sent = 0
    for rid in risk_ids:
        with write_tx(service.engine) as conn:
            claimed = conn.execute(
                update(insight_risks)
                .where(
                    insight_risks.c.id == rid,
                    insight_risks.c.notified_at.is_(None),
                    insight_risks.c.state == "open",
                )
                .values(notified_at=naive(now))
            ).rowcount
            if not claimed:
                continue
            risk = conn.execute(select(insight_risks).where(insight_risks.c.id == rid)).one()
            people = {risk.user_id} if risk.user_id else set()
            if risk.task_id is not None:
                owner = conn.execute(select(tasks.c.assignee_id).where(tasks.c.id == risk.task_id)).scalar_one_or_none()
                if owner:
                    people.add(owner)
            names = (
                list(
                    conn.execute(
                        select(users.c.display_name).where(users.c.id.in_(list(people))).order_by(users.c.id)
                    ).scalars()
                )
                if people
                else []
            )
        if not names:
            continue
        try:
            service.messages.post_event(
                actor_id=None,
                project_id=project_id,
                content=notice_text(risk, names),
                kind="task",
                author_id=bot_id(service),
                meta={"event": "risk", "mention_from": 0, **({"task_id": risk.task_id} if risk.task_id else {})},
            )
            sent += 1
        except CollabError:
            continue
    return sent
