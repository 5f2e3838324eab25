"""The page-rerun bench, run from the command line (`bench --pages`).

The bench itself (ui/pages_bench.py) drives the app's pages with Streamlit's AppTest, so it lives
with the app: collab_core never imports streamlit. This runs it in a child process from the
checkout the app lives in and returns its JSON report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from collab_core.errors import CollabError

APP_ROOT = Path(__file__).resolve().parents[2]  # the checkout: app.py, app_pages/, ui/ beside collab_core/
MODULE = "ui.pages_bench"


def run_pages_bench(*, messages: int, pages: str | None = None, runs: int | None = None) -> dict[str, Any]:
    """Rerun timings of the app's pages on generated data (see ui/pages_bench.py)."""
    if not (APP_ROOT / "ui" / "pages_bench.py").is_file():
        raise CollabError("The page bench needs the app's files (ui/, app_pages/) beside collab_core.")
    cmd = [sys.executable, "-m", MODULE, "--messages", str(messages), "--json"]
    if pages:
        cmd += ["--pages", pages]
    if runs is not None:
        cmd += ["--runs", str(runs)]
    proc = subprocess.run(cmd, cwd=APP_ROOT, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise CollabError(f"The page bench failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
    return json.loads(lines[-1])
