"""Digests: find who is due (their schedule's newest slot not yet made), compose what changed since
their last digest, and write the digest run and its deliveries (inbox, e-mail, team webhook) in one
transaction. The run row is unique per person, project, kind and slot, so with any number of workers
each digest is made exactly once: a second worker's insert fails and it moves on. Also: the "since
you were last here" banner (the same sections over a visit's window) and the in-app digest inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from collab_core.errors import NotFoundError, PermissionDeniedError, ValidationError
from collab_core.outbox.compose import (
    Digest,
    DigestScope,
    SectionBuilder,
    compose,
    render_html,
    render_text,
    text,
)
from collab_core.outbox.prefs import Preferences, validate_email
from collab_core.outbox.schedule import MAX_LOOKBACK, Schedule, latest_slot, previous_slot
from collab_core.outbox.tables import digest_runs, outbox
from collab_core.people.roles import require
from collab_core.store.engine import db_time, write_tx
from collab_core.store.schema import memberships, projects, users

TEAM = 0  # digest_runs.user_id of a project's team digest (to the webhook)


@dataclass(frozen=True)
class RunReport:
    """What one pass over the schedules did."""

    due: int
    made: int
    empty: int
    taken: int  # made by another worker at the same time
    deliveries: int


@dataclass(frozen=True)
class InboxDigest:
    """A digest in the person's in-app inbox."""

    id: int
    project_id: int
    project: str
    kind: str
    subject: str
    sections: list[dict[str, Any]]
    created_at: datetime
    read: bool


class DigestService:
    """Composes and queues digests; reads the digest inbox."""

    def __init__(
        self,
        engine: Engine,
        prefs: Preferences,
        *,
        sections: Sequence[SectionBuilder],
        base_url: str,
        email_on: bool,
    ) -> None:
        self.engine = engine
        self.prefs = prefs
        self.sections = tuple(sections)
        self.base_url = base_url
        self.email_on = email_on

    # -- scheduled digests -------------------------------------------------------------------------

    def run_due(self, *, now: datetime | None = None) -> RunReport:
        """Make every digest whose slot has come (one pass; safe to run in several processes at once)."""
        at = db_time(now or datetime.now(UTC))
        aware = at.replace(tzinfo=UTC)
        with self.engine.connect() as conn:
            people = conn.execute(
                select(memberships.c.project_id, memberships.c.user_id, projects.c.name, projects.c.webhook_url)
                .join(users, users.c.id == memberships.c.user_id)
                .join(projects, projects.c.id == memberships.c.project_id)
                .where(users.c.disabled.is_(False))
            ).all()
            last = {
                (r.project_id, r.user_id, r.kind): r.slot
                for r in conn.execute(
                    select(
                        digest_runs.c.project_id,
                        digest_runs.c.user_id,
                        digest_runs.c.kind,
                        func.max(digest_runs.c.slot).label("slot"),
                    ).group_by(digest_runs.c.project_id, digest_runs.c.user_id, digest_runs.c.kind)
                )
            }
            profiles: dict[int, Any] = {}
            defaults: dict[int, Any] = {}
            due: list[tuple[int, int, str, Schedule, datetime, Any]] = []
            for r in people:
                if r.user_id not in profiles:
                    profiles[r.user_id] = self.prefs._profile(conn, r.user_id)
                schedule, _ = self.prefs._schedule(conn, r.user_id, r.project_id, profiles[r.user_id])
                slot = latest_slot(schedule, aware)
                if slot is None:
                    continue
                slot_n = db_time(slot)
                if last.get((r.project_id, r.user_id, schedule.mode), datetime.min) >= slot_n:
                    continue
                due.append((r.project_id, r.user_id, r.name, schedule, slot_n, profiles[r.user_id]))
            teams = []
            for pid, name, hook in {(r.project_id, r.name, r.webhook_url) for r in people}:
                if not hook:
                    continue
                d = defaults.setdefault(pid, self.prefs._default(conn, pid))
                if not d.webhook:
                    continue
                slot = latest_slot(d.schedule, aware)
                if slot is None or last.get((pid, TEAM, d.schedule.mode), datetime.min) >= db_time(slot):
                    continue
                teams.append((pid, name, d.schedule, db_time(slot)))
        if self.email_on and due:
            self.prefs._key()  # made before the digest transactions that sign links (SQLite: one writer)
        made = empty = taken = deliveries = 0
        for pid, uid, name, schedule, slot, profile in due:
            since = self._since(last.get((pid, uid, schedule.mode)), schedule, slot)
            scope = DigestScope(pid, name, uid, profile.language, profile.timezone, since, slot, self.base_url)
            result = self._make(scope, schedule.mode, slot, at, profile=profile)
            made, empty, taken, deliveries = (
                made + (result > 0),
                empty + (result == 0),
                taken + (result < 0),
                deliveries + max(result, 0),
            )
        for pid, name, schedule, slot in teams:
            since = self._since(last.get((pid, TEAM, schedule.mode)), schedule, slot)
            lang = self.prefs.default_language
            scope = DigestScope(pid, name, None, lang, schedule.timezone, since, slot, self.base_url)
            result = self._make(scope, schedule.mode, slot, at, profile=None)
            made, empty, taken, deliveries = (
                made + (result > 0),
                empty + (result == 0),
                taken + (result < 0),
                deliveries + max(result, 0),
            )
        return RunReport(len(due) + len(teams), made, empty, taken, deliveries)

    @staticmethod
    def _since(last_slot: datetime | None, schedule: Schedule, slot: datetime) -> datetime:
        floor = slot - MAX_LOOKBACK[schedule.mode]
        if last_slot is not None:
            return max(last_slot, floor)
        return db_time(previous_slot(schedule, slot.replace(tzinfo=UTC)))

    def _make(self, scope: DigestScope, kind: str, slot: datetime, at: datetime, *, profile: Any) -> int:
        """Compose and queue one digest: deliveries queued, 0 when empty, -1 when another worker made it."""
        uid = scope.user_id if scope.user_id is not None else TEAM
        try:
            with write_tx(self.engine) as conn:
                digest = compose(conn, scope, self.sections)
                run_id = conn.execute(
                    digest_runs.insert().values(
                        project_id=scope.project_id,
                        user_id=uid,
                        kind=kind,
                        slot=slot,
                        since=scope.since,
                        items=digest.item_count,
                        created_at=at,
                    )
                ).inserted_primary_key[0]
                if digest.empty:
                    return 0
                return self._queue(conn, digest, kind=kind, at=at, run_id=int(run_id), profile=profile)
        except IntegrityError:
            return -1

    def subject(self, digest: Digest, kind: str) -> str:
        lang = digest.scope.language
        return f"[{digest.scope.project}] {text(kind, lang)} · {digest.item_count}"

    def _queue(self, conn: Connection, digest: Digest, *, kind: str, at: datetime, run_id: int, profile: Any) -> int:
        scope = digest.scope
        subject = self.subject(digest, kind)
        base = {
            "project_id": scope.project_id,
            "kind": kind,
            "subject": subject[:300],
            "created_at": at,
            "run_id": run_id,
        }
        rows: list[dict[str, Any]] = []
        if scope.user_id is None:
            body = render_text(digest, title=subject)
            rows.append({**base, "channel": "webhook", "payload": {"text": body[:3000]}, "state": "pending"})
        else:
            plain = render_text(digest, title=subject)
            payload = {**digest.as_payload(), "text": plain}
            rows.append(
                {
                    **base,
                    "user_id": scope.user_id,
                    "channel": "inbox",
                    "payload": payload,
                    "state": "sent",
                    "sent_at": at,
                }
            )
            if self.email_on and profile is not None and profile.wants_email(scope.project_id, kind):
                token = self.prefs.unsubscribe_token(user_id=scope.user_id, project_id=scope.project_id, kind=kind)
                url = f"{self.base_url.rstrip('/')}/?unsubscribe={token}"
                mail = {
                    "text": render_text(digest, title=subject, unsubscribe_url=url, kind=kind),
                    "html": render_html(digest, title=subject, unsubscribe_url=url, kind=kind),
                    "unsubscribe_url": url,
                }
                rows.append(
                    {
                        **base,
                        "user_id": scope.user_id,
                        "channel": "email",
                        "recipient": profile.email,
                        "payload": mail,
                        "state": "pending",
                    }
                )
        for row in rows:
            conn.execute(outbox.insert().values(**row))
        return len(rows)

    # -- the banner and the inbox ------------------------------------------------------------------

    def since_digest(self, *, user_id: int, project_id: int, since: datetime, now: datetime | None = None) -> Digest:
        """What changed for the person in the project between `since` and now (the banner)."""
        until = db_time(now or datetime.now(UTC))
        with self.engine.connect() as conn:
            require(conn, user_id, project_id, "read")
            name = conn.execute(select(projects.c.name).where(projects.c.id == project_id)).scalar_one()
            profile = self.prefs._profile(conn, user_id)
            scope = DigestScope(
                project_id, name, user_id, profile.language, profile.timezone, db_time(since), until, self.base_url
            )
            return compose(conn, scope, self.sections)

    def inbox(
        self, *, user_id: int, project_id: int | None = None, unread_only: bool = False, limit: int = 20
    ) -> list[InboxDigest]:
        """The person's digests, newest first (only projects they still belong to)."""
        q = (
            select(outbox, projects.c.name.label("project"))
            .join(projects, projects.c.id == outbox.c.project_id)
            .join(memberships, (memberships.c.project_id == outbox.c.project_id) & (memberships.c.user_id == user_id))
            .where(outbox.c.user_id == user_id, outbox.c.channel == "inbox")
            .order_by(outbox.c.id.desc())
            .limit(max(1, min(int(limit), 200)))
        )
        if project_id is not None:
            q = q.where(outbox.c.project_id == project_id)
        if unread_only:
            q = q.where(outbox.c.read_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [
            InboxDigest(
                r["id"],
                r["project_id"],
                r["project"],
                r["kind"],
                r["subject"],
                list((r["payload"] or {}).get("sections", [])),
                r["created_at"].replace(tzinfo=UTC),
                r["read_at"] is not None,
            )
            for r in rows
        ]

    def mark_read(self, *, user_id: int, digest_id: int, read: bool = True, now: datetime | None = None) -> None:
        with write_tx(self.engine) as conn:
            done = conn.execute(
                update(outbox)
                .where(outbox.c.id == digest_id, outbox.c.user_id == user_id, outbox.c.channel == "inbox")
                .values(read_at=db_time(now or datetime.now(UTC)) if read else None)
            ).rowcount
        if not done:
            raise NotFoundError("That digest does not exist.")

    def queue_test_email(self, *, actor_id: int, to: str, language: str = "en", now: datetime | None = None) -> int:
        """A system admin queues a test e-mail (sent by the deliverer, never inside this call)."""
        address = validate_email(to)
        if address is None:
            raise ValidationError("Enter the address to send the test e-mail to.")
        if not self.email_on:
            raise ValidationError(
                "E-mail is not configured.", hint="Set COLLAB_SMTP_URL, e.g. smtp://user:pass@host:587."
            )
        at = db_time(now or datetime.now(UTC))
        ko = language == "ko"
        subject = "Team Hub 테스트 메일" if ko else "Team Hub test e-mail"
        body = "이 메일이 보이면 메일 설정이 올바릅니다." if ko else "If you can read this, e-mail from Team Hub works."
        with write_tx(self.engine) as conn:
            admin = conn.execute(select(users.c.is_system_admin).where(users.c.id == actor_id)).scalar()
            if not admin:
                raise PermissionDeniedError("Only a system admin can send a test e-mail.")
            return int(
                conn.execute(
                    outbox.insert().values(
                        user_id=actor_id,
                        kind="test",
                        channel="email",
                        recipient=address,
                        subject=subject,
                        payload={"text": body, "html": f"<p>{body}</p>"},
                        state="pending",
                        created_at=at,
                    )
                ).inserted_primary_key[0]
            )
