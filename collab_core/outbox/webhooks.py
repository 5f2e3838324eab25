"""Outgoing notifications: an optional per-project webhook (Slack-compatible `{"text": ...}`).

Events (task assigned, mention, meeting summary) are written to webhook_deliveries inside the
transaction of the action itself, so a notification exists exactly when the action committed and
survives a crash. One background thread per Hub sends them after the commit with a short timeout
and bounded retries; a dead webhook therefore never blocks or loses the action, and each failure
is kept on the delivery row for diagnostics and the admin page. Delivery is at least once: a
request that timed out on our side is retried even if the receiver got it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, Engine, func, select, update

from collab_core.errors import ValidationError
from collab_core.models import Check
from collab_core.people import audit
from collab_core.people.roles import require
from collab_core.settings import Settings
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import projects, webhook_deliveries

log = logging.getLogger(__name__)

EVENTS = ("task_assigned", "mention", "meeting_summary", "test")
# Slack cuts long messages anyway; keep payloads small.
MAX_TEXT = 3000
# Rows stuck in 'sending' this long (a process died mid-send) are picked up again.
STALE_SENDING = timedelta(minutes=10)
# An enqueued row not visible after this long belonged to a transaction that rolled back.
AWAIT_COMMIT_S = 15.0


@dataclass(frozen=True)
class Delivery:
    """One webhook notification and what became of it (status pending, sending, delivered, failed, skipped)."""

    id: int
    project_id: int
    event: str
    text: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime


def private_target(host: str, *, resolve: bool) -> str | None:
    """The private, loopback, link-local or otherwise internal address the host is or resolves to, if any.

    A literal address is checked as written; a name is resolved when `resolve` (a name that does not
    resolve is left to the delivery, which checks again right before sending)."""
    name = host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(name)]
    except ValueError:
        if name.casefold().rstrip(".") in ("localhost", "localhost.localdomain") or name.endswith(".localhost"):
            return name
        if not resolve:
            return None
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None) or address
        if not mapped.is_global or mapped.is_multicast:
            return str(address)
    return None


def validate_webhook_url(url: object, *, allow_private: bool = False) -> str | None:
    """An http(s) URL to a public host, or None for 'no webhook'.

    Private, loopback and link-local targets (127.0.0.1, [::1], 10/8, 169.254/16, localhost...) are
    refused unless the operator allows them (COLLAB_WEBHOOK_ALLOW_PRIVATE): otherwise an admin could
    make the server call internal services."""
    if url is None:
        return None
    if not isinstance(url, str):
        raise ValidationError("The webhook URL must be text.")
    value = url.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError(
            "The webhook URL must start with http:// or https:// and name a host.",
            hint="Slack: https://hooks.slack.com/services/...",
        )
    if len(value) > 2000:
        raise ValidationError("The webhook URL is too long.")
    if not allow_private:
        try:
            host = parts.hostname or ""
        except ValueError:
            host = ""
        blocked = private_target(host, resolve=True) if host else "?"
        if blocked:
            raise ValidationError(
                f"The webhook URL points at a private or local address ({blocked}).",
                hint="Use the public address of the chat service; an operator can allow private targets with "
                "COLLAB_WEBHOOK_ALLOW_PRIVATE=1.",
            )
    return value


class Notifier:
    """Queues webhook notifications in SQL and delivers them from one background thread."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        http_client: httpx.Client | None = None,
        max_attempts: int = 3,
        backoff_s: Sequence[float] = (0.3, 1.0),
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = tuple(backoff_s)
        self._own_client = http_client is None
        self._client = http_client or httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._awaiting: dict[int, float] = {}
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- configuration -------------------------------------------------------------------------

    def set_webhook(self, *, actor_id: int | None, project_id: int, url: str | None) -> str | None:
        """Set (or clear with None/"") the project's webhook; admins only."""
        value = validate_webhook_url(url, allow_private=self.settings.webhook_allow_private)
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "set_webhook")
            conn.execute(update(projects).where(projects.c.id == project_id).values(webhook_url=value))
            # The URL is a secret: the audit log keeps only its host.
            audit.record(
                conn,
                actor_id=actor_id,
                action="webhook.set" if value else "webhook.clear",
                project_id=project_id,
                target=urlsplit(value).netloc if value else None,
            )
        return value

    def get_webhook(self, *, actor_id: int | None, project_id: int) -> str | None:
        """The project's webhook URL; admins only (it is a secret)."""
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "set_webhook")
            return conn.execute(select(projects.c.webhook_url).where(projects.c.id == project_id)).scalar_one()

    # -- queueing ------------------------------------------------------------------------------

    def enqueue(self, conn: Connection, *, project_id: int, event: str, text: str) -> int | None:
        """Queue a notification inside the caller's transaction; None when the project has no webhook.

        Delivery starts once the transaction commits (the worker waits for the row to appear).
        """
        if event not in EVENTS:
            raise ValueError(f"unknown webhook event {event!r}")
        row = conn.execute(select(projects.c.name, projects.c.webhook_url).where(projects.c.id == project_id)).first()
        if row is None or not row.webhook_url:
            return None
        body = f"[{row.name}] {text}"
        if len(body) > MAX_TEXT:
            body = body[: MAX_TEXT - 1] + "…"
        delivery_id = conn.execute(
            webhook_deliveries.insert().values(
                project_id=project_id,
                event=event,
                payload={"text": body},
                status="pending",
                attempts=0,
                created_at=utcnow(),
            )
        ).inserted_primary_key[0]
        with self._lock:
            self._awaiting[int(delivery_id)] = time.monotonic() + AWAIT_COMMIT_S
            self._idle.clear()
        self._start()
        self._wake.set()
        return int(delivery_id)

    def send_test(self, *, actor_id: int | None, project_id: int) -> int | None:
        """Queue a test notification (admins); returns the delivery id, None without a webhook."""
        with write_tx(self.engine) as conn:
            require(conn, actor_id, project_id, "set_webhook")
            delivery_id = self.enqueue(
                conn, project_id=project_id, event="test", text="Webhook test from the collaboration hub ✅"
            )
        self.kick()
        return delivery_id

    def kick(self) -> None:
        """Wake the worker (after a commit), starting it on first use."""
        if self._closed:
            return
        self._start()
        self._wake.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued notification is delivered or has failed; True when idle."""
        self.kick()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._idle.wait(timeout=0.05) and not self._pending_in_db():
                return True
            self._wake.set()
        return False

    # -- reads ---------------------------------------------------------------------------------

    def deliveries(self, *, actor_id: int | None, project_id: int, limit: int = 20) -> list[Delivery]:
        """Newest deliveries of a project (admins)."""
        with self.engine.connect() as conn:
            require(conn, actor_id, project_id, "set_webhook")
            rows = (
                conn.execute(
                    select(webhook_deliveries)
                    .where(webhook_deliveries.c.project_id == project_id)
                    .order_by(webhook_deliveries.c.id.desc())
                    .limit(max(1, min(limit, 500)))
                )
                .mappings()
                .all()
            )
        return [_delivery(r) for r in rows]

    def health(self, *, hours: int = 24) -> dict[str, Any]:
        """Operator view: delivery counts by status in the last `hours`, and the newest failure."""
        since = utcnow() - timedelta(hours=hours)
        with self.engine.connect() as conn:
            counts = dict(
                conn.execute(
                    select(webhook_deliveries.c.status, func.count())
                    .where(webhook_deliveries.c.created_at >= since)
                    .group_by(webhook_deliveries.c.status)
                ).all()
            )
            last = (
                conn.execute(
                    select(webhook_deliveries)
                    .where(webhook_deliveries.c.status == "failed", webhook_deliveries.c.created_at >= since)
                    .order_by(webhook_deliveries.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
            configured = conn.execute(
                select(func.count()).select_from(projects).where(projects.c.webhook_url.is_not(None))
            ).scalar_one()
        return {
            "configured_projects": int(configured),
            "counts": {k: int(v) for k, v in counts.items()},
            "last_failure": _delivery(last) if last else None,
        }

    # -- worker --------------------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._closed or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="collab-webhooks", daemon=True)
            self._thread.start()

    def _pending_in_db(self) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(webhook_deliveries.c.id)
                    .where(webhook_deliveries.c.status.in_(("pending", "sending")))
                    .where(webhook_deliveries.c.created_at >= utcnow() - STALE_SENDING)
                    .limit(1)
                ).first()
                is not None
            )

    def _run(self) -> None:
        while not self._closed:
            with self._lock:
                waiting = bool(self._awaiting)
            # While rows of still-open transactions are expected, look again soon.
            self._wake.wait(timeout=0.1 if waiting else 30.0)
            self._wake.clear()
            if self._closed:
                break
            try:
                self._drain()
            except Exception:  # the worker must outlive any database hiccup
                log.exception("webhook worker failed; retrying")
                time.sleep(0.5)
            with self._lock:
                now = time.monotonic()
                for did, deadline in list(self._awaiting.items()):
                    if deadline < now:  # its transaction rolled back
                        del self._awaiting[did]
                if not self._awaiting:
                    self._idle.set()

    def _drain(self) -> None:
        while not self._closed:
            with self.engine.connect() as conn:
                rows = (
                    conn.execute(
                        select(webhook_deliveries.c.id, webhook_deliveries.c.status, webhook_deliveries.c.created_at)
                        .where(webhook_deliveries.c.status.in_(("pending", "sending")))
                        .order_by(webhook_deliveries.c.id)
                        .limit(50)
                    )
                    .mappings()
                    .all()
                )
            stale = utcnow() - STALE_SENDING
            todo = [r["id"] for r in rows if r["status"] == "pending" or r["created_at"] < stale]
            with self._lock:
                for r in rows:
                    self._awaiting.pop(r["id"], None)
            if not todo:
                return
            for delivery_id in todo:
                if self._closed:
                    return
                self._deliver(delivery_id)

    def _claim(self, delivery_id: int) -> dict[str, Any] | None:
        """Mark a row 'sending' (only one worker, in any process, wins it)."""
        with write_tx(self.engine) as conn:
            claimed = conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status.in_(("pending", "sending")))
                .values(status="sending")
            ).rowcount
            if not claimed:
                return None
            row = (
                conn.execute(
                    select(webhook_deliveries, projects.c.webhook_url)
                    .join(projects, projects.c.id == webhook_deliveries.c.project_id)
                    .where(webhook_deliveries.c.id == delivery_id)
                )
                .mappings()
                .one()
            )
        return dict(row)

    def _finish(self, delivery_id: int, *, status: str, attempts: int, error: str | None) -> None:
        with write_tx(self.engine) as conn:
            conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id)
                .values(status=status, attempts=attempts, last_error=error[:1000] if error else None)
            )

    def _deliver(self, delivery_id: int) -> None:
        row = self._claim(delivery_id)
        if row is None:
            return
        url = row["webhook_url"]
        attempts = int(row["attempts"] or 0)
        if not url:
            self._finish(delivery_id, status="skipped", attempts=attempts, error="no webhook configured any more")
            return
        if not self.settings.webhook_allow_private:
            # Checked again at sending time: the name may resolve to an internal address by now.
            blocked = private_target(urlsplit(url).hostname or "", resolve=True)
            if blocked:
                self._finish(delivery_id, status="failed", attempts=attempts, error=f"refused private target {blocked}")
                return
        error: str | None = None
        for attempt in range(self.max_attempts):
            if attempt:
                time.sleep(self.backoff_s[min(attempt - 1, len(self.backoff_s) - 1)] if self.backoff_s else 0)
            attempts += 1
            try:
                resp = self._client.post(url, json=row["payload"], timeout=self.settings.webhook_timeout_s)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if resp.is_success:
                self._finish(delivery_id, status="delivered", attempts=attempts, error=None)
                return
            error = f"HTTP {resp.status_code}: {resp.text[:200]}"
            # Other client errors (bad URL, revoked hook) will not heal by retrying.
            if 400 <= resp.status_code < 500 and resp.status_code not in (408, 425, 429):
                break
        log.warning("webhook delivery %s failed after %s attempt(s): %s", delivery_id, attempts, error)
        self._finish(delivery_id, status="failed", attempts=attempts, error=error)

    def close(self) -> None:
        """Stop the worker (queued rows stay pending for the next start) and release the HTTP client."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.webhook_timeout_s + 1)
        if self._own_client:
            self._client.close()


def _delivery(r: Any) -> Delivery:
    payload = r["payload"] or {}
    return Delivery(
        id=r["id"],
        project_id=r["project_id"],
        event=r["event"],
        text=str(payload.get("text", "")),
        status=r["status"],
        attempts=int(r["attempts"] or 0),
        last_error=r["last_error"],
        created_at=r["created_at"].replace(tzinfo=UTC),
    )


def webhook_check(hub: Any) -> Check:
    """Diagnostics: failed webhook deliveries in the last 24 hours."""
    info = hub.notifier.health(hours=24)
    counts = info["counts"]
    failed = counts.get("failed", 0)
    delivered = counts.get("delivered", 0)
    pending = counts.get("pending", 0) + counts.get("sending", 0)
    data = {"configured_projects": info["configured_projects"], **counts}
    if not info["configured_projects"] and not counts:
        return Check("webhooks", "ok", "no project has a webhook configured", data)
    detail = f"last 24 h: {delivered} delivered, {failed} failed, {pending} waiting"
    if failed:
        last = info["last_failure"]
        detail += f"; newest failure ({last.event}, project {last.project_id}): {last.last_error}"
        return Check("webhooks", "warn", detail, data)
    return Check("webhooks", "ok", detail, data)
