"""Contributions page: metrics and charts on empty and real data; period and top-N change what is shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from collab_core.chat.message_values import ImportItem
from tests.app.conftest import AppEnv, texts


def _charts(at) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_empty_project(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner)
    at = app_env.page("contributions", owner, project.id)
    at.run()
    assert not at.exception
    assert "No contributions yet" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Active this week"] == "0 of 1"
    assert metrics["Messages this week"] == "0"


def test_demo_data_in_korean(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    at = app_env.page("contributions", owner, pid, lang="ko")
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["가장 활발한 멤버"] in {"Alice", "David"}
    charts = _charts(at)
    members = charts[0]["data"][0]
    assert set(members["y"]) >= {"Alice", "Bob", "Carol", "David"}
    assert charts[2]["data"][0]["type"] == "heatmap"
    assert charts[2]["data"][0]["y"] == ["월", "화", "수", "목", "금", "토", "일"]


def test_metrics_compare_this_week_with_last(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner)
    now = datetime.now(UTC)
    items = [
        ImportItem(author="owner", content=f"this week {i}", created_at=now - timedelta(minutes=i)) for i in range(3)
    ]
    items.append(ImportItem(author="old", content="last year", created_at=now - timedelta(days=400)))
    app_env.hub.messages.import_items(project_id=project.id, items=items, index=False)
    at = app_env.page("contributions", owner, project.id)
    at.run()
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Messages this week"] == ("3", "3")
    assert metrics["Messages in period"] == ("4", "")
    # The period filter drops last year's message from the charts and totals.
    at.segmented_control(key="contrib_period").set_value("30").run()
    assert {m.label: m.value for m in at.metric}["Messages in period"] == "3"
    # Imported messages belong to an import-only author, never silently to the account of the same name.
    assert _charts(at)[0]["data"][0]["y"] == ["owner (import)"]


def test_many_members_fold_into_others(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner)
    now = datetime.now(UTC)
    items = [
        ImportItem(author=f"user{i:02d}", content="hi", created_at=now - timedelta(hours=i * 5 + k))
        for i in range(25)
        for k in range(25 - i)
    ]
    app_env.hub.messages.import_items(project_id=project.id, items=items, index=False)
    at = app_env.page("contributions", owner, project.id)
    at.run()
    bars = _charts(at)[0]
    assert bars["data"][0]["y"][0] == "Others (15)"  # drawn bottom-up: the folded row is last
    assert bars["data"][0]["y"][-1] == "user00"
    assert len(bars["data"][0]["y"]) == 11
    at.slider(key="contrib_top_n").set_value(3).run()
    bars = _charts(at)[0]
    assert bars["data"][0]["y"] == ["Others (22)", "user02", "user01", "user00"]
    stacked = _charts(at)[1]
    assert [t["name"] for t in stacked["data"]] == ["user00", "user01", "user02", "Others (22)"]
