"""The outbox's part of a backup, per project: the default schedule, members' schedules and
notification profiles, digest runs and the deliveries (inbox digests and e-mail/webhook state).
Secrets stay out: the unsubscribe signing key, SMTP credentials and webhook URLs are never exported.
Restore is idempotent: rows already present are left as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from collab_core.errors import BackupFormatError
from collab_core.outbox.tables import digest_defaults, digest_preferences, digest_runs, notification_profiles, outbox
from collab_core.store.schema import memberships, users

TYPES = ("default", "preference", "profile", "run", "delivery")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def export_outbox(conn: Connection, project_id: int) -> list[dict[str, Any]]:
    names = dict(conn.execute(select(users.c.id, users.c.username)).all())
    out: list[dict[str, Any]] = []
    d = conn.execute(select(digest_defaults).where(digest_defaults.c.project_id == project_id)).mappings().first()
    if d:
        out.append({"type": "default", **{k: d[k] for k in ("mode", "minute", "weekday", "timezone", "webhook")}})
    for p in conn.execute(select(digest_preferences).where(digest_preferences.c.project_id == project_id)).mappings():
        out.append(
            {
                "type": "preference",
                "user": names.get(p["user_id"]),
                "mode": p["mode"],
                "minute": p["minute"],
                "weekday": p["weekday"],
            }
        )
    member_ids = select(memberships.c.user_id).where(memberships.c.project_id == project_id)
    for p in conn.execute(
        select(notification_profiles).where(notification_profiles.c.user_id.in_(member_ids))
    ).mappings():
        off = [x for x in (p["email_off"] or []) if str(x).startswith(f"{project_id}:")]
        out.append(
            {
                "type": "profile",
                "user": names.get(p["user_id"]),
                "email": p["email"],
                "language": p["language"],
                "timezone": p["timezone"],
                "email_off": [str(x).split(":", 1)[1] for x in off],
            }
        )
    for r in conn.execute(
        select(digest_runs).where(digest_runs.c.project_id == project_id).order_by(digest_runs.c.id)
    ).mappings():
        out.append(
            {
                "type": "run",
                "user": names.get(r["user_id"]) if r["user_id"] else None,
                "kind": r["kind"],
                "slot": _iso(r["slot"]),
                "since": _iso(r["since"]),
                "items": r["items"],
            }
        )
    for o in conn.execute(select(outbox).where(outbox.c.project_id == project_id).order_by(outbox.c.id)).mappings():
        out.append(
            {
                "type": "delivery",
                "user": names.get(o["user_id"]),
                **{
                    k: o[k]
                    for k in ("kind", "channel", "recipient", "subject", "payload", "state", "attempts", "last_error")
                },
                **{k: _iso(o[k]) for k in ("created_at", "sent_at", "read_at", "next_attempt_at")},
            }
        )
    return out


def validate_outbox(rows: list[Any], where: str) -> None:
    for i, r in enumerate(rows):
        w = f"{where}[{i}]"
        if not isinstance(r, dict) or r.get("type") not in TYPES:
            raise BackupFormatError(f"{w}: unknown outbox entry.")
        try:
            for key in ("slot", "since", "created_at", "sent_at", "read_at", "next_attempt_at"):
                _dt(r.get(key))
        except (TypeError, ValueError) as exc:
            raise BackupFormatError(f"{w}: bad timestamp.") from exc
        if r["type"] in ("preference", "profile") and not r.get("user"):
            raise BackupFormatError(f"{w}: needs a user.")


def restore_outbox(accounts: Any, conn: Connection, project_id: int, rows: list[dict[str, Any]]) -> int:
    added = 0

    def uid(name: str | None) -> int | None:
        return accounts.ensure_user(conn, name) if name else None

    for r in rows:
        t = r["type"]
        if t == "default":
            if conn.execute(
                select(digest_defaults.c.project_id).where(digest_defaults.c.project_id == project_id)
            ).first():
                continue
            conn.execute(
                digest_defaults.insert().values(
                    project_id=project_id,
                    mode=r["mode"],
                    minute=int(r["minute"]),
                    weekday=int(r["weekday"]),
                    timezone=r["timezone"],
                    webhook=bool(r["webhook"]),
                    updated_at=datetime.now(),
                )
            )
        elif t == "preference":
            u = uid(r["user"])
            exists = select(digest_preferences.c.user_id).where(
                digest_preferences.c.project_id == project_id, digest_preferences.c.user_id == u
            )
            if conn.execute(exists).first():
                continue
            conn.execute(
                digest_preferences.insert().values(
                    project_id=project_id,
                    user_id=u,
                    mode=r["mode"],
                    minute=int(r["minute"]),
                    weekday=int(r["weekday"]),
                    updated_at=datetime.now(),
                )
            )
        elif t == "profile":
            u = uid(r["user"])
            current = (
                conn.execute(select(notification_profiles).where(notification_profiles.c.user_id == u))
                .mappings()
                .first()
            )
            off = [f"{project_id}:{k}" for k in r.get("email_off", [])]
            if current is None:
                conn.execute(
                    notification_profiles.insert().values(
                        user_id=u,
                        email=r.get("email"),
                        language=r["language"],
                        timezone=r["timezone"],
                        email_off=off,
                        updated_at=datetime.now(),
                    )
                )
            elif set(off) - set(current["email_off"] or []):
                merged = sorted({*(current["email_off"] or []), *off})
                conn.execute(
                    notification_profiles.update().where(notification_profiles.c.user_id == u).values(email_off=merged)
                )
            else:
                continue
        elif t == "run":
            u = uid(r.get("user")) or 0
            slot = _dt(r["slot"])
            exists = select(digest_runs.c.id).where(
                digest_runs.c.project_id == project_id,
                digest_runs.c.user_id == u,
                digest_runs.c.kind == r["kind"],
                digest_runs.c.slot == slot,
            )
            if conn.execute(exists).first():
                continue
            conn.execute(
                digest_runs.insert().values(
                    project_id=project_id,
                    user_id=u,
                    kind=r["kind"],
                    slot=slot,
                    since=_dt(r["since"]),
                    items=int(r.get("items") or 0),
                    created_at=slot,
                )
            )
        else:
            u = uid(r.get("user"))
            created = _dt(r["created_at"])
            exists = select(outbox.c.id).where(
                outbox.c.project_id == project_id,
                outbox.c.user_id == u if u is not None else outbox.c.user_id.is_(None),
                outbox.c.channel == r["channel"],
                outbox.c.kind == r["kind"],
                outbox.c.created_at == created,
            )
            if conn.execute(exists).first():
                continue
            # A delivery caught mid-send is queued again rather than restored as in flight.
            state = "pending" if r["state"] == "sending" else r["state"]
            conn.execute(
                outbox.insert().values(
                    project_id=project_id,
                    user_id=u,
                    kind=r["kind"],
                    channel=r["channel"],
                    recipient=r.get("recipient"),
                    subject=r.get("subject") or "",
                    payload=r.get("payload") or {},
                    state=state,
                    attempts=int(r.get("attempts") or 0),
                    last_error=r.get("last_error"),
                    created_at=created,
                    sent_at=_dt(r.get("sent_at")),
                    read_at=_dt(r.get("read_at")),
                    next_attempt_at=_dt(r.get("next_attempt_at")),
                )
            )
        added += 1
    return added
