"""Assistant page: ask, project summaries (all time / date range / since my last visit) and action items
found in the chat, accepted into the task board with one click."""

from __future__ import annotations

from ui.assistant import render_page
from ui.page import page_context

render_page(page_context())
