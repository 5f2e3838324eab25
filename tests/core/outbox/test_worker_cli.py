"""The command line: the worker starts, beats and stops on SIGTERM; bench --digests reports its figure."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from collab_core.hub import open_outbox
from collab_core.outbox.worker import heartbeats
from collab_core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def test_the_worker_beats_shows_in_diagnostics_and_stops_on_sigterm(tmp_path):
    data = tmp_path / "data"
    out = open_outbox(Settings.load(env_file=None, data_dir=data))  # migrated before the worker starts
    proc = subprocess.Popen(
        [sys.executable, "-m", "collab_core", "--env-file", "", "--data-dir", str(data), "worker"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "running" in proc.stdout.readline()
        deadline = time.monotonic() + 60
        while not heartbeats(out.engine) and time.monotonic() < deadline:
            proc.poll()
            assert proc.returncode is None
            time.sleep(0.2)  # waiting for another process, not for our own clock
        [beat] = heartbeats(out.engine)
        assert beat.pid == proc.pid
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        out.close()


def test_bench_digests_reports_the_run_time(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "collab_core",
            "--env-file",
            "",
            "--data-dir",
            str(tmp_path / "d"),
            "bench",
            "--digests",
            "--messages",
            "2000",
            "--members",
            "40",
            "--projects",
            "4",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["digests_made"] == 40 and report["idle_pass_made"] == 0 and report["digest_run_s"] >= 0
