"""Drawing the task board: cards, the task detail (edit, history, comments) and small shared bits.

Logic stays in collab_core.work.tasks; these functions read widgets, call the services and draw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, tzinfo

import streamlit as st
from streamlit.errors import StreamlitAPIException

from collab_core.chat.presentation import escape_markdown, safe_markdown, when
from collab_core.errors import CollabError
from collab_core.hub import Hub
from collab_core.models import Member, User
from collab_core.work.task_values import PRIORITIES, STATUSES, Task, TaskEvent
from ui.session import show_error, tr

STATUS_ICON = {"TODO": "📝", "IN_PROGRESS": "🚧", "REVIEW": "👀", "DONE": "✅"}
STATUS_COLOUR = {"TODO": "gray", "IN_PROGRESS": "blue", "REVIEW": "orange", "DONE": "green"}
PRIORITY_MD = {
    "low": ":gray-badge[:material/south: {label}]",
    "normal": "",
    "high": ":orange-badge[:material/north: {label}]",
    "urgent": ":red-badge[:material/priority_high: {label}]",
}


def _refresh() -> None:
    """Redraw the dialog; a full rerun when it was drawn by one (AppTest, first open)."""
    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:
        st.rerun()


def status_label(status: str) -> str:
    return tr(f"status.{status}")


def _badge_text(text: str) -> str:
    # Badge text sits inside [...]: square brackets would end it early.
    return escape_markdown(text).replace("[", "(").replace("]", ")")


def priority_md(priority: str) -> str:
    template = PRIORITY_MD.get(priority, "")
    return template.format(label=tr(f"priority.{priority}")) if template else ""


def labels_md(labels: Sequence[str]) -> str:
    return " ".join(f":blue-badge[{_badge_text(label)}]" for label in labels)


def due_md(t: Task, lang: str) -> str:
    if t.due_date is None:
        return ""
    text = tr("tasks.due", date=_short_date(t.due_date, lang))
    if t.overdue:
        return f":red[:material/event_busy: **{escape_markdown(text)}** · {tr('tasks.overdue')}]"
    return f":gray[:material/event: {escape_markdown(text)}]"


def _short_date(day: date, lang: str) -> str:
    return f"{day.month}월 {day.day}일" if lang == "ko" else day.strftime("%b %-d")


def assignee_md(t: Task) -> str:
    if t.assignee:
        return f":material/person: {escape_markdown(t.assignee)}"
    return f":gray[:material/person_off: {tr('tasks.unassigned')}]"


def render_card(
    t: Task,
    *,
    lang: str,
    can_write: bool,
    on_move: Callable[[int, str, str], None],
    on_open: Callable[[int], None],
) -> None:
    """One card: title, assignee, due, priority, labels; arrows move it to the neighbouring column."""
    with st.container(border=True, key=f"task_card_{t.id}"):
        st.markdown(f"**{escape_markdown(t.title)}**")
        meta = [assignee_md(t)]
        due = due_md(t, lang)
        if due:
            meta.append(due)
        prio = priority_md(t.priority)
        if prio:
            meta.append(prio)
        st.markdown("  \n".join(meta))
        extra = labels_md(t.labels)
        if t.comment_count:
            extra += f" :gray[:material/chat_bubble: {t.comment_count}]"
        if t.meeting_id:
            extra += f" :gray[:material/groups: {tr('tasks.from_meeting')}]"
        if extra.strip():
            st.markdown(extra)
        idx = STATUSES.index(t.status)
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            if can_write and idx > 0:
                prev = STATUSES[idx - 1]
                st.button(
                    "",
                    icon=":material/arrow_back:",
                    key=f"task_prev_{t.id}",
                    help=tr("tasks.move_left", status=status_label(prev)),
                    on_click=on_move,
                    args=(t.id, prev, t.status),
                )
            if can_write and idx < len(STATUSES) - 1:
                nxt = STATUSES[idx + 1]
                st.button(
                    "",
                    icon=":material/arrow_forward:",
                    key=f"task_next_{t.id}",
                    help=tr("tasks.move_right", status=status_label(nxt)),
                    on_click=on_move,
                    args=(t.id, nxt, t.status),
                )
            st.button(
                tr("tasks.open"),
                icon=":material/open_in_full:",
                key=f"task_open_{t.id}",
                type="tertiary",
                on_click=on_open,
                args=(t.id,),
            )


def event_text(e: TaskEvent) -> str:
    """A history line in the UI language."""
    who = e.actor
    if e.event == "created":
        return tr("task.ev.created", who=who, to=status_label(e.to_status or "TODO"))
    if e.event == "moved":
        return tr(
            "task.ev.moved", who=who, from_=status_label(e.from_status or "TODO"), to=status_label(e.to_status or "")
        )
    if e.event == "reassigned":
        name = e.detail.get("to_name")
        return tr("task.ev.assigned", who=who, name=name) if name else tr("task.ev.unassigned", who=who)
    if e.event == "edited":
        fields = ", ".join(tr(f"task.field.{k}") for k in (e.detail.get("changes") or {}))
        return tr("task.ev.edited", who=who, fields=fields)
    if e.event == "commented":
        return tr("task.ev.commented", who=who)
    if e.event == "deleted":
        return tr("task.ev.deleted", who=who)
    return e.text


def member_options(members: Sequence[Member]) -> tuple[list[int | None], dict[int | None, str]]:
    """Select options for an assignee: None (unassigned) first, then members by name."""
    names: dict[int | None, str] = {None: tr("tasks.unassigned")}
    names.update({m.user_id: m.display_name for m in members})
    return list(names), names


def render_task_detail(
    hub: Hub,
    user: User,
    task_id: int,
    *,
    members: Sequence[Member],
    can_write: bool,
    can_delete: bool,
    tz: tzinfo,
    lang: str,
    today: date,
    on_deleted: Callable[[], None],
) -> None:
    """The body of the task dialog: summary, edit form, comments and history."""
    try:
        t = hub.tasks.get_task(actor_id=user.id, task_id=task_id, today=today)
    except CollabError:
        st.info(tr("task.gone"))
        return
    colour = STATUS_COLOUR[t.status]
    st.markdown(f"#### {escape_markdown(t.title)}")
    head = [f":{colour}-badge[{STATUS_ICON[t.status]} {status_label(t.status)}]", assignee_md(t)]
    for part in (due_md(t, lang), priority_md(t.priority), labels_md(t.labels)):
        if part:
            head.append(part)
    st.markdown(" · ".join(head))
    st.caption(tr("task.created", who=escape_markdown(t.created_by_name), when=when(t.created_at, tz, lang)))
    st.markdown(safe_markdown(t.description) if t.description else f":gray[_{tr('task.no_description')}_]")

    tab_names = [tr("task.comments") + (f" ({t.comment_count})" if t.comment_count else ""), tr("task.history")]
    if can_write:
        tab_names.insert(0, tr("task.edit"))
    tabs = st.tabs(tab_names)
    offset = 0
    if can_write:
        offset = 1
        with tabs[0]:
            _edit_form(hub, user, t, members)
            if can_delete:
                with st.popover(tr("task.delete"), icon=":material/delete:"):
                    if st.button(tr("task.delete_confirm"), key=f"task_del_{t.id}", type="primary"):
                        try:
                            hub.tasks.delete_task(actor_id=user.id, task_id=t.id)
                        except CollabError as exc:
                            show_error(exc)
                        else:
                            st.toast(tr("task.deleted"), icon="🗑️")
                            on_deleted()
                            st.rerun()
    with tabs[offset]:
        _comments(hub, user, t, can_write=can_write, tz=tz, lang=lang)
    with tabs[offset + 1]:
        for e in reversed(hub.tasks.history(actor_id=user.id, task_id=t.id)):
            st.markdown(f":gray[{escape_markdown(when(e.created_at, tz, lang))}] · {escape_markdown(event_text(e))}")


def _edit_form(hub: Hub, user: User, t: Task, members: Sequence[Member]) -> None:
    ids, names = member_options(members)
    with st.form(f"task_edit_{t.id}", border=False):
        title = st.text_input(tr("tasks.field.title"), value=t.title, max_chars=200)
        description = st.text_area(tr("tasks.field.description"), value=t.description, height=100)
        c1, c2, c3 = st.columns(3)
        status_names = {s: status_label(s) for s in STATUSES}
        priority_names = {p: tr(f"priority.{p}") for p in PRIORITIES}
        status = c1.selectbox(
            tr("tasks.field.status"), STATUSES, index=STATUSES.index(t.status), format_func=status_names.get
        )
        assignee = c2.selectbox(
            tr("tasks.field.assignee"),
            ids,
            index=ids.index(t.assignee_id) if t.assignee_id in ids else 0,
            format_func=names.get,
        )
        priority = c3.selectbox(
            tr("tasks.field.priority"), PRIORITIES, index=PRIORITIES.index(t.priority), format_func=priority_names.get
        )
        c4, c5 = st.columns(2)
        due = c4.date_input(tr("tasks.field.due"), value=t.due_date, format="YYYY-MM-DD")
        labels = c5.text_input(tr("tasks.field.labels"), value=", ".join(t.labels))
        if st.form_submit_button(tr("task.save"), type="primary"):
            try:
                hub.tasks.update_task(
                    actor_id=user.id,
                    task_id=t.id,
                    title=title,
                    description=description,
                    due_date=due,
                    priority=priority,
                    labels=labels,
                )
                if assignee != t.assignee_id:
                    hub.tasks.reassign(actor_id=user.id, task_id=t.id, assignee_id=assignee)
                if status != t.status:
                    hub.tasks.move_task(actor_id=user.id, task_id=t.id, status=status)
            except CollabError as exc:
                show_error(exc)
            else:
                st.toast(tr("task.saved"), icon="💾")
                _refresh()


def _comments(hub: Hub, user: User, t: Task, *, can_write: bool, tz: tzinfo, lang: str) -> None:
    comments = hub.tasks.comments(actor_id=user.id, task_id=t.id)
    if not comments:
        st.caption(tr("task.no_comments"))
    for c in comments:
        st.markdown(
            f"**{escape_markdown(c.author)}** :gray[{escape_markdown(when(c.created_at, tz, lang))}]  \n"
            f"{safe_markdown(c.content)}"
        )
    if can_write:
        with st.form(f"task_comment_{t.id}", clear_on_submit=True, border=False):
            text = st.text_area(
                tr("task.comments"), placeholder=tr("task.comment_ph"), label_visibility="collapsed", height=80
            )
            if st.form_submit_button(tr("task.comment_button"), icon=":material/send:"):
                try:
                    hub.tasks.comment(actor_id=user.id, task_id=t.id, content=text)
                except CollabError as exc:
                    show_error(exc)
                else:
                    _refresh()
