"""Sidebar: active project (switch, create, demo), signed-in user, language toggle, sign-out.

Every widget has a fixed key, so its identity is the same on the first signed-in run as on every later
one and the first press always counts. Creating a project, loading the demo or being invited switches
(or points) to the project and says so. A small fragment polls the user's memberships and sign-in
every few seconds, so a project someone adds you to appears without a click and a session that was
ended elsewhere (sign out everywhere, password change) signs out on its own.
"""

from __future__ import annotations

import streamlit as st

from collab_core.errors import CollabError
from collab_core.hub import Hub
from collab_core.models import Project, User
from ui.session import (
    LANG_KEY,
    TOKEN_KEY,
    active_project,
    lang,
    set_project,
    show_error,
    sign_out,
    tr,
)
from ui.tasks_inbox import inbox_badge

# The features' sidebar widgets, in order: fn(hub, user, project) -> None.
SIDEBAR_EXTRAS = (inbox_badge,)

FLASH_KEY = "sidebar_flash"
KNOWN_KEY = "sidebar_known_projects"
WATCH_S = 3.0


def switch_to(project_id: int, message: str) -> None:
    """Make a project the active one and say so on the next run."""
    set_project(project_id)
    st.session_state[FLASH_KEY] = message


def _picked() -> None:
    set_project(st.session_state["sidebar_project"])


@st.fragment(run_every=WATCH_S)
def _watch(hub: Hub, user_id: int, token: str | None, seen: tuple[tuple[int, str], ...]) -> None:
    """Rerun the app when the user's projects or roles change, or this sign-in has ended elsewhere."""
    if hub.invites.memberships_of(user_id=user_id) != seen or hub.sessions.resume(token) is None:
        st.rerun(scope="app")


def _announce_new_projects(projects: list[Project]) -> None:
    """A flash for projects that appeared since the last run (someone added or invited the user)."""
    ids = {p.id for p in projects}
    known = st.session_state.get(KNOWN_KEY)
    st.session_state[KNOWN_KEY] = ids
    if known is None:
        return
    new = [p for p in projects if p.id not in known]
    if new and FLASH_KEY not in st.session_state:
        st.session_state[FLASH_KEY] = tr("project.added_to", name=", ".join(p.name for p in new))


def _keep_link(project: Project) -> None:
    """The address names the project, so a copied link opens the same project."""
    if st.query_params.get("project") != str(project.id):
        st.query_params["project"] = str(project.id)


def render(hub: Hub, user: User) -> Project | None:
    with st.sidebar:
        st.markdown(f"### {tr('app.title')}")
        project = active_project(hub, user)
        projects = hub.accounts.list_projects(user_id=user.id)
        _announce_new_projects(projects)
        flash = st.session_state.pop(FLASH_KEY, None)
        if flash:
            st.success(flash, icon=":material/check_circle:")
        if projects and project is not None:
            names = {p.id: p.name for p in projects}
            st.session_state["sidebar_project"] = project.id
            st.selectbox(
                tr("project.label"),
                list(names),
                format_func=lambda pid: names[pid],
                key="sidebar_project",
                on_change=_picked,
            )
            if project.role:
                st.caption(tr("project.role", role=tr(f"role.{project.role}")))
            _keep_link(project)
        _create_project(hub, user, has_projects=bool(projects))
        _demo_button(hub, user)
        for extra in SIDEBAR_EXTRAS:
            extra(hub, user, project)
        _watch(hub, user.id, st.session_state.get(TOKEN_KEY), hub.invites.memberships_of(user_id=user.id))
        st.divider()
        st.markdown(tr("auth.signed_in_as", name=user.display_name))
        current = lang()
        picked = st.segmented_control(
            tr("lang.label"),
            ["ko", "en"],
            default=current,
            format_func=lambda c: {"ko": "한국어", "en": "English"}[c],
            key="sidebar_lang",
        )
        if picked and picked != current:
            st.session_state[LANG_KEY] = picked
            st.rerun()
        c1, c2 = st.columns(2)
        if c1.button(tr("auth.sign_out"), key="sidebar_sign_out"):
            sign_out(hub)
            st.rerun()
        if c2.button(tr("auth.sign_out_everywhere"), key="sidebar_sign_out_everywhere"):
            sign_out(hub, everywhere=True)
            st.rerun()
    return project


def _create_project(hub: Hub, user: User, *, has_projects: bool) -> None:
    with (
        st.expander(tr("project.create"), expanded=not has_projects),
        st.form("create_project_form", clear_on_submit=True),
    ):
        name = st.text_input(tr("project.name"), key="sidebar_new_project_name")
        desc = st.text_area(tr("project.description"), height=68, key="sidebar_new_project_description")
        if st.form_submit_button(tr("project.create_button"), key="sidebar_create_project"):
            try:
                created = hub.accounts.create_project(actor_id=user.id, name=name, description=desc)
            except CollabError as exc:
                show_error(exc)
            else:
                switch_to(created.id, tr("project.created", name=created.name))
                st.session_state[KNOWN_KEY] = st.session_state.get(KNOWN_KEY, set()) | {created.id}
                st.rerun()


def _demo_button(hub: Hub, user: User) -> None:
    if not st.button(tr("project.load_demo"), key="sidebar_demo"):
        return
    from collab_core.ops.demo import demo_name_for, load_demo

    try:
        name = demo_name_for(hub, user_id=user.id, username=user.username)
        with st.spinner(tr("project.demo_loading")):
            info = load_demo(hub, project_name=name, owner_id=user.id)
    except CollabError as exc:
        show_error(exc)
        return
    switch_to(int(info["project_id"]), tr("project.demo_loaded", name=name))
    st.session_state[KNOWN_KEY] = st.session_state.get(KNOWN_KEY, set()) | {int(info["project_id"])}
    st.rerun()
