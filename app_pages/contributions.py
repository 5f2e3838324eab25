"""Contributions: weekly summary metrics and charts of who posts how much and when.

Frames and figures come from collab_core.work.dashboards; this page only picks the period and draws.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from collab_core.chat.presentation import escape_markdown
from collab_core.errors import CollabError
from collab_core.i18n import object_particle
from collab_core.work.dashboards import build_dashboard, daily_figure, heatmap_figure, members_figure
from deps import get_activity_cache
from ui.page import page_context
from ui.perf import timed
from ui.session import lang, show_error, tr, viewer_tz

PERIODS = ("30", "90", "365", "all")
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}

ctx = page_context()
project = ctx.project
assert project is not None
hub, user = ctx.hub, ctx.user
tz = viewer_tz()
ui_lang = lang()
st.session_state.setdefault("contrib_period", "all")

with timed("contributions.page"):
    st.markdown(f"### :material/insights: {tr('contrib.title')}")
    st.caption(tr("contrib.caption", project=escape_markdown(project.name), obj=object_particle(project.name)))
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    period = c1.segmented_control(
        tr("contrib.period"),
        PERIODS,
        format_func=lambda p: tr(f"contrib.period.{p}"),
        key="contrib_period",
        required=True,
    )
    top_n = c2.slider(tr("contrib.top_n"), min_value=3, max_value=30, value=10, key="contrib_top_n")
    now = datetime.now(UTC)
    start = None if period == "all" else (now.astimezone(tz) - timedelta(days=int(period))).date()
    try:
        dash = build_dashboard(
            hub.messages,
            hub.accounts,
            actor_id=user.id,
            project_id=project.id,
            tz=tz,
            lang=ui_lang,
            start=start,
            top_n=top_n,
            now=now,
            cache=get_activity_cache(),
        )
    except CollabError as exc:
        show_error(exc)
        st.stop()

    s = dash.summary
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        tr("contrib.active"),
        tr("contrib.active_value", n=s.active_this_week, total=s.members),
        delta=s.active_this_week - s.active_last_week,
        help=tr("contrib.active_help"),
        border=True,
    )
    m2.metric(
        tr("contrib.week"),
        f"{s.messages_this_week:,}",
        delta=s.messages_this_week - s.messages_last_week,
        help=tr("contrib.week_help"),
        border=True,
    )
    period_total = int(dash.members["messages"].sum()) if not dash.members.empty else 0
    m3.metric(tr("contrib.total"), f"{period_total:,}", border=True)
    top = dash.members.iloc[0]["author"] if not dash.members.empty else "—"
    m4.metric(tr("contrib.top"), str(top), border=True)

    if dash.members.empty:
        st.info(tr("contrib.empty"), icon=":material/bar_chart:")
    else:
        left, right = st.columns([2, 3])
        with left:
            st.markdown(f"**{tr('contrib.per_member')}**")
            st.plotly_chart(members_figure(dash.members, ui_lang), config=CHART_CONFIG, key="contrib_members")
        with right:
            st.markdown(f"**{tr('dash.per_week') if dash.weekly else tr('contrib.per_day')}**")
            st.plotly_chart(daily_figure(dash.daily, ui_lang), config=CHART_CONFIG, key="contrib_daily")
        st.markdown(f"**{tr('contrib.heatmap')}**")
        st.caption(tr("contrib.heatmap_caption", tz=escape_markdown(str(tz))))
        st.plotly_chart(heatmap_figure(dash.heatmap, ui_lang), config=CHART_CONFIG, key="contrib_heatmap")
        with st.expander(tr("contrib.table")):
            table = dash.members.drop(columns=["author_id", "colour", "first_at"]).assign(
                share=lambda f: f["messages"] / max(1, period_total)
            )
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    "author": tr("contrib.col.author"),
                    "messages": st.column_config.NumberColumn(tr("contrib.col.messages"), format="localized"),
                    "characters": st.column_config.NumberColumn(tr("contrib.col.characters"), format="localized"),
                    "active_days": tr("contrib.col.active_days"),
                    "last_at": st.column_config.DatetimeColumn(tr("contrib.col.last_at"), format="YYYY-MM-DD HH:mm"),
                    "share": st.column_config.ProgressColumn(
                        tr("contrib.col.share"), format="percent", min_value=0, max_value=1
                    ),
                },
            )

# -- further sections (e.g. task metrics) go below this line --
from ui.tasks_metrics import render_task_metrics  # noqa: E402

render_task_metrics(hub, actor_id=user.id, project_id=project.id, start=start, tz=tz)
