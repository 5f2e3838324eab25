"""The assistant in the app: asking from the chat (toggle or @ai) with a streamed, cited answer, and the
assistant page (summaries, action items accepted into tasks). Logic lives in collab_core.assistant."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from collab_core.assistant.questions import strip_ask_prefix
from collab_core.assistant.values import ActionItem, Citation
from collab_core.chat.presentation import escape_markdown, safe_markdown, safe_model_markdown, when
from collab_core.errors import CollabError, LLMError
from collab_core.models import Message
from ui.page import PageContext
from ui.session import lang, show_error, tr, viewer_tz

PENDING_KEY = "ai_pending"  # (project_id, question message id) waiting for its streamed answer
LAST_KEY = "ai_last"  # (project_id, answer message id) shown under the chat with its sources
ERROR_KEY = "ai_error"  # (project_id, question id, LLMError) of the last failed attempt
MODE_KEY = "ai_mode"
AVATAR = ":material/smart_toy:"


# -- chat ----------------------------------------------------------------------------------------


def take_question(ctx: PageContext, text: str) -> bool:
    """Called with what the user sent in the chat: when it is for the assistant (toggle on or @ai),
    save the question now and answer it below the chat; return False for an ordinary message."""
    prefixed, _ = strip_ask_prefix(text)
    if not (prefixed or st.session_state.get(MODE_KEY, False)):
        return False
    assert ctx.project is not None and ctx.hub.assistant is not None
    question = ctx.hub.assistant.ask_question(actor_id=ctx.user.id, project_id=ctx.project.id, question=text)
    st.session_state[PENDING_KEY] = (ctx.project.id, question.id)
    st.session_state.pop(ERROR_KEY, None)
    return True


def _retry(project_id: int, question_id: int) -> None:
    st.session_state[PENDING_KEY] = (project_id, question_id)
    st.session_state.pop(ERROR_KEY, None)


def _dismiss() -> None:
    st.session_state.pop(LAST_KEY, None)


def render_chat_panel(ctx: PageContext) -> None:
    """Under the chat: the 'Ask AI' toggle, then the streaming answer or the last answer with its sources."""
    if ctx.can("ask"):
        st.toggle(tr("ai.toggle"), key=MODE_KEY, help=tr("ai.toggle_help"))
    render_answer_area(ctx)


def render_answer_area(ctx: PageContext) -> None:
    """The pending question's streamed answer, a failed attempt with Retry, or the last answer."""
    assert ctx.project is not None
    project = ctx.project
    pending = st.session_state.pop(PENDING_KEY, None)
    if pending and pending[0] == project.id:
        _stream_answer(ctx, pending[1])
        return
    failed = st.session_state.get(ERROR_KEY)
    if failed and failed[0] == project.id:
        show_error(failed[2])
        st.caption(tr("ai.kept"))
        st.button(
            tr("ai.retry"), key="ai_retry", icon=":material/refresh:", on_click=_retry, args=(project.id, failed[1])
        )
        return
    last = st.session_state.get(LAST_KEY)
    if last and last[0] == project.id:
        try:
            answer = ctx.hub.messages.get(actor_id=ctx.user.id, message_id=last[1])
        except CollabError:
            st.session_state.pop(LAST_KEY, None)
            return
        with st.chat_message("assistant", avatar=AVATAR):
            st.markdown(f"**{escape_markdown(tr('ai.name'))}**\n\n{safe_model_markdown(answer.content)}")
            render_sources(ctx, answer)
            st.button(tr("ai.dismiss"), key="ai_dismiss", type="tertiary", on_click=_dismiss)


def _stream_answer(ctx: PageContext, question_id: int) -> None:
    assert ctx.project is not None and ctx.hub.assistant is not None
    hub, user, project = ctx.hub, ctx.user, ctx.project
    with st.chat_message("assistant", avatar=AVATAR):
        st.markdown(f"**{escape_markdown(tr('ai.name'))}**")
        if not hub.assistant.generation_on:
            st.caption(tr("ai.off"))
        try:
            question = hub.messages.get(actor_id=user.id, message_id=question_id)
            with st.spinner(tr("ai.thinking")):
                stream = hub.assistant.answer_stream(actor_id=user.id, question=question)
            st.write_stream(stream)
        except CollabError as exc:
            if isinstance(exc, LLMError):
                st.session_state[ERROR_KEY] = (project.id, question_id, exc)
            show_error(exc)
            if isinstance(exc, LLMError):
                st.caption(tr("ai.kept"))
                st.button(
                    tr("ai.retry"),
                    key="ai_retry_now",
                    icon=":material/refresh:",
                    on_click=_retry,
                    args=(project.id, question_id),
                )
            return
        answer = stream.answer
        if answer is not None and answer.message is not None:
            st.session_state[LAST_KEY] = (project.id, answer.message.id)
            _sources(ctx, answer.citations, answer.invalid_citations)


def render_sources(ctx: PageContext, answer: Message) -> None:
    """Expanders for a saved answer's citations (message, author, time); each checked again on read."""
    meta = answer.meta or {}
    citations = []
    for mid in meta.get("citations", []):
        try:
            m = ctx.hub.messages.get(actor_id=ctx.user.id, message_id=int(mid))
        except CollabError:
            continue
        if not m.is_deleted:
            citations.append(Citation(m.id, m.author, m.created_at, m.content))
    _sources(ctx, citations, meta.get("invalid_citations", []))


def _sources(ctx: PageContext, citations: Any, invalid: Any) -> None:
    tz, ui_lang = viewer_tz(), lang()
    if citations:
        st.caption(tr("ai.sources", n=len(citations)))
        for c in citations:
            label = tr("ai.source_label", id=c.message_id, author=c.author, when=when(c.created_at, tz, ui_lang))
            with st.expander(label, icon=":material/format_quote:"):
                st.markdown(safe_markdown(c.content))
    if invalid:
        st.caption(
            ":gray[" + escape_markdown(tr("ai.invalid", n=len(invalid), ids=", ".join(f"#{i}" for i in invalid))) + "]"
        )


# -- the assistant page ------------------------------------------------------------------------------


def render_page(ctx: PageContext) -> None:
    """Ask, summaries (all time / range / since last visit) and action items accepted into tasks."""
    assert ctx.project is not None and ctx.hub.assistant is not None
    st.markdown(f"### 🤖 {escape_markdown(tr('ai.page_title'))}")
    st.caption(tr("ai.page_intro"))
    if not ctx.hub.assistant.generation_on:
        st.info(tr("ai.off"), icon=":material/power_off:")
    ask, summary, actions = st.tabs([tr("ai.tab_ask"), tr("ai.tab_summary"), tr("ai.tab_actions")])
    with ask:
        _ask_tab(ctx)
    with summary:
        _summary_tab(ctx)
    with actions:
        _actions_tab(ctx)


def _ask_tab(ctx: PageContext) -> None:
    assert ctx.project is not None
    if not ctx.can("ask"):
        st.caption(tr("ai.viewer"))
        return
    with st.form("ai_ask_form", clear_on_submit=True, border=False):
        text = st.text_input(
            tr("ai.ask_placeholder"),
            key="ai_ask_text",
            label_visibility="collapsed",
            placeholder=tr("ai.ask_placeholder"),
        )
        go = st.form_submit_button(tr("ai.ask_button"), type="primary", icon=":material/send:")
    if go and text.strip():
        try:
            assert ctx.hub.assistant is not None
            q = ctx.hub.assistant.ask_question(actor_id=ctx.user.id, project_id=ctx.project.id, question=text)
            st.session_state[PENDING_KEY] = (ctx.project.id, q.id)
            st.session_state.pop(ERROR_KEY, None)
        except CollabError as exc:
            show_error(exc)
    render_answer_area(ctx)


def _period(ctx: PageContext, key: str) -> tuple[date | None, date | None, bool] | None:
    """The period picker: (start, end, since_last_visit); None while a range is incomplete."""
    options = ["all", "range"] + (["since"] if ctx.user is not None else [])
    labels = {"all": tr("ai.period_all"), "range": tr("ai.period_range"), "since": tr("ai.period_since")}
    choice = st.segmented_control(
        tr("ai.period"), options, format_func=labels.__getitem__, default="all", key=f"{key}_period"
    )
    if choice == "range":
        today = date.today()
        picked = st.date_input(tr("ai.dates"), value=(today - timedelta(days=7), today), key=f"{key}_dates")
        if not isinstance(picked, tuple) or len(picked) != 2:
            return None
        return picked[0], picked[1], False
    if choice == "since":
        assert ctx.project is not None and ctx.hub.assistant is not None
        seen = ctx.hub.assistant.last_visit(actor_id=ctx.user.id, project_id=ctx.project.id)
        st.caption(tr("ai.last_visit", when=when(seen, viewer_tz(), lang())) if seen else tr("ai.first_visit"))
        return None, None, True
    return None, None, False


def _summary_tab(ctx: PageContext) -> None:
    assert ctx.project is not None and ctx.hub.assistant is not None
    period = _period(ctx, "ai_sum")
    if st.button(
        tr("ai.summarize"), key="ai_summarize", type="primary", icon=":material/summarize:", disabled=period is None
    ):
        assert period is not None
        try:
            with st.spinner(tr("ai.thinking")):
                s = ctx.hub.assistant.summarize(
                    actor_id=ctx.user.id,
                    project_id=ctx.project.id,
                    start=period[0],
                    end=period[1],
                    since_last_visit=period[2],
                    language=lang(),
                )
        except CollabError as exc:
            show_error(exc)
            return
        st.session_state["ai_summary"] = (ctx.project.id, s)
    saved = st.session_state.get("ai_summary")
    if saved and saved[0] == ctx.project.id:
        s = saved[1]
        with st.container(border=True):
            st.markdown(safe_model_markdown(s.text))
            if s.message_count:
                st.caption(tr("ai.summary_meta", used=s.used_messages, n=s.message_count))
            _sources(ctx, s.citations, s.invalid_citations)


def _accept(ctx: PageContext, items: list[ActionItem]) -> None:
    assert ctx.project is not None and ctx.hub.assistant is not None
    try:
        tasks = ctx.hub.assistant.accept_action_items(actor_id=ctx.user.id, project_id=ctx.project.id, items=items)
    except CollabError as exc:
        st.session_state["ai_accept_error"] = exc
        return
    st.session_state["ai_accepted"] = [t.title for t in tasks]
    keys = st.session_state.get("ai_items_done_titles", set()) | {(i.title, i.source_message_ids) for i in items}
    st.session_state["ai_items_done_titles"] = keys


def _actions_tab(ctx: PageContext) -> None:
    assert ctx.project is not None and ctx.hub.assistant is not None
    period = _period(ctx, "ai_act")
    if st.button(
        tr("ai.extract"), key="ai_extract", type="primary", icon=":material/checklist:", disabled=period is None
    ):
        assert period is not None
        start, end = period[0], period[1]
        if period[2]:
            start = ctx.hub.assistant.last_visit(actor_id=ctx.user.id, project_id=ctx.project.id)
        try:
            with st.spinner(tr("ai.thinking")):
                found = ctx.hub.assistant.extract_action_items(
                    actor_id=ctx.user.id, project_id=ctx.project.id, start=start, end=end, language=lang()
                )
        except CollabError as exc:
            show_error(exc)
            return
        st.session_state["ai_items"] = (ctx.project.id, found)
        st.session_state["ai_items_done_titles"] = set()
    error = st.session_state.pop("ai_accept_error", None)
    if error is not None:
        show_error(error)
    accepted = st.session_state.pop("ai_accepted", None)
    if accepted:
        st.success(tr("ai.accepted", titles=", ".join(accepted)), icon=":material/task_alt:")
    saved = st.session_state.get("ai_items")
    if not saved or saved[0] != ctx.project.id:
        return
    found = saved[1]
    if not found.items:
        st.info(tr("ai.no_items"))
        return
    if not found.generated:
        st.caption(tr("ai.items_heuristic"))
    can_write = ctx.can("task_write")
    done = st.session_state.get("ai_items_done_titles", set())
    open_items = [i for i in found.items if (i.title, i.source_message_ids) not in done]
    tz, ui_lang = viewer_tz(), lang()
    for n, item in enumerate(found.items):
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            owner = item.owner or tr("ai.unassigned")
            due = item.due_date.isoformat() if item.due_date else "—"
            left.markdown(
                f"**{escape_markdown(item.title)}**  \n"
                f":gray[{escape_markdown(tr('ai.item_owner'))}: {escape_markdown(owner)} · "
                f"{escape_markdown(tr('ai.item_due'))}: {due} · {escape_markdown(tr('ai.from_messages'))}: "
                + ", ".join(f"#{i}" for i in item.source_message_ids)
                + "]"
            )
            if (item.title, item.source_message_ids) in done:
                right.markdown(":green[:material/check_circle:]")
            elif can_write:
                right.button(tr("ai.accept"), key=f"ai_accept_{n}", on_click=_accept, args=(ctx, [item]))
            for mid in item.source_message_ids[:1]:
                try:
                    m = ctx.hub.messages.get(actor_id=ctx.user.id, message_id=mid)
                except CollabError:
                    continue
                with left.expander(
                    tr("ai.source_label", id=m.id, author=m.author, when=when(m.created_at, tz, ui_lang))
                ):
                    st.markdown(safe_markdown(m.content))
    if can_write and len(open_items) > 1:
        st.button(tr("ai.accept_all"), key="ai_accept_all", type="primary", on_click=_accept, args=(ctx, open_items))
