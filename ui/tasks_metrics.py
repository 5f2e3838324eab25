"""The task section of the contributions page: done, cycle time and overdue per member."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

import plotly.graph_objects as go
import streamlit as st

from collab_core.errors import CollabError
from collab_core.hub import Hub
from ui.session import show_error, tr

CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def render_task_metrics(hub: Hub, *, actor_id: int, project_id: int, start: date | None, tz: tzinfo) -> None:
    """Metrics and charts from hub.tasks.metrics(); `start` bounds when tasks were finished."""
    st.divider()
    st.markdown(f"### ✅ {tr('tmetrics.title')}")
    st.caption(tr("tmetrics.caption"))
    today = datetime.now(UTC).astimezone(tz).date()
    try:
        m = hub.tasks.metrics(actor_id=actor_id, project_id=project_id, start=start, today=today)
    except CollabError as exc:
        show_error(exc)
        return
    if sum(m.status_counts.values()) == 0:
        st.info(tr("tmetrics.empty"), icon="✅")
        return
    per = m.per_member
    hours = m.cycle_times["hours"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("tmetrics.done"), int(per["done"].sum()) if len(per) else 0, border=True)
    c2.metric(tr("tmetrics.open"), sum(v for k, v in m.status_counts.items() if k != "DONE"), border=True)
    c3.metric(tr("tmetrics.overdue"), m.overdue, border=True)
    median = f"{hours.median():.1f}" if len(hours) else "—"
    c4.metric(tr("tmetrics.cycle"), tr("tmetrics.hours", h=median) if len(hours) else "—", border=True)
    if per.empty:
        return
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('tmetrics.per_member')}**")
        fig = go.Figure(
            [
                go.Bar(name=tr("tmetrics.done"), x=per["member"], y=per["done"], marker_color="#10B981"),
                go.Bar(name=tr("tmetrics.overdue"), x=per["member"], y=per["overdue"], marker_color="#EF4444"),
            ]
        )
        fig.update_layout(
            barmode="group", height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend_orientation="h"
        )
        st.plotly_chart(fig, config=CHART_CONFIG, key="tmetrics_members")
    with right:
        st.markdown(f"**{tr('tmetrics.cycle_chart')}**")
        if m.cycle_times.empty:
            st.caption("—")
        else:
            fig = go.Figure(
                [go.Box(x=m.cycle_times["member"], y=m.cycle_times["hours"], boxpoints="all", marker_color="#3B82F6")]
            )
            fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10}, showlegend=False)
            st.plotly_chart(fig, config=CHART_CONFIG, key="tmetrics_cycle")
    st.dataframe(
        per.drop(columns=["member_id"]),
        hide_index=True,
        width="stretch",
        column_config={
            "member": tr("tmetrics.col.member"),
            "assigned": tr("tmetrics.col.assigned"),
            "open": tr("tmetrics.col.open"),
            "done": tr("tmetrics.col.done"),
            "overdue": tr("tmetrics.col.overdue"),
            "median_cycle_h": st.column_config.NumberColumn(tr("tmetrics.col.median"), format="%.1f"),
            "mean_cycle_h": st.column_config.NumberColumn(tr("tmetrics.col.mean"), format="%.1f"),
        },
    )
