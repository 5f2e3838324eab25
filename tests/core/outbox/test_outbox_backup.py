"""Backup and restore carry digest preferences and outbox state, never the signing key; restoring twice adds nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from collab_core.hub import Hub
from collab_core.ops.backup import export_backup, restore_backup
from collab_core.outbox.tables import outbox_keys


def test_preferences_and_outbox_state_survive_a_restore(hub, team, tmp_path, embedder, settings):
    member = team.users["member"]
    hub.prefs.set_project_default(actor_id=team.owner.id, project_id=team.pid, mode="weekly", at="08:30", weekday=2)
    hub.prefs.set_profile(
        actor_id=member.id, user_id=member.id, email="m@example.com", language="en", timezone="Europe/Berlin"
    )
    hub.prefs.set_schedule(actor_id=member.id, project_id=team.pid, mode="daily", at="07:15")
    token = hub.prefs.unsubscribe_token(user_id=member.id, project_id=team.pid, kind="daily")
    hub.prefs.unsubscribe(token=token)
    team.post("admin", "@team_member please check the release notes")
    hub.digests.run_due(now=datetime.now(UTC) + timedelta(days=1))
    assert len(hub.digests.inbox(user_id=member.id)) == 1

    data = export_backup(hub, actor_id=None)
    with hub.engine.connect() as conn:
        key = conn.execute(select(outbox_keys.c.value)).scalar_one()
    assert key not in json.dumps(data)

    from dataclasses import replace

    other = Hub.open(replace(settings, data_dir=tmp_path / "other", database_url=""), embedder=embedder)
    try:
        restore_backup(other, json.dumps(data), actor_id=None)
        again = restore_backup(other, json.dumps(data), actor_id=None)
        assert again["outbox_added"] == 0
        p = other.accounts.find_project("Team")
        m = other.accounts.find_user("team_member")
        schedule, is_default = other.prefs.schedule(user_id=m.id, project_id=p.id)
        assert (schedule.mode, schedule.hhmm, schedule.timezone, is_default) == (
            "daily",
            "07:15",
            "Europe/Berlin",
            False,
        )
        d = other.prefs.project_default(project_id=p.id).schedule
        assert (d.mode, d.hhmm, d.weekday) == ("weekly", "08:30", 2)
        profile = other.prefs.profile(user_id=m.id)
        assert profile.email == "m@example.com" and not profile.wants_email(p.id, "daily")
        [digest] = other.digests.inbox(user_id=m.id)
        assert any("release notes" in t for s in digest.sections for t, _ in s["items"])
        # The restored run means the same slot is not made again.
        assert other.digests.run_due(now=datetime.now(UTC) + timedelta(days=1)).made == 0
    finally:
        other.close()
