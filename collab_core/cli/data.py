"""Commands over a data dir: demo, projects, import, export, restore, search, reindex, doctor."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from collab_core.cli.common import AddParser, Progress, command, emit, open_hub, project_id
from collab_core.settings import Settings


@command("demo")
def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from collab_core.cli.accounts import read_new_password
    from collab_core.ops.demo import load_demo, set_demo_logins

    password = read_new_password() if args.logins else None
    hub = open_hub(settings)
    try:
        info = load_demo(hub, project_name=args.project)
        if password is not None:
            info["logins"] = set_demo_logins(hub, password=password)
    finally:
        hub.close()
    human = f"Demo project {info['project']!r}: {info['messages']} messages loaded."
    if info.get("logins"):
        human += f"\nSign in as {', '.join(info['logins'])} with the password you gave."
    emit(args, info, human)
    return 0


@command("projects")
def _projects(args: argparse.Namespace, settings: Settings) -> int:
    hub = open_hub(settings)
    try:
        rows = [{"id": p.id, "name": p.name} for p in hub.accounts.list_projects(user_id=None)]
    finally:
        hub.close()
    emit(args, {"projects": rows}, "\n".join(f"{r['id']:>4}  {r['name']}" for r in rows) or "No projects yet.")
    return 0


@command("import")
def _import(args: argparse.Namespace, settings: Settings) -> int:
    from collab_core.ops.datasets import import_dataset, load_dataset

    dataset = load_dataset(args.dataset)
    hub = open_hub(settings)
    bar = Progress(not args.json, "import")
    try:
        pid, result = import_dataset(hub, dataset, project_name=args.project or dataset.name, progress=bar)
    finally:
        bar.close()
        hub.close()
    payload = {"project_id": pid, **result.__dict__}
    emit(
        args,
        payload,
        f"Imported {result.added} messages ({result.skipped} already present, {result.failed} not indexed).",
    )
    return 0


@command("export")
def _export(args: argparse.Namespace, settings: Settings) -> int:
    from collab_core.ops.backup import export_backup

    hub = open_hub(settings)
    try:
        pids = [project_id(hub, args.project)] if args.project else None
        data = export_backup(hub, actor_id=None, project_ids=pids)
    finally:
        hub.close()
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if args.output and args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")
        emit(args, {"output": args.output, "counts": data["counts"]}, f"Wrote {args.output}: {data['counts']}")
    else:
        print(text)
    return 0


@command("restore")
def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from collab_core.ops.backup import restore_backup

    raw = Path(args.backup).read_bytes() if args.backup != "-" else sys.stdin.buffer.read()
    hub = open_hub(settings)
    bar = Progress(not args.json, "restore")
    try:
        report = restore_backup(hub, raw, actor_id=None, progress=bar, link_accounts=args.link_accounts)
    finally:
        bar.close()
        hub.close()
    emit(args, report, f"Restored: {report}")
    return 0


@command("search")
def _search(args: argparse.Namespace, settings: Settings) -> int:
    hub = open_hub(settings)
    try:
        pid = project_id(hub, args.project)
        hits = hub.search.search(actor_id=None, project_id=pid, query=args.query, limit=args.limit)
    finally:
        hub.close()
    rows = [
        {
            "id": h.message.id,
            "external_id": h.message.external_id,
            "author": h.message.author,
            "time": h.message.created_at.isoformat(),
            "score": round(h.score, 5),
            "sources": list(h.sources),
            "content": h.message.content,
        }
        for h in hits
    ]
    human = "\n".join(
        f"{r['time'][:16]}  {r['author']:<12} [{'+'.join(r['sources'])}] {r['content'][:100]}" for r in rows
    )
    emit(args, {"hits": rows}, human or "No matches.")
    return 0


@command("reindex")
def _reindex(args: argparse.Namespace, settings: Settings) -> int:
    hub = open_hub(settings)
    bar = Progress(not args.json, "reindex")
    try:
        pid = project_id(hub, args.project) if args.project else None
        result = hub.messages.reindex(project_id=pid, full=args.full, progress=bar)
        # Commitments, decisions, proposals and the radar are rebuilt from SQL too (answers are kept).
        rebuilt = hub.insights.rebuild(project_id=pid)
    finally:
        bar.close()
        hub.close()
    out = result.__dict__ | {"insight_projects": len(rebuilt)}
    emit(
        args,
        out,
        f"Indexed {result.indexed} messages, {result.failed} failed; insights of {len(rebuilt)} project(s) rebuilt.",
    )
    return 0 if result.failed == 0 else 1


@command("doctor")
def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from collab_core.ops.diagnostics import run_diagnostics

    report = run_diagnostics(settings)
    if args.json:
        emit(args, report.as_dict())
    else:
        print(report.as_text())
    return 0 if report.ok else 1


def add_parsers(_sub: Any, add: AddParser) -> None:
    p = add("demo", "load the landing-page team demo (Alice, Bob, Carol, David) into a project")
    p.add_argument("--project", default="Landing Page Team", help="project name")
    p.add_argument(
        "--logins",
        action="store_true",
        help="give alice, bob, carol and david one password, read from stdin like `user add`, to look at the demo as them",
    )
    add("projects", "list projects")
    p = add("import", "import a dataset in the shared eval format (members, messages)")
    p.add_argument("dataset", help="DATASET.json")
    p.add_argument("--project", help="project name (default: the dataset's name)")
    p = add("export", "export a project (or all) to a JSON backup")
    p.add_argument("--project", help="project name (default: all projects)")
    p.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    p = add("restore", "restore a JSON backup (idempotent) and rebuild the memory index")
    p.add_argument("backup", help="BACKUP.json or - for stdin")
    p.add_argument(
        "--link-accounts",
        action="store_true",
        help="match the backup's authors and members to existing accounts of the same username "
        "(default: keep them as import-only authors, never speaking for a real account)",
    )
    p = add("search", "hybrid search in a project")
    p.add_argument("query")
    p.add_argument("--project", required=True)
    p.add_argument("--limit", type=int, default=10)
    p = add("reindex", "rebuild the memory index from SQL (unindexed messages, or --full)")
    p.add_argument("--project", help="only this project")
    p.add_argument("--full", action="store_true", help="drop and rebuild everything")
    add("doctor", "check database, embedder, vector store, search and LLM; print a report")
