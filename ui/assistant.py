"""The assistant in the app: asking from the chat (toggle or @ai) with a streamed, cited answer, and the
assistant page (summaries, action items accepted into tasks). Logic lives in collab_core.assistant."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from collab_core.assistant import ActionItem, Citation, strip_ask_prefix
from collab_core.errors import CollabError, LLMError
from collab_core.i18n import register, register_error
from collab_core.models import Message
from collab_core.presentation import escape_markdown, safe_markdown, when
from ui.page import PageContext
from ui.session import lang, show_error, tr, viewer_tz

register(
    {
        "ai.toggle": {"en": "Ask AI", "ko": "AI에게 묻기"},
        "ai.toggle_help": {
            "en": "Send your next messages to the AI assistant (or start a message with @ai).",
            "ko": "다음 메시지를 AI 어시스턴트에게 보냅니다 (메시지를 @ai 로 시작해도 됩니다).",
        },
        "ai.name": {"en": "AI Assistant", "ko": "AI 어시스턴트"},
        "ai.thinking": {"en": "Looking through the project memory…", "ko": "프로젝트 기록을 찾아보는 중…"},
        "ai.sources": {"en": "Sources ({n})", "ko": "출처 ({n})"},
        "ai.source_label": {"en": "#{id} · {author} · {when}", "ko": "#{id} · {author} · {when}"},
        "ai.invalid": {
            "en": "Removed {n} citation(s) that did not point to a message the assistant was shown: {ids}",
            "ko": "어시스턴트가 보지 않은 메시지를 가리킨 출처 {n}개를 뺐습니다: {ids}",
        },
        "ai.retry": {"en": "Retry", "ko": "다시 시도"},
        "ai.kept": {
            "en": "Your question is saved in the chat; retry when the problem is fixed.",
            "ko": "질문은 채팅에 저장되어 있습니다. 문제가 해결되면 다시 시도하세요.",
        },
        "ai.off": {
            "en": "Answer generation is off (no language model configured): answers come from the task board and the most relevant messages.",
            "ko": "답변 생성이 꺼져 있습니다(언어 모델 미설정). 작업 보드와 관련 메시지로 답합니다.",
        },
        "ai.dismiss": {"en": "Close", "ko": "닫기"},
        "ai.page_title": {"en": "AI assistant", "ko": "AI 어시스턴트"},
        "ai.page_intro": {
            "en": "Summaries of the project and the action items hidden in the chat. Ask questions in the chat with @ai.",
            "ko": "프로젝트 요약과 대화 속 할 일을 정리합니다. 질문은 채팅에서 @ai 로 하세요.",
        },
        "ai.tab_ask": {"en": "Ask", "ko": "질문"},
        "ai.tab_summary": {"en": "Summary", "ko": "요약"},
        "ai.tab_actions": {"en": "Action items", "ko": "할 일 추출"},
        "ai.ask_placeholder": {"en": "Ask about this project…", "ko": "이 프로젝트에 대해 물어보세요…"},
        "ai.ask_button": {"en": "Ask", "ko": "묻기"},
        "ai.period": {"en": "Period", "ko": "기간"},
        "ai.period_all": {"en": "All time", "ko": "전체 기간"},
        "ai.period_range": {"en": "Date range", "ko": "날짜 범위"},
        "ai.period_since": {"en": "Since my last visit", "ko": "마지막 방문 이후"},
        "ai.last_visit": {"en": "Your last visit: {when}", "ko": "마지막 방문: {when}"},
        "ai.first_visit": {
            "en": "No earlier visit recorded: everything is new.",
            "ko": "이전 방문 기록이 없어 전체를 요약합니다.",
        },
        "ai.dates": {"en": "From – to", "ko": "시작 – 끝"},
        "ai.summarize": {"en": "Summarize", "ko": "요약하기"},
        "ai.summary_meta": {
            "en": "{used} of {n} messages considered",
            "ko": "메시지 {n}개 중 {used}개 반영",
        },
        "ai.extract": {"en": "Find action items", "ko": "할 일 찾기"},
        "ai.no_items": {"en": "No action items found in this period.", "ko": "이 기간에서 할 일을 찾지 못했습니다."},
        "ai.items_heuristic": {
            "en": "Generation is off, so these are commitments and requests picked out of the chat.",
            "ko": "답변 생성이 꺼져 있어 대화 속 약속·요청 문장을 골랐습니다.",
        },
        "ai.item_title": {"en": "Title", "ko": "제목"},
        "ai.item_owner": {"en": "Owner", "ko": "담당자"},
        "ai.item_due": {"en": "Due", "ko": "마감일"},
        "ai.unassigned": {"en": "(unassigned)", "ko": "(담당자 없음)"},
        "ai.accept": {"en": "Accept into tasks", "ko": "작업으로 추가"},
        "ai.accept_all": {"en": "Accept all", "ko": "모두 추가"},
        "ai.accepted": {"en": "Added to the task board: {titles}", "ko": "작업 보드에 추가했습니다: {titles}"},
        "ai.from_messages": {"en": "From", "ko": "출처"},
        "ai.viewer": {
            "en": "Your role can read summaries but not ask or create tasks.",
            "ko": "현재 역할로는 요약만 볼 수 있고 질문이나 작업 추가는 할 수 없습니다.",
        },
    }
)
for _pattern, _ko in [
    (
        r"^The language model rejected the API key",
        "언어 모델이 API 키를 거부했습니다. .env의 OPENAI_API_KEY를 확인하고 앱을 다시 시작하세요.",
    ),
    (r"^The language model is rate limiting", "언어 모델 요청 한도를 초과했습니다. 1분쯤 뒤에 다시 시도하세요."),
    (
        r"^The language model account has run out of quota",
        "언어 모델 계정의 사용 한도가 소진되었습니다. 크레딧을 추가한 뒤 다시 시도하세요.",
    ),
    (
        r"^The language model did not answer within (?P<s>[\d.]+) seconds",
        "언어 모델이 {s}초 안에 답하지 않았습니다. 다시 시도하거나 느린 로컬 모델이면 COLLAB_LLM_TIMEOUT을 늘리세요.",
    ),
    (
        r"^Could not reach the language model server at (?P<url>\S+?)\.?$",
        "언어 모델 서버({url})에 연결할 수 없습니다. 서버가 실행 중인지, OPENAI_BASE_URL이 맞는지 확인하세요.",
    ),
    (
        r"^The language model server failed \(HTTP (?P<code>\d+)\)",
        "언어 모델 서버 오류(HTTP {code})입니다. 잠시 후 다시 시도하세요.",
    ),
    (
        r"^The model '(?P<m>.+)' was not found",
        "모델 '{m}'을(를) 찾을 수 없습니다. COLLAB_LLM_MODEL을 서버에 있는 모델로 설정하세요.",
    ),
    (
        r"^The language model returned invalid action items twice",
        "언어 모델이 할 일 목록을 두 번 잘못 만들어 아무것도 적용하지 않았습니다. 다시 시도하거나 기간을 줄이세요.",
    ),
    (
        r"^The language model did not return valid JSON",
        "언어 모델이 올바른 JSON을 돌려주지 않았습니다. 다시 시도하세요.",
    ),
    (r"^The language model returned an empty answer", "언어 모델이 빈 답변을 돌려주었습니다. 다시 시도하세요."),
]:
    register_error(_pattern, _ko)

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
            st.markdown(f"**{escape_markdown(tr('ai.name'))}**\n\n{safe_markdown(answer.content)}")
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
            st.markdown(safe_markdown(s.text))
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
