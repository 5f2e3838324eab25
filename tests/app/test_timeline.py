"""Timeline page: order, grouping, every filter, paging and the CSV of what is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from collab_core.chat.message_values import ImportItem
from collab_core.models import Project, User
from tests.app.conftest import AppEnv, texts

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def team(app_env: AppEnv) -> tuple[User, Project]:
    """Owner plus messages by 민지 (days 0-1) and Tom (day 2), and one task event (day 3)."""
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner, "Team")
    items = [
        ImportItem(author="minji", content="배포 일정 확인 부탁해요", created_at=START),
        ImportItem(author="minji", content="QA starts Thursday", created_at=START + timedelta(hours=2)),
        ImportItem(author="minji", content="회의록 올렸어요", created_at=START + timedelta(days=1)),
        ImportItem(author="tom", content="Deploy went fine", created_at=START + timedelta(days=2)),
        ImportItem(
            author="tom", content="tom moved 'Fix login' to DONE", created_at=START + timedelta(days=3), kind="task"
        ),
    ]
    app_env.hub.messages.import_items(project_id=project.id, items=items, index=False)
    return owner, project


def _bodies(at: AppTest) -> list[str]:
    return [cm.markdown[0].value.split("\n\n", 1)[1] for cm in at.chat_message]


def test_empty_project_renders_guidance(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner)
    at = app_env.page("timeline", owner, project.id)
    at.run()
    assert not at.exception
    assert "Nothing here yet" in texts(at)


def test_demo_project_renders_in_korean(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    at = app_env.page("timeline", owner, pid, lang="ko")
    at.run()
    assert not at.exception
    assert at.segmented_control(key="timeline_view").options == ["최신순", "오래된순", "작성자별"]
    assert len(at.chat_message) == 50  # one full page


def test_newest_and_oldest_first(app_env: AppEnv, team: tuple[User, Project]) -> None:
    owner, project = team
    at = app_env.page("timeline", owner, project.id)
    at.run()
    assert _bodies(at)[0] == "tom moved 'Fix login' to DONE"
    at.segmented_control(key="timeline_view").set_value("oldest").run()
    assert _bodies(at)[0] == "배포 일정 확인 부탁해요"
    assert "Showing 1–5 of 5 messages" in texts(at)


def test_grouped_by_author_with_counts(app_env: AppEnv, team: tuple[User, Project]) -> None:
    owner, project = team
    at = app_env.page("timeline", owner, project.id)
    at.run()
    at.segmented_control(key="timeline_view").set_value("by_author").run()
    heads = [m.value for m in at.markdown if " msg · " in m.value]
    assert heads[0].startswith("**minji** · 3 msg") and heads[1].startswith("**tom** · 2 msg")
    # "All messages by tom" narrows the time view to him.
    tom = app_env.hub.accounts.find_user("tom")
    at.button(key=f"timeline_only_{tom.id}").click().run()
    assert at.multiselect(key="timeline_authors").value == [tom.id]
    assert _bodies(at) == ["tom moved 'Fix login' to DONE", "Deploy went fine"]


def test_author_filter(app_env: AppEnv, team: tuple[User, Project]) -> None:
    owner, project = team
    minji = app_env.hub.accounts.find_user("minji")
    at = app_env.page("timeline", owner, project.id)
    at.run()
    at.multiselect(key="timeline_authors").set_value([minji.id]).run()
    assert _bodies(at) == ["회의록 올렸어요", "QA starts Thursday", "배포 일정 확인 부탁해요"]


def test_date_range_filter(app_env: AppEnv, team: tuple[User, Project]) -> None:
    owner, project = team
    at = app_env.page("timeline", owner, project.id)
    at.run()
    at.date_input(key="timeline_dates").set_value((date(2025, 3, 4), date(2025, 3, 5))).run()
    assert _bodies(at) == ["Deploy went fine", "회의록 올렸어요"]


def test_kind_filter(app_env: AppEnv, team: tuple[User, Project]) -> None:
    owner, project = team
    at = app_env.page("timeline", owner, project.id)
    at.run()
    at.multiselect(key="timeline_kinds").set_value(["task"]).run()
    assert _bodies(at) == ["tom moved 'Fix login' to DONE"]


def test_text_filter_and_clear(app_env: AppEnv, team: tuple[User, Project]) -> None:
    owner, project = team
    at = app_env.page("timeline", owner, project.id)
    at.run()
    at.text_input(key="timeline_text").set_value("배포").run()
    assert _bodies(at) == ["배포 일정 확인 부탁해요"]
    at.text_input(key="timeline_text").set_value("nothing like this").run()
    assert "No messages match these filters." in texts(at)
    at.button[0].click().run()  # "Clear filters"
    assert len(at.chat_message) == 5


def test_paging(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner)
    items = [
        ImportItem(author="owner", content=f"note {i:02d}", created_at=START + timedelta(minutes=i)) for i in range(60)
    ]
    app_env.hub.messages.import_items(project_id=project.id, items=items, index=False)
    at = app_env.page("timeline", owner, project.id)
    at.run()
    at.selectbox(key="timeline_size").set_value(25).run()
    assert "Showing 1–25 of 60 messages" in texts(at)
    at.button(key="timeline_next").click().run()
    assert "Showing 26–50 of 60 messages" in texts(at)
    assert _bodies(at)[0] == "note 34"
    at.button(key="timeline_next").click().run()
    assert "Showing 51–60 of 60 messages" in texts(at)
    assert at.button(key="timeline_next").disabled
    at.button(key="timeline_prev").click().run()
    assert "Showing 26–50 of 60 messages" in texts(at)


def test_table_layout_shows_the_same_rows(app_env: AppEnv, team: tuple[User, Project]) -> None:
    owner, project = team
    at = app_env.page("timeline", owner, project.id)
    at.run()
    at.segmented_control(key="timeline_layout").set_value("table").run()
    frame = at.dataframe[0].value
    assert list(frame["content"]) == [
        "tom moved 'Fix login' to DONE",
        "Deploy went fine",
        "회의록 올렸어요",
        "QA starts Thursday",
        "배포 일정 확인 부탁해요",
    ]
    assert at.get("download_button")
