"""Digest widgets: the "since you were last here" banner (it records the visit), the unsubscribe
screen served from a link's signed token, the digest inbox with settings, and the admin's controls."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from collab_core.chat.presentation import escape_markdown, when
from collab_core.errors import CollabError
from collab_core.hub import Hub
from collab_core.models import Project, User
from collab_core.outbox.schedule import known_zones
from ui.session import lang, show_error, tr, viewer_tz

VISIT_KEY = "digest_visit"  # {project_id: since} for this session
WEEKDAYS = {"en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "ko": ["월", "화", "수", "목", "금", "토", "일"]}


def _zone_name() -> str | None:
    return getattr(st.context, "timezone", None)


def visit_banner(hub: Hub, user: User, project: Project | None) -> None:
    """Record the visit once per session and project; show what changed since the previous visit."""
    if project is None:
        return
    visits = st.session_state.setdefault(VISIT_KEY, {})
    if project.id not in visits:
        try:
            hub.prefs.ensure_profile(user_id=user.id, language=lang(), timezone=_zone_name())
            visits[project.id] = {
                "since": hub.visits.record(user_id=user.id, project_id=project.id).since,
                "open": True,
            }
        except CollabError:
            return
    state = visits[project.id]
    since = state["since"]
    if since is None or not state["open"]:
        return
    if "digest" not in state:  # composed once per visit, not on every rerun of the page
        try:
            state["digest"] = hub.digests.since_digest(
                user_id=user.id, project_id=project.id, since=since, now=datetime.now(UTC)
            )
        except CollabError:
            return
    digest = state["digest"]
    if digest.empty:
        return
    with st.container(border=True, key="since_banner"):
        st.markdown(f"**👋 {escape_markdown(tr('since.title', when=when(since, viewer_tz(), lang())))}**")
        lines = []
        for s in digest.sections:
            lines.append(f"**{escape_markdown(s.title)}**")
            lines += [f"- {escape_markdown(i.text)}" for i in s.items[:5]]
            hidden = len(s.items) - 5 + s.more
            if hidden > 0:
                lines.append(f"- {tr('since.more', n=hidden)}")
        st.markdown("\n".join(lines))
        if st.button(tr("since.dismiss"), key="since_dismiss"):
            state["open"] = False
            st.rerun()


def unsubscribe_screen(hub: Hub, token: str) -> None:
    """The page an e-mail's unsubscribe link opens: one click (the visit) turns that kind off."""
    st.title(tr("app.title"))
    try:
        if st.session_state.get("unsub_again"):
            hub.prefs.unsubscribe(token=token, subscribe=True)
            st.success(tr("unsub.resubscribed"))
            return
        done = hub.prefs.unsubscribe(token=token)
    except CollabError as exc:
        show_error(exc)
        return
    st.success(tr("unsub.done", kind=tr(f"kind.{done.kind}"), project=done.project))
    st.button(tr("unsub.again"), key="unsub_again")
    st.link_button(tr("unsub.open_app"), "/")


def digest_inbox(hub: Hub, user: User, project: Project | None) -> None:
    """The person's digests (newest first) and their settings."""
    st.markdown(f"#### 🗞️ {tr('digest.inbox')}")
    items = hub.digests.inbox(user_id=user.id, limit=10)
    if not items:
        st.caption(tr("digest.none"))
    for d in items:
        with st.expander(f"{d.subject} · {when(d.created_at, viewer_tz(), lang())}", expanded=False):
            for s in d.sections:
                st.markdown(f"**{escape_markdown(s['title'])}**")
                st.markdown("\n".join(f"- [{escape_markdown(t)}]({link})" for t, link in s["items"]) or "-")
    if project is not None:
        digest_settings(hub, user, project)


def digest_settings(hub: Hub, user: User, project: Project) -> None:
    profile = hub.prefs.profile(user_id=user.id)
    schedule, is_default = hub.prefs.schedule(user_id=user.id, project_id=project.id)
    default = hub.prefs.project_default(project_id=project.id).schedule
    zones = known_zones()
    modes = ["default", "off", "daily", "weekly"]
    # Labels made here, not in a lambda: widget labels must not be recomputed outside this run.
    mode_label = {m: tr(f"digest.mode.{m}") for m in modes[1:]}
    mode_label["default"] = tr("digest.mode.default", mode=mode_label[default.mode])
    days = WEEKDAYS[lang()]
    with st.expander(tr("digest.settings")), st.form("digest_settings_form"):
        email = st.text_input(tr("digest.email"), value=profile.email or "")
        language = st.selectbox(
            tr("digest.language"),
            ["ko", "en"],
            index=0 if profile.language == "ko" else 1,
            format_func=lambda c: {"ko": "한국어", "en": "English"}[c],
            key="digest_lang",
        )
        tz = st.selectbox(
            tr("digest.timezone"), zones, index=zones.index(profile.timezone) if profile.timezone in zones else 0
        )
        mode = st.selectbox(
            tr("digest.mode"),
            modes,
            index=0 if is_default else modes.index(schedule.mode),
            format_func=mode_label.__getitem__,
            key="digest_mode",
        )
        at = st.text_input(tr("digest.at"), value=schedule.hhmm)
        weekday = st.selectbox(tr("digest.weekday"), range(7), index=schedule.weekday, format_func=days.__getitem__)
        if st.form_submit_button(tr("digest.save")):
            try:
                hub.prefs.set_profile(actor_id=user.id, user_id=user.id, email=email, language=language, timezone=tz)
                hub.prefs.set_schedule(actor_id=user.id, project_id=project.id, mode=mode, at=at, weekday=weekday)
            except CollabError as exc:
                show_error(exc)
            else:
                st.success(tr("digest.saved"))


def digest_admin(hub: Hub, user: User, project: Project | None) -> None:
    """Project admins set the default digest; system admins send a test e-mail and see deliveries."""
    st.markdown(f"#### 🗞️ {tr('digest.admin')}")
    if project is not None and project.role in ("owner", "admin"):
        d = hub.prefs.project_default(project_id=project.id)
        days = WEEKDAYS[lang()]
        modes = {m: tr(f"digest.mode.{m}") for m in ("off", "daily", "weekly")}
        zones = known_zones()
        with st.form("digest_default_form"):
            st.caption(tr("digest.admin_default"))
            mode = st.selectbox(
                tr("digest.mode"),
                ["off", "daily", "weekly"],
                index=["off", "daily", "weekly"].index(d.schedule.mode),
                format_func=modes.__getitem__,
            )
            at = st.text_input(tr("digest.at"), value=d.schedule.hhmm)
            weekday = st.selectbox(
                tr("digest.weekday"), range(7), index=d.schedule.weekday, format_func=days.__getitem__
            )
            tz = st.selectbox(
                tr("digest.timezone"),
                zones,
                index=zones.index(d.schedule.timezone) if d.schedule.timezone in zones else 0,
            )
            webhook = st.checkbox(tr("digest.admin_webhook"), value=d.webhook)
            if st.form_submit_button(tr("digest.save")):
                try:
                    hub.prefs.set_project_default(
                        actor_id=user.id,
                        project_id=project.id,
                        mode=mode,
                        at=at,
                        weekday=weekday,
                        timezone=tz,
                        webhook=webhook,
                    )
                except CollabError as exc:
                    show_error(exc)
                else:
                    st.success(tr("digest.saved"))
    if not user.is_system_admin:
        return
    if hub.deliverer.mailer is None:
        st.caption(tr("digest.no_smtp"))
        return
    with st.form("digest_test_form"):
        to = st.text_input(tr("digest.test_to"), value=hub.prefs.profile(user_id=user.id).email or "")
        if st.form_submit_button(tr("digest.test_send")):
            try:
                oid = hub.digests.queue_test_email(actor_id=user.id, to=to, language=lang())
            except CollabError as exc:
                show_error(exc)
            else:
                hub.deliverer.deliver_soon(oid)
                st.info(tr("digest.test_queued"))
    rows = hub.deliverer.recent(limit=10)
    if rows:
        st.dataframe(
            [
                {
                    k: r[k]
                    for k in ("id", "kind", "channel", "recipient", "state", "attempts", "last_error", "created_at")
                }
                for r in rows
            ],
            hide_index=True,
        )
