"""The permission matrix: every write service x every role x member / non-member.

Expectations come from the product rules (issue 4), not from authz.ACTIONS, so the table checks the
table: viewers read and search; members post, ask, work on tasks and meetings; admins also manage
members, delete messages and tasks, restore backups and set webhooks; owners also rename, delete and
hand over the project. Non-members get NotFoundError (the project's existence is not revealed);
members whose role is too low get PermissionDeniedError. A refused call changes nothing.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

import pytest
from sqlalchemy import func, select

from collab_core.assistant.values import ActionItem
from collab_core.chat.message_values import ImportItem
from collab_core.errors import NotFoundError, PermissionDeniedError, ValidationError
from collab_core.hub import Hub, assistant_for
from collab_core.ops.backup import export_backup, restore_backup
from collab_core.settings import Settings
from collab_core.store.schema import (
    agenda_items,
    audit_log,
    meeting_attendees,
    meetings,
    memberships,
    messages,
    projects,
    task_comments,
    task_events,
    tasks,
)
from tests.conftest import Team

RANK = {"viewer": 1, "member": 2, "admin": 3, "owner": 4}
ACTORS = ("owner", "admin", "member", "viewer", "outsider")


class World:
    """One project with a user per role; the objects calls act on are made on first use, so each
    test only pays (in embeddings) for what its service touches."""

    LAZY = ("message_id", "task_id", "meeting_id", "agenda_id", "backup")

    def __init__(self, hub: Hub, team: Team, extra: Any, newcomer: Any) -> None:
        self.hub = hub
        self.team = team
        self.extra = extra  # a plain member that member-management calls act on
        self.newcomer = newcomer  # a user in no project

    @property
    def pid(self) -> int:
        return self.team.pid

    @cached_property
    def message_id(self) -> int:
        return self.team.post("member", "배포 일정은 금요일 오후 3시입니다").id

    @cached_property
    def task_id(self) -> int:
        return self.hub.tasks.create_task(actor_id=self.team.users["member"].id, project_id=self.pid, title="랜딩").id

    @cached_property
    def meeting_id(self) -> int:
        return self.hub.meetings.start(actor_id=self.team.users["member"].id, project_id=self.pid, title="킥오프").id

    @cached_property
    def agenda_id(self) -> int:
        member = self.team.users["member"].id
        return self.hub.meetings.add_agenda_item(actor_id=member, meeting_id=self.meeting_id, topic="안건").id

    @cached_property
    def backup(self) -> str:
        _ = self.message_id
        return json.dumps(export_backup(self.hub, actor_id=None, project_ids=[self.pid]))

    def prime(self, call: Callable[..., Any]) -> None:
        """Create what `call` will act on now, so a refused call can be checked to change nothing."""
        for name in self.LAZY:
            if name in call.__code__.co_names:
                getattr(self, name)


Call = Callable[[World, int], Any]

# service -> (least role the rules allow, the call)
WRITES: dict[str, tuple[str, Call]] = {
    # accounts
    "project.rename": ("owner", lambda w, a: w.hub.accounts.rename_project(actor_id=a, project_id=w.pid, name="New")),
    "project.delete": ("owner", lambda w, a: w.hub.accounts.delete_project(actor_id=a, project_id=w.pid)),
    "project.transfer": (
        "owner",
        lambda w, a: w.hub.accounts.transfer_ownership(actor_id=a, project_id=w.pid, user_id=w.extra.id),
    ),
    "member.add": (
        "admin",
        lambda w, a: w.hub.accounts.set_member(actor_id=a, project_id=w.pid, user_id=w.newcomer.id, role="viewer"),
    ),
    "member.role": (
        "admin",
        lambda w, a: w.hub.accounts.set_member(actor_id=a, project_id=w.pid, user_id=w.extra.id, role="viewer"),
    ),
    "member.remove": (
        "admin",
        lambda w, a: w.hub.accounts.remove_member(actor_id=a, project_id=w.pid, user_id=w.extra.id),
    ),
    # messages
    "message.post": ("member", lambda w, a: w.hub.messages.post(actor_id=a, project_id=w.pid, content="새 소식")),
    "message.delete": ("admin", lambda w, a: w.hub.messages.delete(actor_id=a, message_id=w.message_id)),
    "message.import": (
        "admin",
        lambda w, a: w.hub.messages.import_items(
            actor_id=a,
            project_id=w.pid,
            items=[
                ImportItem(
                    author=w.team.users["member"].username, content="imported", created_at=w.team.project.created_at
                )
            ],
        ),
    ),
    # backup
    "backup.export": ("viewer", lambda w, a: export_backup(w.hub, actor_id=a, project_ids=[w.pid])),
    "backup.restore": ("admin", lambda w, a: restore_backup(w.hub, w.backup, actor_id=a)),
    # tasks
    "task.create": ("member", lambda w, a: w.hub.tasks.create_task(actor_id=a, project_id=w.pid, title="로고 시안")),
    "task.move": ("member", lambda w, a: w.hub.tasks.move_task(actor_id=a, task_id=w.task_id, status="DONE")),
    "task.reassign": (
        "member",
        lambda w, a: w.hub.tasks.reassign(actor_id=a, task_id=w.task_id, assignee_id=w.team.users["viewer"].id),
    ),
    "task.update": ("member", lambda w, a: w.hub.tasks.update_task(actor_id=a, task_id=w.task_id, title="Renamed")),
    "task.comment": ("member", lambda w, a: w.hub.tasks.comment(actor_id=a, task_id=w.task_id, content="좋아요")),
    "task.delete": ("admin", lambda w, a: w.hub.tasks.delete_task(actor_id=a, task_id=w.task_id)),
    # meetings
    "meeting.start": ("member", lambda w, a: w.hub.meetings.start(actor_id=a, project_id=w.pid, title="주간 회의")),
    "meeting.attendees": (
        "member",
        lambda w, a: w.hub.meetings.set_attendees(
            actor_id=a, meeting_id=w.meeting_id, user_ids=[w.team.users["member"].id]
        ),
    ),
    "meeting.agenda": (
        "member",
        lambda w, a: w.hub.meetings.add_agenda_item(actor_id=a, meeting_id=w.meeting_id, topic="일정"),
    ),
    "meeting.agenda_remove": (
        "member",
        lambda w, a: w.hub.meetings.remove_agenda_item(actor_id=a, item_id=w.agenda_id),
    ),
    "meeting.notes": ("member", lambda w, a: w.hub.meetings.set_notes(actor_id=a, meeting_id=w.meeting_id, notes="n")),
    "meeting.decision": (
        "member",
        lambda w, a: w.hub.meetings.add_decision(actor_id=a, meeting_id=w.meeting_id, text="금요일 배포"),
    ),
    "meeting.action_item": (
        "member",
        lambda w, a: w.hub.meetings.add_action_item(actor_id=a, meeting_id=w.meeting_id, title="QA"),
    ),
    "meeting.end": ("member", lambda w, a: w.hub.meetings.end(actor_id=a, meeting_id=w.meeting_id, generate=False)),
    # webhooks
    "webhook.set": (
        "admin",
        lambda w, a: w.hub.notifier.set_webhook(actor_id=a, project_id=w.pid, url="https://hooks.example.com/x"),
    ),
    # assistant (no LLM configured: the fallback answer is saved)
    "assistant.ask": (
        "member",
        lambda w, a: assistant_for(w.hub).ask(actor_id=a, project_id=w.pid, question="@ai 배포 일정은?"),
    ),
    "assistant.accept_action_items": (
        "member",
        lambda w, a: assistant_for(w.hub).accept_action_items(
            actor_id=a,
            project_id=w.pid,
            items=[ActionItem(title="문서 정리", owner=None, owner_id=None, due_date=None, source_message_ids=())],
        ),
    ),
}


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Hub]:
    """One real hub for the module: each test gets its own project and users inside it, so the
    matrix runs without reopening the database and vector store 150 times."""
    settings = Settings.load(env_file=None, data_dir=tmp_path_factory.mktemp("perm") / "data", database_url="")
    h = Hub.open(settings, embedder=embedder)
    yield h
    h.close()


_worlds = itertools.count(1)


@pytest.fixture
def world(shared_hub: Hub) -> World:
    hub = shared_hub
    n = next(_worlds)
    team = Team(hub, name=f"T{n}")
    extra = hub.accounts.create_user(username=f"t{n}_extra", display_name="Extra")
    hub.accounts.set_member(actor_id=None, project_id=team.pid, user_id=extra.id, role="member")
    newcomer = hub.accounts.create_user(username=f"t{n}_newcomer")
    return World(hub, team, extra, newcomer)


def snapshot(hub: Hub) -> dict[str, Any]:
    """Everything a write could touch."""
    with hub.engine.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (
                messages,
                tasks,
                task_events,
                task_comments,
                meetings,
                agenda_items,
                meeting_attendees,
                memberships,
                projects,
                audit_log,
            )
        }
        return {
            **counts,
            "projects": conn.execute(select(projects.c.id, projects.c.name, projects.c.webhook_url)).all(),
            "roles": sorted(conn.execute(select(memberships.c.user_id, memberships.c.role)).all()),
            "messages": conn.execute(select(messages.c.id, messages.c.content, messages.c.deleted_at)).all(),
            "tasks": conn.execute(
                select(tasks.c.id, tasks.c.title, tasks.c.status, tasks.c.assignee_id, tasks.c.deleted_at)
            ).all(),
            "meetings": conn.execute(
                select(meetings.c.id, meetings.c.status, meetings.c.notes, meetings.c.decisions)
            ).all(),
        }


def expected(service: str, actor: str) -> type[Exception] | None:
    if actor == "outsider":
        # A restore answers outsiders like an unused name: project names cannot be probed through it.
        return PermissionDeniedError if service == "backup.restore" else NotFoundError
    least = WRITES[service][0]
    return None if RANK[actor] >= RANK[least] else PermissionDeniedError


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("service", list(WRITES))
def test_permission_matrix(world: World, service: str, actor: str) -> None:
    user = world.team.outsider if actor == "outsider" else world.team.users[actor]
    call = WRITES[service][1]
    want = expected(service, actor)
    if want is None:
        call(world, user.id)
        return
    world.prime(call)
    before = snapshot(world.hub)
    with pytest.raises(want):
        call(world, user.id)
    assert snapshot(world.hub) == before, f"{service} by {actor} was refused but changed data"


def test_matrix_agrees_with_the_role_table() -> None:
    """ACTIONS (what pages use to hide controls) must give the same answers as the rules above."""
    from collab_core.people.roles import ACTIONS

    assert ACTIONS["post"] == ACTIONS["ask"] == ACTIONS["task_write"] == ACTIONS["meeting_write"] == "member"
    assert ACTIONS["delete_message"] == ACTIONS["manage_members"] == ACTIONS["restore"] == "admin"
    assert ACTIONS["rename_project"] == ACTIONS["delete_project"] == ACTIONS["transfer_ownership"] == "owner"
    assert ACTIONS["read"] == ACTIONS["search"] == ACTIONS["export"] == "viewer"


def test_disabled_and_unknown_users_cannot_write(world: World) -> None:
    hub, team = world.hub, world.team
    admin = hub.auth.create_account(
        actor_id=None, username=f"{team.project.name.lower()}_root", password="sysadmin-pass", is_system_admin=True
    )
    hub.auth.set_disabled(actor_id=admin.id, user_id=team.users["member"].id, disabled=True)
    before = snapshot(hub)
    with pytest.raises(PermissionDeniedError):
        team.post("member", "still here?")
    with pytest.raises(PermissionDeniedError):
        hub.tasks.create_task(actor_id=987654, project_id=team.pid, title="ghost")
    with pytest.raises(PermissionDeniedError):
        hub.accounts.create_project(actor_id=team.users["member"].id, name="Escape")
    assert snapshot(hub) == before


def test_members_cannot_post_in_someone_elses_name(world: World) -> None:
    hub, team = world.hub, world.team
    member = team.users["member"].id
    # post() has no author, role or action to choose: a message is always the actor's own chat message.
    with pytest.raises(TypeError):
        hub.messages.post(actor_id=member, project_id=team.pid, content="I quit", author_id=team.owner.id)
    with pytest.raises(TypeError):
        hub.messages.post(actor_id=member, project_id=team.pid, content="@ai answer", role="assistant")
    with pytest.raises(PermissionDeniedError):
        hub.messages.post_event(
            actor_id=member, project_id=team.pid, content="I quit", kind="task", author_id=team.owner.id
        )
    with pytest.raises(ValidationError):
        hub.messages.post(actor_id=member, project_id=team.pid, content="forged", meta={"assistant": "answer"})
    # A viewer cannot post, whatever it is called: the right follows from what is posted.
    with pytest.raises(PermissionDeniedError):
        hub.messages.post(actor_id=team.users["viewer"].id, project_id=team.pid, content="read-only?")


def test_admins_cannot_touch_owners_and_the_last_owner_stays(world: World) -> None:
    hub, team = world.hub, world.team
    admin, owner = team.users["admin"].id, team.owner.id
    with pytest.raises(PermissionDeniedError):
        hub.accounts.set_member(actor_id=admin, project_id=team.pid, user_id=owner, role="viewer")
    with pytest.raises(PermissionDeniedError):
        hub.accounts.set_member(actor_id=admin, project_id=team.pid, user_id=admin, role="owner")
    with pytest.raises(PermissionDeniedError):
        hub.accounts.remove_member(actor_id=admin, project_id=team.pid, user_id=owner)
    with pytest.raises(PermissionDeniedError):
        hub.accounts.remove_member(actor_id=owner, project_id=team.pid, user_id=owner)
    with pytest.raises(Exception, match="another member"):
        hub.accounts.transfer_ownership(actor_id=owner, project_id=team.pid, user_id=owner)
    roles = {m.username: m.role for m in hub.accounts.list_members(actor_id=None, project_id=team.pid)}
    assert roles[team.owner.username] == "owner"


def test_delete_project_removes_rows_and_memory_but_keeps_the_audit_record(world: World) -> None:
    hub, team = world.hub, world.team
    for name in World.LAZY:  # a message, a task, a meeting with an agenda: everything cascades
        getattr(world, name)
    assert hub.memory.count(team.pid) >= 1
    hub.accounts.delete_project(actor_id=team.owner.id, project_id=team.pid)
    with hub.engine.connect() as conn:
        for table in (messages, tasks, meetings, memberships):
            left = select(func.count()).select_from(table).where(table.c.project_id == team.pid)
            assert conn.execute(left).scalar_one() == 0, table.name
        left = conn.execute(select(func.count()).select_from(audit_log).where(audit_log.c.project_id == team.pid))
        assert left.scalar_one() == 0
    assert hub.memory.count(team.pid) == 0
    assert hub.accounts.list_projects(user_id=team.owner.id) == []
    from collab_core.people import audit

    entry = audit.entries(hub.engine, action="project.delete")[0]
    assert (entry.actor, entry.target, entry.detail["project_id"]) == (team.owner.username, team.project.name, team.pid)
    # A new project that gets the same id on SQLite starts with an empty history.
    fresh = hub.accounts.create_project(actor_id=team.outsider.id, name=f"{team.project.name} fresh")
    history = audit.entries(hub.engine, project_ids=[fresh.id])
    assert [e.action for e in history] == ["project.create"]
