"""Search: hybrid (keyword + meaning) search with author/date/kind filters. Each result shows who,
when, the matched words highlighted and which side found it; "show in context" opens the
conversation around it."""

from __future__ import annotations

import streamlit as st

from collab_core.chat.presentation import avatar_url, highlight_markdown, snippet
from collab_core.errors import CollabError
from collab_core.models import SearchHit, TimeFilter
from ui import cached
from ui.filters import filter_row
from ui.messages import message_head, render_listing
from ui.page import page_context
from ui.perf import timed
from ui.session import lang, show_error, tr, viewer_tz

LIMIT = 20
SOURCE_COLOURS = {"keyword": "blue", "semantic": "green"}

ctx = page_context()
project = ctx.project
assert project is not None
hub, user = ctx.hub, ctx.user
tz = viewer_tz()
ui_lang = lang()
ss = st.session_state


def _focus(message_id: int | None) -> None:
    ss["search_focus"] = message_id


@st.fragment
def results(hits: list[SearchHit]) -> None:
    """Results and the context panel; choosing a result reruns only this part, not the search."""
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(tr("search.results", n=len(hits)))
        for hit in hits:
            m = hit.message
            with st.chat_message(m.author, avatar=avatar_url(m.author)):
                badges = " ".join(
                    f":{SOURCE_COLOURS.get(s, 'gray')}-badge[{tr('search.source.' + s)}]" for s in hit.sources
                )
                text = snippet(m.content, hit.terms)
                st.markdown(
                    f"{message_head(m, tz, ui_lang, full_time=True)} {badges}\n\n{highlight_markdown(text, hit.terms)}"
                )
                st.button(
                    tr("search.context"),
                    key=f"search_ctx_{m.id}",
                    icon=":material/forum:",
                    type="tertiary",
                    on_click=_focus,
                    args=(m.id,),
                )
    with right, st.container(border=True, key="search_context"):
        focus = ss.get("search_focus")
        if focus is None or focus not in {h.message.id for h in hits}:
            st.caption(tr("search.context_hint"))
            return
        head, close = st.columns([4, 1], vertical_alignment="center")
        head.markdown(f"**{tr('search.context_title')}**")
        close.button(
            "", icon=":material/close:", key="search_ctx_close", on_click=_focus, args=(None,), help=tr("search.close")
        )
        try:
            around = hub.messages.around(actor_id=user.id, message_id=focus, before=4, after=4)
        except CollabError as exc:
            show_error(exc)
            return
        render_listing(around, tz, ui_lang, marked_id=focus)


with timed("search.page"):
    st.markdown(f"### :material/search: {tr('search.title')}")
    st.caption(tr("search.caption"))
    query = st.text_input(
        tr("search.query"), key="search_query", placeholder=tr("search.placeholder"), label_visibility="collapsed"
    )
    try:
        project_stamp = cached.stamp(hub, project.id)
        groups = cached.author_groups(hub, user.id, project.id, project_stamp)
    except CollabError as exc:
        show_error(exc)
        st.stop()
    names = {g.author_id: g.author for g in groups}
    columns = st.columns([3, 2, 2])
    authors, start, end, kinds = filter_row(columns, names, "search")
    filters = TimeFilter(author_ids=tuple(authors), kinds=tuple(kinds), start=start, end=end)
    # The assistant's answers are output, not what people wrote: shown only when asked for.
    include_ai = st.toggle(tr("search.include_ai"), key="search_include_ai", help=tr("search.include_ai_help"))

    if not query.strip():
        st.info(tr("search.hint"), icon=":material/search:")
    else:
        try:
            hits = cached.search_hits(
                hub, user.id, project.id, query.strip(), filters, LIMIT, project_stamp, include_ai=include_ai
            )
        except CollabError as exc:
            show_error(exc)
            hits = None
        if hits is not None and not hits:
            st.info(tr("search.none"), icon=":material/search:")
        elif hits:
            if ss.get("search_last") != (query, filters, include_ai):
                ss["search_last"] = (query, filters, include_ai)
                ss["search_focus"] = None
            results(hits)
