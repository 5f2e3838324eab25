"""One message drawn the same way everywhere (chat, timeline, search context): avatar, name, time, text.

Content goes through collab_core.chat.presentation (safe_markdown / highlight_markdown); nothing here
passes message text as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo

import streamlit as st

from collab_core.chat.presentation import (
    avatar_url,
    day_label,
    escape_markdown,
    highlight_markdown,
    safe_markdown,
    safe_model_markdown,
    short_time,
    when,
)
from collab_core.chat.views import day_breaks
from collab_core.models import Message
from ui.session import tr


def message_head(m: Message, tz: tzinfo, lang: str, *, full_time: bool = False) -> str:
    stamp = when(m.created_at, tz, lang) if full_time else short_time(m.created_at, tz)
    head = f"**{escape_markdown(m.author)}** :gray[{escape_markdown(stamp)}]"
    if m.kind != "chat":
        head += f" :violet-badge[{tr('kind.' + m.kind)}]"
    return head


def render_message(
    m: Message,
    tz: tzinfo,
    lang: str,
    *,
    full_time: bool = False,
    terms: Sequence[str] | None = None,
    on_remove: Callable[[int], None] | None = None,
    marked: bool = False,
) -> None:
    """st.chat_message with the author's avatar; tombstones say who removed it and when."""
    with st.chat_message(m.author, avatar=avatar_url(m.author)):
        head = message_head(m, tz, lang, full_time=full_time)
        if marked:
            head = f":orange-badge[:material/arrow_right: ] {head}"
        if m.is_deleted:
            note = tr("chat.removed", who=m.deleted_by or "?", when=when(m.deleted_at or m.created_at, tz, lang))
            st.markdown(f"{head}  \n:gray[_{escape_markdown(note)}_]")
            return
        # Model output (role assistant) also loses images and active links.
        plain = safe_model_markdown if m.role == "assistant" else safe_markdown
        body = highlight_markdown(m.content, terms) if terms else plain(m.content)
        st.markdown(f"{head}\n\n{body}")
        if on_remove is not None:
            st.button(
                "",
                icon=":material/delete:",
                key=f"rm_{m.id}",
                help=tr("chat.remove_help"),
                type="tertiary",
                on_click=on_remove,
                args=(m.id,),
            )


def render_listing(
    items: Sequence[Message],
    tz: tzinfo,
    lang: str,
    *,
    on_remove: Callable[[int], None] | None = None,
    marked_id: int | None = None,
) -> None:
    """Messages with a centred day heading whenever the local day changes."""
    today = datetime.now(UTC).astimezone(tz).date()
    for day, m in day_breaks(items, tz):
        if day is not None:
            st.caption(f"— {day_label(day, lang, today=today)} —", text_alignment="center")
        render_message(m, tz, lang, on_remove=on_remove, marked=m.id == marked_id)
