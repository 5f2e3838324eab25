"""Timeline: the project's history in time order (either direction) or grouped by author, filtered,
paged, and downloadable as CSV (exactly the messages on screen)."""

from __future__ import annotations

import streamlit as st

from collab_core.chat.presentation import escape_markdown, messages_csv, messages_frame, when
from collab_core.chat.views import author_groups
from collab_core.errors import CollabError
from collab_core.models import Message, TimeFilter
from ui import cached
from ui.filters import filter_row
from ui.messages import render_listing
from ui.page import page_context
from ui.perf import timed
from ui.session import lang, show_error, tr, viewer_tz

GROUPS_PER_PAGE = 10
GROUP_PREVIEW = 5

ctx = page_context()
project = ctx.project
assert project is not None
hub, user = ctx.hub, ctx.user
tz = viewer_tz()
ui_lang = lang()
ss = st.session_state
ss.setdefault("timeline_page", 0)
ss.setdefault("timeline_view", "newest")
ss.setdefault("timeline_layout", "list")


def _only_author(author_id: int) -> None:
    ss["timeline_authors"] = [author_id]
    ss["timeline_view"] = "newest"
    ss["timeline_page"] = 0


def _turn(step: int) -> None:
    ss["timeline_page"] = max(0, ss["timeline_page"] + step)


def _clear() -> None:
    for key in ("timeline_authors", "timeline_kinds", "timeline_text", "timeline_dates"):
        ss.pop(key, None)
    ss["timeline_page"] = 0


with timed("timeline.page"):
    st.markdown(f"### :material/view_timeline: {tr('timeline.title')}")
    st.caption(tr("timeline.caption", project=escape_markdown(project.name)))
    try:
        all_groups = cached.author_groups(hub, user.id, project.id, cached.stamp(hub, project.id))
    except CollabError as exc:
        show_error(exc)
        st.stop()
    names = {g.author_id: g.author for g in all_groups}
    if ss.get("timeline_authors"):
        ss["timeline_authors"] = [a for a in ss["timeline_authors"] if a in names]

    columns = st.columns([3, 2, 2, 3])
    authors, start, end, kinds = filter_row(columns, names, "timeline")
    text = columns[3].text_input(tr("filter.text"), key="timeline_text")
    filters = TimeFilter(author_ids=tuple(authors), kinds=tuple(kinds), start=start, end=end, text=text.strip())

    c1, c2, c3, c4 = st.columns([3, 2, 1, 2], vertical_alignment="bottom")
    view = c1.segmented_control(
        tr("timeline.view"),
        ["newest", "oldest", "by_author"],
        format_func=lambda v: tr(f"timeline.{v}"),
        key="timeline_view",
        required=True,
    )
    layout = c2.segmented_control(
        tr("timeline.layout"),
        ["list", "table"],
        format_func=lambda v: tr(f"timeline.view_{v}"),
        key="timeline_layout",
        required=True,
        disabled=view == "by_author",
    )
    size = c3.selectbox(tr("timeline.page_size"), [25, 50, 100], index=1, key="timeline_size")
    c4.button(tr("filter.clear"), icon=":material/filter_alt_off:", on_click=_clear, type="tertiary")

    # A different question starts again at page 1.
    signature = (filters, view, size)
    if ss.get("timeline_signature") != signature:
        ss["timeline_signature"] = signature
        ss["timeline_page"] = 0
    page_no = ss["timeline_page"]
    per_page = GROUPS_PER_PAGE if view == "by_author" else size

    shown: list[Message] = []
    if view == "by_author":
        sections, total = author_groups(
            hub.messages,
            actor_id=user.id,
            project_id=project.id,
            filters=filters,
            offset=page_no * per_page,
            limit=per_page,
            preview=GROUP_PREVIEW,
        )
        if total:
            st.caption(tr("timeline.showing_groups", total=total, messages=sum(g.count for g in all_groups)))
        for s in sections:
            g = s.group
            with st.container(border=True):
                head, action = st.columns([5, 2], vertical_alignment="center")
                head.markdown(
                    tr(
                        "timeline.group_head",
                        name=escape_markdown(g.author),
                        n=g.count,
                        first=escape_markdown(when(g.first_at, tz, ui_lang)) if g.first_at else "",
                        last=escape_markdown(when(g.last_at, tz, ui_lang)) if g.last_at else "",
                    )
                )
                action.button(
                    tr("timeline.only_author", name=g.author),
                    key=f"timeline_only_{g.author_id}",
                    on_click=_only_author,
                    args=(g.author_id,),
                    type="tertiary",
                    icon=":material/person_search:",
                )
                render_listing(s.newest, tz, ui_lang)
                if g.count > len(s.newest):
                    st.caption(tr("timeline.group_newest", n=len(s.newest)))
            shown.extend(s.newest)
    else:
        result = hub.messages.timeline(
            actor_id=user.id,
            project_id=project.id,
            filters=filters,
            newest_first=view == "newest",
            offset=page_no * per_page,
            limit=per_page,
        )
        total = result.total
        shown = list(result.items)
        if shown:
            first = result.offset + 1
            st.caption(tr("timeline.showing", first=first, last=result.offset + len(shown), total=total))
            if layout == "table":
                st.dataframe(
                    messages_frame(shown, tz).drop(columns=["role"]),
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "id": st.column_config.NumberColumn("#", width="small"),
                        "content": st.column_config.TextColumn(width="large"),
                    },
                )
            else:
                render_listing(shown, tz, ui_lang)

    if total == 0:
        st.info(tr("timeline.none") if all_groups else tr("timeline.empty"), icon=":material/inbox:")
    else:
        pages = max(1, -(-total // per_page))
        p1, p2, p3, p4 = st.columns([1, 2, 1, 2], vertical_alignment="center")
        p1.button(
            tr("timeline.prev"),
            icon=":material/chevron_left:",
            disabled=page_no == 0,
            key="timeline_prev",
            on_click=_turn,
            args=(-1,),
        )
        p2.markdown(f"{tr('timeline.page')} **{page_no + 1}** / {pages}", text_alignment="center")
        p3.button(
            tr("timeline.next"),
            icon=":material/chevron_right:",
            icon_position="right",
            disabled=page_no + 1 >= pages,
            key="timeline_next",
            on_click=_turn,
            args=(1,),
        )
        p4.download_button(
            tr("timeline.csv"),
            data=messages_csv(shown, tz),
            file_name=f"timeline-{project.id}-p{page_no + 1}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="timeline_csv",
        )
