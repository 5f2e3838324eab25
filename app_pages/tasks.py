"""Task board: TODO / IN_PROGRESS / REVIEW / DONE. The columns are a fragment that refreshes itself,
so a teammate's move shows up within seconds without reloading; cards move with their arrows."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import streamlit as st

from collab_core.chat.presentation import escape_markdown
from collab_core.errors import CollabError
from collab_core.work.task_values import PRIORITIES, STATUSES
from ui.page import page_context
from ui.session import lang, show_error, tr, viewer_tz
from ui.tasks_board import (
    STATUS_COLOUR,
    STATUS_ICON,
    member_options,
    render_card,
    render_task_detail,
    status_label,
)

LIVE_EVERY_S = 2.0
ANYONE, UNASSIGNED = "anyone", "unassigned"

ctx = page_context()
project = ctx.project
assert project is not None  # page_context() stops the page without one
hub, user = ctx.hub, ctx.user
tz = viewer_tz()
ui_lang = lang()
can_write = ctx.can("task_write")
can_delete = ctx.can("delete_task")
members = hub.accounts.list_members(actor_id=user.id, project_id=project.id)
member_names = {m.user_id: m.display_name for m in members}
# Format functions look up precomputed text: they also run outside the script run (AppTest).
status_names = {s: status_label(s) for s in STATUSES}
priority_names = {p: tr(f"priority.{p}") for p in PRIORITIES}
for key, default in (
    ("tasks_f_mine", False),
    ("tasks_f_assignee", ANYONE),
    ("tasks_f_label", None),
    ("tasks_f_overdue", False),
    ("tasks_f_text", ""),
):
    st.session_state.setdefault(key, default)

# A deep link (?task=ID, e.g. from the inbox) opens that task.
if "task" in st.query_params and "tasks_open" not in st.session_state:
    with contextlib.suppress(ValueError):
        st.session_state["tasks_open"] = int(st.query_params["task"])


def today():  # type: ignore[no-untyped-def]
    return datetime.now(UTC).astimezone(tz).date()


def _move(task_id: int, status: str, seen: str) -> None:
    try:
        t = hub.tasks.move_task(actor_id=user.id, task_id=task_id, status=status, expected_status=seen)
    except CollabError as exc:
        st.session_state["tasks_error"] = exc
    else:
        # Callbacks must not draw during a fragment rerun: the board shows the toast.
        st.session_state["tasks_toast"] = (tr("tasks.moved", title=t.title, status=status_label(status)), status)


def _open(task_id: int) -> None:
    st.session_state["tasks_open"] = task_id
    st.session_state["tasks_show_dialog"] = True


def _close() -> None:
    st.session_state.pop("tasks_open", None)
    st.query_params.pop("task", None)


def filters() -> dict:  # type: ignore[type-arg]
    f: dict = {"today": today()}  # type: ignore[type-arg]
    if st.session_state["tasks_f_mine"]:
        f["mine"] = True
    elif st.session_state["tasks_f_assignee"] == UNASSIGNED:
        f["unassigned"] = True
    elif isinstance(st.session_state["tasks_f_assignee"], int):
        f["assignee_id"] = st.session_state["tasks_f_assignee"]
    if st.session_state["tasks_f_label"]:
        f["label"] = st.session_state["tasks_f_label"]
    if st.session_state["tasks_f_overdue"]:
        f["overdue"] = True
    if st.session_state["tasks_f_text"].strip():
        f["text"] = st.session_state["tasks_f_text"]
    return f


@st.fragment(run_every=LIVE_EVERY_S)
def live_board() -> None:
    """Only this part reruns every LIVE_EVERY_S seconds; the board is re-read only when it changed."""
    f = filters()
    key = (project.id, repr(sorted(f.items())), hub.tasks.board_version(project_id=project.id))
    cached = st.session_state.get("tasks_board")
    if cached is not None and cached[0] == key:
        columns = cached[1]
    else:
        columns = hub.tasks.board(actor_id=user.id, project_id=project.id, **f)
        st.session_state["tasks_board"] = (key, columns)
    error = st.session_state.pop("tasks_error", None)
    if error is not None:
        show_error(error)
    toast = st.session_state.pop("tasks_toast", None)
    if toast is not None:
        st.toast(toast[0], icon=STATUS_ICON[toast[1]])
    total = sum(len(v) for v in columns.values())
    if total == 0:
        narrowed = len(f) > 1
        st.info(tr("tasks.no_match") if narrowed else tr("tasks.empty_board"), icon="🗂️")
    overdue = sum(t.overdue for v in columns.values() for t in v)
    st.caption(
        tr(
            "tasks.counts",
            total=total,
            open=total - len(columns["DONE"]),
            in_progress=len(columns["IN_PROGRESS"]),
            overdue=overdue,
        )
    )
    for status, col in zip(STATUSES, st.columns(len(STATUSES), gap="small"), strict=True):
        with col, st.container(key=f"tasks_col_{status}"):
            st.markdown(
                f":{STATUS_COLOUR[status]}-background[**{STATUS_ICON[status]} {status_label(status)}**]"
                f" :gray[{len(columns[status])}]"
            )
            if not columns[status]:
                st.caption(tr("tasks.empty_column"))
            for t in columns[status]:
                render_card(t, lang=ui_lang, can_write=can_write, on_move=_move, on_open=_open)
    # Opening a task shows a dialog, which only a full run can draw.
    if st.session_state.pop("tasks_show_dialog", False):
        st.rerun()


@st.dialog(tr("task.detail"), width="large", on_dismiss=_close)
def task_dialog(task_id: int) -> None:
    render_task_detail(
        hub,
        user,
        task_id,
        members=members,
        can_write=can_write,
        can_delete=can_delete,
        tz=tz,
        lang=ui_lang,
        today=today(),
        on_deleted=_close,
    )


st.markdown(f"### ✅ {tr('tasks.title')}")
st.caption(tr("tasks.caption", project=escape_markdown(project.name)))

if can_write:
    with st.expander(tr("tasks.add"), icon=":material/add_task:"):
        ids, names = member_options(members)
        with st.form("tasks_quick_add", clear_on_submit=True, border=False):
            title = st.text_input(tr("tasks.field.title"), placeholder=tr("tasks.field.title_ph"), max_chars=200)
            c1, c2, c3, c4 = st.columns(4)
            assignee = c1.selectbox(tr("tasks.field.assignee"), ids, format_func=names.get)
            due = c2.date_input(tr("tasks.field.due"), value=None, format="YYYY-MM-DD")
            priority = c3.selectbox(
                tr("tasks.field.priority"),
                PRIORITIES,
                index=PRIORITIES.index("normal"),
                format_func=priority_names.get,
            )
            status = c4.selectbox(tr("tasks.field.status"), STATUSES, format_func=status_names.get)
            labels = st.text_input(tr("tasks.field.labels"), placeholder="design, web")
            description = st.text_area(tr("tasks.field.description"), height=68)
            if st.form_submit_button(tr("tasks.add_button"), type="primary", icon=":material/add:"):
                try:
                    created = hub.tasks.create_task(
                        actor_id=user.id,
                        project_id=project.id,
                        title=title,
                        description=description,
                        assignee_id=assignee,
                        due_date=due,
                        priority=priority,
                        labels=labels,
                        status=status,
                    )
                except CollabError as exc:
                    show_error(exc)
                else:
                    st.toast(tr("tasks.added", title=created.title), icon="✅")
else:
    st.caption(tr("tasks.read_only", role=tr(f"role.{project.role}")))

with st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="tasks_filters"):
    st.toggle(tr("tasks.filter.mine"), key="tasks_f_mine")
    who_options: list = [ANYONE, UNASSIGNED, *member_names]  # type: ignore[type-arg]
    if st.session_state["tasks_f_assignee"] not in who_options:
        st.session_state["tasks_f_assignee"] = ANYONE
    who_names = {ANYONE: tr("tasks.filter.anyone"), UNASSIGNED: tr("tasks.unassigned"), **member_names}
    st.selectbox(
        tr("tasks.filter.assignee"),
        who_options,
        format_func=who_names.get,
        key="tasks_f_assignee",
        disabled=st.session_state["tasks_f_mine"],
        width=180,
    )
    label_options: list = [None, *hub.tasks.labels(actor_id=user.id, project_id=project.id)]  # type: ignore[type-arg]
    if st.session_state["tasks_f_label"] not in label_options:
        st.session_state["tasks_f_label"] = None
    label_names = {v: v for v in label_options} | {None: tr("tasks.filter.any_label")}
    st.selectbox(
        tr("tasks.filter.label"),
        label_options,
        format_func=label_names.get,
        placeholder=tr("tasks.filter.any_label"),
        key="tasks_f_label",
        width=180,
    )
    st.text_input(tr("tasks.filter.text"), key="tasks_f_text", width=220)
    st.toggle(tr("tasks.filter.overdue"), key="tasks_f_overdue")

live_board()

if st.session_state.get("tasks_open") is not None:
    task_dialog(st.session_state["tasks_open"])
