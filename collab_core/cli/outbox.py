"""Digest commands: the worker (runs schedules until stopped) and `digest --now` (one round, for cron)."""

from __future__ import annotations

import argparse
import signal
from datetime import datetime

from collab_core.cli.common import AddParser, command, emit
from collab_core.settings import Settings


def add_parsers(sub: argparse._SubParsersAction, add: AddParser) -> None:  # type: ignore[type-arg]
    add("worker", "run digests, e-mail/webhook deliveries and retries on their schedules until stopped")
    p = add("digest", "make the digests that are due and send queued deliveries once (for cron)")
    p.add_argument("--now", action="store_true", help="run now (the default action)")
    p.add_argument("--as-of", help="ISO time to run as (replaying a schedule), default the current time")
    p.add_argument("--retry-failed", action="store_true", help="queue failed deliveries again first")


@command("worker")
def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from collab_core.hub import open_outbox
    from collab_core.outbox.worker import Worker

    out = open_outbox(settings)
    worker = Worker(out.engine, digests=out.digests, deliverer=out.deliverer, kick_webhooks=out.notifier.kick)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    print(f"worker {worker.worker_id} running (Ctrl+C to stop)", flush=True)
    try:
        worker.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        out.close()
    return 0


@command("digest")
def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from collab_core.hub import open_outbox
    from collab_core.outbox.worker import run_once

    now = datetime.fromisoformat(args.as_of) if args.as_of else None
    out = open_outbox(settings)
    try:
        retried = out.deliverer.retry_failed(now=now) if args.retry_failed else 0
        result = run_once(digests=out.digests, deliverer=out.deliverer, now=now)
        out.notifier.flush(timeout=10)
    finally:
        out.close()
    result["retried"] = retried
    emit(args, result, " ".join(f"{k}={v}" for k, v in result.items()))
    return 0
