"""Sign-up, sign-in, lockout (time injected, no sleeping), passwords, account admin, SSO mapping and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from collab_core.errors import (
    AccountLockedError,
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from collab_core.people import audit
from collab_core.people.auth import GENERIC_FAILURE, AuthService
from collab_core.store.schema import users

ROOT = Path(__file__).resolve().parents[3]


class Clock:
    """A hand-moved clock (naive UTC)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(hub, clock) -> AuthService:
    return AuthService(hub.engine, hub.accounts, clock=clock)


def test_first_account_is_system_admin_and_later_ones_are_not(auth):
    first = auth.sign_up(username="민지", password="correct horse 1")
    second = auth.sign_up(username="daniel", password="correct horse 2")
    assert first.is_system_admin and not second.is_system_admin
    assert auth.sign_in(username="민지", password="correct horse 1").id == first.id


def test_password_is_stored_as_argon2id_never_plain(hub, auth):
    auth.sign_up(username="alice", password="s3cret-pass")
    with hub.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.username == "alice")).scalar_one()
    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored


def test_wrong_password_and_unknown_user_give_the_same_message(hub, auth):
    auth.sign_up(username="alice", password="s3cret-pass")
    with pytest.raises(AuthenticationError) as wrong:
        auth.sign_in(username="alice", password="nope-nope")
    with pytest.raises(AuthenticationError) as unknown:
        auth.sign_in(username="mallory", password="nope-nope")
    assert str(wrong.value) == str(unknown.value) == GENERIC_FAILURE
    assert type(wrong.value) is type(unknown.value) is AuthenticationError
    failed = audit.entries(hub.engine, action="auth.failed")
    assert {e.actor for e in failed} == {"alice", "mallory"}


def test_usernames_are_case_insensitive_and_taken_once(auth):
    auth.sign_up(username="Alice", password="s3cret-pass")
    assert auth.sign_in(username="ALICE", password="s3cret-pass").username == "Alice"
    with pytest.raises(ConflictError):
        auth.sign_up(username="alice", password="other-pass")


@pytest.mark.parametrize("name", ["operator", "System", "assistant"])
def test_reserved_usernames_cannot_be_registered(auth, name):
    with pytest.raises(ValidationError, match="reserved"):
        auth.sign_up(username=name, password="s3cret-pass")


@pytest.mark.parametrize("pw", ["", "short", " " * 12, "x" * 1025])
def test_weak_or_absurd_passwords_are_rejected(auth, pw):
    with pytest.raises(ValidationError):
        auth.sign_up(username="alice", password=pw)
    assert auth.needs_bootstrap()


def test_lockout_after_five_failures_and_release_after_fifteen_minutes(hub, auth, clock):
    auth.sign_up(username="alice", password="s3cret-pass")
    for _ in range(5):
        with pytest.raises(AuthenticationError) as err:
            auth.sign_in(username="alice", password="wrong-guess")
        assert not isinstance(err.value, AccountLockedError)
        clock.advance(minutes=1)
    # Locked: even the right password is refused, without saying whether it was right.
    with pytest.raises(AccountLockedError):
        auth.sign_in(username="alice", password="s3cret-pass")
    assert auth.is_locked("alice")
    # The lock runs 15 minutes from the fifth failure (t=4 min), i.e. until t=19 min.
    clock.now = datetime(2026, 3, 2, 9, 18, 59)
    with pytest.raises(AccountLockedError):
        auth.sign_in(username="alice", password="s3cret-pass")
    clock.now = datetime(2026, 3, 2, 9, 19, 1)
    assert not auth.is_locked("ALICE")
    assert auth.sign_in(username="alice", password="s3cret-pass").username == "alice"
    actions = [e.action for e in audit.entries(hub.engine)]
    assert actions.count("auth.failed") == 5 and actions.count("auth.locked") == 2
    assert actions[0] == "auth.sign_in"


def test_four_failures_do_not_lock_and_a_success_resets_the_count(auth, clock):
    auth.sign_up(username="alice", password="s3cret-pass")
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            auth.sign_in(username="alice", password="wrong-guess")
    auth.sign_in(username="alice", password="s3cret-pass")
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            auth.sign_in(username="alice", password="wrong-guess")
    assert not auth.is_locked("alice")


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(auth, clock):
    auth.sign_up(username="alice", password="s3cret-pass")
    for _ in range(8):
        with pytest.raises(AuthenticationError) as err:
            auth.sign_in(username="alice", password="wrong-guess")
        assert not isinstance(err.value, AccountLockedError)
        clock.advance(minutes=4)
    assert auth.sign_in(username="alice", password="s3cret-pass")


def test_unknown_usernames_lock_the_same_way(auth):
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            auth.sign_in(username="ghost", password="whatever-1")
    with pytest.raises(AccountLockedError):
        auth.sign_in(username="ghost", password="whatever-1")


def test_disabled_account_cannot_sign_in_and_gets_the_generic_message(auth):
    admin = auth.sign_up(username="admin1", password="s3cret-pass")
    bob = auth.sign_up(username="bob", password="bob-password")
    auth.set_disabled(actor_id=admin.id, user_id=bob.id, disabled=True)
    with pytest.raises(AuthenticationError, match=GENERIC_FAILURE):
        auth.sign_in(username="bob", password="bob-password")
    auth.set_disabled(actor_id=admin.id, user_id=bob.id, disabled=False)
    assert auth.sign_in(username="bob", password="bob-password").id == bob.id


def test_password_change_needs_the_current_password_and_reset_needs_a_system_admin(hub, auth):
    admin = auth.sign_up(username="admin1", password="s3cret-pass")
    bob = auth.sign_up(username="bob", password="bob-password")
    carol = auth.sign_up(username="carol", password="carol-password")
    with pytest.raises(AuthenticationError):
        auth.set_password(actor_id=bob.id, user_id=bob.id, password="new-password", current_password="bad")
    auth.set_password(actor_id=bob.id, user_id=bob.id, password="new-password", current_password="bob-password")
    assert auth.sign_in(username="bob", password="new-password").id == bob.id
    with pytest.raises(PermissionDeniedError):
        auth.set_password(actor_id=carol.id, user_id=bob.id, password="stolen-password")
    auth.set_password(actor_id=admin.id, user_id=bob.id, password="reset-password")
    assert auth.sign_in(username="bob", password="reset-password").id == bob.id
    resets = audit.entries(hub.engine, action="account.password_reset")
    assert [(e.actor, e.target) for e in resets] == [("admin1", "bob")]


def test_reset_lifts_a_lockout(auth):
    admin = auth.sign_up(username="admin1", password="s3cret-pass")
    bob = auth.sign_up(username="bob", password="bob-password")
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            auth.sign_in(username="bob", password="guess-guess")
    assert auth.is_locked("bob")
    auth.set_password(actor_id=admin.id, user_id=bob.id, password="fresh-password")
    assert auth.sign_in(username="bob", password="fresh-password").id == bob.id


def test_only_system_admins_manage_accounts_and_the_last_admin_stays(auth):
    admin = auth.sign_up(username="admin1", password="s3cret-pass")
    bob = auth.sign_up(username="bob", password="bob-password")
    for call in (
        lambda: auth.create_account(actor_id=bob.id, username="eve", password="eve-password"),
        lambda: auth.set_disabled(actor_id=bob.id, user_id=admin.id, disabled=True),
        lambda: auth.set_system_admin(actor_id=bob.id, user_id=bob.id, value=True),
        lambda: auth.list_accounts(actor_id=bob.id),
        lambda: auth.unlock(actor_id=bob.id, user_id=admin.id),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    with pytest.raises(ConflictError):
        auth.set_disabled(actor_id=admin.id, user_id=admin.id, disabled=True)
    with pytest.raises(ConflictError):
        auth.set_system_admin(actor_id=admin.id, user_id=admin.id, value=False)
    eve = auth.create_account(actor_id=admin.id, username="eve", password="eve-password", is_system_admin=True)
    assert eve.is_system_admin
    assert {a.user.username: a.sign_in for a in auth.list_accounts(actor_id=eve.id)} == {
        "admin1": "password",
        "bob": "password",
        "eve": "password",
    }


def test_sso_creates_a_linked_account_once_and_never_takes_over_a_local_one(hub, auth):
    local = auth.sign_up(username="minji", password="local-password")
    sso = auth.sign_in_sso(email="Minji@Example.com", name="김민지")
    assert sso.id != local.id and sso.username == "minji-2" and sso.display_name == "김민지"
    again = auth.sign_in_sso(email="minji@example.com ", name="ignored")
    assert again.id == sso.id
    # The SSO account has no password that could ever verify.
    with pytest.raises(AuthenticationError):
        auth.sign_in(username="minji-2", password="")
    with pytest.raises(AuthenticationError):
        auth.sign_in_sso(email="x@example.com", email_verified=False)
    with pytest.raises(AuthenticationError):
        auth.sign_in_sso(email="not-an-email")
    with pytest.raises(ConflictError):
        auth.set_password(actor_id=None, user_id=sso.id, password="some-password")


def test_removed_member_keeps_authorship_of_past_messages(hub, team):
    m = team.post("member", "배포 일정은 금요일입니다")
    hub.accounts.remove_member(actor_id=team.users["admin"].id, project_id=team.pid, user_id=team.users["member"].id)
    page = hub.messages.timeline(actor_id=team.users["viewer"].id, project_id=team.pid)
    assert [(x.id, x.author, x.author_id) for x in page.items] == [(m.id, "Team Member", team.users["member"].id)]
    assert audit.entries(hub.engine, action="member.remove")[0].target == "team_member"


def _cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLLAB_DATA_DIR": str(data_dir), "MEM0_TELEMETRY": "False"}
    return subprocess.run(
        [sys.executable, "-m", "collab_core", "--env-file", "/nonexistent", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_cli_user_add_reads_the_password_from_stdin(tmp_path, embedder):
    from collab_core.hub import Hub
    from collab_core.settings import Settings

    data = tmp_path / "cli"
    r = _cli(data, "user", "add", "관리자", "--admin", "--display-name", "Admin Kim", "--json", stdin="first-pass-1\n")
    assert r.returncode == 0, r.stderr
    assert '"system_admin": true' in r.stdout
    # No password on stdin: refused, nothing created (there is never a default password).
    r = _cli(data, "user", "add", "bob", stdin="")
    assert r.returncode == 2 and "No password" in r.stderr
    r = _cli(data, "user", "add", "bob", stdin="bob-password\n")
    assert r.returncode == 0, r.stderr
    hub = Hub.open(Settings.load(env_file=None, data_dir=data, database_url=""), embedder=embedder)
    try:
        assert hub.auth.sign_in(username="관리자", password="first-pass-1").is_system_admin
        assert not hub.auth.sign_in(username="bob", password="bob-password").is_system_admin
        project = hub.accounts.create_project(actor_id=None, name="CLI Team")
    finally:
        hub.close()
    r = _cli(data, "member", "add", "CLI Team", "bob", "--role", "viewer", "--json")
    assert r.returncode == 0, r.stderr
    r = _cli(data, "member", "list", "CLI Team", "--json")
    assert r.returncode == 0 and '"username": "bob", "display_name": "bob", "role": "viewer"' in r.stdout
    r = _cli(data, "user", "passwd", "bob", stdin="changed-password\n")
    assert r.returncode == 0, r.stderr
    hub = Hub.open(Settings.load(env_file=None, data_dir=data, database_url=""), embedder=embedder)
    try:
        assert hub.auth.sign_in(username="bob", password="changed-password").id
        assert [m.role for m in hub.accounts.list_members(actor_id=None, project_id=project.id)] == ["viewer"]
    finally:
        hub.close()
