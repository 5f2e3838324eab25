"""Contribution dashboards: pandas frames from SQL aggregates and the plotly figures drawn from them.

Everything is aggregated in SQL (counts per author, per day and author, per weekday and hour), so
the frames stay small however many messages a project has. Charts show the top N members by name
and fold the rest into one "others" row, so they read the same for 2 or 200 members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .accounts import Accounts
from .i18n import register, t
from .messages import MessageService
from .models import Contribution, TimeFilter
from .presentation import CHART_COLOURS, OTHERS_COLOUR, local_time, utc_offset_minutes, weekday_names

register(
    {
        "dash.others": {"en": "Others ({n})", "ko": "기타 ({n}명)"},
        "dash.messages": {"en": "Messages", "ko": "메시지"},
        "dash.day": {"en": "Day", "ko": "날짜"},
        "dash.hour": {"en": "Hour", "ko": "시"},
        "dash.weekday": {"en": "Weekday", "ko": "요일"},
        "dash.hover_member": {
            "en": "<b>%{y}</b><br>%{x:,} messages<br>%{customdata[0]:,} characters<br>%{customdata[1]:,} active days"
            "<extra></extra>",
            "ko": "<b>%{y}</b><br>메시지 %{x:,}개<br>%{customdata[0]:,}자<br>활동일 %{customdata[1]:,}일<extra></extra>",
        },
        "dash.hover_day": {
            "en": "%{x|%Y-%m-%d}<br>%{fullData.name}: %{y:,}<extra></extra>",
            "ko": "%{x|%Y-%m-%d}<br>%{fullData.name}: %{y:,}개<extra></extra>",
        },
        "dash.hover_heat": {
            "en": "%{y} %{x}:00<br>%{z:,} messages<extra></extra>",
            "ko": "%{y}요일 %{x}시<br>메시지 %{z:,}개<extra></extra>",
        },
    }
)

FONT = "'Noto Sans CJK KR', 'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif"
OTHERS_ID = -1


@dataclass(frozen=True)
class WeekSummary:
    """This week (Monday to today, viewer's zone) against the same days of last week."""

    members: int
    active_this_week: int
    active_last_week: int
    messages_this_week: int
    messages_last_week: int
    total_messages: int


@dataclass(frozen=True)
class Dashboard:
    """Frames behind the contributions page.

    members: author_id, author, messages, characters, active_days, first_at, last_at, colour (top N + others)
    daily: day (date), author, messages, colour (one row per day and shown author)
    heatmap: 7 x 24 message counts, rows Monday..Sunday, columns hours 0..23
    """

    members: pd.DataFrame
    daily: pd.DataFrame
    heatmap: pd.DataFrame
    summary: WeekSummary
    lang: str

    @property
    def empty(self) -> bool:
        return self.summary.total_messages == 0


def _labels(contribs: Sequence[Contribution]) -> dict[int, str]:
    """Display names, made unique where two members share one."""
    seen: dict[str, int] = {}
    for c in contribs:
        seen[c.author] = seen.get(c.author, 0) + 1
    return {c.author_id: (c.author if seen[c.author] == 1 else f"{c.author} #{c.author_id}") for c in contribs}


def members_frame(contribs: Sequence[Contribution], *, top_n: int, lang: str, tz: tzinfo = UTC) -> pd.DataFrame:
    """Messages per member, most active first; members after the first top_n fold into 'others'.

    first_at / last_at are in the viewer's zone (naive, for display)."""
    labels = _labels(contribs)
    rows = [
        {
            "author_id": c.author_id,
            "author": labels[c.author_id],
            "messages": c.messages,
            "characters": c.characters,
            "active_days": c.active_days,
            "first_at": c.first_at,
            "last_at": c.last_at,
            "colour": CHART_COLOURS[i % len(CHART_COLOURS)],
        }
        for i, c in enumerate(contribs[:top_n])
    ]
    rest = contribs[top_n:]
    if rest:
        rows.append(
            {
                "author_id": OTHERS_ID,
                "author": t("dash.others", lang, n=len(rest)),
                "messages": sum(c.messages for c in rest),
                "characters": sum(c.characters for c in rest),
                "active_days": max(c.active_days for c in rest),
                "first_at": min((c.first_at for c in rest if c.first_at), default=None),
                "last_at": max((c.last_at for c in rest if c.last_at), default=None),
                "colour": OTHERS_COLOUR,
            }
        )
    columns = ["author_id", "author", "messages", "characters", "active_days", "first_at", "last_at", "colour"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("first_at", "last_at"):
        frame[col] = pd.to_datetime(
            [local_time(v, tz).replace(tzinfo=None) if v is not None else None for v in frame[col]]
        )
    return frame


def daily_frame(rows: Sequence[tuple[str, int, str, int]], members: pd.DataFrame) -> pd.DataFrame:
    """Messages per local day and shown author (everyone outside the top N counted as 'others')."""
    columns = ["day", "author", "messages", "colour"]
    if not rows:
        return pd.DataFrame(columns=columns)
    raw = pd.DataFrame(rows, columns=["day", "author_id", "name", "messages"])
    shown = members.set_index("author_id")
    has_others = OTHERS_ID in shown.index
    raw["key"] = raw["author_id"].where(raw["author_id"].isin(shown.index), OTHERS_ID if has_others else -2)
    raw = raw[raw["key"] != -2]
    grouped = raw.groupby(["day", "key"], as_index=False)["messages"].sum()
    grouped["author"] = grouped["key"].map(shown["author"])
    grouped["colour"] = grouped["key"].map(shown["colour"])
    grouped["day"] = pd.to_datetime(grouped["day"])
    order = {aid: i for i, aid in enumerate(shown.index)}
    grouped["rank"] = grouped["key"].map(order)
    return grouped.sort_values(["rank", "day"])[columns].reset_index(drop=True)


def heatmap_frame(rows: Sequence[tuple[int, int, int]], lang: str) -> pd.DataFrame:
    """7 x 24 counts, Monday first; input weekday is 0 = Sunday (SQL's convention)."""
    names = weekday_names(lang)
    grid = [[0] * 24 for _ in range(7)]
    for wd, hour, n in rows:
        grid[(wd + 6) % 7][hour] += n
    return pd.DataFrame(grid, index=list(names), columns=list(range(24)))


def week_summary(
    rows: Sequence[tuple[str, int, str, int]], *, today: date, members: int, total_messages: int
) -> WeekSummary:
    """From per-day rows since last week's Monday: this week so far vs the same weekdays last week."""
    monday = today - timedelta(days=today.weekday())
    last_monday, last_same_day = monday - timedelta(days=7), today - timedelta(days=7)
    this_authors: set[int] = set()
    last_authors: set[int] = set()
    this_n = last_n = 0
    for day_s, author_id, _name, n in rows:
        day = date.fromisoformat(day_s)
        if monday <= day <= today:
            this_authors.add(author_id)
            this_n += n
        elif last_monday <= day <= last_same_day:
            last_authors.add(author_id)
            last_n += n
    return WeekSummary(
        members=members,
        active_this_week=len(this_authors),
        active_last_week=len(last_authors),
        messages_this_week=this_n,
        messages_last_week=last_n,
        total_messages=total_messages,
    )


def build_dashboard(
    messages: MessageService,
    accounts: Accounts,
    *,
    actor_id: int | None,
    project_id: int,
    tz: tzinfo,
    lang: str = "en",
    filters: TimeFilter = TimeFilter(),
    top_n: int = 10,
    now: datetime | None = None,
) -> Dashboard:
    """Run the aggregate queries for one project and shape them into the dashboard frames."""
    now = now or datetime.now(UTC)
    offset = utc_offset_minutes(tz, now)
    contribs = messages.contributions(actor_id=actor_id, project_id=project_id, filters=filters)
    members = members_frame(contribs, top_n=max(1, top_n), lang=lang, tz=tz)
    daily_rows = messages.daily_activity(
        actor_id=actor_id, project_id=project_id, filters=filters, utc_offset_min=offset
    )
    heat_rows = messages.weekly_heatmap(
        actor_id=actor_id, project_id=project_id, filters=filters, utc_offset_min=offset
    )
    today = local_time(now, tz).date()
    last_monday = today - timedelta(days=today.weekday() + 7)
    since = datetime.combine(last_monday, datetime.min.time(), tzinfo=tz)
    week_rows = messages.daily_activity(
        actor_id=actor_id, project_id=project_id, filters=TimeFilter(start=since), utc_offset_min=offset
    )
    member_count = len(accounts.list_members(actor_id=actor_id, project_id=project_id))
    summary = week_summary(
        week_rows, today=today, members=member_count, total_messages=sum(c.messages for c in contribs)
    )
    return Dashboard(
        members=members,
        daily=daily_frame(daily_rows, members),
        heatmap=heatmap_frame(heat_rows, lang),
        summary=summary,
        lang=lang,
    )


# -- figures --------------------------------------------------------------------------------------
# Each figure is built in one constructor call from plain dicts: plotly validates the whole spec once,
# where update_layout/update_xaxes calls re-validate (and the default template is deep-copied into
# every figure). "none" is the empty template; Streamlit restyles charts with its own theme anyway.


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    return {
        "template": "none",
        "height": height,
        "margin": {"l": 8, "r": 16, "t": 8, "b": 8},
        "font": {"family": FONT, "size": 13},
        "hoverlabel": {"font": {"family": FONT}},
        **extra,
    }


def members_figure(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Horizontal bars, most active on top; the height grows with the number of rows."""
    data = frame.iloc[::-1]
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": data["messages"].to_numpy(),
        "y": list(data["author"]),
        "marker": {"color": list(data["colour"])},
        "text": [f"{n:,}" for n in data["messages"]],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": data[["characters", "active_days"]].to_numpy(),
        "hovertemplate": t("dash.hover_member", lang),
    }
    layout = _layout(
        max(180, 60 + 32 * len(frame)),
        xaxis={"title": {"text": t("dash.messages", lang)}, "rangemode": "tozero", "automargin": True},
        yaxis={"automargin": True, "type": "category"},
    )
    return go.Figure(data=[bar], layout=layout)


def daily_figure(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Messages per day, stacked by member (same colours as the member chart)."""
    traces = [
        {
            "type": "bar",
            "x": part["day"].dt.strftime("%Y-%m-%d").to_list(),
            "y": part["messages"].to_numpy(),
            "name": str(author),
            "marker": {"color": part["colour"].iloc[0]},
            "hovertemplate": t("dash.hover_day", lang),
        }
        for author, part in frame.groupby("author", sort=False)
    ]
    layout = _layout(
        400,
        barmode="stack",
        bargap=0.15 if frame["day"].nunique() < 60 else 0.02,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hovermode="closest",
        xaxis={"type": "date", "tickformat": "%m-%d" if lang == "en" else "%m/%d"},
        yaxis={"title": {"text": t("dash.messages", lang)}, "rangemode": "tozero"},
    )
    return go.Figure(data=traces, layout=layout)


def heatmap_figure(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Weekday x hour message counts in the viewer's zone."""
    heat = {
        "type": "heatmap",
        "z": frame.to_numpy(),
        "x": [str(h) for h in frame.columns],
        "y": list(frame.index),
        "colorscale": "Blues",
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": t("dash.hover_heat", lang),
        "colorbar": {"thickness": 12},
    }
    layout = _layout(
        300,
        xaxis={
            "title": {"text": t("dash.hour", lang)},
            "type": "category",
            "tickmode": "array",
            "tickvals": [str(h) for h in range(0, 24, 3)],
        },
        yaxis={"autorange": "reversed", "type": "category"},
    )
    return go.Figure(data=[heat], layout=layout)
