"""Sign-in sessions (hashed tokens, expiry, sign-out, password change) and project invites, on real SQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from collab_core.errors import NotFoundError, PermissionDeniedError, ValidationError
from collab_core.hub import Hub
from collab_core.people.invites import project_invites
from collab_core.people.sessions import SessionService, signin_sessions, token_hash

T0 = datetime(2026, 12, 1, 9, 0)


def test_token_is_stored_only_hashed_and_resumes_until_it_expires(hub: Hub) -> None:
    user = hub.auth.sign_up(username="minji", password="correct horse 1")
    sessions = SessionService(hub.engine, hub.accounts, days=14)
    started = sessions.start(user_id=user.id, remember=True, now=T0)
    with hub.engine.connect() as conn:
        stored = conn.execute(select(signin_sessions.c.token_hash)).scalars().all()
    assert stored == [token_hash(started.token)] and started.token not in stored
    assert sessions.resume(started.token, now=T0 + timedelta(days=13)).id == user.id
    assert sessions.resume(started.token, now=T0 + timedelta(days=14, seconds=1)) is None
    assert sessions.resume("not-a-token", now=T0) is None


def test_sign_out_here_and_everywhere(hub: Hub) -> None:
    user = hub.auth.sign_up(username="minji", password="correct horse 1")
    a, b, c = (hub.sessions.start(user_id=user.id) for _ in range(3))
    hub.sessions.end(a.token)
    assert hub.sessions.resume(a.token) is None
    assert hub.sessions.resume(b.token).id == user.id
    assert hub.sessions.end_all(user_id=user.id) == 2
    assert hub.sessions.resume(b.token) is None and hub.sessions.resume(c.token) is None


def test_password_change_or_reset_ends_every_session_of_that_person(hub: Hub) -> None:
    admin = hub.auth.sign_up(username="admin1", password="correct horse 1")
    user = hub.auth.sign_up(username="minji", password="correct horse 2")
    mine = hub.sessions.start(user_id=user.id, remember=True)
    admins = hub.sessions.start(user_id=admin.id)
    hub.auth.set_password(actor_id=admin.id, user_id=user.id, password="brand new pass 3")
    assert hub.sessions.resume(mine.token) is None
    assert hub.sessions.resume(admins.token).id == admin.id  # nobody else is signed out
    again = hub.sessions.start(user_id=user.id)
    assert hub.sessions.resume(again.token).id == user.id


def test_disabled_account_sessions_stop_working(hub: Hub) -> None:
    admin = hub.auth.sign_up(username="admin1", password="correct horse 1")
    user = hub.auth.sign_up(username="minji", password="correct horse 2")
    s = hub.sessions.start(user_id=user.id)
    hub.auth.set_disabled(actor_id=admin.id, user_id=user.id, disabled=True)
    assert hub.sessions.resume(s.token) is None


def test_session_lifetime_is_validated() -> None:
    with pytest.raises(ValidationError):
        SessionService(None, None, days=0)  # type: ignore[arg-type]


def test_first_sign_up_becomes_admin_when_only_demo_people_exist(hub: Hub) -> None:
    from collab_core.ops.demo import load_demo

    load_demo(hub)
    assert hub.auth.needs_bootstrap()
    first = hub.auth.sign_up(username="minji", password="correct horse 1")
    second = hub.auth.sign_up(username="jisoo", password="correct horse 2")
    assert first.is_system_admin and not second.is_system_admin
    assert not hub.auth.needs_bootstrap()


def test_invite_link_grants_its_role_until_revoked_and_never_lowers_a_role(hub: Hub) -> None:
    owner = hub.auth.sign_up(username="owner1", password="correct horse 1")
    project = hub.accounts.create_project(actor_id=owner.id, name="Launch")
    made = hub.invites.create(actor_id=owner.id, project_id=project.id, role="viewer", days=3)
    with hub.engine.connect() as conn:
        assert conn.execute(select(project_invites.c.token_hash)).scalar_one() == token_hash(made.token or "")
    assert hub.invites.preview(made.token).project_name == "Launch"
    newbie = hub.auth.sign_up(username="newbie", password="correct horse 2")
    joined = hub.invites.accept(token=made.token, user_id=newbie.id)
    assert (joined.id, joined.role) == (project.id, "viewer")
    assert hub.invites.memberships_of(user_id=newbie.id) == ((project.id, "viewer"),)
    assert hub.invites.accept(token=made.token, user_id=owner.id).role == "owner"  # not lowered
    hub.invites.revoke(actor_id=owner.id, project_id=project.id, invite_id=made.id)
    with pytest.raises(NotFoundError):
        hub.invites.preview(made.token)
    with pytest.raises(ValidationError):
        hub.invites.create(actor_id=owner.id, project_id=project.id, role="owner")


def test_only_project_admins_invite_and_see_the_directory(hub: Hub) -> None:
    owner = hub.auth.sign_up(username="owner1", password="correct horse 1")
    member = hub.auth.sign_up(username="member1", password="correct horse 2", display_name="김민지")
    hub.auth.sign_up(username="jisoo", password="correct horse 3", display_name="Jisoo Park")
    project = hub.accounts.create_project(actor_id=owner.id, name="Launch")
    hub.accounts.set_member(actor_id=owner.id, project_id=project.id, user_id=member.id, role="member")
    names = [p.username for p in hub.invites.people_to_add(actor_id=owner.id, project_id=project.id)]
    assert names == ["jisoo"]  # members are not offered again
    assert [p.username for p in hub.invites.people_to_add(actor_id=owner.id, project_id=project.id, query="PARK")] == [
        "jisoo"
    ]
    with pytest.raises(PermissionDeniedError):
        hub.invites.create(actor_id=member.id, project_id=project.id)
    with pytest.raises(PermissionDeniedError):
        hub.invites.people_to_add(actor_id=member.id, project_id=project.id)


@pytest.mark.parametrize(
    ("word", "particle"),
    [
        ("Landing Page Team", "을"),
        ("배포팀", "을"),
        ("디자인 스쿼드", "를"),
        ("Alice", "를"),
        ("Carol", "을"),
        ("Q1", "을"),
    ],
)
def test_korean_object_particle_follows_the_last_sound(word: str, particle: str) -> None:
    from collab_core.i18n import object_particle

    assert object_particle(word) == particle
