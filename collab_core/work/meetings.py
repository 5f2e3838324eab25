"""Meetings: attendees, agenda, notes, decisions, action items (each a linked task) and a summary.

The start, each agenda item and decision, and the summary at the end are posted as system
messages (kind "meeting") attributed to the acting person, so the project memory knows them;
action items are announced by the task they create. The summary is the assistant's when an
LLM is available, otherwise a structured recap of agenda, decisions, action items and notes."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, func, select, update

from collab_core.chat.notices import meeting_notice
from collab_core.errors import ConflictError, NotFoundError, ValidationError
from collab_core.memory.text import clean_content, clean_name
from collab_core.people.roles import require
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import action_items, agenda_items, meeting_attendees, meetings, tasks, users
from collab_core.work.meeting_values import (
    MAX_DECISION,
    MAX_NOTES,
    STATUSES,
    ActionItem,
    AgendaItem,
    Attendee,
    Decision,
    Meeting,
    _aware,
    _decision,
    structured_recap,
)
from collab_core.work.task_events import Effects, PendingPost, acting_user, display_name, member_name, publish_effects
from collab_core.work.task_values import clean_description
from collab_core.work.tasks import TaskService

if TYPE_CHECKING:
    from collab_core.chat.messages import MessageService
    from collab_core.outbox.webhooks import Notifier

log = logging.getLogger(__name__)


class MeetingService:
    """Meetings of a project, permission-checked against the acting user."""

    def __init__(
        self,
        engine: Engine,
        tasks_: TaskService,
        messages_: MessageService,
        notifier: Notifier | None = None,
        *,
        assistant: Callable[[], Any] | None = None,
    ) -> None:
        self.engine = engine
        self.tasks = tasks_
        self.messages = messages_
        self.notifier = notifier
        # Returns hub.assistant (built by another module, maybe later than us) or None.
        self._assistant = assistant or (lambda: None)

    # -- reads ---------------------------------------------------------------------------------

    def _fetch(self, conn: Connection, ids: list[int]) -> dict[int, Meeting]:
        if not ids:
            return {}
        starter = users.alias("starter")
        rows = (
            conn.execute(
                select(meetings, starter.c.display_name.label("starter_name"))
                .join(starter, starter.c.id == meetings.c.started_by)
                .where(meetings.c.id.in_(ids))
            )
            .mappings()
            .all()
        )
        att: dict[int, list[Attendee]] = {i: [] for i in ids}
        for r in conn.execute(
            select(meeting_attendees.c.meeting_id, users.c.id, users.c.display_name)
            .join(users, users.c.id == meeting_attendees.c.user_id)
            .where(meeting_attendees.c.meeting_id.in_(ids))
            .order_by(users.c.display_name)
        ).all():
            att[r[0]].append(Attendee(r[1], r[2]))
        agenda: dict[int, list[AgendaItem]] = {i: [] for i in ids}
        presenter = users.alias("presenter")
        for r in conn.execute(
            select(agenda_items, presenter.c.display_name)
            .outerjoin(presenter, presenter.c.id == agenda_items.c.presenter_id)
            .where(agenda_items.c.meeting_id.in_(ids))
            .order_by(agenda_items.c.position, agenda_items.c.id)
        ).mappings():
            agenda[r["meeting_id"]].append(
                AgendaItem(
                    r["id"],
                    r["meeting_id"],
                    r["position"],
                    r["topic"],
                    r["details"],
                    r["presenter_id"],
                    r["display_name"],
                )
            )
        actions: dict[int, list[ActionItem]] = {i: [] for i in ids}
        owner = users.alias("owner")
        for r in conn.execute(
            select(action_items, owner.c.display_name, tasks.c.status.label("task_status"), tasks.c.deleted_at)
            .outerjoin(owner, owner.c.id == action_items.c.assignee_id)
            .outerjoin(tasks, tasks.c.id == action_items.c.task_id)
            .where(action_items.c.meeting_id.in_(ids))
            .order_by(action_items.c.created_at, action_items.c.id)
        ).mappings():
            actions[r["meeting_id"]].append(
                ActionItem(
                    id=r["id"],
                    meeting_id=r["meeting_id"],
                    title=r["title"],
                    assignee_id=r["assignee_id"],
                    assignee=r["display_name"],
                    due_date=r["due_date"],
                    task_id=r["task_id"],
                    task_status=None if r["deleted_at"] else r["task_status"],
                    created_at=_aware(r["created_at"]),  # type: ignore[arg-type]
                )
            )
        out = {}
        for r in rows:
            mid = r["id"]
            out[mid] = Meeting(
                id=mid,
                project_id=r["project_id"],
                title=r["title"],
                status=r["status"],
                started_by=r["started_by"],
                started_by_name=r["starter_name"],
                started_at=_aware(r["started_at"]),  # type: ignore[arg-type]
                ended_at=_aware(r["ended_at"]),
                notes=r["notes"] or "",
                decisions=tuple(_decision(mid, r["title"], d) for d in (r["decisions"] or [])),
                summary=r["summary"],
                attendees=tuple(att[mid]),
                agenda=tuple(agenda[mid]),
                action_items=tuple(actions[mid]),
                summary_message_id=r["summary_message_id"],
                external_id=r["external_id"],
            )
        return out

    def _load(self, conn: Connection, meeting_id: object) -> Meeting:
        if isinstance(meeting_id, bool) or not isinstance(meeting_id, int):
            raise ValidationError("A meeting id must be a number.")
        found = self._fetch(conn, [meeting_id]).get(meeting_id)
        if found is None:
            raise NotFoundError("That meeting does not exist.")
        return found

    def get(self, *, actor_id: int | None, meeting_id: int) -> Meeting:
        """One meeting with attendees, agenda, decisions and action items."""
        with self.engine.connect() as conn:
            meeting = self._load(conn, meeting_id)
            require(conn, actor_id, meeting.project_id, "read")
        return meeting

    def list_meetings(
        self, *, actor_id: int | None, project_id: int, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[Meeting]:
        """The project's meetings, open ones first, then newest first."""
        if status is not None and status not in STATUSES:
            raise ValidationError(f"Unknown meeting status {status!r}.", hint=f"Use one of: {', '.join(STATUSES)}.")
        q = select(meetings.c.id).where(meetings.c.project_id == project_id)
        if status is not None:
            q = q.where(meetings.c.status == status)
        q = (
            q.order_by((meetings.c.status == "open").desc(), meetings.c.started_at.desc(), meetings.c.id.desc())
            .offset(max(0, offset))
            .limit(max(1, min(limit, 500)))
        )
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            ids = list(conn.execute(q).scalars())
            found = self._fetch(conn, ids)
        return [found[i] for i in ids]

    def latest_decisions(self, *, project_id: int, limit: int = 10, actor_id: int | None = None) -> list[Decision]:
        """The newest decisions across the project's meetings (for the assistant's context)."""
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "read")
            rows = conn.execute(
                select(meetings.c.id, meetings.c.title, meetings.c.decisions, meetings.c.started_at)
                .where(meetings.c.project_id == project_id)
                .order_by(meetings.c.started_at.desc(), meetings.c.id.desc())
                .limit(max(1, limit) * 4)
            ).all()
        out: list[Decision] = []
        for mid, title, decisions, started in rows:
            for d in decisions or []:
                dec = _decision(mid, title, d)
                if dec.decided_at is None:
                    dec = Decision(mid, title, dec.text, _aware(started), dec.decided_by)
                out.append(dec)
        out.sort(key=lambda d: d.decided_at or datetime.min.replace(tzinfo=UTC), reverse=True)
        return out[: max(1, limit)]

    # -- writes --------------------------------------------------------------------------------

    def _publish(self, actor_id: int | None, project_id: int, effects: Effects) -> list[Any]:
        return publish_effects(self.messages, self.notifier, actor_id=actor_id, project_id=project_id, effects=effects)

    def _open_meeting(self, conn: Connection, actor_id: int | None, meeting_id: object) -> tuple[Meeting, int, str]:
        meeting = self._load(conn, meeting_id)
        require(conn, actor_id, meeting.project_id, "meeting_write")
        if not meeting.is_open:
            raise ConflictError(f"The meeting '{meeting.title}' has ended; it can no longer be changed.")
        author = acting_user(conn, actor_id, meeting.project_id)
        return meeting, author, display_name(conn, author)

    def start(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        title: str,
        attendee_ids: Iterable[int] = (),
    ) -> Meeting:
        """Start a meeting; the person starting it is an attendee. Attendees must be project members."""
        if not isinstance(title, str) or not title.strip():
            raise ValidationError("A meeting needs a title.", hint="For example: Weekly stand-up.")
        clean = clean_name(title, what="meeting title", max_chars=200)
        effects = Effects()
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "meeting_write")
            author = acting_user(conn, actor_id, project_id)
            people = list(dict.fromkeys([author, *attendee_ids]))
            names = [member_name(conn, project_id, uid, "attendee") for uid in people]
            now = utcnow()
            mid = int(
                conn.execute(
                    meetings.insert().values(
                        project_id=project_id,
                        title=clean,
                        status="open",
                        started_by=author,
                        started_at=now,
                        notes="",
                        decisions=[],
                        external_id=uuid.uuid4().hex,
                    )
                ).inserted_primary_key[0]
            )
            conn.execute(meeting_attendees.insert(), [{"meeting_id": mid, "user_id": uid} for uid in people])
            text = f"{names[0]} started the meeting '{clean}' (attendees: {', '.join(sorted(names))})"
            effects.posts.append(
                PendingPost(
                    author,
                    text,
                    {
                        "meeting_id": mid,
                        "event": "started",
                        "notice": meeting_notice("started", actor=names[0], title=clean, attendees=sorted(names)),
                    },
                    "meeting",
                    "meeting_write",
                )
            )
            meeting = self._load(conn, mid)
        self._publish(actor_id, project_id, effects)
        return meeting

    def set_attendees(self, *, actor_id: int | None, meeting_id: int, user_ids: Iterable[int]) -> Meeting:
        """Replace the attendee list (members only)."""
        with write_tx(self.engine) as conn:
            meeting, _, _ = self._open_meeting(conn, actor_id, meeting_id)
            people = list(dict.fromkeys(user_ids))
            for uid in people:
                member_name(conn, meeting.project_id, uid, "attendee")
            conn.execute(meeting_attendees.delete().where(meeting_attendees.c.meeting_id == meeting.id))
            if people:
                conn.execute(meeting_attendees.insert(), [{"meeting_id": meeting.id, "user_id": u} for u in people])
            return self._load(conn, meeting.id)

    def add_agenda_item(
        self,
        *,
        actor_id: int | None,
        meeting_id: int,
        topic: str,
        presenter_id: int | None = None,
        details: str = "",
    ) -> AgendaItem:
        """Append a topic to the agenda (presenter: a project member, optional)."""
        if not isinstance(topic, str) or not topic.strip():
            raise ValidationError("An agenda item needs a topic.")
        clean = clean_name(topic, what="agenda topic", max_chars=200)
        more = clean_description(details)
        effects = Effects()
        with write_tx(self.engine) as conn:
            meeting, author, actor_name = self._open_meeting(conn, actor_id, meeting_id)
            presenter = (
                member_name(conn, meeting.project_id, presenter_id, "presenter") if presenter_id is not None else None
            )
            position = 1 + int(
                conn.execute(
                    select(func.coalesce(func.max(agenda_items.c.position), 0)).where(
                        agenda_items.c.meeting_id == meeting.id
                    )
                ).scalar_one()
            )
            item_id = int(
                conn.execute(
                    agenda_items.insert().values(
                        meeting_id=meeting.id, position=position, presenter_id=presenter_id, topic=clean, details=more
                    )
                ).inserted_primary_key[0]
            )
            text = f"{actor_name} added to the agenda of '{meeting.title}': {position}. {clean}"
            if presenter:
                text += f" (presenter: {presenter})"
            if more:
                text += f" — {' '.join(more.split())[:500]}"
            effects.posts.append(
                PendingPost(
                    author,
                    text,
                    {
                        "meeting_id": meeting.id,
                        "event": "agenda",
                        "notice": meeting_notice(
                            "agenda",
                            actor=actor_name,
                            title=meeting.title,
                            position=position,
                            presenter=presenter,
                            body=clean + (f" — {' '.join(more.split())[:500]}" if more else ""),
                        ),
                    },
                    "meeting",
                    "meeting_write",
                )
            )
        self._publish(actor_id, meeting.project_id, effects)
        return AgendaItem(item_id, meeting.id, position, clean, more, presenter_id, presenter)

    def remove_agenda_item(self, *, actor_id: int | None, item_id: int) -> None:
        """Drop an agenda item (a mistaken entry) from an open meeting; the rest keep their order."""
        with write_tx(self.engine) as conn:
            mid = conn.execute(
                select(agenda_items.c.meeting_id).where(agenda_items.c.id == item_id)
            ).scalar_one_or_none()
            if mid is None:
                raise NotFoundError("That agenda item does not exist.")
            self._open_meeting(conn, actor_id, mid)
            conn.execute(agenda_items.delete().where(agenda_items.c.id == item_id))

    def set_notes(self, *, actor_id: int | None, meeting_id: int, notes: str) -> Meeting:
        """Replace the meeting's notes (they become part of the summary at the end)."""
        text = "" if not isinstance(notes, str) or not notes.strip() else clean_content(notes, max_chars=MAX_NOTES)
        with write_tx(self.engine) as conn:
            meeting, _, _ = self._open_meeting(conn, actor_id, meeting_id)
            conn.execute(update(meetings).where(meetings.c.id == meeting.id).values(notes=text))
            return self._load(conn, meeting.id)

    def add_decision(self, *, actor_id: int | None, meeting_id: int, text: str) -> Decision:
        """Record a decision; it is posted to the project memory right away."""
        clean = " ".join(clean_content(text, max_chars=MAX_DECISION).split())
        effects = Effects()
        with write_tx(self.engine) as conn:
            meeting, author, actor_name = self._open_meeting(conn, actor_id, meeting_id)
            now = utcnow()
            entry = {"text": clean, "at": now.isoformat(), "by": author, "by_name": actor_name}
            current = conn.execute(select(meetings.c.decisions).where(meetings.c.id == meeting.id)).scalar_one()
            conn.execute(
                update(meetings).where(meetings.c.id == meeting.id).values(decisions=[*(current or []), entry])
            )
            prefix = f"{actor_name} recorded a decision in '{meeting.title}': "
            effects.posts.append(
                PendingPost(
                    author,
                    prefix + clean,
                    {
                        "meeting_id": meeting.id,
                        "event": "decision",
                        "mention_from": len(prefix),
                        "notice": meeting_notice("decision", actor=actor_name, title=meeting.title, body=clean),
                    },
                    "meeting",
                    "meeting_write",
                )
            )
        self._publish(actor_id, meeting.project_id, effects)
        return Decision(meeting.id, meeting.title, clean, _aware(now), actor_name)

    def add_action_item(
        self,
        *,
        actor_id: int | None,
        meeting_id: int,
        title: str,
        assignee_id: int | None = None,
        due_date: date | str | None = None,
        priority: str = "normal",
        description: str = "",
    ) -> ActionItem:
        """Record an action item and create its task on the board (linked to this meeting), atomically."""
        effects = Effects()
        with write_tx(self.engine) as conn:
            meeting, _, _ = self._open_meeting(conn, actor_id, meeting_id)
            require(conn, actor_id, meeting.project_id, "task_write")
            task_id = self.tasks.insert_task(
                conn,
                actor_id=actor_id,
                project_id=meeting.project_id,
                title=title,
                description=description,
                assignee_id=assignee_id,
                due_date=due_date,
                priority=priority,
                meeting_id=meeting.id,
                effects=effects,
            )
            task = conn.execute(select(tasks.c.title, tasks.c.due_date).where(tasks.c.id == task_id)).one()
            now = utcnow()
            item_id = int(
                conn.execute(
                    action_items.insert().values(
                        meeting_id=meeting.id,
                        title=task.title,
                        assignee_id=assignee_id,
                        due_date=task.due_date,
                        task_id=task_id,
                        created_at=now,
                    )
                ).inserted_primary_key[0]
            )
            item = next(a for a in self._load(conn, meeting.id).action_items if a.id == item_id)
        self._publish(actor_id, meeting.project_id, effects)
        return item

    def _summarize(self, meeting: Meeting, recap: str) -> tuple[str, str]:
        """(summary, source): the assistant's LLM summary when it gives one, else the recap."""
        summarize = getattr(self._assistant(), "summarize_meeting", None)
        if summarize is None:
            return recap, "recap"
        try:
            text = summarize(meeting=meeting, recap=recap)  # "" when generation is off
        except Exception as exc:  # generation is a bonus: the recap always works
            log.warning("meeting summary by the LLM failed, using the recap: %s", exc)
            return recap, "recap"
        if not isinstance(text, str) or not text.strip():
            return recap, "recap"
        return text.strip(), "llm"

    def end(self, *, actor_id: int | None, meeting_id: int, generate: bool = True, utc_offset_min: int = 0) -> Meeting:
        """End the meeting and save its summary to the meeting and the project memory.

        generate=False skips the LLM and saves the structured recap; utc_offset_min is the
        offset the recap shows times in (the person ending the meeting's).
        """
        with self.engine.connect() as conn:
            meeting, _, _ = self._open_meeting(conn, actor_id, meeting_id)
        # The LLM call can take seconds: it runs outside any transaction.
        ended_at = utcnow()
        draft = replace(meeting, ended_at=_aware(ended_at), status="ended")
        recap = structured_recap(draft, utc_offset_min=utc_offset_min)
        summary, source = self._summarize(draft, recap) if generate else (recap, "recap")
        effects = Effects()
        with write_tx(self.engine) as conn:
            meeting, author, actor_name = self._open_meeting(conn, actor_id, meeting_id)
            conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting.id)
                .values(status="ended", ended_at=ended_at, summary=summary)
            )
            text = f"{actor_name} ended the meeting '{meeting.title}'. Summary:\n{summary}"
            effects.posts.append(
                PendingPost(
                    author,
                    text[:7900],
                    {
                        "meeting_id": meeting.id,
                        "event": "ended",
                        "summary_source": source,
                        "notice": meeting_notice("ended", actor=actor_name, title=meeting.title, body=summary[:7800]),
                    },
                    "meeting",
                    "meeting_write",
                )
            )
            if self.notifier is not None:
                self.notifier.enqueue(
                    conn,
                    project_id=meeting.project_id,
                    event="meeting_summary",
                    text=f"{actor_name} ended '{meeting.title}'.\n{summary}",
                )
        posted = self._publish(actor_id, meeting.project_id, effects)
        with write_tx(self.engine) as conn:
            if posted and posted[0] is not None:
                conn.execute(
                    update(meetings).where(meetings.c.id == meeting.id).values(summary_message_id=posted[0].id)
                )
            return self._load(conn, meeting.id)
