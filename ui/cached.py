"""Read-only query results cached across reruns (st.cache_data), where measurements showed a need.

Every key includes the acting user and the project's message stamp (newest id, removals), so a new
message or a removal is a new key: nothing stale is served after a write, and the TTL bounds the
rest (for example a role change). The hub is passed with a leading underscore: not hashed.
"""

from __future__ import annotations

import streamlit as st

from collab_core.chat.views import chat_stamp
from collab_core.hub import Hub
from collab_core.models import AuthorGroup, SearchHit, TimeFilter


def stamp(hub: Hub, project_id: int) -> tuple[int, int]:
    s = chat_stamp(hub.messages, project_id=project_id)
    return s.last_id, s.removed


@st.cache_data(ttl=300, max_entries=512, show_spinner=False)
def author_groups(_hub: Hub, actor_id: int, project_id: int, stamp: tuple[int, int]) -> list[AuthorGroup]:
    """Everyone who wrote in the project, most active first (the author filter's options)."""
    return _hub.messages.group_by_author(actor_id=actor_id, project_id=project_id)


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def search_hits(
    _hub: Hub,
    actor_id: int,
    project_id: int,
    query: str,
    filters: TimeFilter,
    limit: int,
    stamp: tuple[int, int],
    include_ai: bool = False,
) -> list[SearchHit]:
    """Hybrid search results; the query embedding alone costs tens of ms, so reruns reuse them."""
    return _hub.search.search(
        actor_id=actor_id, project_id=project_id, query=query, limit=limit, filters=filters, include_ai=include_ai
    )
