"""Chat: the project's conversation. The message list is a fragment that refreshes itself, so
teammates' messages arrive without a page rerun and without touching what the user is typing."""

from __future__ import annotations

import streamlit as st

from collab_core.chat.presentation import escape_markdown
from collab_core.chat.views import chat_stamp, chat_window
from collab_core.errors import CollabError
from ui import assistant as assistant_ui
from ui.messages import render_listing
from ui.page import page_context
from ui.perf import timed
from ui.session import lang, show_error, tr, viewer_tz

LIVE_EVERY_S = 1.5
LIST_HEIGHT = 560

ctx = page_context()
project = ctx.project
assert project is not None  # page_context() stops the page without one
hub, user = ctx.hub, ctx.user
tz = viewer_tz()
ui_lang = lang()
pages_key = f"chat_pages_{project.id}"
st.session_state.setdefault(pages_key, 1)
can_post = ctx.can("post")
can_remove = ctx.can("delete_message")

# The input is read first so a sent message is already in the list this run draws.
error: CollabError | None = None
if can_post:
    sent = st.chat_input(tr("chat.placeholder", project=project.name), key="chat_input")
    if sent is not None:
        try:
            if not assistant_ui.take_question(ctx, sent):  # toggle on or "@ai ..." goes to the assistant
                hub.messages.post(actor_id=user.id, project_id=project.id, content=sent)
        except CollabError as exc:
            error = exc


def _older() -> None:
    st.session_state[pages_key] += 1


def _remove(message_id: int) -> None:
    try:
        hub.messages.delete(actor_id=user.id, message_id=message_id)
    except CollabError as exc:
        st.session_state["chat_remove_error"] = exc


@st.fragment(run_every=LIVE_EVERY_S)
def live_messages() -> None:
    """Only this part reruns every LIVE_EVERY_S seconds."""
    with timed("chat.live"):
        # Re-read the messages only when something changed (a new message or a removal).
        key = (project.id, st.session_state[pages_key], chat_stamp(hub.messages, project_id=project.id))
        cached = st.session_state.get("chat_window")
        if cached is not None and cached[0] == key:
            window = cached[1]
        else:
            window = chat_window(hub.messages, actor_id=user.id, project_id=project.id, pages=key[1])
            st.session_state["chat_window"] = (key, window)
        moderating = can_remove and st.session_state.get("chat_moderate", False)
        with st.container(height=LIST_HEIGHT, border=False, key="chat_list"):
            if not window.items:
                st.info(tr("chat.empty"), icon=":material/waving_hand:")
            elif window.has_older:
                st.button(
                    tr("chat.load_older"), icon=":material/history:", key="chat_older", on_click=_older, type="tertiary"
                )
            else:
                st.caption(tr("chat.start"))
            render_listing(window.items, tz, ui_lang, on_remove=_remove if moderating else None)
        removal_error = st.session_state.pop("chat_remove_error", None)
        if removal_error is not None:
            show_error(removal_error)


with timed("chat.page"):
    head, side = st.columns([4, 1], vertical_alignment="bottom")
    head.markdown(f"### :material/forum: {escape_markdown(project.name)}")
    if project.description:
        head.caption(escape_markdown(project.description))
    if can_remove:
        side.toggle(tr("chat.moderate"), key="chat_moderate", help=tr("chat.remove_help"))
    live_messages()
    assistant_ui.render_chat_panel(ctx)
    if error is not None:
        show_error(error)
    if not can_post:
        st.caption(tr("chat.read_only", role=tr(f"role.{project.role}")))
