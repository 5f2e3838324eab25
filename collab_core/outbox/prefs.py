"""Digest preferences: each person's address, language and time zone, their schedule per project
(off / daily / weekly, or the project default), the project admin's default, and the signed
unsubscribe links (one per project and digest kind) that turn a kind's e-mails off in one click."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from collab_core.errors import NotFoundError, PermissionDeniedError, ValidationError
from collab_core.outbox.schedule import Schedule, make_schedule, zone
from collab_core.outbox.tables import digest_defaults, digest_preferences, notification_profiles, outbox_keys
from collab_core.people import audit
from collab_core.people.roles import require
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import projects, users

LANGUAGES = ("ko", "en")
KINDS = ("daily", "weekly")
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")


@dataclass(frozen=True)
class Profile:
    """How a person is reached; email_off lists 'project_id:kind' pairs unsubscribed by e-mail link."""

    user_id: int
    email: str | None
    language: str
    timezone: str
    email_off: tuple[str, ...] = ()

    def wants_email(self, project_id: int, kind: str) -> bool:
        return bool(self.email) and f"{project_id}:{kind}" not in self.email_off


@dataclass(frozen=True)
class ProjectDefault:
    """The project admin's default schedule (its time zone is for the team digest) and the webhook switch."""

    project_id: int
    schedule: Schedule
    webhook: bool


@dataclass(frozen=True)
class Unsubscribed:
    """What an unsubscribe link did."""

    user_id: int
    project_id: int
    project: str
    kind: str
    subscribed: bool


def validate_email(value: object) -> str | None:
    """A plausible e-mail address, or None for 'no address'."""
    text = str(value or "").strip()
    if not text:
        return None
    if not _EMAIL.match(text):
        raise ValidationError(f"{text!r} is not an e-mail address.", hint="Use name@example.com.")
    return text


class Preferences:
    """Profiles, schedules, project defaults and unsubscribe tokens (SQL only)."""

    def __init__(self, engine: Engine, *, default_language: str = "ko") -> None:
        self.engine = engine
        self.default_language = default_language if default_language in LANGUAGES else "ko"
        self._signing_key: bytes | None = None

    # -- profiles --------------------------------------------------------------------------------

    def profile(self, *, user_id: int) -> Profile:
        with self.engine.connect() as conn:
            return self._profile(conn, user_id)

    def _profile(self, conn: Connection, user_id: int) -> Profile:
        row = conn.execute(select(notification_profiles).where(notification_profiles.c.user_id == user_id)).first()
        if row is None:
            return Profile(user_id, None, self.default_language, "Asia/Seoul")
        return Profile(user_id, row.email, row.language, row.timezone, tuple(row.email_off or ()))

    def set_profile(
        self,
        *,
        actor_id: int,
        user_id: int,
        email: str | None,
        language: str,
        timezone: str,
    ) -> Profile:
        """A person sets their own address, language and time zone (a system admin may set anyone's)."""
        with write_tx(self.engine) as conn:
            self._may_edit(conn, actor_id, user_id)
            if language not in LANGUAGES:
                raise ValidationError(f"Unknown language {language!r}.", hint="Use ko or en.")
            zone(timezone)
            values = {"email": validate_email(email), "language": language, "timezone": timezone}
            self._upsert(conn, user_id, values)
            audit.record(conn, actor_id=actor_id, action="profile.notifications", target=str(user_id))
            return self._profile(conn, user_id)

    def ensure_profile(self, *, user_id: int, language: str, timezone: str | None) -> None:
        """Start a profile from what the app knows (UI language, browser zone); never overwrites one."""
        lang_ = language if language in LANGUAGES else self.default_language
        tz = timezone or "Asia/Seoul"
        try:
            zone(tz)
        except ValidationError:
            tz = "Asia/Seoul"
        with self.engine.connect() as conn:
            if conn.execute(
                select(notification_profiles.c.user_id).where(notification_profiles.c.user_id == user_id)
            ).first():
                return
        try:
            with write_tx(self.engine) as conn:
                conn.execute(
                    notification_profiles.insert().values(
                        user_id=user_id, email=None, language=lang_, timezone=tz, email_off=[], updated_at=utcnow()
                    )
                )
        except IntegrityError:  # another session made it first
            pass

    def _upsert(self, conn: Connection, user_id: int, values: dict[str, object]) -> None:
        exists = conn.execute(
            select(notification_profiles.c.user_id).where(notification_profiles.c.user_id == user_id)
        ).first()
        if exists:
            conn.execute(
                update(notification_profiles)
                .where(notification_profiles.c.user_id == user_id)
                .values(**values, updated_at=utcnow())
            )
        else:
            base = {"email": None, "language": self.default_language, "timezone": "Asia/Seoul", "email_off": []}
            conn.execute(
                notification_profiles.insert().values(user_id=user_id, **{**base, **values}, updated_at=utcnow())
            )

    def _may_edit(self, conn: Connection, actor_id: int, user_id: int) -> None:
        actor = conn.execute(select(users.c.is_system_admin, users.c.disabled).where(users.c.id == actor_id)).first()
        if actor is None or actor.disabled:
            raise PermissionDeniedError("Sign in to change notification settings.")
        if actor_id != user_id and not actor.is_system_admin:
            raise PermissionDeniedError("You can only change your own notification settings.")
        if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
            raise NotFoundError("No such user.")

    # -- schedules -------------------------------------------------------------------------------

    def project_default(self, *, project_id: int) -> ProjectDefault:
        with self.engine.connect() as conn:
            return self._default(conn, project_id)

    def _default(self, conn: Connection, project_id: int) -> ProjectDefault:
        row = conn.execute(select(digest_defaults).where(digest_defaults.c.project_id == project_id)).first()
        if row is None:
            return ProjectDefault(project_id, Schedule(), False)
        return ProjectDefault(project_id, Schedule(row.mode, row.minute, row.weekday, row.timezone), bool(row.webhook))

    def set_project_default(
        self,
        *,
        actor_id: int | None,
        project_id: int,
        mode: str,
        at: str = "09:00",
        weekday: int = 0,
        timezone: str = "Asia/Seoul",
        webhook: bool = False,
    ) -> ProjectDefault:
        """The default schedule of a project's members (project admins)."""
        s = make_schedule(mode=mode, at=at, weekday=weekday, timezone=timezone)
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "manage_members")
            values = {
                "mode": s.mode,
                "minute": s.minute,
                "weekday": s.weekday,
                "timezone": s.timezone,
                "webhook": bool(webhook),
                "updated_at": utcnow(),
            }
            if conn.execute(
                select(digest_defaults.c.project_id).where(digest_defaults.c.project_id == project_id)
            ).first():
                conn.execute(update(digest_defaults).where(digest_defaults.c.project_id == project_id).values(**values))
            else:
                conn.execute(digest_defaults.insert().values(project_id=project_id, **values))
            audit.record(conn, actor_id=actor_id, action="digest.default", project_id=project_id, target=s.mode)
            return self._default(conn, project_id)

    def schedule(self, *, user_id: int, project_id: int) -> tuple[Schedule, bool]:
        """The person's effective schedule in the project (in their own zone) and whether it is the default."""
        with self.engine.connect() as conn:
            return self._schedule(conn, user_id, project_id, self._profile(conn, user_id))

    def _schedule(self, conn: Connection, user_id: int, project_id: int, profile: Profile) -> tuple[Schedule, bool]:
        own = conn.execute(
            select(digest_preferences).where(
                digest_preferences.c.project_id == project_id, digest_preferences.c.user_id == user_id
            )
        ).first()
        if own is not None:
            return Schedule(own.mode, own.minute, own.weekday, profile.timezone), False
        d = self._default(conn, project_id).schedule
        return Schedule(d.mode, d.minute, d.weekday, profile.timezone), True

    def set_schedule(
        self, *, actor_id: int, project_id: int, mode: str, at: str = "09:00", weekday: int = 0
    ) -> Schedule:
        """A member picks their own schedule in a project; mode 'default' follows the project default."""
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "read")
            conn.execute(
                delete(digest_preferences).where(
                    digest_preferences.c.project_id == project_id, digest_preferences.c.user_id == actor_id
                )
            )
            if mode != "default":
                s = make_schedule(mode=mode, at=at, weekday=weekday)
                conn.execute(
                    digest_preferences.insert().values(
                        project_id=project_id,
                        user_id=actor_id,
                        mode=s.mode,
                        minute=s.minute,
                        weekday=s.weekday,
                        updated_at=utcnow(),
                    )
                )
            return self._schedule(conn, actor_id, project_id, self._profile(conn, actor_id))[0]

    # -- unsubscribe links -----------------------------------------------------------------------

    def _key(self) -> bytes:
        """The signing key (made once per database, cached; call outside any open write transaction first)."""
        if self._signing_key is not None:
            return self._signing_key
        with self.engine.connect() as conn:
            value = conn.execute(select(outbox_keys.c.value).where(outbox_keys.c.name == "unsubscribe")).scalar()
        if value is None:
            try:
                with write_tx(self.engine) as conn:
                    conn.execute(outbox_keys.insert().values(name="unsubscribe", value=secrets.token_hex(32)))
            except IntegrityError:  # another server made it first: use theirs
                pass
            with self.engine.connect() as conn:
                value = conn.execute(
                    select(outbox_keys.c.value).where(outbox_keys.c.name == "unsubscribe")
                ).scalar_one()
        return bytes.fromhex(value)

    def unsubscribe_token(self, *, user_id: int, project_id: int, kind: str) -> str:
        """A signed token naming the person, project and digest kind (no expiry: old e-mails keep working)."""
        body = base64.urlsafe_b64encode(json.dumps([user_id, project_id, kind]).encode()).rstrip(b"=")
        mac = hmac.new(self._key(), body, hashlib.sha256).digest()[:16]
        return f"{body.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"

    def _read_token(self, token: str) -> tuple[int, int, str]:
        bad = ValidationError("This unsubscribe link is not valid.", hint="Change digest settings in the app's inbox.")
        try:
            body, mac = str(token).strip().split(".")
            want = hmac.new(self._key(), body.encode(), hashlib.sha256).digest()[:16]
            if not hmac.compare_digest(base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4)), want):
                raise bad
            uid, pid, kind = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, TypeError) as exc:
            raise bad from exc
        if kind not in KINDS or not isinstance(uid, int) or not isinstance(pid, int):
            raise bad
        return uid, pid, kind

    def unsubscribe(self, *, token: str, subscribe: bool = False, now: datetime | None = None) -> Unsubscribed:
        """Turn one kind of digest e-mail of one project off (or back on) for the token's person."""
        uid, pid, kind = self._read_token(token)
        with write_tx(self.engine) as conn:
            name = conn.execute(select(projects.c.name).where(projects.c.id == pid)).scalar()
            if name is None:
                raise NotFoundError("That project no longer exists.")
            profile = self._profile(conn, uid)
            off = [x for x in profile.email_off if x != f"{pid}:{kind}"]
            if not subscribe:
                off.append(f"{pid}:{kind}")
            self._upsert(conn, uid, {"email_off": off})
            audit.record(
                conn,
                actor_id=uid,
                action="digest.subscribe" if subscribe else "digest.unsubscribe",
                project_id=pid,
                target=kind,
            )
        return Unsubscribed(uid, pid, str(name), kind, subscribe)
