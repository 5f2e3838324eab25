"""The admin page: members and roles, audit log, backup and restore, diagnostics, project settings and
(system admins) accounts. Every action goes through collab_core, which checks the role again; this
module only hides what the role cannot use and renders user-supplied text as plain text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import streamlit as st

from collab_core.chat.presentation import escape_markdown
from collab_core.errors import CollabError
from collab_core.ops.backup import export_backup, restore_backup
from collab_core.ops.diagnostics import diagnose
from collab_core.people import audit
from collab_core.people.roles import ROLES, role_allows
from ui.digests import digest_admin
from ui.invites import add_people_form, invite_links_section
from ui.page import PageContext, page_context
from ui.session import set_project, show_error, tr, viewer_tz

FLASH_KEY = "admin_flash"
AUDIT_LIMIT = 500


def _flash(text: str) -> None:
    """A success message that survives the rerun after a change."""
    st.session_state[FLASH_KEY] = text


def _run(action: Callable[[], Any], done: str | None = None, *, rerun: bool = True) -> Any:
    """Call collab_core; show its error in the user's language, or flash `done` and rerun."""
    try:
        result = action()
    except CollabError as exc:
        show_error(exc)
        return None
    if done:
        _flash(done)
    if rerun:
        st.rerun()
    return result


def _local(dt: datetime | None, tz: tzinfo) -> str:
    if dt is None:
        return ""
    aware = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return aware.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _role_name(role: str | None) -> str:
    return tr(f"role.{role}") if role else tr("admin.no_role")


# -- members ---------------------------------------------------------------------------------------


def members_section(ctx: PageContext) -> None:
    hub, user, project = ctx.hub, ctx.user, ctx.project
    assert project is not None
    st.markdown(tr("admin.members.caption", project=escape_markdown(project.name)))
    members = hub.accounts.list_members(actor_id=user.id, project_id=project.id)
    tz = viewer_tz()
    st.dataframe(
        [
            {
                tr("admin.members.user"): f"{m.display_name} (@{m.username})"
                + (f" {tr('admin.members.you')}" if m.user_id == user.id else ""),
                tr("admin.members.role"): _role_name(m.role),
                tr("admin.members.joined"): _local(m.joined_at, tz),
            }
            for m in members
        ],
        hide_index=True,
        width="stretch",
        key="admin_members_table",
    )
    is_owner = project.role == "owner"
    grantable = [r for r in ROLES if is_owner or r != "owner"]
    by_id = {m.user_id: m for m in members}
    left, right = st.columns(2)
    with left, st.form("admin_member_role_form"):
        st.markdown(f"**{tr('admin.members.role')}**")
        picked = st.selectbox(
            tr("admin.members.pick"),
            list(by_id),
            format_func=lambda uid: f"{by_id[uid].display_name} (@{by_id[uid].username})",
            key="admin_member_pick",
        )
        role = st.selectbox(tr("admin.members.role"), grantable, format_func=_role_name, key="admin_member_new_role")
        st.caption(tr("admin.members.remove_note"))
        save = st.form_submit_button(tr("admin.members.save_role"), type="primary")
        remove = st.form_submit_button(tr("admin.members.remove"))
    if picked is not None and (save or remove):
        target = by_id[picked]
        if save:
            _run(
                lambda: hub.accounts.set_member(
                    actor_id=user.id, project_id=project.id, user_id=target.user_id, role=role
                ),
                tr("admin.members.added", name=target.display_name, role=_role_name(role)),
            )
        else:
            _run(
                lambda: hub.accounts.remove_member(actor_id=user.id, project_id=project.id, user_id=target.user_id),
                tr("admin.members.removed", name=target.display_name),
            )
    with right:
        add_people_form(ctx, grantable, _run)
    invite_links_section(ctx)


# -- audit log -------------------------------------------------------------------------------------


def _day_start_utc(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def audit_section(ctx: PageContext, *, project_scope: bool, system_scope: bool) -> None:
    hub = ctx.hub
    tz = viewer_tz()
    scopes = (["project"] if project_scope else []) + (["all"] if system_scope else [])
    c1, c2, c3, c4 = st.columns([1.2, 1.2, 1, 1.4])
    scope = c1.selectbox(
        tr("admin.audit.scope"),
        scopes,
        format_func=lambda s: tr(f"admin.audit.scope_{s}"),
        key="admin_audit_scope",
    )
    project_ids = [ctx.project.id] if scope == "project" and ctx.project is not None else None
    known = audit.actions(hub.engine, project_ids=project_ids)
    action = c2.selectbox(
        tr("admin.audit.action"),
        ["", *known],
        format_func=lambda a: a or tr("admin.audit.all_actions"),
        key="admin_audit_action",
    )
    actor = c3.text_input(tr("admin.audit.actor"), key="admin_audit_actor").strip()
    today = datetime.now(UTC).astimezone(tz).date()
    picked = c4.date_input(
        tr("admin.audit.dates"), value=(today - timedelta(days=30), today), max_value=today, key="admin_audit_dates"
    )
    days = list(picked) if isinstance(picked, (tuple, list)) else [picked]
    since = _day_start_utc(days[0], tz) if days else None
    until = _day_start_utc(days[-1] + timedelta(days=1), tz) if days else None
    rows = audit.entries(
        hub.engine,
        project_ids=project_ids,
        action=action or None,
        actor=actor or None,
        since=since,
        until=until,
        limit=AUDIT_LIMIT,
    )
    if not rows:
        st.info(tr("admin.audit.empty"))
        return
    names = {p.id: p.name for p in hub.accounts.list_projects(user_id=None)} if project_ids is None else {}
    if ctx.project is not None:
        names[ctx.project.id] = ctx.project.name
    st.caption(tr("admin.audit.count", n=len(rows)))
    st.dataframe(
        [
            {
                tr("admin.audit.when"): _local(e.at, tz),
                tr("admin.audit.who"): e.actor or "",
                tr("admin.audit.what"): e.action,
                tr("admin.audit.target"): e.target or "",
                tr("admin.audit.project"): names.get(e.project_id, "") if e.project_id else "",
                tr("admin.audit.detail"): json.dumps(e.detail, ensure_ascii=False) if e.detail else "",
            }
            for e in rows
        ],
        hide_index=True,
        width="stretch",
        key="admin_audit_table",
    )


# -- backup ----------------------------------------------------------------------------------------


def backup_section(ctx: PageContext) -> None:
    hub, user, project = ctx.hub, ctx.user, ctx.project
    assert project is not None
    st.markdown(f"#### {tr('admin.backup.export_title')}")
    st.markdown(tr("admin.backup.export_caption", project=escape_markdown(project.name)))
    if st.button(tr("admin.backup.prepare"), key="admin_backup_prepare", icon=":material/inventory_2:"):
        # Built on request, not on every rerun: exporting is audited and reads every row.
        data = _run(lambda: export_backup(hub, actor_id=user.id, project_ids=[project.id]), rerun=False)
        if data is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            st.session_state["admin_backup"] = {
                "project_id": project.id,
                "file": f"collab-backup-p{project.id}-{stamp}.json",
                "bytes": json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"),
                "counts": data["counts"],
            }
    ready = st.session_state.get("admin_backup")
    if ready and ready["project_id"] == project.id:
        counts = ", ".join(f"{k} {v}" for k, v in ready["counts"].items())
        st.success(tr("admin.backup.ready", counts=counts))
        st.download_button(
            tr("admin.backup.download", name=ready["file"]),
            data=ready["bytes"],
            file_name=ready["file"],
            mime="application/json",
            key="admin_backup_download",
            icon=":material/download:",
        )
    if not ctx.can("restore"):
        return
    st.divider()
    st.markdown(f"#### {tr('admin.backup.restore_title')}")
    st.caption(tr("admin.backup.restore_caption"))
    upload = st.file_uploader(tr("admin.backup.file"), type=["json"], key="admin_restore_file")
    if st.button(tr("admin.backup.restore"), key="admin_restore_button", disabled=upload is None, type="primary"):
        assert upload is not None
        report = _run(lambda: restore_backup(hub, upload.getvalue(), actor_id=user.id), rerun=False)
        if report is not None:
            st.success(
                tr(
                    "admin.backup.restored",
                    added=report["messages_added"],
                    skipped=report["messages_skipped"],
                    projects=report["projects_created"],
                )
            )


# -- diagnostics -----------------------------------------------------------------------------------


def diagnostics_section(ctx: PageContext) -> None:
    st.caption(tr("admin.diag.caption"))
    if st.button(tr("admin.diag.run"), key="admin_diag_run", icon=":material/monitor_heart:"):
        with st.spinner(tr("admin.diag.run")):
            st.session_state["admin_diag"] = diagnose(ctx.hub).as_dict()
    report = st.session_state.get("admin_diag")
    if report is None:
        return
    if report["ok"]:
        st.success(tr("admin.diag.healthy"), icon=":material/check_circle:")
    else:
        st.error(tr("admin.diag.problems"), icon=":material/error:")
    show = {"ok": st.success, "warn": st.warning, "fail": st.error}
    for check in report["checks"]:
        show[check["status"]](f"**{escape_markdown(check['name'])}**: {escape_markdown(check['detail'])}")
    if ctx.user.is_system_admin:
        with st.expander(tr("admin.diag.raw")):
            st.json(report)


# -- project (owners) ------------------------------------------------------------------------------


def project_section(ctx: PageContext) -> None:
    hub, user, project = ctx.hub, ctx.user, ctx.project
    assert project is not None
    with st.form("admin_rename_form"):
        st.markdown(f"**{tr('admin.project.rename')}**")
        new_name = st.text_input(tr("admin.project.new_name"), value=project.name, key="admin_rename_name")
        if st.form_submit_button(tr("admin.project.rename_button")):
            _run(
                lambda: hub.accounts.rename_project(actor_id=user.id, project_id=project.id, name=new_name),
                tr("admin.project.renamed"),
            )
    others = [m for m in hub.accounts.list_members(actor_id=user.id, project_id=project.id) if m.user_id != user.id]
    with st.form("admin_transfer_form"):
        st.markdown(f"**{tr('admin.project.transfer')}**")
        st.caption(tr("admin.project.transfer_caption"))
        if others:
            by_id = {m.user_id: m for m in others}
            heir = st.selectbox(
                tr("admin.members.pick"),
                list(by_id),
                format_func=lambda uid: f"{by_id[uid].display_name} (@{by_id[uid].username})",
                key="admin_transfer_pick",
            )
        else:
            st.caption(tr("admin.project.no_other_members"))
            heir = None
        if st.form_submit_button(tr("admin.project.transfer_button"), disabled=not others) and heir is not None:
            _run(
                lambda: hub.accounts.transfer_ownership(actor_id=user.id, project_id=project.id, user_id=heir),
                tr("admin.project.transferred", name=by_id[heir].display_name),
            )
    with st.form("admin_delete_form", clear_on_submit=True):
        st.markdown(f"**{tr('admin.project.delete')}**")
        st.caption(tr("admin.project.delete_caption"))
        typed = st.text_input(tr("admin.project.confirm"), key="admin_delete_confirm")
        if st.form_submit_button(tr("admin.project.delete_button"), type="primary"):
            if typed.strip() != project.name:
                st.error(tr("admin.project.confirm_mismatch"))
            else:
                _run(
                    lambda: hub.accounts.delete_project(actor_id=user.id, project_id=project.id),
                    tr("admin.project.deleted"),
                    rerun=False,
                )
                if st.session_state.get(FLASH_KEY) == tr("admin.project.deleted"):
                    remaining = hub.accounts.list_projects(user_id=user.id)
                    st.session_state.pop("active_project_id", None)
                    if remaining:
                        set_project(remaining[0].id)
                    st.rerun()


# -- accounts (system admins) ----------------------------------------------------------------------


def accounts_section(ctx: PageContext) -> None:
    hub, user = ctx.hub, ctx.user
    st.caption(tr("admin.accounts.caption"))
    accounts = hub.auth.list_accounts(actor_id=user.id)
    tz = viewer_tz()
    st.dataframe(
        [
            {
                tr("admin.accounts.username"): a.user.username,
                tr("admin.accounts.display"): a.user.display_name,
                tr("admin.accounts.sign_in"): tr(f"admin.accounts.method.{a.sign_in}"),
                tr("admin.accounts.sysadmin"): a.user.is_system_admin,
                tr("admin.accounts.disabled"): a.user.disabled,
                tr("admin.accounts.locked"): a.locked,
                tr("admin.members.joined"): _local(a.user.created_at, tz),
            }
            for a in accounts
        ],
        hide_index=True,
        width="stretch",
        key="admin_accounts_table",
    )
    left, right = st.columns(2)
    with left, st.form("admin_account_create_form", clear_on_submit=True):
        st.markdown(f"**{tr('admin.accounts.create')}**")
        name = st.text_input(tr("admin.accounts.username"), key="admin_account_new_name")
        display = st.text_input(tr("admin.accounts.display"), key="admin_account_new_display")
        password = st.text_input(tr("admin.accounts.password"), type="password", key="admin_account_new_password")
        make_admin = st.checkbox(tr("admin.accounts.make_admin"), key="admin_account_new_admin")
        if st.form_submit_button(tr("admin.accounts.create_button"), type="primary"):
            _run(
                lambda: hub.auth.create_account(
                    actor_id=user.id,
                    username=name,
                    password=password,
                    display_name=display or None,
                    is_system_admin=make_admin,
                ),
                tr("admin.accounts.created", name=name.strip()),
            )
    by_id = {a.user.id: a for a in accounts}
    with right:
        st.markdown(f"**{tr('admin.accounts.manage')}**")
        picked = st.selectbox(
            tr("admin.accounts.pick"),
            list(by_id),
            format_func=lambda uid: f"{by_id[uid].user.display_name} (@{by_id[uid].user.username})",
            key="admin_account_pick",
        )
        if picked is None:
            return
        target = by_id[picked]
        if target.sign_in != "sso":
            with st.form("admin_account_reset_form", clear_on_submit=True):
                new_pw = st.text_input(
                    tr("admin.accounts.new_password"), type="password", key="admin_account_reset_password"
                )
                if st.form_submit_button(tr("admin.accounts.reset_button")):
                    _run(
                        lambda: hub.auth.set_password(actor_id=user.id, user_id=picked, password=new_pw),
                        tr("admin.accounts.reset_done"),
                    )
        b1, b2, b3 = st.columns(3)
        done = tr("admin.accounts.done")
        if target.user.disabled:
            if b1.button(tr("admin.accounts.enable_button"), key="admin_account_enable"):
                _run(lambda: hub.auth.set_disabled(actor_id=user.id, user_id=picked, disabled=False), done)
        elif b1.button(tr("admin.accounts.disable_button"), key="admin_account_disable", disabled=picked == user.id):
            _run(lambda: hub.auth.set_disabled(actor_id=user.id, user_id=picked, disabled=True), done)
        if target.locked and b2.button(tr("admin.accounts.unlock_button"), key="admin_account_unlock"):
            _run(lambda: hub.auth.unlock(actor_id=user.id, user_id=picked), done)
        if target.user.is_system_admin:
            if b3.button(tr("admin.accounts.revoke_button"), key="admin_account_revoke"):
                _run(lambda: hub.auth.set_system_admin(actor_id=user.id, user_id=picked, value=False), done)
        elif b3.button(tr("admin.accounts.grant_button"), key="admin_account_grant"):
            _run(lambda: hub.auth.set_system_admin(actor_id=user.id, user_id=picked, value=True), done)


# -- page ------------------------------------------------------------------------------------------


def render() -> None:
    ctx = page_context(need_project=False)
    st.title(f"🛠️ {tr('admin.title')}")
    project_admin = ctx.can("manage_members")
    system_admin = ctx.user.is_system_admin
    if not project_admin and not system_admin:
        role = ctx.project.role if ctx.project is not None else None
        st.info(tr("admin.no_access", role=_role_name(role)))
        return
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash)
    sections: list[tuple[str, Callable[[], None]]] = []
    if project_admin:
        sections.append(("members", lambda: members_section(ctx)))
    sections.append(("audit", lambda: audit_section(ctx, project_scope=project_admin, system_scope=system_admin)))
    if project_admin:
        sections.append(("backup", lambda: backup_section(ctx)))
    sections.append(("diagnostics", lambda: diagnostics_section(ctx)))
    sections.append(("digests", lambda: digest_admin(ctx.hub, ctx.user, ctx.project)))
    if ctx.project is not None and role_allows(ctx.project.role, "delete_project"):
        sections.append(("project", lambda: project_section(ctx)))
    if system_admin:
        sections.append(("accounts", lambda: accounts_section(ctx)))
    tabs = st.tabs([tr(f"admin.tab.{name}") for name, _ in sections])
    for tab, (_, draw) in zip(tabs, sections, strict=True):
        with tab:
            draw()
