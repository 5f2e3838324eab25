"""Visits: opening a project records the visit; 'since' is where the previous visit ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collab_core.errors import NotFoundError, PermissionDeniedError
from collab_core.store.schema import users


def test_visits_record_the_time_away_and_refuse_deactivated_or_outside_accounts(hub, team):
    member = team.users["member"]
    t0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert hub.visits.record(user_id=member.id, project_id=team.pid, now=t0).since is None
    # Reopening within the gap is the same visit; the previous visit stays unknown.
    assert hub.visits.record(user_id=member.id, project_id=team.pid, now=t0 + timedelta(minutes=10)).since is None
    back = hub.visits.record(user_id=member.id, project_id=team.pid, now=t0 + timedelta(hours=5))
    assert back.since == t0 + timedelta(minutes=10)
    assert hub.visits.since(user_id=member.id, project_id=team.pid) == t0 + timedelta(minutes=10)
    assert hub.assistant.last_visit(actor_id=member.id, project_id=team.pid) == t0 + timedelta(minutes=10)
    with pytest.raises(NotFoundError):
        hub.visits.record(user_id=team.outsider.id, project_id=team.pid)
    with hub.engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == member.id).values(disabled=True))
    with pytest.raises(PermissionDeniedError):
        hub.visits.record(user_id=member.id, project_id=team.pid, now=t0 + timedelta(days=1))
    assert hub.visits.since(user_id=member.id, project_id=team.pid) == t0 + timedelta(minutes=10)
