"""Meetings page: start, agenda, notes, decisions, action items that become tasks, end with a recap."""

from __future__ import annotations

from tests.app.conftest import AppEnv, texts


def _team(app_env: AppEnv):  # type: ignore[no-untyped-def]
    owner = app_env.user("owner", "Owner")
    project = app_env.project(owner, "Team")
    member = app_env.user("minji", "김민지")
    viewer = app_env.user("vic", "Vic")
    app_env.member(project, owner, member)
    app_env.member(project, owner, viewer, "viewer")
    return owner, member, viewer, project


def _field(widgets, label: str):  # type: ignore[no-untyped-def]
    return next(w for w in widgets if w.label == label)


def _click(at, label: str) -> None:  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label.startswith(label)).click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_whole_meeting_from_start_to_summary(app_env: AppEnv) -> None:
    owner, member, _, project = _team(app_env)
    at = app_env.page("meetings", member, project.id)
    at.run()
    assert "No meetings yet" in texts(at)
    _field(at.text_input, "Meeting title").input("Weekly stand-up")
    _field(at.multiselect, "Attendees").select(owner.id)
    _click(at, "Start meeting")
    [meeting] = app_env.hub.meetings.list_meetings(actor_id=owner.id, project_id=project.id)
    assert meeting.title == "Weekly stand-up" and {a.name for a in meeting.attendees} == {"Owner", "김민지"}
    assert "in progress" in texts(at)

    _field(at.text_input, "Topic").input("로고 시안 리뷰")
    _field(at.selectbox, "Presenter").select(owner.id)
    _click(at, "Add to agenda")
    _field(at.text_area, "Notes").input("가격표는 400px 이하에서 깨짐")
    _click(at, "Save notes")
    next(t for t in at.text_input if t.placeholder == "What was decided?").input("로고는 2번 시안")
    _click(at, "Record decision")
    _field(at.text_input, "Action item").input("가격표 수정")
    _field(at.selectbox, "Assignee").select(member.id)
    _click(at, "Add action item")

    shown = texts(at)
    assert "**1. 로고 시안 리뷰**" in shown and "로고는 2번 시안" in shown and "**가격표 수정**" in shown
    [task] = app_env.hub.tasks.list_tasks(actor_id=owner.id, project_id=project.id)
    assert (task.title, task.assignee_id, task.meeting_id) == ("가격표 수정", member.id, meeting.id)
    assert f"task #{task.id} · To do" in shown

    _click(at, "End meeting")
    ended = app_env.hub.meetings.get(actor_id=owner.id, meeting_id=meeting.id)
    assert ended.status == "ended"
    shown = texts(at)
    assert "ended" in shown and "Meeting recap (회의 요약): Weekly stand-up" in shown
    assert "1. 로고 시안 리뷰 — Owner" in ended.summary and "- 가격표 수정 → 김민지" in ended.summary
    assert "가격표는 400px 이하에서 깨짐" in ended.summary
    # An ended meeting shows no editing controls.
    assert not [b for b in at.button if b.label.startswith(("Add to agenda", "End meeting"))]


def test_form_errors_are_shown_in_the_users_language(app_env: AppEnv) -> None:
    _, member, _, project = _team(app_env)
    at = app_env.page("meetings", member, project.id, lang="ko")
    at.run()
    _click(at, "회의 시작하기")
    assert [e.value for e in at.error] == ["회의 제목을 입력하세요."]
    assert app_env.hub.meetings.list_meetings(actor_id=member.id, project_id=project.id) == []


def test_viewer_reads_meetings_without_controls(app_env: AppEnv) -> None:
    owner, _, viewer, project = _team(app_env)
    m = app_env.hub.meetings.start(actor_id=owner.id, project_id=project.id, title="Retro")
    app_env.hub.meetings.add_decision(actor_id=owner.id, meeting_id=m.id, text="Ship on Friday")
    at = app_env.page("meetings", viewer, project.id)
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "Ship on Friday" in shown and "(your role: viewer)" in shown
    assert not [b for b in at.button if b.label.startswith(("Start meeting", "Record decision", "End meeting"))]


def test_the_demo_stand_up_renders_in_korean(app_env: AppEnv) -> None:
    owner = app_env.user("owner", "Owner")
    pid = app_env.demo(owner)
    at = app_env.page("meetings", owner, pid, lang="ko")
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "주간 스탠드업 / Weekly stand" in shown and "종료" in shown
    assert "회의 요약" in shown and "안건" in shown and "결정 사항" in shown and "실행 항목" in shown
    assert "히어로 카피는 A안" in shown
    assert shown.count("작업 #") == 4
