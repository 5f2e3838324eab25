"""The admin page (AppTest on app_pages/admin.py): who sees it, members and roles, audit filters,
backup download and restore upload (a bad file changes nothing), diagnostics, owner settings and
system-admin account management."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from collab_core.people import audit
from collab_core.store.schema import messages
from tests.app.conftest import AppEnv, texts


def _team(app_env: AppEnv):  # type: ignore[no-untyped-def]
    hub = app_env.hub
    owner = hub.auth.sign_up(username="owner", password="owner-password", display_name="Owner Kim")
    admin = app_env.user("admin1", "Admin Lee")
    member = app_env.user("member1", "Member Park")
    viewer = app_env.user("viewer1", "Viewer Choi")
    project = app_env.project(owner, "Launch")
    app_env.member(project, owner, admin, "admin")
    app_env.member(project, owner, member, "member")
    app_env.member(project, owner, viewer, "viewer")
    hub.messages.post(actor_id=member.id, project_id=project.id, content="배포 일정은 금요일입니다")
    return owner, admin, member, viewer, project


def _tabs(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.label for t in at.tabs]


def _frame(at, column: str):  # type: ignore[no-untyped-def]
    """The table on the page that has this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _count_messages(app_env: AppEnv) -> int:
    with app_env.hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(messages)).scalar_one())


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_get_no_admin_controls(app_env, role):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", member if role == "member" else viewer, project.id).run()
    assert not at.exception
    assert _tabs(at) == []
    assert "Only project admins and owners" in texts(at)
    assert not at.button and not at.text_input and not at.file_uploader


def test_project_admin_sees_members_audit_backup_diagnostics_but_not_owner_or_account_tabs(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", admin, project.id).run()
    assert not at.exception
    assert _tabs(at) == ["Members", "Audit log", "Backup", "Diagnostics", "Digests"]
    # An admin cannot hand out the owner role: it is not offered.
    assert "owner" not in at.selectbox(key="admin_member_new_role").options


def test_owner_of_a_project_who_is_system_admin_sees_every_tab_in_korean(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", owner, project.id, lang="ko").run()
    assert not at.exception
    assert _tabs(at) == ["멤버", "감사 로그", "백업", "진단", "요약", "프로젝트", "계정"]


def test_system_admin_without_projects_manages_accounts_only(app_env):
    hub = app_env.hub
    root = hub.auth.sign_up(username="root1", password="root-password")
    at = app_env.page("admin", root).run()
    assert not at.exception
    assert _tabs(at) == ["Audit log", "Diagnostics", "Digests", "Accounts"]


def test_admin_adds_changes_and_removes_a_member_and_the_audit_log_shows_it(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    newbie = app_env.user("newbie", "New Bie")
    at = app_env.page("admin", admin, project.id).run()
    picker = at.selectbox(key="admin_member_add_pick")
    assert "New Bie (@newbie)" in picker.options  # picked by name from the existing accounts
    picker.select(newbie.id)
    at.selectbox(key="admin_member_add_role").select("viewer")
    at.button(key="FormSubmitter:admin_member_add_form-Add").click().run()
    assert not at.exception
    roles = {m.username: m.role for m in app_env.hub.accounts.list_members(actor_id=None, project_id=project.id)}
    assert roles["newbie"] == "viewer"
    assert "New Bie is now viewer." in [s.value for s in at.success]

    at.selectbox(key="admin_member_pick").select(newbie.id)
    at.selectbox(key="admin_member_new_role").select("member")
    at.button(key="FormSubmitter:admin_member_role_form-Save role").click().run()
    roles = {m.username: m.role for m in app_env.hub.accounts.list_members(actor_id=None, project_id=project.id)}
    assert roles["newbie"] == "member"

    at.selectbox(key="admin_member_pick").select(newbie.id)
    at.button(key="FormSubmitter:admin_member_role_form-Remove from project").click().run()
    assert "newbie" not in {m.username for m in app_env.hub.accounts.list_members(actor_id=None, project_id=project.id)}

    # An admin trying to demote the owner gets the core's refusal, shown as an error.
    at.selectbox(key="admin_member_pick").select(owner.id)
    at.selectbox(key="admin_member_new_role").select("viewer")
    at.button(key="FormSubmitter:admin_member_role_form-Save role").click().run()
    assert any("owner" in e.value for e in at.error)

    at.selectbox(key="admin_audit_action").select("member.role")
    at.run()
    table = _frame(at, "What")
    assert list(table["What"]) == ["member.role"] and list(table["Who"]) == ["admin1"]
    at.selectbox(key="admin_audit_action").select("")
    at.text_input(key="admin_audit_actor").input("owner").run()
    assert set(_frame(at, "What")["Who"]) == {"owner"}


def test_adding_without_picking_anyone_is_reported_and_nothing_changes(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    before = app_env.hub.accounts.list_members(actor_id=None, project_id=project.id)
    at = app_env.page("admin", admin, project.id).run()
    at.button(key="FormSubmitter:admin_member_add_form-Add").click().run()
    assert "Pick a person from the list first." in [e.value for e in at.error]
    assert app_env.hub.accounts.list_members(actor_id=None, project_id=project.id) == before


def test_invite_link_is_shown_once_and_listed_until_revoked(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", admin, project.id).run()
    at.selectbox(key="admin_invite_role").select("viewer")
    at.button(key="FormSubmitter:admin_invite_form-Create invite link").click().run()
    assert not at.exception
    link = at.code[0].value
    assert "/?invite=" in link
    invite = app_env.hub.invites.preview(link.split("invite=", 1)[1])
    assert (invite.project_id, invite.role) == (project.id, "viewer")
    assert any("Link for a viewer" in c.value for c in at.caption)
    at.button(key=f"admin_invite_revoke_{invite.id}").click().run()
    assert app_env.hub.invites.active(actor_id=admin.id, project_id=project.id) == []


def test_backup_download_then_restore_and_a_bad_file_changes_nothing(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", admin, project.id).run()
    at.button(key="admin_backup_prepare").click().run()
    assert not at.exception
    ready = at.session_state["admin_backup"]
    data = json.loads(ready["bytes"])
    assert data["format"] == "collab-hub-backup" and data["counts"]["messages"] == 1
    assert at.get("download_button")
    assert [e.action for e in audit.entries(app_env.hub.engine, action="backup.export")] == ["backup.export"]

    before = _count_messages(app_env)
    broken = dict(data)
    broken["counts"] = {**data["counts"], "messages": 99}
    for name, raw in [
        ("bad.json", b"{not json"),
        ("truncated.json", json.dumps(broken).encode()),
        ("other.json", json.dumps({"format": "something-else", "version": 1}).encode()),
    ]:
        at.file_uploader(key="admin_restore_file").set_value((name, raw, "application/json"))
        at.run()
        at.button(key="admin_restore_button").click().run()
        assert not at.exception
        assert at.error, name
        assert _count_messages(app_env) == before
    assert audit.entries(app_env.hub.engine, action="backup.restore") == []

    # A real backup restores idempotently: the message is already present.
    at.file_uploader(key="admin_restore_file").set_value(("good.json", ready["bytes"], "application/json"))
    at.run()
    at.button(key="admin_restore_button").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("0 messages added, 1 already present" in s.value for s in at.success)
    assert _count_messages(app_env) == before


def test_diagnostics_report_renders(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", admin, project.id).run()
    at.button(key="admin_diag_run").click().run()
    assert not at.exception
    shown = "\n".join(x.value for x in [*at.success, *at.warning, *at.error])
    for name in ("database", "memory index", "embedder", "vector store", "search", "llm"):
        assert f"**{name}**" in shown
    assert not at.json  # the raw report is for system admins only


def test_owner_renames_and_deletes_the_project_with_name_confirmation(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", owner, project.id).run()
    at.text_input(key="admin_rename_name").input("Launch 2")
    at.button(key="FormSubmitter:admin_rename_form-Rename").click().run()
    assert app_env.hub.accounts.get_project(actor_id=owner.id, project_id=project.id).name == "Launch 2"

    at.text_input(key="admin_delete_confirm").input("wrong name")
    at.button(key="FormSubmitter:admin_delete_form-Delete forever").click().run()
    assert any("does not match" in e.value for e in at.error)
    assert _count_messages(app_env) == 1

    at.text_input(key="admin_delete_confirm").input("Launch 2")
    at.button(key="FormSubmitter:admin_delete_form-Delete forever").click().run()
    assert not at.exception
    assert app_env.hub.accounts.list_projects(user_id=owner.id) == []
    assert _count_messages(app_env) == 0
    assert audit.entries(app_env.hub.engine, action="project.delete")[0].target == "Launch 2"


def test_owner_hands_over_ownership(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    at = app_env.page("admin", owner, project.id).run()
    at.selectbox(key="admin_transfer_pick").select(admin.id)
    at.button(key="FormSubmitter:admin_transfer_form-Hand over").click().run()
    roles = {m.username: m.role for m in app_env.hub.accounts.list_members(actor_id=None, project_id=project.id)}
    assert roles["admin1"] == "owner" and roles["owner"] == "admin"


def test_system_admin_creates_resets_and_disables_accounts(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    hub = app_env.hub
    at = app_env.page("admin", owner, project.id).run()
    at.text_input(key="admin_account_new_name").input("jisoo")
    at.text_input(key="admin_account_new_display").input("<img src=x onerror=alert(1)>")
    at.text_input(key="admin_account_new_password").input("jisoo-password")
    at.button(key="FormSubmitter:admin_account_create_form-Create account").click().run()
    assert not at.exception
    jisoo = hub.auth.sign_in(username="jisoo", password="jisoo-password")
    assert jisoo.display_name == "<img src=x onerror=alert(1)>"

    at.selectbox(key="admin_account_pick").select(jisoo.id)
    at.run()
    at.text_input(key="admin_account_reset_password").input("brand-new-pass")
    at.button(key="FormSubmitter:admin_account_reset_form-Reset password").click().run()
    assert hub.auth.sign_in(username="jisoo", password="brand-new-pass").id == jisoo.id

    at.selectbox(key="admin_account_pick").select(jisoo.id)
    at.run()
    at.button(key="admin_account_disable").click().run()
    assert hub.accounts.get_user(jisoo.id).disabled
    assert [e.target for e in audit.entries(hub.engine, action="account.disable")] == ["jisoo"]


def test_weak_password_in_account_form_shows_the_core_error(app_env):
    owner, admin, member, viewer, project = _team(app_env)  # noqa: RUF059
    # (English: AppTest cannot re-submit a selectbox whose format_func shows Korean labels.)
    at = app_env.page("admin", owner, project.id).run()
    at.text_input(key="admin_account_new_name").input("jisoo")
    at.text_input(key="admin_account_new_password").input("short")
    at.button(key="FormSubmitter:admin_account_create_form-Create account").click().run()
    assert any("A password needs at least 8 characters" in e.value for e in at.error)
    assert app_env.hub.accounts.find_user("jisoo") is None
