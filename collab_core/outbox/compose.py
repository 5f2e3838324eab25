"""Digest composition: what changed in one project for one person (or for the whole team) in a window.

A digest is a list of sections, each made by a section builder `fn(conn, scope) -> Section | None`.
The Hub wires the list (DIGEST_SECTIONS), so a feature adds its section there (open commitments,
risks) without touching this module. Texts come in the person's language; every item links to the
page that shows it. A digest whose sections are all empty is not sent.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, and_, or_, select

from collab_core.outbox.schedule import zone
from collab_core.store.schema import action_items, meetings, mentions, messages, task_events, tasks, users

MAX_ITEMS = 15
DUE_SOON_DAYS = 3

TEXT: dict[str, dict[str, str]] = {
    "mentions": {"en": "Mentions of you", "ko": "나를 언급한 메시지"},
    "tasks": {"en": "Your tasks", "ko": "내 작업"},
    "team_tasks": {"en": "Tasks", "ko": "작업"},
    "meetings": {"en": "Meetings", "ko": "회의"},
    "decisions": {"en": "Decisions", "ko": "결정 사항"},
    "new": {"en": "new", "ko": "새 작업"},
    "moved": {"en": "moved to {status}", "ko": "{status}(으)로 이동"},
    "due_soon": {"en": "due {day}", "ko": "마감 {day}"},
    "overdue": {"en": "overdue since {day}", "ko": "{day}부터 기한 초과"},
    "held": {"en": "held {day}", "ko": "{day} 진행"},
    "action": {"en": "action item for you: {title}", "ko": "나의 실행 항목: {title}"},
    "more": {"en": "… and {n} more", "ko": "… 외 {n}건"},
    "daily": {"en": "Daily digest", "ko": "일일 요약"},
    "weekly": {"en": "Weekly digest", "ko": "주간 요약"},
    "since": {"en": "Since you were last here", "ko": "마지막 방문 이후"},
    "intro": {"en": "What changed in {project} since {since}:", "ko": "{since} 이후 {project}에서 바뀐 내용:"},
    "open": {"en": "Open", "ko": "열기"},
    "unsubscribe": {
        "en": "Stop these e-mails ({kind}, {project}): {url}",
        "ko": "이 메일 받지 않기 ({kind}, {project}): {url}",
    },
    "footer": {
        "en": "Change when digests come in the app's inbox.",
        "ko": "요약을 받을 때는 앱의 알림함에서 바꿀 수 있습니다.",
    },
}


def text(key: str, lang: str, **params: object) -> str:
    entry = TEXT[key]
    return entry.get(lang, entry["en"]).format(**params)


@dataclass(frozen=True)
class DigestScope:
    """What a builder needs: the project, the person (None = the team), language, zone, window and links."""

    project_id: int
    project: str
    user_id: int | None
    language: str
    timezone: str
    since: datetime  # naive UTC, exclusive
    until: datetime  # naive UTC, inclusive
    base_url: str = "http://localhost:8501"

    def link(self, page: str, **params: object) -> str:
        query = urlencode({"project": self.project_id, **params})
        return f"{self.base_url.rstrip('/')}/{page}?{query}"

    def day(self, value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.replace(tzinfo=UTC).astimezone(zone(self.timezone)).date()
        return value.strftime("%m/%d") if self.language == "ko" else value.strftime("%b %d").replace(" 0", " ")

    @property
    def today(self) -> date:
        return self.until.replace(tzinfo=UTC).astimezone(zone(self.timezone)).date()


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest and the page that shows it."""

    text: str
    link: str


@dataclass(frozen=True)
class Section:
    """A titled list of items (`more` counts the items left out)."""

    key: str
    title: str
    items: tuple[DigestItem, ...]
    more: int = 0


@dataclass(frozen=True)
class Digest:
    """A composed digest: empty when no section has an item."""

    scope: DigestScope
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def item_count(self) -> int:
        return sum(len(s.items) + s.more for s in self.sections)

    @property
    def empty(self) -> bool:
        return self.item_count == 0

    def as_payload(self) -> dict[str, Any]:
        return {
            "sections": [
                {"key": s.key, "title": s.title, "more": s.more, "items": [[i.text, i.link] for i in s.items]}
                for s in self.sections
            ]
        }


SectionBuilder = Callable[[Connection, DigestScope], "Section | None"]


def _excerpt(value: str, limit: int = 120) -> str:
    flat = " ".join(str(value).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _section(key: str, scope: DigestScope, items: list[DigestItem]) -> Section | None:
    if not items:
        return None
    return Section(key, text(key, scope.language), tuple(items[:MAX_ITEMS]), max(0, len(items) - MAX_ITEMS))


def mentions_section(conn: Connection, scope: DigestScope) -> Section | None:
    """Messages that @mentioned the person in the window."""
    if scope.user_id is None:
        return None
    rows = conn.execute(
        select(messages.c.id, messages.c.content, users.c.display_name)
        .select_from(mentions)
        .join(messages, messages.c.id == mentions.c.message_id)
        .join(users, users.c.id == messages.c.author_id)
        .where(
            mentions.c.user_id == scope.user_id,
            mentions.c.project_id == scope.project_id,
            messages.c.created_at > scope.since,
            messages.c.created_at <= scope.until,
            messages.c.deleted_at.is_(None),
        )
        .order_by(messages.c.created_at)
        .limit(MAX_ITEMS * 4)
    ).all()
    items = [DigestItem(f"{r.display_name}: {_excerpt(r.content)}", scope.link("inbox", message=r.id)) for r in rows]
    return _section("mentions", scope, items)


def tasks_section(conn: Connection, scope: DigestScope) -> Section | None:
    """The person's tasks that are new or moved in the window, due in the next days, or overdue (team: new and moved)."""
    mine = [tasks.c.project_id == scope.project_id, tasks.c.deleted_at.is_(None)]
    if scope.user_id is not None:
        mine.append(tasks.c.assignee_id == scope.user_id)
    events = conn.execute(
        select(tasks.c.id, tasks.c.title, task_events.c.event, task_events.c.to_status, task_events.c.actor_id)
        .select_from(task_events)
        .join(tasks, tasks.c.id == task_events.c.task_id)
        .where(
            *mine,
            task_events.c.project_id == scope.project_id,
            task_events.c.created_at > scope.since,
            task_events.c.created_at <= scope.until,
            task_events.c.event.in_(("created", "reassigned", "moved")),
        )
        .order_by(task_events.c.created_at, task_events.c.id)
    ).all()
    lang = scope.language
    items: list[DigestItem] = []
    seen: dict[int, int] = {}
    for r in events:
        if r.event == "moved":
            label = text("moved", lang, status=r.to_status)
        elif r.event == "reassigned" and scope.user_id is None:
            continue
        else:
            label = text("new", lang)
        item = DigestItem(f"{r.title} · {label}", scope.link("tasks", task=r.id))
        if r.id in seen:  # one line per task: its newest change
            items[seen[r.id]] = item
        else:
            seen[r.id] = len(items)
            items.append(item)
    if scope.user_id is not None:
        today = scope.today
        due = conn.execute(
            select(tasks.c.id, tasks.c.title, tasks.c.due_date)
            .where(
                *mine,
                tasks.c.status != "DONE",
                tasks.c.due_date.is_not(None),
                tasks.c.due_date <= today + timedelta(days=DUE_SOON_DAYS),
            )
            .order_by(tasks.c.due_date, tasks.c.id)
            .limit(MAX_ITEMS * 2)
        ).all()
        for r in due:
            key = "overdue" if r.due_date < today else "due_soon"
            items.append(
                DigestItem(f"{r.title} · {text(key, lang, day=scope.day(r.due_date))}", scope.link("tasks", task=r.id))
            )
    return _section("tasks" if scope.user_id is not None else "team_tasks", scope, items)


def meetings_section(conn: Connection, scope: DigestScope) -> Section | None:
    """Meetings that ended in the window, with the person's action items from them."""
    rows = conn.execute(
        select(meetings.c.id, meetings.c.title, meetings.c.ended_at)
        .where(
            meetings.c.project_id == scope.project_id,
            meetings.c.ended_at > scope.since,
            meetings.c.ended_at <= scope.until,
        )
        .order_by(meetings.c.ended_at)
    ).all()
    mine_rows: list[Any] = []
    if scope.user_id is not None:
        mine_rows = conn.execute(
            select(action_items.c.title, action_items.c.meeting_id)
            .join(meetings, meetings.c.id == action_items.c.meeting_id)
            .where(
                meetings.c.project_id == scope.project_id,
                action_items.c.assignee_id == scope.user_id,
                or_(
                    and_(meetings.c.ended_at > scope.since, meetings.c.ended_at <= scope.until),
                    and_(action_items.c.created_at > scope.since, action_items.c.created_at <= scope.until),
                ),
            )
            .order_by(action_items.c.id)
        ).all()
    items: list[DigestItem] = []
    for r in rows:
        items.append(
            DigestItem(
                f"{r.title} · {text('held', scope.language, day=scope.day(r.ended_at))}",
                scope.link("meetings", meeting=r.id),
            )
        )
    for a in mine_rows:
        items.append(
            DigestItem(text("action", scope.language, title=a.title), scope.link("meetings", meeting=a.meeting_id))
        )
    return _section("meetings", scope, items)


def decisions_section(conn: Connection, scope: DigestScope) -> Section | None:
    """Decisions recorded in the project's meetings during the window."""
    rows = conn.execute(
        select(meetings.c.id, meetings.c.title, meetings.c.decisions).where(
            meetings.c.project_id == scope.project_id,
            meetings.c.started_at <= scope.until,
            or_(meetings.c.ended_at.is_(None), meetings.c.ended_at > scope.since),
        )
    ).all()
    found: list[tuple[str, DigestItem]] = []
    lo, hi = scope.since.isoformat(), scope.until.isoformat()
    for r in rows:
        for d in r.decisions or []:
            at = str(d.get("at", ""))
            if lo < at <= hi:
                found.append((at, DigestItem(f"{d.get('text', '')} · {r.title}", scope.link("meetings", meeting=r.id))))
    return _section("decisions", scope, [item for _, item in sorted(found, key=lambda x: x[0])])


# The sections every digest has, in order; the Hub may extend this list.
BASE_SECTIONS: tuple[SectionBuilder, ...] = (mentions_section, tasks_section, meetings_section, decisions_section)


def compose(conn: Connection, scope: DigestScope, builders: Sequence[SectionBuilder]) -> Digest:
    """Run each builder; keep the sections that have items."""
    sections = [s for b in builders if (s := b(conn, scope)) is not None and (s.items or s.more)]
    return Digest(scope, tuple(sections))


def render_text(digest: Digest, *, title: str, unsubscribe_url: str | None = None, kind: str = "") -> str:
    scope, lang = digest.scope, digest.scope.language
    since = scope.since.replace(tzinfo=UTC).astimezone(zone(scope.timezone)).strftime("%Y-%m-%d %H:%M")
    lines = [title, text("intro", lang, project=scope.project, since=since), ""]
    for s in digest.sections:
        lines.append(f"## {s.title}")
        lines += [f"- {i.text}\n  {i.link}" for i in s.items]
        if s.more:
            lines.append(text("more", lang, n=s.more))
        lines.append("")
    lines.append(text("footer", lang))
    if unsubscribe_url:
        lines.append(text("unsubscribe", lang, kind=text(kind, lang), project=scope.project, url=unsubscribe_url))
    return "\n".join(lines)


def render_html(digest: Digest, *, title: str, unsubscribe_url: str | None = None, kind: str = "") -> str:
    """An HTML part with every text escaped (message content is data, never markup)."""
    scope, lang = digest.scope, digest.scope.language
    e = html.escape
    since = scope.since.replace(tzinfo=UTC).astimezone(zone(scope.timezone)).strftime("%Y-%m-%d %H:%M")
    parts = [f"<h2>{e(title)}</h2>", f"<p>{e(text('intro', lang, project=scope.project, since=since))}</p>"]
    for s in digest.sections:
        parts.append(f"<h3>{e(s.title)}</h3><ul>")
        parts += [f'<li><a href="{e(i.link, quote=True)}">{e(i.text)}</a></li>' for i in s.items]
        if s.more:
            parts.append(f"<li>{e(text('more', lang, n=s.more))}</li>")
        parts.append("</ul>")
    parts.append(f"<p style='color:#666'>{e(text('footer', lang))}</p>")
    if unsubscribe_url:
        label = text("unsubscribe", lang, kind=text(kind, lang), project=scope.project, url="").rstrip(": ")
        parts.append(f'<p><a href="{e(unsubscribe_url, quote=True)}">{e(label)}</a></p>')
    return "\n".join(parts)
