"""The change counter: every write that a page shows raises its scope's version in the same transaction,
a refused write raises nothing, and a second hub on the same database (a second app server) sees the
change: on PostgreSQL through LISTEN/NOTIFY, without a query per check."""

from __future__ import annotations

import pytest

from collab_core.errors import PermissionDeniedError, ValidationError
from collab_core.hub import Hub
from collab_core.store.changes import ChangeFeed, project_scope, user_scope
from collab_core.store.engine import create_db_engine
from tests.conftest import Team


def _v(hub: Hub, scope: str, expect: int | None = None) -> int:
    """The scope's version; with `expect`, once it got there (on PostgreSQL the notification of a commit
    reaches this server's feed a moment after the commit)."""
    if expect is not None:
        return hub.changes.wait_for(scope, above=expect - 1, timeout=10)
    return hub.changes.versions([scope])[scope]


def test_writes_raise_their_scope_and_refused_writes_do_not(hub: Hub, team: Team) -> None:
    msgs, tasks = project_scope(team.pid, "messages"), project_scope(team.pid, "tasks")
    member, admin = team.users["member"], team.users["admin"]
    inbox = user_scope(member.id, "inbox")
    before = {s: _v(hub, s, 0) for s in (msgs, tasks, inbox)}

    team.post("admin", f"@{member.username} can you look at the hero copy?")
    assert _v(hub, msgs, before[msgs] + 1) == before[msgs] + 1
    assert _v(hub, inbox, before[inbox] + 1) == before[inbox] + 1  # the mention reaches the member's inbox
    after_post = {s: _v(hub, s) for s in (msgs, tasks, inbox)}
    assert after_post[tasks] == before[tasks]

    with pytest.raises(PermissionDeniedError):
        hub.messages.post(actor_id=team.users["viewer"].id, project_id=team.pid, content="viewers cannot post")
    with pytest.raises(ValidationError):
        team.post("member", "x" * (hub.settings.max_message_chars + 1))

    task = hub.tasks.create_task(actor_id=admin.id, project_id=team.pid, title="Hero copy")
    assert _v(hub, tasks, after_post[tasks] + 1) == after_post[tasks] + 1
    hub.tasks.move_task(actor_id=admin.id, task_id=task.id, status="DONE")
    assert _v(hub, tasks, after_post[tasks] + 2) == after_post[tasks] + 2
    # The refused posts raised nothing: the two notices of the task changes are the only new messages.
    assert _v(hub, msgs, after_post[msgs] + 2) == after_post[msgs] + 2

    hub.mentions.mark_read(user_id=member.id)
    assert _v(hub, inbox, after_post[inbox] + 1) == after_post[inbox] + 1
    newcomer = hub.accounts.create_user(username="newcomer")
    projects = user_scope(newcomer.id, "projects")
    assert _v(hub, projects) == 0
    hub.accounts.set_member(actor_id=team.owner.id, project_id=team.pid, user_id=newcomer.id, role="member")
    assert _v(hub, projects, 1) == 1


def test_a_post_with_index_later_is_visible_at_once_and_indexed_soon(hub: Hub, team: Team) -> None:
    m = hub.messages.post(
        actor_id=team.users["member"].id, project_id=team.pid, content="배포 일정은 금요일", index_later=True
    )
    assert m.index_state == "pending"
    assert hub.messages.latest(actor_id=team.owner.id, project_id=team.pid, limit=1)[0].id == m.id
    hub.messages.wait_indexed(timeout=60)
    assert hub.messages.get(actor_id=team.owner.id, message_id=m.id).index_state == "indexed"
    hits = hub.search.search(actor_id=team.owner.id, project_id=team.pid, query="배포 일정", limit=5)
    assert m.id in [h.message.id for h in hits]


def test_another_server_on_the_same_database_sees_the_change(hub: Hub, team: Team, backend: str) -> None:
    # Another app server: its own engine and change feed over the same database.
    engine = create_db_engine(hub.settings)
    feed = ChangeFeed(engine)
    try:
        scope = project_scope(team.pid, "messages")
        if backend == "postgres":
            # The listener connects and reads the table in the background; from then on checks cost no query.
            assert feed.wait_for(scope, above=-1, timeout=10) >= 0
            deadline = 0
            while not feed.listening and deadline < 200:
                feed.wait_for(scope, above=10**9, timeout=0.05)
                deadline += 1
            assert feed.listening
        seen = feed.versions([scope])[scope]
        team.post("member", "from the other server")
        assert feed.wait_for(scope, above=seen, timeout=10) == seen + 1
        assert feed.versions([scope])[scope] == _v(hub, scope)
    finally:
        feed.close()
        engine.dispose()
