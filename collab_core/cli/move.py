"""`migrate --to URL`: copy everything to another database (the work is in ops.move_database)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from collab_core.cli.common import AddParser, Progress, command, emit
from collab_core.ops.move_database import run_migration
from collab_core.settings import Settings


@command("migrate")
def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    say = (lambda m: print(m, file=sys.stderr, flush=True)) if not args.json else (lambda _m: None)
    bar = Progress(not args.json, "reindex")
    try:
        report = run_migration(settings, args.to, force=args.force, index=not args.no_index, say=say, progress=bar)
    finally:
        bar.close()
    emit(args, report.as_dict(), report.as_text())
    return 0 if report.ok else 1


def add_parsers(_sub: Any, add: AddParser) -> None:
    p = add(
        "migrate",
        "copy everything from the configured database (SQLite data dir by default) to another database, "
        "rebuild its memory index and verify counts and checksums on both sides; stop the app first",
    )
    p.add_argument("--to", required=True, help="target URL, e.g. postgresql+psycopg://USER:PASS@HOST:5432/DB")
    p.add_argument(
        "--force",
        "--allow-non-empty",
        dest="force",
        action="store_true",
        help="the target has data: delete it first (otherwise a non-empty target is refused)",
    )
    p.add_argument("--no-index", action="store_true", help="copy SQL only; run reindex on the target later")
