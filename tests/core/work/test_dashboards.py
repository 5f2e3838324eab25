"""Dashboard frames: top N + others, week-over-week summary, heatmap orientation, incremental cache."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from collab_core.chat.message_values import ImportItem
from collab_core.hub import Hub
from collab_core.work.dashboards import (
    ActivityCache,
    build_dashboard,
    daily_figure,
    heatmap_figure,
    members_figure,
)
from tests.conftest import Team

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 6, 4, 3, 0, tzinfo=UTC)  # Wednesday 12:00 in Seoul


def _import(hub: Hub, pid: int, rows: list[tuple[str, datetime]]) -> None:
    items = [ImportItem(author=a, content=f"msg {i}", created_at=t) for i, (a, t) in enumerate(rows)]
    hub.messages.import_items(project_id=pid, items=items, index=False)


def test_frames_and_week_summary(hub: Hub, team: Team) -> None:
    rows = [("minji", NOW - timedelta(hours=h)) for h in range(5)]  # this week
    rows += [("tom", NOW - timedelta(days=7, hours=1))]  # last week, same weekday
    rows += [("tom", NOW - timedelta(days=60))]
    _import(hub, team.pid, rows)
    dash = build_dashboard(
        hub.messages, hub.accounts, actor_id=team.owner.id, project_id=team.pid, tz=SEOUL, lang="ko", now=NOW
    )
    s = dash.summary
    assert (s.messages_this_week, s.messages_last_week) == (5, 1)
    assert (s.active_this_week, s.active_last_week) == (1, 1)
    assert s.members == 4 and s.total_messages == 7
    assert list(dash.members["author"]) == ["minji", "tom"]
    assert list(dash.members["messages"]) == [5, 2]
    assert dash.heatmap.index[0] == "월" and int(dash.heatmap.to_numpy().sum()) == 7
    # Wednesday 12:00 Seoul (11:00, 10:00 ... the same morning)
    assert dash.heatmap.loc["수", 12] == 1
    # The period filter counts local days from `start`.
    recent = build_dashboard(
        hub.messages,
        hub.accounts,
        actor_id=team.owner.id,
        project_id=team.pid,
        tz=SEOUL,
        start=date(2025, 5, 1),
        now=NOW,
    )
    assert int(recent.members["messages"].sum()) == 6
    for fig in (members_figure(dash.members, "ko"), daily_figure(dash.daily, "ko"), heatmap_figure(dash.heatmap, "ko")):
        assert fig.to_dict()["data"]


def test_two_hundred_members_fold_into_others(hub: Hub, team: Team) -> None:
    rows = [(f"m{i:03d}", NOW - timedelta(hours=k + 1)) for i in range(200) for k in range(1 + (i < 3) * 10)]
    _import(hub, team.pid, rows)
    dash = build_dashboard(
        hub.messages, hub.accounts, actor_id=team.owner.id, project_id=team.pid, tz=SEOUL, top_n=10, now=NOW
    )
    assert len(dash.members) == 11
    assert dash.members.iloc[-1]["author"] == "Others (190)"
    assert int(dash.members["messages"].sum()) == len(rows)
    assert set(dash.daily["author"]) <= set(dash.members["author"])
    assert members_figure(dash.members, "en").layout.height == 60 + 32 * 11


def test_activity_cache_adds_new_rows_and_rebuilds_after_removal(hub: Hub, team: Team) -> None:
    cache = ActivityCache()
    first = team.post("member", "one")
    a1 = cache.get(hub.engine, project_id=team.pid, offset_min=540)
    assert int(a1.author_day["messages"].sum()) == 1
    team.post("admin", "two")
    a2 = cache.get(hub.engine, project_id=team.pid, offset_min=540)
    assert int(a2.author_day["messages"].sum()) == 2 and a2.last_id > a1.last_id
    hub.messages.delete(actor_id=team.owner.id, message_id=first.id)
    a3 = cache.get(hub.engine, project_id=team.pid, offset_min=540)
    assert int(a3.author_day["messages"].sum()) == 1 and a3.removed == 1
    assert cache.get(hub.engine, project_id=team.pid, offset_min=540) is a3  # unchanged: served as is
