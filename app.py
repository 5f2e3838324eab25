"""Router: page config, sign-in gate, sidebar (project + user), then st.navigation over app_pages/.

The pages live in app_pages/, never pages/: a pages/ folder beside app.py switches Streamlit to its
older auto-discovered navigation, which lists raw file names and runs a deep-linked page without
the router (a blank page instead of the sign-in form).

The navigation is built on every run, signed in or not: signed out it is hidden and the sign-in form
is shown instead of the page, so any address (a shared link to /timeline?project=3) asks for a
sign-in and then opens the page and project it names.
"""

from __future__ import annotations

import streamlit as st

from deps import get_hub
from ui import sidebar, sign_in
from ui.digests import unsubscribe_screen, visit_banner
from ui.invites import redeem_link
from ui.session import cookie_writer, current_user, tr

st.set_page_config(page_title="Team Hub", page_icon="🧠", layout="wide")

pages = [
    st.Page("app_pages/chat.py", title=tr("nav.chat"), icon=":material/forum:", default=True, url_path="chat"),
    st.Page("app_pages/timeline.py", title=tr("nav.timeline"), icon=":material/view_timeline:", url_path="timeline"),
    st.Page(
        "app_pages/contributions.py",
        title=tr("nav.contributions"),
        icon=":material/insights:",
        url_path="contributions",
    ),
    st.Page("app_pages/search.py", title=tr("nav.search"), icon=":material/search:", url_path="search"),
    st.Page("app_pages/tasks.py", title=tr("nav.tasks"), icon=":material/task_alt:", url_path="tasks"),
    st.Page("app_pages/meetings.py", title=tr("nav.meetings"), icon=":material/event_note:", url_path="meetings"),
    st.Page("app_pages/assistant.py", title=tr("nav.assistant"), icon=":material/smart_toy:", url_path="assistant"),
    st.Page("app_pages/inbox.py", title=tr("nav.inbox"), icon=":material/notifications:", url_path="inbox"),
    st.Page("app_pages/admin.py", title=tr("nav.admin"), icon=":material/admin_panel_settings:", url_path="admin"),
]

hub = get_hub()
# An e-mail's unsubscribe link works signed in or not: its signed token names the person and digest.
if st.query_params.get("unsubscribe"):
    unsubscribe_screen(hub, st.query_params["unsubscribe"])
    st.stop()
user = current_user(hub)
# Built before any widget: from here on every widget id is the same on every run (the first run after a
# sign-in included), so the first press of a sidebar button always counts.
nav = st.navigation(pages, position="sidebar" if user is not None else "hidden")
if user is None:
    sign_in.render(hub)  # the linked page stays selected and opens after the sign-in
    cookie_writer()
    st.stop()

redeem_link(hub, user)
project = sidebar.render(hub, user)
# Opening a project records the visit and shows what changed since the previous one.
visit_banner(hub, user, project)
cookie_writer()
nav.run()
