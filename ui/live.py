"""Live pages: a page notes the change-counter versions of what it shows before reading it
(`seen = mark(...)`), draws, and ends with `watch(...)`: a tiny fragment that checks the versions
every LIVE_EVERY_S and reruns the page only when one moved. An idle check draws nothing and reads
one indexed row per scope (a dictionary on PostgreSQL), so its cost does not grow with history,
and a rerun re-reads only the data whose scope changed (the pages key their caches by version).
"""

from __future__ import annotations

import streamlit as st

from collab_core.hub import Hub
from ui.perf import timed

LIVE_EVERY_S = 0.5


def mark(hub: Hub, scopes: tuple[str, ...], *, key: str) -> dict[str, int]:
    """The versions this run draws from (read before the data, so a change in between is caught)."""
    seen = hub.changes.versions(scopes)
    st.session_state[f"live_seen_{key}"] = seen
    return seen


@st.fragment(run_every=LIVE_EVERY_S)
def _watch(hub: Hub, scopes: tuple[str, ...], key: str) -> None:
    with timed(f"{key}.live"):  # the idle check's server cost (read by the page bench)
        moved = hub.changes.versions(scopes) != st.session_state.get(f"live_seen_{key}")
    if moved:
        st.rerun()


def watch(hub: Hub, scopes: tuple[str, ...], *, key: str) -> None:
    """Rerun the page as soon as one of the scopes changes (checked every LIVE_EVERY_S seconds)."""
    _watch(hub, scopes, key)
