"""What every command group shares: the command registry, progress bars, output and opening the hub."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from collab_core.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register fn as the handler of the subcommand name (the group module's add_parsers adds its arguments)."""

    def deco(fn: Handler) -> Handler:
        COMMANDS[name] = fn
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


def open_hub(settings: Settings):  # type: ignore[no-untyped-def]
    from collab_core.hub import Hub

    return Hub.open(settings)


def project_id(hub: Any, name: str) -> int:
    from collab_core.errors import NotFoundError

    project = hub.accounts.find_project(name)
    if project is None:
        raise NotFoundError(f"No project named {name!r}.", hint="List projects with: python -m collab_core projects")
    return project.id


AddParser = Callable[[str, str], argparse.ArgumentParser]
