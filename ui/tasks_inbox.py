"""The sidebar's inbox entry with the unread @mention count (listed in ui.sidebar.SIDEBAR_EXTRAS)."""

from __future__ import annotations

import streamlit as st

from collab_core.hub import Hub
from collab_core.models import Project, User
from ui.session import tr

REFRESH_S = 5.0


@st.fragment(run_every=REFRESH_S)
def _badge(hub: Hub, user: User) -> None:
    # Drawn before st.navigation exists (the sidebar comes first), so no page_link here:
    # the Inbox entry of the navigation is the way in.
    n = hub.mentions.unread_count(user_id=user.id)
    if n:
        st.markdown(f":red-badge[🔔 {n}] {tr('inbox.badge_one' if n == 1 else 'inbox.badge', n=n)}")
    else:
        st.caption(f"🔕 {tr('inbox.badge_zero')}")


def inbox_badge(hub: Hub, user: User, project: Project | None) -> None:
    """A link to the inbox that keeps its unread count current on its own."""
    _badge(hub, user)
