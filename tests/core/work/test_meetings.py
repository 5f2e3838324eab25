"""Meetings: start, agenda, notes, decisions, action items as linked tasks, summary at the end."""

from __future__ import annotations

import copy
import dataclasses
import json
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collab_core.assistant.llm import LLM
from collab_core.assistant.service import Assistant
from collab_core.errors import BackupFormatError, ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from collab_core.hub import Hub, assistant_for
from collab_core.models import TimeFilter
from collab_core.ops.backup import export_backup, restore_backup
from collab_core.settings import Settings
from collab_core.work.meeting_values import structured_recap


def meeting_messages(hub, team) -> list[str]:
    page = hub.messages.timeline(actor_id=None, project_id=team.pid, filters=TimeFilter(kinds=("meeting",)), limit=200)
    return [m.content for m in page.items]


@pytest.fixture
def standup(hub, team):
    owner, member, admin = team.users["owner"], team.users["member"], team.users["admin"]
    m = hub.meetings.start(
        actor_id=owner.id, project_id=team.pid, title="주간 스탠드업", attendee_ids=[member.id, admin.id]
    )
    hub.meetings.add_agenda_item(
        actor_id=owner.id, meeting_id=m.id, topic="로고 시안 리뷰", presenter_id=admin.id, details="시안 3개 비교"
    )
    hub.meetings.add_agenda_item(actor_id=member.id, meeting_id=m.id, topic="Pricing table on mobile")
    hub.meetings.set_notes(actor_id=member.id, meeting_id=m.id, notes="모바일 400px 이하에서 가격표가 깨짐")
    hub.meetings.add_decision(actor_id=owner.id, meeting_id=m.id, text="로고는 2번 시안으로 확정")
    return m


def test_meeting_records_everything_and_action_items_become_linked_tasks(hub, team, standup):
    owner, member, admin = team.users["owner"], team.users["member"], team.users["admin"]
    item = hub.meetings.add_action_item(
        actor_id=owner.id,
        meeting_id=standup.id,
        title="Fix pricing table below 400px",
        assignee_id=member.id,
        due_date="2030-03-14",
    )
    assert (item.assignee, item.due_date, item.task_status) == ("Team Member", date(2030, 3, 14), "TODO")
    task = hub.tasks.get_task(actor_id=member.id, task_id=item.task_id)
    assert (task.title, task.meeting_id, task.assignee_id, task.due_date) == (
        "Fix pricing table below 400px",
        standup.id,
        member.id,
        date(2030, 3, 14),
    )
    assert [t.id for t in hub.tasks.list_tasks(actor_id=member.id, project_id=team.pid, meeting_id=standup.id)] == [
        task.id
    ]
    # The task's state shows on the meeting.
    hub.tasks.move_task(actor_id=member.id, task_id=task.id, status="DONE")
    m = hub.meetings.get(actor_id=team.users["viewer"].id, meeting_id=standup.id)
    assert m.action_items[0].task_status == "DONE"
    assert [a.name for a in m.attendees] == ["Team Admin", "Team Member", "Team Owner"]
    assert [(a.position, a.topic, a.presenter) for a in m.agenda] == [
        (1, "로고 시안 리뷰", "Team Admin"),
        (2, "Pricing table on mobile", None),
    ]
    assert [d.text for d in m.decisions] == ["로고는 2번 시안으로 확정"]
    assert m.notes == "모바일 400px 이하에서 가격표가 깨짐"
    assert m.is_open and m.summary is None

    texts = meeting_messages(hub, team)
    assert texts[0] == "Team Owner started the meeting '주간 스탠드업' (attendees: Team Admin, Team Member, Team Owner)"
    assert (
        "Team Owner added to the agenda of '주간 스탠드업': 1. 로고 시안 리뷰 (presenter: Team Admin) — 시안 3개 비교"
        in texts
    )
    assert "Team Owner recorded a decision in '주간 스탠드업': 로고는 2번 시안으로 확정" in texts
    task_page = hub.messages.timeline(actor_id=None, project_id=team.pid, filters=TimeFilter(kinds=("task",)))
    assert task_page.items[0].content.startswith(
        "Team Owner created task 'Fix pricing table below 400px' (assignee Team Member; due 2030-03-14; "
        "from meeting '주간 스탠드업')"
    )
    assert admin.id in {a.user_id for a in m.attendees}


def test_an_invalid_action_item_creates_no_task(hub, team, standup):
    owner = team.users["owner"]
    with pytest.raises(ValidationError, match="not a valid date"):
        hub.meetings.add_action_item(actor_id=owner.id, meeting_id=standup.id, title="x", due_date="next friday")
    with pytest.raises(NotFoundError, match="not a member"):
        hub.meetings.add_action_item(actor_id=owner.id, meeting_id=standup.id, title="x", assignee_id=team.outsider.id)
    assert hub.meetings.get(actor_id=owner.id, meeting_id=standup.id).action_items == ()
    assert hub.tasks.list_tasks(actor_id=owner.id, project_id=team.pid) == []


def test_end_without_llm_saves_a_structured_recap(hub, team, standup):
    owner, member = team.users["owner"], team.users["member"]
    hub.meetings.add_action_item(
        actor_id=owner.id,
        meeting_id=standup.id,
        title="로고 최종 파일 전달",
        assignee_id=member.id,
        due_date="2030-03-15",
    )
    ended = hub.meetings.end(actor_id=member.id, meeting_id=standup.id)
    assert ended.status == "ended" and ended.ended_at is not None
    recap = ended.summary
    assert recap.startswith("Meeting recap (회의 요약): 주간 스탠드업")
    assert "Agenda (안건):\n1. 로고 시안 리뷰 — Team Admin\n   시안 3개 비교\n2. Pricing table on mobile" in recap
    assert "Decisions (결정 사항):\n- 로고는 2번 시안으로 확정" in recap
    assert "Action items (실행 항목):\n- 로고 최종 파일 전달 → Team Member, due 2030-03-15 [task #" in recap
    assert "Notes (메모):\n모바일 400px 이하에서 가격표가 깨짐" in recap
    assert "Attendees (참석자): Team Admin, Team Member, Team Owner" in recap

    # Saved to the project memory too, linked from the meeting.
    summary_msg = hub.messages.get(actor_id=owner.id, message_id=ended.summary_message_id)
    assert summary_msg.content == f"Team Member ended the meeting '주간 스탠드업'. Summary:\n{recap}"
    assert (summary_msg.kind, summary_msg.role, summary_msg.author_id) == ("meeting", "system", member.id)
    assert summary_msg.meta["summary_source"] == "recap"

    # An ended meeting is closed for changes.
    with pytest.raises(ConflictError, match="has ended"):
        hub.meetings.add_agenda_item(actor_id=owner.id, meeting_id=standup.id, topic="late")
    with pytest.raises(ConflictError, match="has ended"):
        hub.meetings.end(actor_id=owner.id, meeting_id=standup.id)


def test_recap_of_an_empty_meeting(hub, team):
    m = hub.meetings.start(actor_id=team.users["member"].id, project_id=team.pid, title="Quick sync")
    recap = structured_recap(m)
    assert "Agenda (안건):\n- (none / 없음)" in recap
    assert "Action items (실행 항목):\n- (none / 없음)" in recap


class FakeOpenAI:
    """A local OpenAI-compatible chat endpoint on 127.0.0.1 (the external service, not our code)."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                server.requests.append(body)
                reply = json.dumps(
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "local"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": server.answer},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _assistant_at(hub, base_url: str) -> Assistant:
    settings = dataclasses.replace(
        hub.settings, openai_base_url=base_url, openai_api_key="test", llm_max_retries=0, llm_timeout_s=5.0
    )
    return assistant_for(hub, llm=LLM(settings=settings))


def test_llm_summary_when_the_assistant_has_a_model_and_recap_when_it_fails(hub, team, standup):
    owner = team.users["owner"]
    server = FakeOpenAI("요약: 로고 2번 확정, 가격표 수정은 Team Member 담당.")
    try:
        hub.assistant = _assistant_at(hub, server.url)
        ended = hub.meetings.end(actor_id=owner.id, meeting_id=standup.id)
        assert ended.summary == "요약: 로고 2번 확정, 가격표 수정은 Team Member 담당."
        assert "로고 시안 리뷰" in json.dumps(server.requests[0]["messages"], ensure_ascii=False)  # it saw the record
        message = hub.messages.get(actor_id=owner.id, message_id=ended.summary_message_id)
        assert message.meta["summary_source"] == "llm" and message.content.endswith(ended.summary)

        # generate=False never calls the model.
        quiet = hub.meetings.start(actor_id=owner.id, project_id=team.pid, title="Third")
        assert hub.meetings.end(actor_id=owner.id, meeting_id=quiet.id, generate=False).summary.startswith(
            "Meeting recap"
        )
        assert len(server.requests) == 1
    finally:
        server.close()
    # An unreachable model: the recap is saved instead, the meeting still ends.
    other = hub.meetings.start(actor_id=owner.id, project_id=team.pid, title="Retro")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    hub.assistant = _assistant_at(hub, dead)
    ended = hub.meetings.end(actor_id=owner.id, meeting_id=other.id)
    assert ended.status == "ended" and ended.summary.startswith("Meeting recap (회의 요약): Retro")
    # Without a configured model (the default hub) the recap is used as well.
    hub.assistant = assistant_for(hub, llm=None)
    last = hub.meetings.start(actor_id=owner.id, project_id=team.pid, title="Last")
    assert hub.meetings.end(actor_id=owner.id, meeting_id=last.id).summary.startswith("Meeting recap")


def test_meeting_permissions_and_validation(hub, team, standup):
    viewer, member = team.users["viewer"], team.users["member"]
    with pytest.raises(PermissionDeniedError):
        hub.meetings.start(actor_id=viewer.id, project_id=team.pid, title="x")
    with pytest.raises(PermissionDeniedError):
        hub.meetings.add_agenda_item(actor_id=viewer.id, meeting_id=standup.id, topic="x")
    with pytest.raises(PermissionDeniedError):
        hub.meetings.add_action_item(actor_id=viewer.id, meeting_id=standup.id, title="x")
    with pytest.raises(PermissionDeniedError):
        hub.meetings.end(actor_id=viewer.id, meeting_id=standup.id)
    with pytest.raises(NotFoundError):
        hub.meetings.get(actor_id=team.outsider.id, meeting_id=standup.id)
    with pytest.raises(ValidationError, match="meeting needs a title"):
        hub.meetings.start(actor_id=member.id, project_id=team.pid, title=" ")
    with pytest.raises(NotFoundError, match="attendee is not a member"):
        hub.meetings.start(actor_id=member.id, project_id=team.pid, title="x", attendee_ids=[team.outsider.id])
    with pytest.raises(ValidationError, match="needs a topic"):
        hub.meetings.add_agenda_item(actor_id=member.id, meeting_id=standup.id, topic="")


def test_list_meetings_and_latest_decisions(hub, team, standup):
    owner = team.users["owner"]
    second = hub.meetings.start(actor_id=owner.id, project_id=team.pid, title="Design review")
    hub.meetings.add_decision(actor_id=owner.id, meeting_id=second.id, text="Primary color #3B82F6")
    hub.meetings.end(actor_id=owner.id, meeting_id=second.id, generate=False)
    listed = hub.meetings.list_meetings(actor_id=team.users["viewer"].id, project_id=team.pid)
    assert [m.title for m in listed] == ["주간 스탠드업", "Design review"]  # open first
    assert [m.title for m in hub.meetings.list_meetings(actor_id=owner.id, project_id=team.pid, status="ended")] == [
        "Design review"
    ]
    decisions = hub.meetings.latest_decisions(project_id=team.pid, limit=5)
    assert [(d.text, d.meeting_title) for d in decisions] == [
        ("Primary color #3B82F6", "Design review"),
        ("로고는 2번 시안으로 확정", "주간 스탠드업"),
    ]
    assert decisions[0].decided_by == "Team Owner" and decisions[0].decided_at.tzinfo is not None
    assert len(hub.meetings.latest_decisions(project_id=team.pid, limit=1)) == 1


def test_set_attendees_and_remove_agenda_item(hub, team, standup):
    owner, viewer = team.users["owner"], team.users["viewer"]
    m = hub.meetings.set_attendees(actor_id=owner.id, meeting_id=standup.id, user_ids=[owner.id, viewer.id])
    assert [a.name for a in m.attendees] == ["Team Owner", "Team Viewer"]
    hub.meetings.remove_agenda_item(actor_id=owner.id, item_id=m.agenda[0].id)
    assert [a.topic for a in hub.meetings.get(actor_id=owner.id, meeting_id=m.id).agenda] == ["Pricing table on mobile"]


# -- backup / restore of tasks and meetings ------------------------------------------------------


def _board_snapshot(hub, pid):
    ts = hub.tasks.list_tasks(actor_id=None, project_id=pid)
    tasks = [
        (
            t.title,
            t.status,
            t.assignee,
            t.due_date,
            t.priority,
            t.labels,
            t.created_at,
            [
                (e.actor, e.event, e.from_status, e.to_status, e.created_at)
                for e in hub.tasks.history(actor_id=None, task_id=t.id)
            ],
            [(c.author, c.content, c.created_at) for c in hub.tasks.comments(actor_id=None, task_id=t.id)],
        )
        for t in ts
    ]
    meetings = [
        (
            m.title,
            m.status,
            m.started_at,
            m.ended_at,
            m.notes,
            [(d.text, d.decided_by, d.decided_at) for d in m.decisions],
            m.summary,
            [a.name for a in m.attendees],
            [(a.position, a.topic, a.presenter, a.details) for a in m.agenda],
            [(a.title, a.assignee, a.due_date, a.task_status) for a in m.action_items],
            hub.messages.get(actor_id=None, message_id=m.summary_message_id).content if m.summary_message_id else None,
        )
        for m in hub.meetings.list_meetings(actor_id=None, project_id=pid)
    ]
    return tasks, meetings


def _fill_board(hub, team, standup):
    owner, member = team.users["owner"], team.users["member"]
    item = hub.meetings.add_action_item(
        actor_id=owner.id, meeting_id=standup.id, title="가격표 수정", assignee_id=member.id, due_date="2030-03-14"
    )
    hub.tasks.move_task(actor_id=member.id, task_id=item.task_id, status="IN_PROGRESS")
    hub.meetings.end(actor_id=owner.id, meeting_id=standup.id)
    t = hub.tasks.create_task(
        actor_id=member.id, project_id=team.pid, title="Logo", labels=["design"], priority="high", due_date="2030-01-01"
    )
    hub.tasks.comment(actor_id=owner.id, task_id=t.id, content="2번 시안 좋아요")
    hub.tasks.move_task(actor_id=member.id, task_id=t.id, status="DONE")
    gone = hub.tasks.create_task(actor_id=member.id, project_id=team.pid, title="Mistake")
    hub.tasks.delete_task(actor_id=owner.id, task_id=gone.id)
    hub.meetings.start(actor_id=member.id, project_id=team.pid, title="Open retro")


def test_backup_round_trip_includes_tasks_and_meetings(hub, team, standup, tmp_path, embedder):
    _fill_board(hub, team, standup)
    data = export_backup(hub, actor_id=None, project_ids=[team.pid])
    assert data["counts"]["tasks"] == 3 and data["counts"]["meetings"] == 2
    before = _board_snapshot(hub, team.pid)
    other = Hub.open(Settings.load(env_file=None, data_dir=tmp_path / "restored", database_url=""), embedder=embedder)
    try:
        report = restore_backup(other, json.dumps(data), actor_id=None)
        assert (report["tasks_added"], report["meetings_added"]) == (3, 2)
        pid = other.accounts.find_project("Team").id
        after = _board_snapshot(other, pid)
        assert after == before
        # The action item is still linked to its task, and the task to its meeting.
        [ended] = other.meetings.list_meetings(actor_id=None, project_id=pid, status="ended")
        linked = other.tasks.get_task(actor_id=None, task_id=ended.action_items[0].task_id)
        assert (linked.title, linked.meeting_id) == ("가격표 수정", ended.id)
        # Restoring twice adds nothing.
        again = restore_backup(other, json.dumps(data), actor_id=None)
        assert (again["tasks_added"], again["meetings_added"], again["messages_added"]) == (0, 0, 0)
        assert _board_snapshot(other, pid) == before
        # A backup of the restored copy carries the same stable ids.
        assert export_backup(other, actor_id=None)["projects"][0]["tasks"] == data["projects"][0]["tasks"]
    finally:
        other.close()
    # Restoring into the original project adds nothing either.
    same = restore_backup(hub, json.dumps(data), actor_id=None)
    assert (same["tasks_added"], same["meetings_added"]) == (0, 0)
    assert _board_snapshot(hub, team.pid) == before


def _break(path: str, value):
    def mutate(data):
        data = copy.deepcopy(data)
        target = data["projects"][0]
        *keys, last = path.split(".")
        for k in keys:
            target = target[int(k)] if k.isdigit() else target[k]
        if value is KeyError:
            del target[last]
        else:
            target[int(last) if last.isdigit() else last] = value
        return data

    return mutate


BROKEN = [
    (_break("tasks.0.status", "BLOCKED"), "unknown status"),
    (_break("tasks.0.title", ""), "non-empty"),
    (_break("tasks.0.due_date", "14/03/2030"), "YYYY-MM-DD"),
    (_break("tasks.0.events.0.at", "yesterday"), "ISO-8601"),
    (_break("tasks.0.created_by", KeyError), "missing field"),
    (_break("tasks", {"not": "a list"}), "must be a list"),
    (_break("meetings.0.agenda.0.topic", None), "topic"),
    (_break("meetings.0.status", "paused"), "meeting status"),
    (_break("meetings.0.action_items.0.due_date", "soon"), "YYYY-MM-DD"),
]


def test_malformed_task_or_meeting_sections_write_nothing(hub, team, standup, tmp_path, embedder):
    _fill_board(hub, team, standup)
    data = export_backup(hub, actor_id=None, project_ids=[team.pid])
    empty = Hub.open(Settings.load(env_file=None, data_dir=tmp_path / "empty", database_url=""), embedder=embedder)
    try:
        for mutate, message in BROKEN:
            with pytest.raises(BackupFormatError, match=message):
                restore_backup(empty, json.dumps(mutate(data)), actor_id=None)
            assert empty.accounts.list_projects(user_id=None) == []
            assert empty.accounts.user_count() == 0
    finally:
        empty.close()
