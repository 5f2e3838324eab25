"""Measurement commands: eval (retrieval or assistant context) and bench."""

from __future__ import annotations

import argparse
from typing import Any

from collab_core.cli.common import AddParser, Progress, command, emit
from collab_core.settings import Settings


@command("eval")
def _eval(args: argparse.Namespace, settings: Settings) -> int:
    ks = [int(k) for k in args.k.split(",") if k.strip()]
    if args.insights:
        from collab_core.evals.insights import evaluate_insights

        emit(args, evaluate_insights(args.datasets, settings=settings), None)
        return 0
    if args.assistant_context:
        from collab_core.evals.assistant_context import evaluate_context

        result = evaluate_context(args.datasets, settings=settings)
    else:
        from collab_core.evals.retrieval import evaluate

        bar = Progress(not args.json, "eval")
        try:
            result = evaluate(args.datasets, settings=settings, ks=ks, progress=bar.tick)
        finally:
            bar.close()
    emit(args, result, None)
    return 0


@command("bench")
def _bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.pages:
        from collab_core.evals.pages import run_pages_bench

        pages = None if args.pages == "all" else args.pages
        report = run_pages_bench(messages=args.messages, pages=pages, runs=args.runs)
        emit(args, report, None)
        return 0 if report.get("ok") else 1
    if args.digests:
        from collab_core.evals.digest_bench import run_digest_bench

        report = run_digest_bench(
            settings, members=args.members, project_count=args.projects, message_count=args.messages
        )
        emit(args, report, None)
        return 0
    from collab_core.evals.bench import run_bench

    result = run_bench(settings, messages=args.messages, progress=not args.json, database_url=args.database_url or None)
    emit(args, result, None)
    return 0


def add_parsers(_sub: Any, add: AddParser) -> None:
    p = add("eval", "recall@k of the hybrid search on datasets (fresh temporary data dir each)")
    p.add_argument("datasets", nargs="+", help="DATASET.json files")
    p.add_argument("--k", default="5,10,20", help="cut-offs, comma separated (default 5,10,20)")
    p.add_argument("--assistant-context", action="store_true", help="measure the assistant's context instead")
    p.add_argument(
        "--insights",
        action="store_true",
        help=(
            "score commitments, decisions, board proposals, risks and assignment on insight datasets "
            "(insight_eval_*.json), each replayed through the service in a fresh data dir as of its 'now'. "
            "Matching: a commitment or decision matches a label on the same source message; a proposal on the "
            "same task and target status; due/status accuracy over matched commitments, supersession accuracy "
            "over matched decisions; a risk matches a label of the same kind on the same task (person-level "
            "kinds: same person; decision conflicts: overlapping evidence), one to one; hit@k: an expected or "
            "acceptable person among the top k suggestions"
        ),
    )
    p = add("bench", "benchmark ingest, post, search, timeline and contributions in a temporary data dir")
    p.add_argument("--messages", type=int, default=10_000, help="number of messages (default 10000)")
    p.add_argument("--database-url", help="run against this database instead of a temporary SQLite file")
    p.add_argument(
        "--pages",
        nargs="?",
        const="all",
        help="instead: the app's page rerun times (AppTest, in a child process); optionally which pages, comma separated",
    )
    p.add_argument("--runs", type=int, help="with --pages: reruns per page (default 15)")
    p.add_argument("--digests", action="store_true", help="time one digest run (members across projects, --messages)")
    p.add_argument("--members", type=int, default=1000, help="with --digests: members (default 1000)")
    p.add_argument("--projects", type=int, default=50, help="with --digests: projects (default 50)")
