"""Inbox: messages where teammates @mentioned the signed-in user; mark them read. The list refreshes
itself so a new mention shows up while the page is open."""

from __future__ import annotations

import streamlit as st

from collab_core.chat.presentation import avatar_svg, escape_markdown, safe_markdown, when
from collab_core.errors import CollabError
from ui.digests import digest_inbox
from ui.page import page_context
from ui.session import lang, show_error, tr, viewer_tz

LIVE_EVERY_S = 3.0
PAGE_SIZE = 50

ctx = page_context(need_project=False)
hub, user, project = ctx.hub, ctx.user, ctx.project
tz = viewer_tz()
ui_lang = lang()
st.session_state.setdefault("inbox_unread_only", True)
st.session_state.setdefault("inbox_this_project", False)


def _scope() -> int | None:
    return project.id if project is not None and st.session_state["inbox_this_project"] else None


def _mark(mention_id: int, read: bool) -> None:
    try:
        hub.mentions.mark_read(user_id=user.id, mention_ids=[mention_id], read=read)
    except CollabError as exc:
        st.session_state["inbox_error"] = exc


def _mark_all() -> None:
    hub.mentions.mark_read(user_id=user.id, project_id=_scope())


st.markdown(f"### 🔔 {tr('inbox.title')}")
st.caption(tr("inbox.caption"))
with st.container(horizontal=True, vertical_alignment="center", key="inbox_controls"):
    st.toggle(tr("inbox.unread_only"), key="inbox_unread_only")
    if project is not None:
        st.toggle(tr("inbox.this_project"), key="inbox_this_project")
    st.button(tr("inbox.mark_all"), icon=":material/done_all:", key="inbox_mark_all", on_click=_mark_all)


@st.fragment(run_every=LIVE_EVERY_S)
def live_inbox() -> None:
    error = st.session_state.pop("inbox_error", None)
    if error is not None:
        show_error(error)
    scope = _scope()
    unread = hub.mentions.unread_count(user_id=user.id, project_id=scope)
    st.caption(tr("inbox.unread_n", n=unread))
    items = hub.mentions.inbox(
        user_id=user.id, project_id=scope, unread_only=st.session_state["inbox_unread_only"], limit=PAGE_SIZE
    )
    if not items:
        st.info(tr("inbox.empty"), icon="🔔")
        st.caption(tr("inbox.hint"))
        return
    for m in items:
        with st.container(border=True, key=f"mention_{m.id}"):
            head, action = st.columns([6, 1], vertical_alignment="center")
            with head:
                dot = "" if m.is_read else ":blue[●] "
                badge = f" :violet-badge[{tr('kind.' + m.kind)}]" if m.kind != "chat" else ""
                where = tr("inbox.in_project", project=escape_markdown(m.project))
                with st.chat_message(m.author, avatar=avatar_svg(m.author)):
                    st.markdown(
                        f"{dot}**{escape_markdown(m.author)}** :gray[{escape_markdown(when(m.created_at, tz, ui_lang))}"
                        f" · {where}]{badge}\n\n{safe_markdown(m.content)}"
                    )
            action.button(
                tr("inbox.mark_unread") if m.is_read else tr("inbox.mark_read"),
                key=f"mention_read_{m.id}",
                icon=":material/mark_email_unread:" if m.is_read else ":material/mark_email_read:",
                type="tertiary",
                on_click=_mark,
                args=(m.id, not m.is_read),
            )


live_inbox()
digest_inbox(hub, user, project)
