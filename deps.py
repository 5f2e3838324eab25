"""App-side service factory: one Hub per process, built once and shared by all sessions."""

from __future__ import annotations

import streamlit as st

from collab_core.hub import Hub
from collab_core.settings import Settings
from collab_core.work.dashboards import ActivityCache


@st.cache_resource(show_spinner="Loading the team memory…")
def get_hub() -> Hub:
    """The process-wide Hub (thread-safe, holds no per-user data)."""
    return Hub.open(Settings.load())


@st.cache_resource
def get_activity_cache() -> ActivityCache:
    """Contribution aggregates per project, shared by all sessions (keyed by database inside)."""
    return ActivityCache()
