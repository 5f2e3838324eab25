"""Sidebar: active project (switch, create, demo), signed-in user, language toggle."""

from __future__ import annotations

import streamlit as st

from collab_core.errors import CollabError
from collab_core.hub import Hub
from collab_core.models import Project, User
from ui.session import LANG_KEY, PROJECT_KEY, active_project, lang, set_project, show_error, sign_out, tr
from ui.tasks_inbox import inbox_badge

# The features' sidebar widgets, in order: fn(hub, user, project) -> None.
SIDEBAR_EXTRAS = (inbox_badge,)


def render(hub: Hub, user: User) -> Project | None:
    with st.sidebar:
        st.markdown(f"### {tr('app.title')}")
        project = active_project(hub, user)
        projects = hub.accounts.list_projects(user_id=user.id)
        if projects:
            ids = [p.id for p in projects]
            names = {p.id: p.name for p in projects}
            choice = st.selectbox(
                tr("project.label"),
                ids,
                index=ids.index(project.id) if project else 0,
                format_func=lambda pid: names[pid],
                key="sidebar_project",
            )
            if project is None or choice != project.id:
                set_project(choice)
                project = next(p for p in projects if p.id == choice)
            if project.role:
                st.caption(tr("project.role", role=tr(f"role.{project.role}")))
        with st.expander(tr("project.create"), expanded=not projects):
            with st.form("create_project_form", clear_on_submit=True):
                name = st.text_input(tr("project.name"))
                desc = st.text_area(tr("project.description"), height=68)
                if st.form_submit_button(tr("project.create_button")):
                    try:
                        created = hub.accounts.create_project(actor_id=user.id, name=name, description=desc)
                    except CollabError as exc:
                        show_error(exc)
                    else:
                        set_project(created.id)
                        st.rerun()
            if st.button(tr("project.load_demo"), key="sidebar_demo"):
                from collab_core.ops.demo import load_demo

                # load_demo(owner_id=...) makes the user an owner of the project with that name, so it must
                # never be someone else's project: use the user's own demo name when the default is taken.
                owned = {p.name for p in projects if p.role == "owner"}
                demo_name = next(
                    (
                        n
                        for n in ("Landing Page Team", f"Landing Page Team ({user.username})")
                        if n in owned or hub.accounts.find_project(n) is None
                    ),
                    None,
                )
                if demo_name is None:
                    from collab_core.errors import ConflictError

                    show_error(ConflictError(f"A project named 'Landing Page Team ({user.username})' already exists."))
                else:
                    info = load_demo(hub, project_name=demo_name, owner_id=user.id)
                    st.session_state[PROJECT_KEY] = info["project_id"]
                    st.rerun()
        for extra in SIDEBAR_EXTRAS:
            extra(hub, user, project)
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
        if st.button(tr("auth.sign_out"), key="sidebar_sign_out"):
            sign_out()
            st.rerun()
    return project
