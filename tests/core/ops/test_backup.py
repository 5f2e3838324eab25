"""Backup -> restore round trips exactly; restore is idempotent; bad files change nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from collab_core.chat.message_values import ImportItem
from collab_core.errors import BackupFormatError
from collab_core.hub import Hub
from collab_core.ops.backup import export_backup, restore_backup
from collab_core.settings import Settings

KST = timezone(timedelta(hours=9))


def _fill(hub, team):
    items = [
        ImportItem(
            author=a,
            content=c,
            created_at=datetime(2026, 3, 2, 9, i, tzinfo=KST),
            external_id=f"e{i}",
            role="assistant" if a == "AI_Assistant" else "user",
        )
        for i, (a, c) in enumerate(
            [
                ("Minji", "배포 일정은 3월 20일로 확정 🚀"),
                ("Daniel", "I'll take the mobile implementation."),
                ("AI_Assistant", "요약: 배포 3/20, 모바일 Daniel"),
                ("Minji", "폰트는 Pretendard로 갑니다"),
            ]
        )
    ]
    hub.messages.import_items(project_id=team.pid, items=items)
    team.post("member", "live post with <b>html</b> & emoji 😀")
    doomed = team.post("member", "this will be removed")
    hub.messages.delete(actor_id=team.users["admin"].id, message_id=doomed.id)


def _snapshot(hub, pid):
    page = hub.messages.timeline(actor_id=None, project_id=pid, limit=500)
    timeline = [
        (m.author, m.role, m.kind, m.content, m.created_at.isoformat(), m.is_deleted, m.deleted_by) for m in page.items
    ]
    groups = [(g.author, g.count) for g in hub.messages.group_by_author(actor_id=None, project_id=pid)]
    search = [
        (h.message.external_id, h.message.content)
        for h in hub.search.search(actor_id=None, project_id=pid, query="배포 일정 font", limit=5)
    ]
    return timeline, groups, search


def test_round_trip_into_empty_data_dir_reproduces_everything(hub, team, tmp_path, embedder):
    _fill(hub, team)
    data = export_backup(hub, actor_id=team.users["viewer"].id)
    insights = len(data["projects"][0]["insights"])  # what the insight worker found so far (tests/core/insights)
    assert data["counts"] == {
        "users": len(data["users"]),
        "projects": 1,
        "messages": 6,
        "tasks": 0,
        "meetings": 0,
        "insights": insights,
        "outbox": 0,
    }
    assert all("password" not in json.dumps(u) for u in data["users"])
    before = _snapshot(hub, team.pid)

    other = Hub.open(Settings.load(env_file=None, data_dir=tmp_path / "restored"), embedder=embedder)
    try:
        report = restore_backup(other, json.dumps(data), actor_id=None)
        assert report["messages_added"] == 6
        pid = other.accounts.find_project("Team").id
        assert _snapshot(other, pid) == before
        members = {m.username: m.role for m in other.accounts.list_members(actor_id=None, project_id=pid)}
        assert members == {m.username: m.role for m in hub.accounts.list_members(actor_id=None, project_id=team.pid)}
        assert other.memory.count(pid) == 5  # the tombstone is not indexed
    finally:
        other.close()


def test_restore_twice_adds_nothing(hub, team):
    _fill(hub, team)
    raw = json.dumps(export_backup(hub, actor_id=None))
    before = _snapshot(hub, team.pid)
    first = restore_backup(hub, raw, actor_id=None)
    second = restore_backup(hub, raw, actor_id=None)
    assert first["messages_added"] == second["messages_added"] == 0
    assert second["messages_skipped"] == 6
    assert _snapshot(hub, team.pid) == before
    assert hub.memory.count(team.pid) == 5


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: "{not json", "not valid JSON"),
        (lambda d: json.dumps({**d, "version": 99}), "version 99"),
        (lambda d: json.dumps({**d, "format": "something-else"}), "Not a collab-hub backup"),
        (lambda d: json.dumps({k: v for k, v in d.items() if k != "projects"}), "missing field(s) projects"),
        (
            lambda d: json.dumps({**d, "projects": [{**d["projects"][0], "messages": [{"id": "x", "author": "a"}]}]}),
            "missing field(s) role, kind, ts, content",
        ),
        (lambda d: json.dumps({**d, "counts": {**d["counts"], "messages": 1}}), "counts do not match"),
    ],
)
def test_bad_backups_are_rejected_and_write_nothing(hub, team, tmp_path, embedder, mutate, message):
    _fill(hub, team)
    data = export_backup(hub, actor_id=None)
    empty = Hub.open(Settings.load(env_file=None, data_dir=tmp_path / "empty"), embedder=embedder)
    try:
        with pytest.raises(BackupFormatError) as err:
            restore_backup(empty, mutate(data), actor_id=None)
        assert message in str(err.value)
        assert empty.accounts.list_projects(user_id=None) == []
        assert empty.accounts.user_count() == 0
    finally:
        empty.close()


def test_members_cannot_restore_over_a_project_they_do_not_administer(hub, team):
    from collab_core.errors import PermissionDeniedError

    _fill(hub, team)
    raw = json.dumps(export_backup(hub, actor_id=None))
    with pytest.raises(PermissionDeniedError):
        restore_backup(hub, raw, actor_id=team.users["member"].id)
