"""tasks page (placeholder until its feature lands)."""

import streamlit as st

from ui.page import page_context

ctx = page_context()
st.title("tasks")
