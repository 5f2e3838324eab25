"""Contribution dashboards: pandas frames from SQL aggregates and the plotly figures drawn from them.

Two grouped scans (per author and local day; per local day and hour) feed every chart and metric,
so the frames stay small however many messages a project has. ActivityCache keeps those aggregates
per project and extends them with only the newly added rows, which keeps a 100k-message project's
page well under a second. Charts show the top N members by name and fold the rest into one
"others" row, so they read the same for 2 or 200 members; long periods are drawn per week.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine, func, select

from collab_core.chat.messages import MessageService
from collab_core.chat.presentation import CHART_COLOURS, OTHERS_COLOUR, local_time, utc_offset_minutes, weekday_names
from collab_core.i18n import register, t
from collab_core.people.accounts import Accounts
from collab_core.store.schema import messages as messages_table
from collab_core.store.schema import users
from collab_core.store.sqlfn import local_day, local_hour

register(
    {
        "dash.others": {"en": "Others ({n})", "ko": "기타 ({n}명)"},
        "dash.messages": {"en": "Messages", "ko": "메시지"},
        "dash.per_week": {"en": "Activity per week", "ko": "주별 활동"},
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
WEEKLY_AFTER_DAYS = 180  # longer spans are drawn per week so the bars stay readable


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
class Activity:
    """A project's message activity aggregated in one viewer offset, up to message id `last_id`.

    author_day: author_id, day (local midnight, datetime64), messages, characters, first_at, last_at (naive UTC)
    day_hour: day, hour (local), messages
    """

    project_id: int
    offset_min: int
    last_id: int
    removed: int
    author_day: pd.DataFrame
    day_hour: pd.DataFrame


_AD_COLS = ["author_id", "day", "messages", "characters", "first_at", "last_at"]
_DH_COLS = ["day", "hour", "messages"]


def aggregate_activity(
    engine: Engine, *, project_id: int, offset_min: int, after_id: int = 0, upto_id: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two grouped scans over the project's live messages with after_id < id <= upto_id."""
    m = messages_table.c
    dialect = engine.dialect.name
    day = local_day(dialect, m.created_at, offset_min).label("day")
    hour = local_hour(dialect, m.created_at, offset_min).label("hour")
    conds = [m.project_id == project_id, m.deleted_at.is_(None), m.id > after_id]
    if upto_id is not None:
        conds.append(m.id <= upto_id)
    with engine.connect() as conn:
        ad = conn.execute(
            select(
                m.author_id,
                day,
                func.count(),
                func.coalesce(func.sum(m.char_count), 0),
                func.min(m.created_at),
                func.max(m.created_at),
            )
            .where(*conds)
            .group_by(m.author_id, day)
        ).all()
        dh = conn.execute(select(day, hour, func.count()).where(*conds).group_by(day, hour)).all()
    author_day = pd.DataFrame([tuple(r) for r in ad], columns=_AD_COLS)
    day_hour = pd.DataFrame([tuple(r) for r in dh], columns=_DH_COLS)
    # Days become timestamps once here; the page's filters and groupings then never parse strings.
    author_day["day"] = pd.to_datetime(author_day["day"].astype(str), format="%Y-%m-%d")
    day_hour["day"] = pd.to_datetime(day_hour["day"].astype(str), format="%Y-%m-%d")
    for col in ("first_at", "last_at"):
        author_day[col] = pd.to_datetime(author_day[col])
    return author_day, day_hour


def _merge(old: pd.DataFrame, new: pd.DataFrame, keys: list[str], agg: dict[str, str]) -> pd.DataFrame:
    if new.empty:
        return old
    if old.empty:
        return new
    both = pd.concat([old, new], ignore_index=True)
    return both.groupby(keys, as_index=False).agg(agg)


class ActivityCache:
    """Activity aggregates per (project, viewer offset), kept current incrementally.

    A new message only costs a scan of the rows added since the last look (id > last_id); a removal
    (tombstone) rebuilds. Keyed by database, project and offset; holds project-level counts, never
    per-user data: callers check the viewer's access first. Thread-safe; one per process, passed in.
    """

    def __init__(self, *, max_entries: int = 32) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, int, int], Activity] = OrderedDict()

    @staticmethod
    def _stamp(engine: Engine, project_id: int) -> tuple[int, int]:
        m = messages_table.c
        newest = select(func.max(m.id)).where(m.project_id == project_id).scalar_subquery()
        removed = (
            select(func.count())
            .select_from(messages_table)
            .where(m.index_state == "deleted", m.project_id == project_id)
            .scalar_subquery()
        )
        with engine.connect() as conn:
            last_id, n_removed = conn.execute(select(newest, removed)).one()
        return int(last_id or 0), int(n_removed or 0)

    def get(self, engine: Engine, *, project_id: int, offset_min: int) -> Activity:
        """The project's activity as of now (no permission check: see the class docstring)."""
        key = (engine.url.render_as_string(hide_password=True), project_id, offset_min)
        last_id, removed = self._stamp(engine, project_id)
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry.removed == removed and entry.last_id == last_id:
            fresh = entry
        elif entry is not None and entry.removed == removed and entry.last_id < last_id:
            ad, dh = aggregate_activity(
                engine, project_id=project_id, offset_min=offset_min, after_id=entry.last_id, upto_id=last_id
            )
            fresh = Activity(
                project_id,
                offset_min,
                last_id,
                removed,
                _merge(
                    entry.author_day,
                    ad,
                    ["author_id", "day"],
                    {"messages": "sum", "characters": "sum", "first_at": "min", "last_at": "max"},
                ),
                _merge(entry.day_hour, dh, ["day", "hour"], {"messages": "sum"}),
            )
        else:
            ad, dh = aggregate_activity(engine, project_id=project_id, offset_min=offset_min, upto_id=last_id)
            fresh = Activity(project_id, offset_min, last_id, removed, ad, dh)
        with self._lock:
            self._entries[key] = fresh
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return fresh

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass(frozen=True)
class Dashboard:
    """Frames behind the contributions page.

    members: author_id, author, messages, characters, active_days, first_at, last_at, colour (top N + others)
    daily: day (date), author, messages, colour (one row per day, or week for long spans, and shown author)
    heatmap: 7 x 24 message counts, rows Monday..Sunday, columns hours 0..23
    """

    members: pd.DataFrame
    daily: pd.DataFrame
    heatmap: pd.DataFrame
    summary: WeekSummary
    lang: str
    weekly: bool = False

    @property
    def empty(self) -> bool:
        return self.members.empty


def _unique_labels(ids: Sequence[int], names: dict[int, str]) -> dict[int, str]:
    """Display names, made unique where two members share one."""
    seen: dict[str, int] = {}
    for a in ids:
        seen[names.get(a, "?")] = seen.get(names.get(a, "?"), 0) + 1
    return {a: (names.get(a, "?") if seen[names.get(a, "?")] == 1 else f"{names.get(a, '?')} #{a}") for a in ids}


def members_frame(
    author_day: pd.DataFrame, names: dict[int, str], *, top_n: int, lang: str, tz: tzinfo = UTC
) -> pd.DataFrame:
    """Messages per member, most active first; members after the first top_n fold into 'others'.

    active_days counts local days with at least one message; first_at / last_at are in the viewer's
    zone (naive, for display)."""
    columns = ["author_id", "author", "messages", "characters", "active_days", "first_at", "last_at", "colour"]
    if author_day.empty:
        return pd.DataFrame(columns=columns)
    per = author_day.groupby("author_id", as_index=False).agg(
        messages=("messages", "sum"),
        characters=("characters", "sum"),
        active_days=("day", "nunique"),
        first_at=("first_at", "min"),
        last_at=("last_at", "max"),
    )
    labels = _unique_labels(list(per["author_id"]), names)
    per["author"] = per["author_id"].map(labels)
    per = per.sort_values(["messages", "author"], ascending=[False, True], kind="stable").reset_index(drop=True)
    top = per.iloc[:top_n].copy()
    top["colour"] = [CHART_COLOURS[i % len(CHART_COLOURS)] for i in range(len(top))]
    rest = per.iloc[top_n:]
    if not rest.empty:
        others = {
            "author_id": OTHERS_ID,
            "author": t("dash.others", lang, n=len(rest)),
            "messages": int(rest["messages"].sum()),
            "characters": int(rest["characters"].sum()),
            "active_days": int(author_day[author_day["author_id"].isin(rest["author_id"])]["day"].nunique()),
            "first_at": rest["first_at"].min(),
            "last_at": rest["last_at"].max(),
            "colour": OTHERS_COLOUR,
        }
        top = pd.concat([top, pd.DataFrame([others])], ignore_index=True)
    for col in ("first_at", "last_at"):
        top[col] = pd.to_datetime(top[col]).dt.tz_localize(UTC).dt.tz_convert(tz).dt.tz_localize(None)
    return top[columns]


def daily_frame(author_day: pd.DataFrame, members: pd.DataFrame, *, weekly: bool = False) -> pd.DataFrame:
    """Messages per local day (or week) and shown author; everyone outside the top N is 'others'."""
    columns = ["day", "author", "messages", "colour"]
    if author_day.empty or members.empty:
        return pd.DataFrame(columns=columns)
    shown = members.set_index("author_id")
    fold = OTHERS_ID if OTHERS_ID in shown.index else None
    frame = author_day[["author_id", "day", "messages"]].copy()
    frame["key"] = frame["author_id"].where(frame["author_id"].isin(shown.index), fold)
    frame = frame.dropna(subset=["key"])
    if weekly:
        frame["day"] = frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D")
    grouped = frame.groupby(["day", "key"], as_index=False)["messages"].sum()
    grouped["key"] = grouped["key"].astype(int)
    grouped["author"] = grouped["key"].map(shown["author"])
    grouped["colour"] = grouped["key"].map(shown["colour"])
    order = {aid: i for i, aid in enumerate(shown.index)}
    grouped["rank"] = grouped["key"].map(order)
    return grouped.sort_values(["rank", "day"])[columns].reset_index(drop=True)


def heatmap_frame(day_hour: pd.DataFrame, lang: str) -> pd.DataFrame:
    """7 x 24 counts, Monday first."""
    names = list(weekday_names(lang))
    grid = pd.DataFrame(0, index=range(7), columns=range(24))
    if not day_hour.empty:
        wd = day_hour["day"].dt.day_of_week
        counts = day_hour.assign(wd=wd).groupby(["wd", "hour"])["messages"].sum()
        for (w, h), n in counts.items():
            grid.loc[int(w), int(h)] = int(n)
    grid.index = names
    return grid


def week_summary(author_day: pd.DataFrame, *, today: date, members: int) -> WeekSummary:
    """This week so far (Monday..today) vs the same weekdays last week, from per-day rows."""
    monday = today - timedelta(days=today.weekday())
    last_monday, last_same_day = monday - timedelta(days=7), today - timedelta(days=7)
    days = author_day["day"]
    ts = pd.Timestamp
    this = author_day[(days >= ts(monday)) & (days <= ts(today))]
    last = author_day[(days >= ts(last_monday)) & (days <= ts(last_same_day))]
    return WeekSummary(
        members=members,
        active_this_week=int(this["author_id"].nunique()),
        active_last_week=int(last["author_id"].nunique()),
        messages_this_week=int(this["messages"].sum()),
        messages_last_week=int(last["messages"].sum()),
        total_messages=int(author_day["messages"].sum()) if not author_day.empty else 0,
    )


def build_dashboard(
    messages: MessageService,
    accounts: Accounts,
    *,
    actor_id: int | None,
    project_id: int,
    tz: tzinfo,
    lang: str = "en",
    start: date | None = None,
    top_n: int = 10,
    now: datetime | None = None,
    cache: ActivityCache | None = None,
) -> Dashboard:
    """Check access, read the project's activity (cached and incremental when a cache is given), and
    shape the frames; `start` limits the charts to local days from that day on."""
    now = now or datetime.now(UTC)
    offset = utc_offset_minutes(tz, now)
    member_list = accounts.list_members(actor_id=actor_id, project_id=project_id)  # raises unless a member
    if cache is not None:
        activity = cache.get(messages.engine, project_id=project_id, offset_min=offset)
        author_day, day_hour = activity.author_day, activity.day_hour
    else:
        author_day, day_hour = aggregate_activity(messages.engine, project_id=project_id, offset_min=offset)
    ids = [int(a) for a in author_day["author_id"].unique()]
    with messages.engine.connect() as conn:
        names = dict(conn.execute(select(users.c.id, users.c.display_name).where(users.c.id.in_(ids))).all())
    today = local_time(now, tz).date()
    summary = week_summary(author_day, today=today, members=len(member_list))
    if start is not None:
        author_day = author_day[author_day["day"] >= pd.Timestamp(start)]
        day_hour = day_hour[day_hour["day"] >= pd.Timestamp(start)]
    members = members_frame(author_day, names, top_n=max(1, top_n), lang=lang, tz=tz)
    span = (author_day["day"].max() - author_day["day"].min()).days if not author_day.empty else 0
    weekly = span > WEEKLY_AFTER_DAYS
    return Dashboard(
        members=members,
        daily=daily_frame(author_day, members, weekly=weekly),
        heatmap=heatmap_frame(day_hour, lang),
        summary=summary,
        lang=lang,
        weekly=weekly,
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
