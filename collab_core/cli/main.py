"""Command line: python -m collab_core COMMAND --help."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import CollabError
from .settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return deco


class Progress:
    """A tqdm bar on a terminal; silent with --json or when output is not a TTY."""

    def __init__(self, enabled: bool, desc: str) -> None:
        self._bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(desc=desc, unit="msg", file=sys.stderr)

    def __call__(self, done: int, total: int | None = None) -> None:
        if self._bar is None:
            return
        if total is not None:
            self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def tick(self) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def emit(args: argparse.Namespace, payload: dict[str, Any], human: str | None = None) -> None:
    """Print the result: only one JSON line with --json, a readable text otherwise."""
    if getattr(args, "json", False) or human is None:
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print(human)


def _open_hub(settings: Settings):  # type: ignore[no-untyped-def]
    from .hub import Hub

    return Hub.open(settings)


def _project_id(hub: Any, name: str) -> int:
    from .errors import NotFoundError

    project = hub.accounts.find_project(name)
    if project is None:
        raise NotFoundError(f"No project named {name!r}.", hint="List projects with: python -m collab_core projects")
    return project.id


# -- commands -------------------------------------------------------------------------------------


@command("demo")
def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo import load_demo

    hub = _open_hub(settings)
    try:
        info = load_demo(hub, project_name=args.project)
    finally:
        hub.close()
    emit(args, info, f"Demo project {info['project']!r}: {info['messages']} messages loaded.")
    return 0


@command("projects")
def _projects(args: argparse.Namespace, settings: Settings) -> int:
    hub = _open_hub(settings)
    try:
        rows = [{"id": p.id, "name": p.name} for p in hub.accounts.list_projects(user_id=None)]
    finally:
        hub.close()
    emit(args, {"projects": rows}, "\n".join(f"{r['id']:>4}  {r['name']}" for r in rows) or "No projects yet.")
    return 0


@command("import")
def _import(args: argparse.Namespace, settings: Settings) -> int:
    from .datasets import import_dataset, load_dataset

    dataset = load_dataset(args.dataset)
    hub = _open_hub(settings)
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
    from .backup import export_backup

    hub = _open_hub(settings)
    try:
        pids = [_project_id(hub, args.project)] if args.project else None
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
    from .backup import restore_backup

    raw = Path(args.backup).read_bytes() if args.backup != "-" else sys.stdin.buffer.read()
    hub = _open_hub(settings)
    bar = Progress(not args.json, "restore")
    try:
        report = restore_backup(hub, raw, actor_id=None, progress=bar)
    finally:
        bar.close()
        hub.close()
    emit(args, report, f"Restored: {report}")
    return 0


@command("search")
def _search(args: argparse.Namespace, settings: Settings) -> int:
    hub = _open_hub(settings)
    try:
        pid = _project_id(hub, args.project)
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
    hub = _open_hub(settings)
    bar = Progress(not args.json, "reindex")
    try:
        pid = _project_id(hub, args.project) if args.project else None
        result = hub.messages.reindex(project_id=pid, full=args.full, progress=bar)
    finally:
        bar.close()
        hub.close()
    emit(args, result.__dict__, f"Indexed {result.indexed} messages, {result.failed} failed.")
    return 0 if result.failed == 0 else 1


@command("doctor")
def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from .diagnostics import run_diagnostics

    report = run_diagnostics(settings)
    if args.json:
        emit(args, report.as_dict())
    else:
        print(report.as_text())
    return 0 if report.ok else 1


@command("eval")
def _eval(args: argparse.Namespace, settings: Settings) -> int:
    ks = [int(k) for k in args.k.split(",") if k.strip()]
    if args.assistant_context:
        from .assistant_eval import evaluate_context

        result = evaluate_context(args.datasets, settings=settings)
    else:
        from .evaluation import evaluate

        bar = Progress(not args.json, "eval")
        try:
            result = evaluate(args.datasets, settings=settings, ks=ks, progress=bar.tick)
        finally:
            bar.close()
    emit(args, result, None)
    return 0


@command("bench")
def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from .bench import run_bench

    result = run_bench(settings, messages=args.messages, progress=not args.json, database_url=args.database_url or None)
    emit(args, result, None)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m collab_core", description="Team collaboration hub with an AI memory: command line."
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.add_argument("--data-dir", help="data directory (overrides COLLAB_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print only one JSON line")
        return p

    p = add("demo", "load the landing-page team demo (Alice, Bob, Carol, David) into a project")
    p.add_argument("--project", default="Landing Page Team", help="project name")
    add("projects", "list projects")
    p = add("import", "import a dataset in the shared eval format (members, messages)")
    p.add_argument("dataset", help="DATASET.json")
    p.add_argument("--project", help="project name (default: the dataset's name)")
    p = add("export", "export a project (or all) to a JSON backup")
    p.add_argument("--project", help="project name (default: all projects)")
    p.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    p = add("restore", "restore a JSON backup (idempotent) and rebuild the memory index")
    p.add_argument("backup", help="BACKUP.json or - for stdin")
    p = add("search", "hybrid search in a project")
    p.add_argument("query")
    p.add_argument("--project", required=True)
    p.add_argument("--limit", type=int, default=10)
    p = add("reindex", "rebuild the memory index from SQL (unindexed messages, or --full)")
    p.add_argument("--project", help="only this project")
    p.add_argument("--full", action="store_true", help="drop and rebuild everything")
    add("doctor", "check database, embedder, vector store, search and LLM; print a report")
    p = add("eval", "recall@k of the hybrid search on datasets (fresh temporary data dir each)")
    p.add_argument("datasets", nargs="+", help="DATASET.json files")
    p.add_argument("--k", default="5,10,20", help="cut-offs, comma separated (default 5,10,20)")
    p.add_argument("--assistant-context", action="store_true", help="measure the assistant's context instead")
    p = add("bench", "benchmark ingest, post, search, timeline and contributions in a temporary data dir")
    p.add_argument("--messages", type=int, default=10_000, help="number of messages (default 10000)")
    p.add_argument("--database-url", help="run against this database instead of a temporary SQLite file")
    for extend in _EXTENSIONS:
        extend(sub, add)
    return parser


# Other modules register extra subcommands: fn(subparsers, add) -> None
_EXTENSIONS: list[Callable[[Any, Callable[[str, str], argparse.ArgumentParser]], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    from . import cli_extra  # noqa: F401  registers account/member commands

    parser = build_parser()
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = Path(args.data_dir)
    try:
        settings = Settings.load(env_file=args.env_file, **overrides)
        return _COMMANDS[args.command](args, settings)
    except CollabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
