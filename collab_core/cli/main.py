"""Command line: python -m collab_core COMMAND --help. The command groups are listed here, in order."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from collab_core.cli import accounts, data, evals, move, outbox
from collab_core.cli.common import COMMANDS
from collab_core.errors import CollabError
from collab_core.settings import Settings

# Each group registers its handlers with @command and adds its subcommands' arguments in add_parsers.
GROUPS = (data, evals, accounts, move, outbox)


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

    for group in GROUPS:
        group.add_parsers(sub, add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.data_dir:
        overrides["data_dir"] = Path(args.data_dir)
    try:
        settings = Settings.load(env_file=args.env_file, **overrides)
        return COMMANDS[args.command](args, settings)
    except CollabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
