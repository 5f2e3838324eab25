"""Meetings: start one, record agenda, notes, decisions and action items (each becomes a task),
then end it with a summary that is saved to the meeting and the project memory."""

from __future__ import annotations

import contextlib

import streamlit as st

from collab_core.chat.presentation import (
    escape_markdown,
    safe_markdown,
    safe_model_markdown,
    utc_offset_minutes,
    when,
)
from collab_core.errors import CollabError
from collab_core.work.meeting_values import Meeting
from collab_core.work.task_values import PRIORITIES
from ui.page import page_context
from ui.session import lang, show_error, tr, viewer_tz
from ui.tasks_board import member_options, status_label

ctx = page_context()
project = ctx.project
assert project is not None
hub, user = ctx.hub, ctx.user
tz = viewer_tz()
ui_lang = lang()
can_write = ctx.can("meeting_write")
members = hub.accounts.list_members(actor_id=user.id, project_id=project.id)
member_names = {m.user_id: m.display_name for m in members}
priority_names = {p: tr(f"priority.{p}") for p in PRIORITIES}
SELECTED = f"meetings_selected_{project.id}"

if "meeting" in st.query_params and SELECTED not in st.session_state:
    with contextlib.suppress(ValueError):
        st.session_state[SELECTED] = int(st.query_params["meeting"])


def _status_badge(m: Meeting) -> str:
    if m.is_open:
        return f":green-badge[:material/radio_button_checked: {tr('meet.open_badge')}]"
    return f":gray-badge[{tr('meet.ended_badge')}]"


def _run(action, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call a service; show a CollabError instead of raising. Returns the result or None."""
    try:
        return action(*args, **kwargs)
    except CollabError as exc:
        show_error(exc)
        return None


st.markdown(f"### 🗓️ {tr('meet.title')}")
st.caption(tr("meet.caption"))

if can_write:
    with (
        st.expander(tr("meet.start"), icon=":material/play_circle:"),
        st.form("meetings_start", clear_on_submit=True, border=False),
    ):
        title = st.text_input(tr("meet.field.title"), placeholder=tr("meet.field.title_ph"), max_chars=200)
        attendees = st.multiselect(
            tr("meet.field.attendees"),
            list(member_names),
            default=[user.id] if user.id in member_names else [],
            format_func=member_names.get,
        )
        if st.form_submit_button(tr("meet.start_button"), type="primary", icon=":material/play_arrow:"):
            started = _run(
                hub.meetings.start, actor_id=user.id, project_id=project.id, title=title, attendee_ids=attendees
            )
            if started is not None:
                st.session_state[SELECTED] = started.id
else:
    st.caption(tr("meet.read_only", role=tr(f"role.{project.role}")))

listing = hub.meetings.list_meetings(actor_id=user.id, project_id=project.id, limit=100)
if not listing:
    st.info(tr("meet.none"), icon="🗓️")
    st.stop()

ids = [m.id for m in listing]
labels = {m.id: f"{'🟢' if m.is_open else '⚪'} {m.title} · {when(m.started_at, tz, ui_lang)}" for m in listing}
if st.session_state.get(SELECTED) not in ids:
    st.session_state[SELECTED] = ids[0]
picked = st.selectbox(tr("meet.pick"), ids, format_func=labels.get, key=SELECTED)
meeting = next(m for m in listing if m.id == picked)
editable = can_write and meeting.is_open

with st.container(border=True, key="meeting_view"):
    st.markdown(f"#### {escape_markdown(meeting.title)} {_status_badge(meeting)}")
    info = tr("meet.started", who=escape_markdown(meeting.started_by_name), when=when(meeting.started_at, tz, ui_lang))
    if meeting.ended_at:
        info += " · " + tr("meet.ended_at", when=when(meeting.ended_at, tz, ui_lang))
    st.caption(info)
    st.caption(
        tr(
            "meet.counts",
            agenda=len(meeting.agenda),
            decisions=len(meeting.decisions),
            actions=len(meeting.action_items),
        )
    )

    # -- attendees
    if editable:
        with st.form(f"meeting_attendees_{meeting.id}", border=False):
            chosen = st.multiselect(
                tr("meet.field.attendees"),
                list(member_names),
                default=[a.user_id for a in meeting.attendees if a.user_id in member_names],
                format_func=member_names.get,
            )
            if st.form_submit_button(tr("meet.attendees_save"), icon=":material/group:") and _run(
                hub.meetings.set_attendees, actor_id=user.id, meeting_id=meeting.id, user_ids=chosen
            ):
                st.rerun()
    else:
        st.markdown(
            f"**{tr('meet.field.attendees')}:** " + ", ".join(escape_markdown(a.name) for a in meeting.attendees)
        )

    if meeting.summary:
        st.markdown(f"##### 📝 {tr('meet.summary')}")
        with st.container(border=True, key="meeting_summary"):
            st.markdown(safe_model_markdown(meeting.summary).replace("\n", "  \n"))

    left, right = st.columns(2, gap="medium")

    # -- agenda
    with left:
        st.markdown(f"##### 📋 {tr('meet.agenda')}")
        if not meeting.agenda:
            st.caption(tr("meet.agenda_empty"))
        for item in meeting.agenda:
            row, action = st.columns([6, 1], vertical_alignment="center")
            who = f" — :gray[{escape_markdown(item.presenter)}]" if item.presenter else ""
            details = f"  \n:gray[{escape_markdown(item.details)}]" if item.details else ""
            row.markdown(f"**{item.position}. {escape_markdown(item.topic)}**{who}{details}")
            if editable and action.button(
                "", icon=":material/close:", key=f"agenda_rm_{item.id}", help=tr("meet.remove"), type="tertiary"
            ):
                _run(hub.meetings.remove_agenda_item, actor_id=user.id, item_id=item.id)
                st.rerun()
        if editable:
            ids_, names_ = member_options(members)
            with st.form(f"meeting_agenda_{meeting.id}", clear_on_submit=True, border=False):
                topic = st.text_input(tr("meet.agenda_topic"), max_chars=200)
                c1, c2 = st.columns(2)
                presenter = c1.selectbox(tr("meet.agenda_presenter"), ids_, format_func=names_.get)
                details = c2.text_input(tr("meet.agenda_details"))
                if st.form_submit_button(tr("meet.agenda_add"), icon=":material/playlist_add:") and _run(
                    hub.meetings.add_agenda_item,
                    actor_id=user.id,
                    meeting_id=meeting.id,
                    topic=topic,
                    presenter_id=presenter,
                    details=details,
                ):
                    st.rerun()

        # -- notes
        st.markdown(f"##### 🗒️ {tr('meet.notes')}")
        if editable:
            with st.form(f"meeting_notes_{meeting.id}", border=False):
                notes = st.text_area(tr("meet.notes"), value=meeting.notes, height=160, label_visibility="collapsed")
                if st.form_submit_button(tr("meet.notes_save"), icon=":material/save:") and _run(
                    hub.meetings.set_notes, actor_id=user.id, meeting_id=meeting.id, notes=notes
                ):
                    st.toast(tr("meet.notes_saved"), icon="🗒️")
        elif meeting.notes:
            st.markdown(safe_markdown(meeting.notes))
        else:
            st.caption("—")

    # -- decisions and action items
    with right:
        st.markdown(f"##### ✅ {tr('meet.decisions')}")
        if not meeting.decisions:
            st.caption(tr("meet.decisions_empty"))
        for d in meeting.decisions:
            by = f" :gray[— {escape_markdown(d.decided_by)}]" if d.decided_by else ""
            st.markdown(f"- {escape_markdown(d.text)}{by}")
        if editable:
            with st.form(f"meeting_decision_{meeting.id}", clear_on_submit=True, border=False):
                text = st.text_input(
                    tr("meet.decisions"), placeholder=tr("meet.decision_ph"), label_visibility="collapsed"
                )
                if st.form_submit_button(tr("meet.decision_add"), icon=":material/gavel:") and _run(
                    hub.meetings.add_decision, actor_id=user.id, meeting_id=meeting.id, text=text
                ):
                    st.rerun()

        st.markdown(f"##### 🎯 {tr('meet.actions')}")
        if not meeting.action_items:
            st.caption(tr("meet.actions_empty"))
        for a in meeting.action_items:
            bits = [f":material/person: {escape_markdown(a.assignee or tr('tasks.unassigned'))}"]
            if a.due_date:
                bits.append(f":material/event: {a.due_date.isoformat()}")
            if a.task_id:
                state = status_label(a.task_status) if a.task_status else "—"
                bits.append(f":blue-badge[{tr('meet.action_task', id=a.task_id, status=state)}]")
            st.markdown(f"**{escape_markdown(a.title)}**  \n" + " · ".join(bits))
        if editable and ctx.can("task_write"):
            ids_, names_ = member_options(members)
            with st.form(f"meeting_action_{meeting.id}", clear_on_submit=True, border=False):
                title = st.text_input(tr("meet.action_title"), max_chars=200)
                c1, c2, c3 = st.columns(3)
                assignee = c1.selectbox(tr("tasks.field.assignee"), ids_, format_func=names_.get)
                due = c2.date_input(tr("tasks.field.due"), value=None, format="YYYY-MM-DD")
                priority = c3.selectbox(
                    tr("tasks.field.priority"),
                    PRIORITIES,
                    index=PRIORITIES.index("normal"),
                    format_func=priority_names.get,
                )
                if st.form_submit_button(tr("meet.action_add"), icon=":material/add_task:") and _run(
                    hub.meetings.add_action_item,
                    actor_id=user.id,
                    meeting_id=meeting.id,
                    title=title,
                    assignee_id=assignee,
                    due_date=due,
                    priority=priority,
                ):
                    st.rerun()

    if editable:
        st.divider()
        if st.button(
            tr("meet.end"), type="primary", icon=":material/stop_circle:", key="meeting_end", help=tr("meet.end_help")
        ):
            with st.spinner(tr("meet.ending")):
                ended = _run(
                    hub.meetings.end,
                    actor_id=user.id,
                    meeting_id=meeting.id,
                    utc_offset_min=utc_offset_minutes(tz),
                )
            if ended is not None:
                st.rerun()
