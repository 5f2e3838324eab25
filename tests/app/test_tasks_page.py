"""Task board page: columns and cards, quick add, moving cards, filters, roles, the task dialog."""

from __future__ import annotations

from datetime import date, timedelta

from collab_core.chat.presentation import escape_markdown
from tests.app.conftest import AppEnv, texts


def _team(app_env: AppEnv):  # type: ignore[no-untyped-def]
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner, "Team")
    member = app_env.user("minji", "김민지")
    viewer = app_env.user("vic", "Vic")
    app_env.member(project, owner, member)
    app_env.member(project, owner, viewer, "viewer")
    return owner, member, viewer, project


def _walk(node):  # type: ignore[no-untyped-def]
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def board(at) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Card titles per column as drawn (read back from the keyed column containers)."""
    out: dict[str, list[str]] = {}
    for status in ("TODO", "IN_PROGRESS", "REVIEW", "DONE"):
        block = next(b for b in _walk(at.main) if getattr(b, "key", None) == f"tasks_col_{status}")
        out[status] = [
            m.value.strip("*")
            for m in _walk(block)
            if getattr(m, "type", "") == "markdown" and m.value.startswith("**") and m.value.endswith("**")
        ]
    return out


def test_empty_board_then_quick_add(app_env: AppEnv) -> None:
    owner, member, _, project = _team(app_env)
    at = app_env.page("tasks", member, project.id)
    at.run()
    assert not at.exception
    assert "No tasks yet" in texts(at)
    form_title = next(t for t in at.text_input if t.label == "Title")
    form_title.input("Logo design")
    next(s for s in at.selectbox if s.label == "Assignee").select(member.id)
    next(s for s in at.selectbox if s.label == "Priority").select("high")
    next(t for t in at.text_input if t.label.startswith("Labels")).input("design, brand")
    next(b for b in at.button if b.label == "Add task").click().run()
    assert not at.exception
    [task] = app_env.hub.tasks.list_tasks(actor_id=owner.id, project_id=project.id)
    assert (task.title, task.assignee_id, task.priority, task.labels, task.created_by) == (
        "Logo design",
        member.id,
        "high",
        ("design", "brand"),
        member.id,
    )
    assert board(at)["TODO"] == ["Logo design"]
    card = texts(at)
    assert "김민지" in card and ":blue-badge[design]" in card and "high" in card


def test_empty_title_shows_an_error_and_adds_nothing(app_env: AppEnv) -> None:
    _, member, _, project = _team(app_env)
    at = app_env.page("tasks", member, project.id, lang="ko")
    at.run()
    next(b for b in at.button if b.label == "작업 추가").click().run()
    assert [e.value for e in at.error] == ["작업 제목을 입력하세요."]
    assert app_env.hub.tasks.list_tasks(actor_id=member.id, project_id=project.id) == []


def test_card_arrows_move_the_task_and_record_who(app_env: AppEnv) -> None:
    owner, member, _, project = _team(app_env)
    t = app_env.hub.tasks.create_task(actor_id=owner.id, project_id=project.id, title="Wireframe")
    at = app_env.page("tasks", member, project.id)
    at.run()
    assert board(at)["TODO"] == ["Wireframe"]
    assert not [b for b in at.button if b.key == f"task_prev_{t.id}"]  # nothing left of TODO
    at.button(key=f"task_next_{t.id}").click().run()
    assert not at.exception
    assert board(at)["IN_PROGRESS"] == ["Wireframe"]
    at.button(key=f"task_next_{t.id}").click().run()
    at.button(key=f"task_prev_{t.id}").click().run()
    drawn = board(at)
    assert drawn["IN_PROGRESS"] == ["Wireframe"] and drawn["REVIEW"] == []
    history = app_env.hub.tasks.history(actor_id=owner.id, task_id=t.id)
    assert [(e.actor, e.from_status, e.to_status) for e in history[1:]] == [
        ("김민지", "TODO", "IN_PROGRESS"),
        ("김민지", "IN_PROGRESS", "REVIEW"),
        ("김민지", "REVIEW", "IN_PROGRESS"),
    ]


def test_a_move_someone_else_made_first_is_reported_not_overwritten(app_env: AppEnv) -> None:
    owner, member, _, project = _team(app_env)
    t = app_env.hub.tasks.create_task(actor_id=owner.id, project_id=project.id, title="Copy")
    at = app_env.page("tasks", member, project.id)
    at.run()
    app_env.hub.tasks.move_task(actor_id=owner.id, task_id=t.id, status="DONE")  # meanwhile, elsewhere
    at.button(key=f"task_next_{t.id}").click().run()
    assert "was moved to DONE by someone else" in at.error[0].value
    assert app_env.hub.tasks.get_task(actor_id=owner.id, task_id=t.id).status == "DONE"
    assert board(at)["DONE"] == ["Copy"]


def test_filters_mine_overdue_and_label(app_env: AppEnv) -> None:
    owner, member, _, project = _team(app_env)
    create = app_env.hub.tasks.create_task
    late = (date.today() - timedelta(days=3)).isoformat()
    create(actor_id=owner.id, project_id=project.id, title="Mine late", assignee_id=member.id, due_date=late)
    create(actor_id=owner.id, project_id=project.id, title="Owner task", assignee_id=owner.id, labels=["web"])
    create(actor_id=owner.id, project_id=project.id, title="Nobody task")
    at = app_env.page("tasks", member, project.id)
    at.run()
    assert sorted(board(at)["TODO"]) == ["Mine late", "Nobody task", "Owner task"]
    assert "overdue" in texts(at)
    at.toggle(key="tasks_f_mine").set_value(True).run()
    assert board(at)["TODO"] == ["Mine late"]
    at.toggle(key="tasks_f_mine").set_value(False).run()
    at.selectbox(key="tasks_f_label").select("web").run()
    assert board(at)["TODO"] == ["Owner task"]
    at.selectbox(key="tasks_f_label").select(None).run()
    at.toggle(key="tasks_f_overdue").set_value(True).run()
    assert board(at)["TODO"] == ["Mine late"]
    at.selectbox(key="tasks_f_assignee").select("unassigned").run()
    assert board(at)["TODO"] == [] and "No task matches the filters." in texts(at)


def test_viewer_sees_the_board_read_only(app_env: AppEnv) -> None:
    owner, _, viewer, project = _team(app_env)
    t = app_env.hub.tasks.create_task(actor_id=owner.id, project_id=project.id, title="Hero copy")
    at = app_env.page("tasks", viewer, project.id)
    at.run()
    assert not at.exception
    assert board(at)["TODO"] == ["Hero copy"]
    assert "You can see the board but not change it (your role: viewer)." in texts(at)
    assert not [b for b in at.button if b.label == "Add task"]
    assert not [b for b in at.button if b.key and b.key.startswith(("task_next_", "task_prev_"))]
    assert at.button(key=f"task_open_{t.id}")  # details stay readable


def test_task_dialog_shows_history_and_takes_comments(app_env: AppEnv) -> None:
    owner, member, _, project = _team(app_env)
    t = app_env.hub.tasks.create_task(
        actor_id=owner.id, project_id=project.id, title="Logo", description="시안 3개", assignee_id=member.id
    )
    app_env.hub.tasks.move_task(actor_id=member.id, task_id=t.id, status="REVIEW")
    at = app_env.page("tasks", member, project.id, lang="ko")
    at.run()
    at.button(key=f"task_open_{t.id}").click().run()
    assert not at.exception
    shown = texts(at)
    assert "#### Logo" in shown and "시안 3개" in shown
    assert "김민지 님이 할 일 → 검토 이동" in shown and "Owner 님이 할 일에 생성" in shown
    comment = next(t for t in at.text_area if t.placeholder and t.placeholder.startswith("댓글을 입력하세요"))
    comment.input("@Owner 확인 부탁해요")
    next(b for b in at.button if b.label == "댓글 달기").click().run()
    assert not at.exception
    [c] = app_env.hub.tasks.comments(actor_id=owner.id, task_id=t.id)
    assert (c.author, c.content) == ("김민지", "@Owner 확인 부탁해요")
    assert app_env.hub.mentions.unread_count(user_id=owner.id) == 1


def test_task_dialog_edit_saves_every_changed_field(app_env: AppEnv) -> None:
    owner, member, _, project = _team(app_env)
    t = app_env.hub.tasks.create_task(actor_id=owner.id, project_id=project.id, title="Logo")
    at = app_env.page("tasks", owner, project.id)
    at.run()
    at.button(key=f"task_open_{t.id}").click().run()
    dialog_title = next(x for x in at.text_input if x.label == "Title" and x.value == "Logo")
    dialog_title.input("Logo v2")
    [status] = [s for s in at.selectbox if s.label == "Column"][-1:]
    status.select("DONE")
    [assignee] = [s for s in at.selectbox if s.label == "Assignee"][-1:]
    assignee.select(member.id)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception
    saved = app_env.hub.tasks.get_task(actor_id=owner.id, task_id=t.id)
    assert (saved.title, saved.status, saved.assignee_id) == ("Logo v2", "DONE", member.id)
    assert [e.event for e in app_env.hub.tasks.history(actor_id=owner.id, task_id=t.id)] == [
        "created",
        "edited",
        "reassigned",
        "moved",
    ]


def test_deep_link_opens_a_task_and_the_demo_board_renders_in_korean(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    task = app_env.hub.tasks.list_tasks(actor_id=owner.id, project_id=pid, status="REVIEW")[0]
    at = app_env.page("tasks", owner, pid, lang="ko")
    at.query_params["task"] = str(task.id)
    at.run()
    assert not at.exception
    drawn = board(at)
    assert len(drawn["DONE"]) == 6 and drawn["REVIEW"] == [escape_markdown(task.title)]
    shown = texts(at)
    assert "할 일" in shown and "진행 중" in shown and "완료" in shown and "기한 지남" in shown
    assert f"#### {escape_markdown(task.title)}" in shown  # the dialog is open


def test_caption_counts_in_progress_apart_from_open(app_env: AppEnv) -> None:
    owner, member, viewer, project = _team(app_env)  # noqa: RUF059
    tasks = app_env.hub.tasks
    for title in ("a", "b"):
        tasks.create_task(actor_id=owner.id, project_id=project.id, title=title)
    doing = tasks.create_task(actor_id=owner.id, project_id=project.id, title="c")
    tasks.move_task(actor_id=owner.id, task_id=doing.id, status="IN_PROGRESS")
    at = app_env.page("tasks", owner, project.id, lang="ko").run()
    assert "작업 3개 · 미완료 3개 · 진행 중 1개 · 기한 지남 0개" in texts(at)


def test_one_unread_mention_is_singular(app_env: AppEnv) -> None:
    owner, member, viewer, project = _team(app_env)  # noqa: RUF059
    app_env.hub.messages.post(actor_id=owner.id, project_id=project.id, content="@minji 확인 부탁해요")
    assert app_env.hub.mentions.unread_count(user_id=member.id) == 1
    at = app_env.sign_in(app_env.router(), member)
    at.session_state["ui_lang"] = "en"
    at.run()
    assert ":red-badge[🔔 1] unread mention in the Inbox" in texts(at)
