"""The worker: `python -m collab_core worker` runs the periodic jobs (digests, outbox deliveries,
webhook retries, a heartbeat) with APScheduler's blocking scheduler until stopped.

APScheduler only times the jobs inside one process; exactly-once across processes comes from the
database (the unique digest-run row and the outbox lease), so any number of workers and app
servers can run against one PostgreSQL. Between jobs the scheduler sleeps until the next one is
due, so an idle worker uses no CPU beyond a few queries a minute.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from collab_core.models import Check
from collab_core.outbox.delivery import Deliverer
from collab_core.outbox.digests import DigestService
from collab_core.outbox.tables import worker_heartbeats
from collab_core.store.engine import db_time, write_tx

log = logging.getLogger(__name__)

DIGEST_EVERY_S = 60
DELIVER_EVERY_S = 15
HEARTBEAT_EVERY_S = 30
# A worker whose heartbeat is older than this is reported as not running.
STALE = timedelta(minutes=3)


@dataclass(frozen=True)
class Heartbeat:
    """The newest beat of one worker process."""

    worker_id: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
    last_run: dict[str, Any] | None


def run_once(
    *,
    digests: DigestService,
    deliverer: Deliverer,
    now: datetime | None = None,
    kick_webhooks: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """One round: make due digests, then send due deliveries (what `digest --now` and each job do)."""
    report = digests.run_due(now=now)
    sent = deliverer.deliver_due(now=now)
    if kick_webhooks is not None:
        kick_webhooks()
    return {
        "due": report.due,
        "made": report.made,
        "empty": report.empty,
        "taken_by_other_worker": report.taken,
        "queued": report.deliveries,
        **{f"deliveries_{k}": v for k, v in sent.items()},
    }


class Worker:
    """Schedules the jobs in this process and records its heartbeat."""

    def __init__(
        self,
        engine: Engine,
        *,
        digests: DigestService,
        deliverer: Deliverer,
        kick_webhooks: Callable[[], Any] | None = None,
    ) -> None:
        self.engine = engine
        self.digests = digests
        self.deliverer = deliverer
        self.kick_webhooks = kick_webhooks
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.started_at = datetime.now(UTC)
        self.last_run: dict[str, Any] = {}
        self._scheduler: Any = None

    def beat(self, *, now: datetime | None = None) -> None:
        at = db_time(now or datetime.now(UTC))
        values = {"beat_at": at, "last_run": self.last_run or None}
        with write_tx(self.engine) as conn:
            done = conn.execute(
                update(worker_heartbeats).where(worker_heartbeats.c.worker_id == self.worker_id).values(**values)
            ).rowcount
            if not done:
                conn.execute(
                    worker_heartbeats.insert().values(
                        worker_id=self.worker_id,
                        host=socket.gethostname()[:128],
                        pid=os.getpid(),
                        started_at=db_time(self.started_at),
                        **values,
                    )
                )

    def _digest_job(self) -> None:
        try:
            self.last_run = {
                "at": datetime.now(UTC).isoformat(),
                **run_once(digests=self.digests, deliverer=self.deliverer, kick_webhooks=self.kick_webhooks),
            }
        except Exception:  # a database hiccup must not stop the worker; the next run retries
            log.exception("digest job failed")

    def _deliver_job(self) -> None:
        try:
            self.deliverer.deliver_due()
        except Exception:
            log.exception("delivery job failed")

    def _beat_job(self) -> None:
        try:
            self.beat()
        except Exception:
            log.exception("heartbeat failed")

    def run(self) -> None:
        """Block until stopped (SIGINT / SIGTERM)."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        self.beat()
        scheduler = BlockingScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        first = datetime.now(UTC) + timedelta(seconds=1)
        scheduler.add_job(self._digest_job, "interval", seconds=DIGEST_EVERY_S, next_run_time=first, id="digests")
        scheduler.add_job(self._deliver_job, "interval", seconds=DELIVER_EVERY_S, id="deliveries")
        scheduler.add_job(self._beat_job, "interval", seconds=HEARTBEAT_EVERY_S, id="heartbeat")
        self._scheduler = scheduler
        scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)


def heartbeats(engine: Engine) -> list[Heartbeat]:
    with engine.connect() as conn:
        rows = conn.execute(select(worker_heartbeats).order_by(worker_heartbeats.c.beat_at.desc()).limit(20)).all()
    return [
        Heartbeat(
            r.worker_id, r.host, r.pid, r.started_at.replace(tzinfo=UTC), r.beat_at.replace(tzinfo=UTC), r.last_run
        )
        for r in rows
    ]


def outbox_check(hub: Any) -> Check:
    """Diagnostics: the newest worker heartbeat, queued and failed deliveries."""
    now = datetime.now(UTC)
    beats = heartbeats(hub.engine)
    health = hub.deliverer.health()
    data = {
        "queued": health.queued,
        "failed": health.failed,
        "sent_24h": health.sent_24h,
        "email": hub.deliverer.mailer is not None,
        "last_heartbeat": beats[0].beat_at.isoformat() if beats else None,
    }
    if beats:
        age = int((now - beats[0].beat_at).total_seconds())
        worker = f"worker {beats[0].worker_id} last beat {age} s ago"
        alive = now - beats[0].beat_at <= STALE
    else:
        worker, alive = "no worker has run (digests wait for `python -m collab_core worker` or `digest --now`)", False
    detail = f"{worker}; {health.queued} queued, {health.failed} failed, {health.sent_24h} sent in 24 h"
    if health.failed:
        detail += f"; newest error: {health.last_error}"
    status = "warn" if health.failed or (not alive and (beats or health.queued)) else "ok"
    return Check("outbox", status, detail, data)
