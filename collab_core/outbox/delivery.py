"""Delivery of queued outbox rows (e-mail and webhook; inbox rows are delivered when written).

A worker claims a row with a lease (a conditional UPDATE only one process can win), sends it, and
marks it sent; a failure puts it back with the next attempt time (bounded backoff) until MAX_ATTEMPTS,
after which it stays 'failed' with its last error, visible in diagnostics, and can be retried. A
process that dies mid-send leaves a lease that expires, so the row is sent again: delivery is at
least once for crashes during a send, exactly once otherwise. Nothing here runs inside a user action.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, and_, func, or_, select, update

from collab_core.outbox.mail import Mailer, build_message
from collab_core.outbox.tables import outbox
from collab_core.store.engine import db_time, write_tx
from collab_core.store.schema import projects

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Seconds before attempt 2, 3, 4, 5.
BACKOFF_S = (60, 300, 1800, 7200)
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class OutboxHealth:
    """Queued, failed and sent deliveries (e-mail and webhook) and the newest failure."""

    queued: int
    failed: int
    sent_24h: int
    last_error: str | None


class Deliverer:
    """Sends due outbox rows through their channel."""

    def __init__(
        self,
        engine: Engine,
        *,
        mailer: Mailer | None,
        http_client: httpx.Client | None = None,
        webhook_timeout_s: float = 5.0,
        backoff_s: Sequence[float] = BACKOFF_S,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.engine = engine
        self.mailer = mailer
        self.webhook_timeout_s = webhook_timeout_s
        self.backoff_s = tuple(backoff_s)
        self.max_attempts = max(1, max_attempts)
        self._client = http_client
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.webhook_timeout_s, follow_redirects=False)
        return self._client

    def deliver_due(self, *, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
        """Send what is due; returns counts by outcome."""
        at = db_time(now or datetime.now(UTC))
        due = or_(
            and_(outbox.c.state == "pending", or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= at)),
            and_(outbox.c.state == "sending", outbox.c.lease_until < at),
        )
        with self.engine.connect() as conn:
            ids = list(conn.execute(select(outbox.c.id).where(due).order_by(outbox.c.id).limit(limit)).scalars())
        counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0, "taken": 0}
        for oid in ids:
            with write_tx(self.engine) as conn:
                won = conn.execute(
                    update(outbox).where(outbox.c.id == oid, due).values(state="sending", lease_until=at + LEASE)
                ).rowcount
                row = conn.execute(select(outbox).where(outbox.c.id == oid)).mappings().first() if won else None
            if row is None:
                counts["taken"] += 1
                continue
            counts[self._send(dict(row), at)] += 1
        return counts

    def deliver_soon(self, outbox_id: int) -> None:
        """Send one row from a background thread (the admin's test e-mail), never blocking the caller."""
        threading.Thread(target=self.deliver_due, name=f"outbox-{outbox_id}", daemon=True).start()

    def _send(self, row: dict[str, Any], at: datetime) -> str:
        attempts = int(row["attempts"] or 0) + 1
        try:
            if row["channel"] == "email":
                if self.mailer is None:
                    return self._finish(row["id"], "skipped", attempts - 1, "e-mail is not configured any more", at)
                p = row["payload"] or {}
                msg = build_message(
                    sender=self.mailer.sender,
                    to=row["recipient"],
                    subject=row["subject"],
                    text=p.get("text", ""),
                    html=p.get("html"),
                    unsubscribe_url=p.get("unsubscribe_url"),
                    message_key=f"outbox-{row['id']}",
                )
                self.mailer.send(msg)
            elif row["channel"] == "webhook":
                with self.engine.connect() as conn:
                    url = conn.execute(
                        select(projects.c.webhook_url).where(projects.c.id == row["project_id"])
                    ).scalar()
                if not url:
                    return self._finish(row["id"], "skipped", attempts - 1, "no webhook configured any more", at)
                resp = self._http().post(url, json={"text": (row["payload"] or {}).get("text", "")})
                if not resp.is_success:
                    raise OSError(f"HTTP {resp.status_code}: {resp.text[:200]}")
            else:
                return self._finish(row["id"], "sent", attempts - 1, None, at)
        except Exception as exc:  # every failure is recorded on the row and retried, never raised
            error = f"{type(exc).__name__}: {exc}"[:1000]
            log.warning("outbox %s (%s) attempt %s failed: %s", row["id"], row["channel"], attempts, error)
            if attempts >= self.max_attempts:
                return self._finish(row["id"], "failed", attempts, error, at)
            wait = self.backoff_s[min(attempts - 1, len(self.backoff_s) - 1)] if self.backoff_s else 0
            with write_tx(self.engine) as conn:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row["id"])
                    .values(
                        state="pending",
                        attempts=attempts,
                        last_error=error,
                        lease_until=None,
                        next_attempt_at=at + timedelta(seconds=wait),
                    )
                )
            return "retry"
        return self._finish(row["id"], "sent", attempts, None, at)

    def _finish(self, oid: int, state: str, attempts: int, error: str | None, at: datetime) -> str:
        with write_tx(self.engine) as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == oid)
                .values(
                    state=state,
                    attempts=attempts,
                    last_error=error,
                    lease_until=None,
                    sent_at=at if state == "sent" else None,
                )
            )
        return state

    def retry_failed(self, *, now: datetime | None = None) -> int:
        """Queue every failed delivery again (after fixing SMTP or the webhook)."""
        with write_tx(self.engine) as conn:
            return conn.execute(
                update(outbox)
                .where(outbox.c.state == "failed")
                .values(state="pending", attempts=0, next_attempt_at=db_time(now or datetime.now(UTC)))
            ).rowcount

    def health(self, *, now: datetime | None = None) -> OutboxHealth:
        at = db_time(now or datetime.now(UTC))
        with self.engine.connect() as conn:
            counts = dict(
                conn.execute(
                    select(outbox.c.state, func.count())
                    .where(outbox.c.channel != "inbox", outbox.c.state.in_(("pending", "sending", "failed")))
                    .group_by(outbox.c.state)
                ).all()
            )
            sent = conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(
                    outbox.c.channel != "inbox", outbox.c.state == "sent", outbox.c.sent_at >= at - timedelta(days=1)
                )
            ).scalar_one()
            last = conn.execute(
                select(outbox.c.last_error)
                .where(outbox.c.last_error.is_not(None), outbox.c.state.in_(("pending", "failed")))
                .order_by(outbox.c.id.desc())
                .limit(1)
            ).scalar()
        return OutboxHealth(
            int(counts.get("pending", 0) + counts.get("sending", 0)), int(counts.get("failed", 0)), int(sent), last
        )

    def recent(self, *, limit: int = 20) -> list[dict[str, Any]]:
        """The newest e-mail and webhook deliveries (operator view; no message bodies)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    outbox.c.id,
                    outbox.c.kind,
                    outbox.c.channel,
                    outbox.c.recipient,
                    outbox.c.subject,
                    outbox.c.state,
                    outbox.c.attempts,
                    outbox.c.last_error,
                    outbox.c.created_at,
                )
                .where(outbox.c.channel != "inbox")
                .order_by(outbox.c.id.desc())
                .limit(max(1, min(limit, 200)))
            ).mappings()
            return [dict(r) for r in rows]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
