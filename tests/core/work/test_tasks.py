"""Task board: lifecycle, history, validation, permissions, filters, memory messages and metrics."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from collab_core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from collab_core.models import TimeFilter
from collab_core.work.task_values import STATUSES, parse_status


def task_messages(hub, team) -> list[str]:
    page = hub.messages.timeline(actor_id=None, project_id=team.pid, filters=TimeFilter(kinds=("task",)), limit=200)
    return [m.content for m in page.items]


def test_task_lifecycle_history_and_memory_messages(hub, team):
    owner, member, admin = team.users["owner"], team.users["member"], team.users["admin"]
    t = hub.tasks.create_task(
        actor_id=owner.id,
        project_id=team.pid,
        title="Logo design",
        description="시안 3개",
        assignee_id=member.id,
        due_date="2030-05-10",
        priority="high",
        labels=["design", "Brand", "design"],
    )
    assert (t.status, t.assignee, t.due_date, t.priority, t.labels) == (
        "TODO",
        "Team Member",
        date(2030, 5, 10),
        "high",
        ("design", "Brand"),
    )
    assert t.overdue is False and t.created_by == owner.id

    for status in ("IN_PROGRESS", "REVIEW", "DONE"):
        t = hub.tasks.move_task(actor_id=member.id, task_id=t.id, status=status)
    assert t.status == "DONE"
    # Any column to any column, e.g. back from DONE to TODO.
    t = hub.tasks.move_task(actor_id=admin.id, task_id=t.id, status="todo")
    assert t.status == "TODO"
    t = hub.tasks.reassign(actor_id=admin.id, task_id=t.id, assignee_id=admin.id)
    assert (t.assignee_id, t.assignee) == (admin.id, "Team Admin")
    comment = hub.tasks.comment(actor_id=member.id, task_id=t.id, content="로고 2번이 좋아요")
    assert comment.author == "Team Member"
    assert [c.content for c in hub.tasks.comments(actor_id=team.users["viewer"].id, task_id=t.id)] == [
        "로고 2번이 좋아요"
    ]
    t = hub.tasks.update_task(actor_id=owner.id, task_id=t.id, due_date=None, priority="urgent", title="Logo v2")
    assert (t.due_date, t.priority, t.title) == (None, "urgent", "Logo v2")

    history = hub.tasks.history(actor_id=team.users["viewer"].id, task_id=t.id)
    assert [(e.event, e.actor, e.from_status, e.to_status) for e in history] == [
        ("created", "Team Owner", None, "TODO"),
        ("moved", "Team Member", "TODO", "IN_PROGRESS"),
        ("moved", "Team Member", "IN_PROGRESS", "REVIEW"),
        ("moved", "Team Member", "REVIEW", "DONE"),
        ("moved", "Team Admin", "DONE", "TODO"),
        ("reassigned", "Team Admin", None, None),
        ("commented", "Team Member", None, None),
        ("edited", "Team Owner", None, None),
    ]
    assert history[3].text == "Team Member moved the task to DONE (from REVIEW)"
    assert history[-1].detail["changes"]["priority"] == ["high", "urgent"]
    assert all(e.created_at.tzinfo is not None for e in history)

    # Every change is in the project memory as a system message attributed to the actor.
    texts = task_messages(hub, team)
    assert texts[0].startswith("Team Owner created task 'Logo design' (assignee Team Member; due 2030-05-10;")
    assert "Team Member moved 'Logo design' to DONE (from REVIEW)" in texts
    assert "Team Admin assigned 'Logo design' to Team Admin (was Team Member)" in texts
    assert "Team Member commented on 'Logo design': 로고 2번이 좋아요" in texts
    page = hub.messages.timeline(actor_id=None, project_id=team.pid, filters=TimeFilter(kinds=("task",)), limit=200)
    done_msg = next(m for m in page.items if "to DONE" in m.content)
    assert (done_msg.role, done_msg.author_id, done_msg.index_state) == ("system", member.id, "indexed")
    assert done_msg.meta == {
        "task_id": t.id,
        "event": "moved",
        "from": "REVIEW",
        "to": "DONE",
        # The structured notice the chat reads in the viewer's language.
        "notice": {
            "v": 1,
            "event": "task.moved",
            "actor": "Team Member",
            "title": "Logo design",
            "from": "REVIEW",
            "to": "DONE",
        },
    }
    # ... and the search finds it.
    hits = hub.search.search(actor_id=member.id, project_id=team.pid, query="Logo design DONE")
    assert any("Logo design" in h.message.content for h in hits)


def test_moving_to_the_same_column_changes_nothing(hub, team):
    t = hub.tasks.create_task(actor_id=team.users["member"].id, project_id=team.pid, title="Copy")
    again = hub.tasks.move_task(actor_id=team.users["member"].id, task_id=t.id, status="TODO")
    assert again == t
    assert [e.event for e in hub.tasks.history(actor_id=None, task_id=t.id)] == ["created"]


def test_expected_status_detects_a_concurrent_move(hub, team):
    a, b = team.users["member"], team.users["admin"]
    t = hub.tasks.create_task(actor_id=a.id, project_id=team.pid, title="Wireframe")
    hub.tasks.move_task(actor_id=b.id, task_id=t.id, status="REVIEW", expected_status="TODO")
    with pytest.raises(ConflictError, match="REVIEW"):
        hub.tasks.move_task(actor_id=a.id, task_id=t.id, status="IN_PROGRESS", expected_status="TODO")
    assert hub.tasks.get_task(actor_id=a.id, task_id=t.id).status == "REVIEW"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"title": ""}, ValidationError, "needs a title"),
        ({"title": "   \n "}, ValidationError, "needs a title"),
        ({"title": "x" * 201}, ValidationError, "at most 200"),
        ({"title": "t", "due_date": "10/05/2030"}, ValidationError, "not a valid date"),
        ({"title": "t", "due_date": "2030-02-30"}, ValidationError, "not a valid date"),
        ({"title": "t", "due_date": 20300510}, ValidationError, "must be a date"),
        ({"title": "t", "priority": "asap"}, ValidationError, "Unknown priority"),
        ({"title": "t", "status": "BLOCKED"}, ValidationError, "Unknown task status"),
        ({"title": "t", "labels": ["x" * 40]}, ValidationError, "label"),
        ({"title": "t", "assignee_id": 9999}, NotFoundError, "not a member"),
        ({"title": "t", "assignee_id": "bob"}, ValidationError, "user id"),
        ({"title": "t", "meeting_id": 9999}, NotFoundError, "meeting"),
    ],
)
def test_illegal_input_gives_clear_errors_and_saves_nothing(hub, team, kwargs, error, match):
    with pytest.raises(error, match=match):
        hub.tasks.create_task(actor_id=team.users["member"].id, project_id=team.pid, **kwargs)
    assert hub.tasks.list_tasks(actor_id=None, project_id=team.pid) == []
    assert task_messages(hub, team) == []


def test_outsider_cannot_be_assigned_and_bad_moves_are_refused(hub, team):
    member = team.users["member"]
    with pytest.raises(NotFoundError, match="not a member"):
        hub.tasks.create_task(actor_id=member.id, project_id=team.pid, title="t", assignee_id=team.outsider.id)
    t = hub.tasks.create_task(actor_id=member.id, project_id=team.pid, title="t")
    with pytest.raises(ValidationError, match="Unknown task status 'FINISHED'"):
        hub.tasks.move_task(actor_id=member.id, task_id=t.id, status="FINISHED")
    with pytest.raises(NotFoundError, match="not a member"):
        hub.tasks.reassign(actor_id=member.id, task_id=t.id, assignee_id=team.outsider.id)
    with pytest.raises(NotFoundError):
        hub.tasks.move_task(actor_id=member.id, task_id=424242, status="DONE")
    with pytest.raises(ValidationError, match="empty"):
        hub.tasks.comment(actor_id=member.id, task_id=t.id, content="  ")


def test_status_aliases():
    assert [parse_status(s) for s in ("in progress", "In-Progress", "진행 중", "완료", "review", "할 일")] == [
        "IN_PROGRESS",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "DONE",
        "REVIEW",
        "TODO",
    ]


def test_permissions_viewer_reads_only_admin_deletes(hub, team):
    viewer, member, admin = team.users["viewer"], team.users["member"], team.users["admin"]
    with pytest.raises(PermissionDeniedError, match="viewer"):
        hub.tasks.create_task(actor_id=viewer.id, project_id=team.pid, title="nope")
    t = hub.tasks.create_task(actor_id=member.id, project_id=team.pid, title="Hero copy")
    for call in (
        lambda: hub.tasks.move_task(actor_id=viewer.id, task_id=t.id, status="DONE"),
        lambda: hub.tasks.reassign(actor_id=viewer.id, task_id=t.id, assignee_id=viewer.id),
        lambda: hub.tasks.comment(actor_id=viewer.id, task_id=t.id, content="hi"),
        lambda: hub.tasks.update_task(actor_id=viewer.id, task_id=t.id, title="x"),
        lambda: hub.tasks.delete_task(actor_id=viewer.id, task_id=t.id),
        lambda: hub.tasks.delete_task(actor_id=member.id, task_id=t.id),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    with pytest.raises(NotFoundError):
        hub.tasks.list_tasks(actor_id=team.outsider.id, project_id=team.pid)
    with pytest.raises(NotFoundError):
        hub.tasks.get_task(actor_id=team.outsider.id, task_id=t.id)
    assert [x.title for x in hub.tasks.list_tasks(actor_id=viewer.id, project_id=team.pid)] == ["Hero copy"]

    hub.tasks.delete_task(actor_id=admin.id, task_id=t.id)
    assert hub.tasks.list_tasks(actor_id=viewer.id, project_id=team.pid) == []
    with pytest.raises(NotFoundError):
        hub.tasks.get_task(actor_id=viewer.id, task_id=t.id)
    assert [e.event for e in hub.tasks.history(actor_id=admin.id, task_id=t.id)][-1] == "deleted"
    assert task_messages(hub, team)[-1] == "Team Admin deleted task 'Hero copy'"


def test_filters_mine_label_overdue_status_and_board_order(hub, team):
    member, admin = team.users["member"], team.users["admin"]
    today = date(2030, 1, 10)
    create = hub.tasks.create_task
    a = create(actor_id=member.id, project_id=team.pid, title="A late", assignee_id=member.id, due_date="2030-01-05")
    b = create(actor_id=member.id, project_id=team.pid, title="B urgent", priority="urgent", labels="design, web")
    c = create(
        actor_id=member.id, project_id=team.pid, title="C mine done", assignee_id=member.id, due_date="2030-01-01"
    )
    hub.tasks.move_task(actor_id=member.id, task_id=c.id, status="DONE")
    d = create(actor_id=admin.id, project_id=team.pid, title="D admin", assignee_id=admin.id, labels=["Design"])

    def titles(**kw):
        return [t.title for t in hub.tasks.list_tasks(actor_id=member.id, project_id=team.pid, today=today, **kw)]

    assert titles() == ["B urgent", "A late", "D admin", "C mine done"]
    assert titles(mine=True) == ["A late", "C mine done"]
    assert titles(assignee_id=admin.id) == ["D admin"]
    assert titles(unassigned=True) == ["B urgent"]
    assert titles(label="design") == ["B urgent", "D admin"]
    assert titles(overdue=True) == ["A late"]  # C is past due but DONE
    assert titles(status="DONE") == ["C mine done"]
    assert titles(status=["TODO", "DONE"], text="mine") == ["C mine done"]
    assert titles(due_before=date(2030, 1, 6)) == ["A late", "C mine done"]
    late = hub.tasks.get_task(actor_id=member.id, task_id=a.id, today=today)
    assert late.overdue and not hub.tasks.get_task(actor_id=member.id, task_id=c.id, today=today).overdue
    board = hub.tasks.board(actor_id=member.id, project_id=team.pid, today=today)
    assert list(board) == list(STATUSES)
    assert [t.id for t in board["TODO"]] == [b.id, a.id, d.id] and [t.id for t in board["DONE"]] == [c.id]
    assert hub.tasks.labels(actor_id=member.id, project_id=team.pid) == ["design", "web"]


def test_board_version_changes_with_every_write(hub, team):
    member = team.users["member"]
    v0 = hub.tasks.board_version(project_id=team.pid)
    t = hub.tasks.create_task(actor_id=member.id, project_id=team.pid, title="x")
    v1 = hub.tasks.board_version(project_id=team.pid)
    hub.tasks.move_task(actor_id=member.id, task_id=t.id, status="DONE")
    v2 = hub.tasks.board_version(project_id=team.pid)
    assert len({v0, v1, v2}) == 3


def test_metrics_done_cycle_time_and_overdue_per_member(hub, team):
    member, admin = team.users["member"], team.users["admin"]
    past = date.today() - timedelta(days=3)
    t1 = hub.tasks.create_task(actor_id=member.id, project_id=team.pid, title="one", assignee_id=member.id)
    hub.tasks.move_task(actor_id=member.id, task_id=t1.id, status="IN_PROGRESS")
    hub.tasks.move_task(actor_id=member.id, task_id=t1.id, status="DONE")
    t2 = hub.tasks.create_task(actor_id=admin.id, project_id=team.pid, title="two")  # unassigned: counts for the mover
    hub.tasks.move_task(actor_id=admin.id, task_id=t2.id, status="DONE")
    hub.tasks.create_task(actor_id=admin.id, project_id=team.pid, title="late", assignee_id=admin.id, due_date=past)
    m = hub.tasks.metrics(actor_id=team.users["viewer"].id, project_id=team.pid)
    rows = {r["member"]: r for r in m.per_member.to_dict("records")}
    assert rows["Team Member"]["done"] == 1 and rows["Team Member"]["median_cycle_h"] >= 0
    assert rows["Team Admin"]["done"] == 1 and rows["Team Admin"]["overdue"] == 1 and rows["Team Admin"]["open"] == 1
    assert math.isnan(rows["Team Admin"]["median_cycle_h"])  # never IN_PROGRESS: no cycle time
    assert list(m.cycle_times["title"]) == ["one"]
    assert m.cycle_times["hours"].iloc[0] >= 0
    assert m.status_counts == {"TODO": 1, "IN_PROGRESS": 0, "REVIEW": 0, "DONE": 2} and m.overdue == 1
    empty = hub.tasks.metrics(actor_id=None, project_id=team.pid, end=date.today() - timedelta(days=30))
    assert empty.per_member["done"].sum() == 0 and empty.cycle_times.empty


def test_operator_changes_are_attributed_to_the_owner(hub, team):
    t = hub.tasks.create_task(actor_id=None, project_id=team.pid, title="From the CLI")
    assert t.created_by == team.users["owner"].id
    assert task_messages(hub, team) == ["Team Owner created task 'From the CLI'"]


def test_demo_adds_the_tutorial_board_and_stand_up_once(hub):
    from datetime import datetime, timedelta, timezone

    from collab_core.ops.demo import load_demo

    base = datetime(2025, 3, 10, tzinfo=timezone(timedelta(hours=9)))
    first = load_demo(hub, start=base)
    assert (first["tasks"], first["meetings"]) == (8, 1)
    again = load_demo(hub, start=base)
    assert (again["tasks"], again["meetings"], again["board_messages"]) == (0, 0, 0)
    pid = first["project_id"]
    tasks = hub.tasks.list_tasks(actor_id=None, project_id=pid, today=date(2025, 3, 20))
    by_title = {t.title.split(" / ")[-1]: t for t in tasks}
    assert {"Wireframe", "Logo design", "Hero copy"} <= set(by_title)
    assert [e.to_status for e in hub.tasks.history(actor_id=None, task_id=by_title["Logo design"].id)] == [
        "TODO",
        "IN_PROGRESS",
        "REVIEW",
        "DONE",
        None,
    ]
    assert by_title["Final logo files"].overdue and by_title["Final logo files"].assignee == "Bob"
    [standup] = hub.meetings.list_meetings(actor_id=None, project_id=pid)
    assert standup.status == "ended" and len(standup.agenda) == 4 and len(standup.decisions) == 2
    assert [a.due_date for a in standup.action_items] == [
        date(2025, 3, 11),
        date(2025, 3, 13),
        date(2025, 3, 13),
        date(2025, 3, 14),
    ]
    assert all(a.task_id for a in standup.action_items)
    assert "When (일시): 2025-03-11 09:30 (UTC+09:00) – 09:50" in standup.summary
    summary = hub.messages.get(actor_id=None, message_id=standup.summary_message_id)
    assert summary.kind == "meeting" and summary.author == "Alice"
    hits = hub.search.search(actor_id=None, project_id=pid, query="로고 최종 파일")
    assert any(h.message.kind == "task" for h in hits)
