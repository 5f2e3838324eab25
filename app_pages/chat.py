"""Chat: the project's conversation.

Your message is in the list the moment you press Enter (marked as sending, then sent), drawn before
it is stored; the stored message is indexed for search afterwards, so a long one does not keep you
waiting. A refused or failed message stays in the list with the error and a retry, and its text is
put back into the input. Teammates' messages arrive through ui.live: the page reruns only when the
project's message counter moved. Consecutive messages by one person share one header; @mentions are
highlighted, mentions of you most.
"""

from __future__ import annotations

import uuid

import streamlit as st

from collab_core.chat.mentions import mention_spans
from collab_core.chat.presentation import avatar_url, escape_markdown, safe_markdown, short_time
from collab_core.chat.views import chat_window
from collab_core.errors import CollabError
from collab_core.models import Message
from collab_core.store.changes import project_scope, user_scope
from ui import assistant as assistant_ui
from ui import live
from ui.messages import render_chat
from ui.page import page_context
from ui.perf import timed
from ui.session import lang, show_error, tr, viewer_tz

LIST_HEIGHT = 560

ctx = page_context()
project = ctx.project
assert project is not None  # page_context() stops the page without one
hub, user = ctx.hub, ctx.user
tz = viewer_tz()
ui_lang = lang()
pages_key = f"chat_pages_{project.id}"
pending_key = f"chat_pending_{project.id}"
st.session_state.setdefault(pages_key, 1)
can_post = ctx.can("post")
can_remove = ctx.can("delete_message")
messages_scope = project_scope(project.id, "messages")
scopes = (messages_scope, user_scope(user.id, "projects"))
seen = live.mark(hub, scopes, key="chat")

# A refused message goes back into the input (it can only be set before the input is drawn).
restore = st.session_state.pop("chat_restore", None)
if restore is not None:
    st.session_state["chat_input"] = restore


def _older() -> None:
    st.session_state[pages_key] += 1


def _remove(message_id: int) -> None:
    try:
        hub.messages.delete(actor_id=user.id, message_id=message_id)
    except CollabError as exc:
        st.session_state["chat_remove_error"] = exc


def _retry() -> None:
    failed = st.session_state.get(pending_key)
    if failed is not None:
        st.session_state[pending_key] = {**failed, "state": "sending", "error": None}
        st.session_state["chat_input"] = ""  # the text is being sent again; the put-back copy goes


def _discard() -> None:
    st.session_state.pop(pending_key, None)


error: CollabError | None = None
if can_post:
    sent = st.chat_input(tr("chat.placeholder", project=project.name), key="chat_input")
    if sent is not None:
        try:
            if not assistant_ui.take_question(ctx, sent):  # toggle on or "@ai ..." goes to the assistant
                st.session_state[pending_key] = {"id": uuid.uuid4().hex, "text": sent, "state": "sending"}
        except CollabError as exc:
            error = exc


def _window():  # type: ignore[no-untyped-def]
    # Re-read the messages only when the project's message counter moved (or more pages were asked for).
    key = (project.id, st.session_state[pages_key], seen[messages_scope])
    cached = st.session_state.get("chat_window")
    if cached is not None and cached[0] == key:
        return cached[1]
    window = chat_window(hub.messages, actor_id=user.id, project_id=project.id, pages=key[1])
    st.session_state["chat_window"] = (key, window)
    return window


def _mention_finder():  # type: ignore[no-untyped-def]
    members = [
        (m.user_id, m.username, m.display_name)
        for m in hub.accounts.list_members(actor_id=user.id, project_id=project.id)
    ]
    return lambda text: mention_spans(text, members)


def _draw_pending(slot, pending: dict, *, sent: Message | None = None) -> None:  # type: ignore[type-arg]
    """Your message before it is stored (sending), once stored (sent), or refused (error + retry)."""
    with (
        slot.container(key=f"chat_pending_{pending['id']}_{'sent' if sent else pending['state']}"),
        st.chat_message(user.display_name, avatar=avatar_url(user.display_name)),
    ):
        state = pending["state"] if sent is None else "sent"
        when = short_time(sent.created_at, tz) if sent is not None else ""
        label = {
            "sending": f":gray[:material/schedule: {tr('chat.sending')}]",
            "sent": f":gray[:material/done: {tr('chat.sent')}]",
            "failed": f":red[:material/error: {tr('chat.failed')}]",
        }[state]
        head = f"**{escape_markdown(user.display_name)}** :gray[{escape_markdown(when)}] {label}"
        st.markdown(f"{head}\n\n{safe_markdown(pending['text'])}")
        if state == "failed":
            show_error(pending["error"])
            with st.container(horizontal=True):
                st.button(tr("chat.retry"), icon=":material/refresh:", key="chat_retry", on_click=_retry)
                st.button(
                    tr("chat.discard"), icon=":material/close:", key="chat_discard", on_click=_discard, type="tertiary"
                )


def _send(slot, pending: dict) -> None:  # type: ignore[type-arg]
    try:
        message = hub.messages.post(actor_id=user.id, project_id=project.id, content=pending["text"], index_later=True)
    except CollabError as exc:
        st.session_state[pending_key] = {**pending, "state": "failed", "error": exc}
        st.session_state["chat_restore"] = pending["text"]
        st.rerun()  # draws the error and puts the text back into the input
    st.session_state.pop(pending_key, None)
    _draw_pending(slot, pending, sent=message)  # the list shows it as a stored message at the next check


with timed("chat.page"):
    head, side = st.columns([4, 1], vertical_alignment="bottom")
    head.markdown(f"### :material/forum: {escape_markdown(project.name)}")
    if project.description:
        head.caption(escape_markdown(project.description))
    if can_remove:
        side.toggle(tr("chat.moderate"), key="chat_moderate", help=tr("chat.remove_help"))
    window = _window()
    pending = st.session_state.get(pending_key)
    moderating = can_remove and st.session_state.get("chat_moderate", False)
    with st.container(height=LIST_HEIGHT, border=False, key="chat_list"):
        if not window.items and pending is None:
            st.info(tr("chat.empty"), icon=":material/waving_hand:")
        elif window.has_older:
            st.button(
                tr("chat.load_older"), icon=":material/history:", key="chat_older", on_click=_older, type="tertiary"
            )
        else:
            st.caption(tr("chat.start"))
        render_chat(
            window.items, tz, ui_lang, mentions=_mention_finder(), me=user.id, on_remove=_remove if moderating else None
        )
        slot = st.empty()
        if pending is not None:
            _draw_pending(slot, pending)
    removal_error = st.session_state.pop("chat_remove_error", None)
    if removal_error is not None:
        show_error(removal_error)
    if pending is not None and pending["state"] == "sending":
        _send(slot, pending)
    assistant_ui.render_chat_panel(ctx)
    if error is not None:
        show_error(error)
    if not can_post:
        st.caption(tr("chat.read_only", role=tr(f"role.{project.role}")))
    live.watch(hub, scopes, key="chat")
