"""Posting, validation, timeline, grouping and contribution stats on the real SQLite + Mem0."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from collab_core.chat.message_values import ImportItem
from collab_core.errors import NotFoundError, PermissionDeniedError, ValidationError
from collab_core.models import TimeFilter

KST = timezone(timedelta(hours=9))


def test_post_keeps_unicode_exactly_and_attributes_author(hub, team):
    text = "배포 일정 확정! 🚀 Ünïcödé — 日本語 ok\n\t들여쓰기"
    m = team.post("member", text)
    assert m.content == text
    assert m.author == "Team Member"
    assert m.index_state == "indexed"
    page = hub.messages.timeline(actor_id=team.users["viewer"].id, project_id=team.pid)
    assert [x.content for x in page.items] == [text]
    assert page.items[0].author_id == team.users["member"].id


def test_control_characters_are_stripped_but_newlines_and_tabs_kept(team):
    m = team.post("member", "a\x00b\x07c\r\nd\te\x1b")
    assert m.content == "abc\nd\te"


@pytest.mark.parametrize("bad", ["", "   ", "\n\t ", "\x00\x01"])
def test_empty_messages_are_rejected_and_nothing_is_saved(hub, team, bad):
    with pytest.raises(ValidationError, match="empty"):
        team.post("member", bad)
    assert hub.messages.timeline(actor_id=None, project_id=team.pid).total == 0


def test_oversized_message_names_the_limit(hub, team):
    with pytest.raises(ValidationError) as err:
        team.post("member", "가" * 8001)
    assert "8,000" in str(err.value)
    assert hub.messages.timeline(actor_id=None, project_id=team.pid).total == 0
    assert len(team.post("member", "가" * 8000).content) == 8000


def test_unknown_user_and_non_member_cannot_post(hub, team):
    with pytest.raises(PermissionDeniedError):
        hub.messages.post(actor_id=99999, project_id=team.pid, content="hello")
    with pytest.raises(NotFoundError):
        hub.messages.post(actor_id=team.outsider.id, project_id=team.pid, content="hello")
    with pytest.raises(PermissionDeniedError):
        team.post("viewer", "viewers only read")
    assert hub.messages.timeline(actor_id=None, project_id=team.pid).total == 0


def _seed(hub, team):
    items = []
    start = datetime(2026, 3, 2, 9, 0, tzinfo=KST)
    authors = ["Minji", "Daniel", "Minji", "Emily", "Minji", "Daniel"]
    for i, author in enumerate(authors):
        items.append(
            ImportItem(
                author=author,
                content=f"메시지 {i} about release {i}",
                created_at=start + timedelta(days=i),
                external_id=f"m{i}",
                kind="task" if i == 3 else "chat",
            )
        )
    hub.messages.import_items(project_id=team.pid, items=items)
    return items


def test_timeline_orders_pages_and_filters(hub, team):
    _seed(hub, team)
    viewer = team.users["viewer"].id
    first = hub.messages.timeline(actor_id=viewer, project_id=team.pid, limit=4)
    assert [m.external_id for m in first.items] == ["m0", "m1", "m2", "m3"]
    assert first.total == 6 and first.has_more
    second = hub.messages.timeline(actor_id=viewer, project_id=team.pid, limit=4, offset=4)
    assert [m.external_id for m in second.items] == ["m4", "m5"] and not second.has_more
    newest = hub.messages.timeline(actor_id=viewer, project_id=team.pid, newest_first=True, limit=2)
    assert [m.external_id for m in newest.items] == ["m5", "m4"]
    # the original offset is kept for display and export
    assert first.items[0].created_at.isoformat() == "2026-03-02T09:00:00+09:00"

    minji = hub.accounts.find_user("Minji").id
    by_author = hub.messages.timeline(actor_id=viewer, project_id=team.pid, filters=TimeFilter(author_ids=(minji,)))
    assert [m.external_id for m in by_author.items] == ["m0", "m2", "m4"]
    by_kind = hub.messages.timeline(actor_id=viewer, project_id=team.pid, filters=TimeFilter(kinds=("task",)))
    assert [m.external_id for m in by_kind.items] == ["m3"]
    by_date = hub.messages.timeline(
        actor_id=viewer, project_id=team.pid, filters=TimeFilter(start=date(2026, 3, 3), end=date(2026, 3, 4))
    )
    assert [m.external_id for m in by_date.items] == ["m1", "m2"]
    by_text = hub.messages.timeline(actor_id=viewer, project_id=team.pid, filters=TimeFilter(text="RELEASE 4"))
    assert [m.external_id for m in by_text.items] == ["m4"]
    percent = hub.messages.timeline(actor_id=viewer, project_id=team.pid, filters=TimeFilter(text="%"))
    assert percent.total == 0


def test_grouping_and_contributions(hub, team):
    items = _seed(hub, team)
    groups = hub.messages.group_by_author(actor_id=team.users["viewer"].id, project_id=team.pid)
    assert [(g.author, g.count) for g in groups] == [("Minji", 3), ("Daniel", 2), ("Emily", 1)]
    stats = {c.author: c for c in hub.messages.contributions(actor_id=None, project_id=team.pid)}
    minji = stats["Minji"]
    assert minji.messages == 3
    assert minji.characters == sum(len(i.content) for i in items if i.author == "Minji")
    assert minji.active_days == 3
    assert minji.first_at == items[0].created_at
    assert minji.last_at == items[4].created_at


def test_import_is_idempotent_by_external_id(hub, team):
    _seed(hub, team)
    again = _seed(hub, team)
    assert len(again) == 6
    assert hub.messages.timeline(actor_id=None, project_id=team.pid).total == 6
    assert hub.memory.count(team.pid) == 6


def test_batch_import_rejects_bad_rows_before_writing(hub, team):
    good = ImportItem(author="A", content="fine", created_at=datetime.now(KST), external_id="g")
    bad = ImportItem(author="A", content="  ", created_at=datetime.now(KST), external_id="b")
    with pytest.raises(ValidationError):
        hub.messages.import_items(project_id=team.pid, items=[good, bad])
    assert hub.messages.timeline(actor_id=None, project_id=team.pid).total == 0


def test_admin_delete_leaves_tombstone_and_removes_from_index(hub, team):
    m = team.post("member", "비밀번호는 hunter2 입니다")
    assert hub.search.search(actor_id=None, project_id=team.pid, query="비밀번호")
    with pytest.raises(PermissionDeniedError):
        hub.messages.delete(actor_id=team.users["member"].id, message_id=m.id)
    gone = hub.messages.delete(actor_id=team.users["admin"].id, message_id=m.id)
    assert gone.is_deleted and gone.content == "" and gone.deleted_by == "Team Admin"
    page = hub.messages.timeline(actor_id=team.users["viewer"].id, project_id=team.pid)
    assert page.items[0].is_deleted
    assert hub.search.search(actor_id=None, project_id=team.pid, query="비밀번호 hunter2") == []
    assert hub.memory.count(team.pid) == 0


def test_message_text_never_stays_in_mem0_history(hub, team, settings):
    """SQL holds the one copy of a message; Mem0's history file (one per app server) keeps none, so a
    delete made on any server leaves the text nowhere, and searches by the vector store still work."""
    import sqlite3

    m = team.post("member", "지워질 비밀 메모 pineapple-77")
    history = settings.data_dir / "mem0_history.db"

    def rows_with_secret() -> int:
        with sqlite3.connect(history) as conn:
            return conn.execute(
                "SELECT count(*) FROM history WHERE new_memory LIKE ? OR old_memory LIKE ?",
                ("%pineapple-77%", "%pineapple-77%"),
            ).fetchone()[0]

    assert m.index_state == "indexed"
    assert rows_with_secret() == 0
    assert hub.memory.search(team.pid, "비밀 메모 pineapple", limit=1)[0].message_id == m.id
    hub.messages.delete(actor_id=team.users["admin"].id, message_id=m.id)
    assert rows_with_secret() == 0
    assert hub.memory.count(team.pid) == 0
