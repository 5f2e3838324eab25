"""Invites in the app: adding existing accounts by name, invite links, and arriving through one.

An invite link is the app's address with ?invite=TOKEN. Signed out, the sign-in screen says which
project and role the link offers and opens on "create account"; once signed in (new account or
existing), the router redeems it: the person joins the project and the app switches to it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import streamlit as st

from collab_core.errors import CollabError
from collab_core.hub import Hub
from collab_core.models import User
from collab_core.people.invites import INVITE_ROLES, Invite
from ui.page import PageContext
from ui.session import show_error, tr, viewer_tz
from ui.sidebar import switch_to

INVITE_PARAM = "invite"
LINK_KEY = "admin_invite_new_link"


def _token() -> str | None:
    raw = st.query_params.get(INVITE_PARAM)
    return raw if isinstance(raw, str) and raw else None


def pending_invite(hub: Hub) -> Invite | None:
    """The invite the address carries, announced on the sign-in screen (an error when it does not work)."""
    token = _token()
    if token is None:
        return None
    try:
        invite = hub.invites.preview(token)
    except CollabError as exc:
        show_error(exc)
        return None
    st.info(tr("invite.welcome", project=invite.project_name, role=tr(f"role.{invite.role}")), icon="✉️")
    return invite


def redeem_link(hub: Hub, user: User) -> None:
    """Signed in with ?invite= in the address: join the project, switch to it, and drop the token from the URL."""
    token = _token()
    if token is None:
        return
    del st.query_params[INVITE_PARAM]
    try:
        project = hub.invites.accept(token=token, user_id=user.id)
    except CollabError as exc:
        show_error(exc)
        return
    st.query_params["project"] = str(project.id)
    switch_to(project.id, tr("invite.joined", name=project.name, role=tr(f"role.{project.role}")))


def _label(person: object) -> str:
    return f"{person.display_name} (@{person.username})"  # type: ignore[attr-defined]


def add_people_form(ctx: PageContext, grantable: list[str], done: object) -> None:
    """Pick an account by name (type to filter, Korean or English) and give it a role."""
    hub, user, project = ctx.hub, ctx.user, ctx.project
    assert project is not None
    people = {p.user_id: p for p in hub.invites.people_to_add(actor_id=user.id, project_id=project.id)}
    with st.form("admin_member_add_form", clear_on_submit=True):
        st.markdown(f"**{tr('admin.members.add')}**")
        picked = st.selectbox(
            tr("invite.person"),
            list(people),
            index=None,
            format_func=lambda uid: _label(people[uid]),
            placeholder=tr("invite.person_placeholder"),
            key="admin_member_add_pick",
        )
        role = st.selectbox(
            tr("admin.members.role"),
            grantable,
            index=grantable.index("member"),
            format_func=lambda r: tr(f"role.{r}"),
            key="admin_member_add_role",
        )
        add = st.form_submit_button(tr("admin.members.add_button"), type="primary")
    if not people:
        st.caption(tr("invite.nobody_to_add"))
    if add:
        if picked is None or picked not in people:
            st.error(tr("invite.pick_someone"))
            return
        person = people[picked]
        done(  # type: ignore[operator]
            lambda: hub.accounts.set_member(actor_id=user.id, project_id=project.id, user_id=person.user_id, role=role),
            tr("admin.members.added", name=person.display_name, role=tr(f"role.{role}")),
        )


def invite_url(token: str) -> str:
    """The app's address (as this browser sees it) with the invite token, at the root page."""
    base = getattr(st.context, "url", None) or "http://localhost:8501/"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/", f"{INVITE_PARAM}={token}", ""))


def _when(dt: datetime) -> str:
    return dt.replace(tzinfo=UTC).astimezone(viewer_tz()).strftime("%Y-%m-%d %H:%M")


def invite_links_section(ctx: PageContext) -> None:
    """Create an invite link with a role and an expiry; list and revoke the working ones."""
    hub, user, project = ctx.hub, ctx.user, ctx.project
    assert project is not None
    st.markdown(f"**{tr('invite.links')}**")
    st.caption(tr("invite.links_caption"))
    with st.form("admin_invite_form"):
        c1, c2 = st.columns(2)
        role = c1.selectbox(
            tr("admin.members.role"),
            list(INVITE_ROLES),
            index=INVITE_ROLES.index("member"),
            format_func=lambda r: tr(f"role.{r}"),
            key="admin_invite_role",
        )
        days = c2.number_input(tr("invite.days"), 1, 90, 7, step=1, key="admin_invite_days")
        if st.form_submit_button(tr("invite.create"), type="primary"):
            try:
                made = hub.invites.create(actor_id=user.id, project_id=project.id, role=role, days=int(days))
            except CollabError as exc:
                show_error(exc)
            else:
                st.session_state[LINK_KEY] = (project.id, invite_url(made.token or ""), made.role, made.expires_at)
    fresh = st.session_state.get(LINK_KEY)
    if fresh and fresh[0] == project.id:
        st.success(tr("invite.created", role=tr(f"role.{fresh[2]}"), until=_when(fresh[3])))
        st.code(fresh[1], language=None)
    for inv in hub.invites.active(actor_id=user.id, project_id=project.id):
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        c1.caption(tr("invite.row", role=tr(f"role.{inv.role}"), until=_when(inv.expires_at), uses=inv.uses))
        if c2.button(tr("invite.revoke"), key=f"admin_invite_revoke_{inv.id}"):
            try:
                hub.invites.revoke(actor_id=user.id, project_id=project.id, invite_id=inv.id)
            except CollabError as exc:
                show_error(exc)
            else:
                st.session_state.pop(LINK_KEY, None)
                st.rerun()
