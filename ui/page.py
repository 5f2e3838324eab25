"""What every page starts with: the hub, the signed-in user and the active project."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from collab_core.hub import Hub
from collab_core.models import Project, User
from collab_core.people.roles import role_allows
from deps import get_hub
from ui.session import active_project, current_user, tr


@dataclass(frozen=True)
class PageContext:
    """The hub, the signed-in user and the active project (None when the user has none)."""

    hub: Hub
    user: User
    project: Project | None

    def can(self, action: str) -> bool:
        """Whether the user's role in the active project allows an action (to hide controls)."""
        return self.project is not None and role_allows(self.project.role, action)


def page_context(*, need_project: bool = True) -> PageContext:
    """Resolve the context; stops the page with guidance when there is no user or project."""
    hub = get_hub()
    user = current_user(hub)
    if user is None:
        st.stop()
    project = active_project(hub, user)
    if need_project and project is None:
        st.info(tr("project.none"))
        st.stop()
    return PageContext(hub=hub, user=user, project=project)
