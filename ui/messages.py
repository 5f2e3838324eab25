"""Messages drawn the same way everywhere (chat, timeline, search context): avatar, name, time, text.

The chat draws runs (consecutive messages by one person under one header) with @mentions
highlighted; task and meeting notices read in the viewer's language from their structured event
(collab_core.chat.notices), with titles and names as plain text. Content goes through
collab_core.chat.presentation (safe_markdown / mention_markdown / escape_markdown); nothing here
passes message text as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo

import streamlit as st

from collab_core.chat.notices import notice_text
from collab_core.chat.presentation import (
    avatar_url,
    day_label,
    escape_markdown,
    highlight_markdown,
    mention_markdown,
    safe_markdown,
    safe_model_markdown,
    short_time,
    when,
)
from collab_core.chat.views import MessageRun, day_breaks, message_runs
from collab_core.models import Message
from ui.session import tr

# Finds @mentions in a text: (start, end, user_id) spans (collab_core.chat.mentions.mention_spans over members).
MentionFinder = Callable[[str], Sequence[tuple[int, int, int]]]


def message_head(m: Message, tz: tzinfo, lang: str, *, full_time: bool = False) -> str:
    stamp = when(m.created_at, tz, lang) if full_time else short_time(m.created_at, tz)
    head = f"**{escape_markdown(m.author)}** :gray[{escape_markdown(stamp)}]"
    if m.kind != "chat":
        head += f" :violet-badge[{tr('kind.' + m.kind)}]"
    return head


def plain_text(text: str) -> str:
    """Text shown exactly as typed, line breaks kept (notice bodies, old notices)."""
    return "  \n".join(escape_markdown(line) for line in text.strip().split("\n"))


def message_body(m: Message, lang: str, *, mentions: MentionFinder | None = None, me: int | None = None) -> str:
    """The markdown of a message's text: a notice in the viewer's language, or the chat text."""
    if m.role == "system":
        notice = notice_text(m, lang)
        if notice is None:  # written before notices were structured: the stored sentence, as text
            return plain_text(m.content)
        parts = [escape_markdown(notice.sentence)]
        if notice.details:
            parts.append(f":gray[{escape_markdown(notice.details)}]")
        text = "  \n".join(parts)
        if notice.body:
            head = f"**{escape_markdown(notice.body_title)}**  \n" if notice.body_title else ""
            text += f"\n\n{head}{plain_text(notice.body)}"
        return text
    if mentions is not None:
        return mention_markdown(m.content, mentions(m.content), me=me)
    return safe_markdown(m.content)


def _removed(m: Message, tz: tzinfo, lang: str) -> str:
    note = tr("chat.removed", who=m.deleted_by or "?", when=when(m.deleted_at or m.created_at, tz, lang))
    return f":gray[_{escape_markdown(note)}_]"


def _remove_button(m: Message, on_remove: Callable[[int], None]) -> None:
    st.button(
        "",
        icon=":material/delete:",
        key=f"rm_{m.id}",
        help=tr("chat.remove_help"),
        type="tertiary",
        on_click=on_remove,
        args=(m.id,),
    )


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
            st.markdown(f"{head}  \n{_removed(m, tz, lang)}")
            return
        # Model output (role assistant) also loses images and active links.
        if m.role == "assistant" and not terms:
            body = safe_model_markdown(m.content)
        else:
            body = highlight_markdown(m.content, terms) if terms and m.role != "system" else message_body(m, lang)
        st.markdown(f"{head}\n\n{body}")
        if on_remove is not None:
            _remove_button(m, on_remove)


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


def render_run(
    run: MessageRun,
    tz: tzinfo,
    lang: str,
    *,
    mentions: MentionFinder | None = None,
    me: int | None = None,
    on_remove: Callable[[int], None] | None = None,
) -> None:
    """One header (avatar, name, time of the first message) over each message of the run."""
    first = run.first
    with st.chat_message(first.author, avatar=avatar_url(first.author)):
        for i, m in enumerate(run.messages):
            head = message_head(m, tz, lang) + "\n\n" if i == 0 else ""
            body = _removed(m, tz, lang) if m.is_deleted else message_body(m, lang, mentions=mentions, me=me)
            with st.container(key=f"chat_msg_{m.id}", gap=None):
                st.markdown(f"{head}{body}")
                if on_remove is not None and not m.is_deleted:
                    _remove_button(m, on_remove)


def render_chat(
    items: Sequence[Message],
    tz: tzinfo,
    lang: str,
    *,
    mentions: MentionFinder | None = None,
    me: int | None = None,
    on_remove: Callable[[int], None] | None = None,
) -> None:
    """The chat's list: day headings, then runs of one person's consecutive messages."""
    today = datetime.now(UTC).astimezone(tz).date()
    for run in message_runs(items, tz):
        if run.day is not None:
            st.caption(f"— {day_label(run.day, lang, today=today)} —", text_alignment="center")
        render_run(run, tz, lang, mentions=mentions, me=me, on_remove=on_remove)
