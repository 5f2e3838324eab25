"""Server-side timings of page parts, kept in session state so the bench (AppTest) can read them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

PERF_KEY = "perf_ms"


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Record how long the block took (ms) under `name` for this session's latest run."""
    started = time.perf_counter()
    try:
        yield
    finally:
        st.session_state.setdefault(PERF_KEY, {})[name] = (time.perf_counter() - started) * 1000.0
