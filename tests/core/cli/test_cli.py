"""The command line as a user runs it: real processes, a temporary data dir, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COMMANDS = ["demo", "projects", "import", "export", "restore", "search", "reindex", "doctor", "eval", "bench"]


def run(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "collab_core", "--env-file", "", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def last_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(tmp_path, name):
    proc = run(name, "--help", data_dir=tmp_path)
    assert proc.returncode == 0
    assert "usage:" in proc.stdout and "--json" in proc.stdout


@pytest.fixture
def dataset(tmp_path) -> Path:
    data = {
        "name": "mini-team",
        "language": "ko+en",
        "members": [{"name": "Minji", "role": "admin"}, {"name": "Daniel", "role": "member"}],
        "messages": [
            {
                "id": "m1",
                "author": "Minji",
                "role": "user",
                "ts": "2026-03-02T09:00:00+09:00",
                "content": "배포 일정은 금요일 오전 11시입니다",
            },
            {
                "id": "m2",
                "author": "Daniel",
                "role": "user",
                "ts": "2026-03-02T09:05:00+09:00",
                "content": "I'll fix the login crash today.",
            },
            {
                "id": "m3",
                "author": "Minji",
                "role": "user",
                "ts": "2026-03-02T09:10:00+09:00",
                "content": "점심은 김치찌개 어때요?",
            },
            {
                "id": "m4",
                "author": "Daniel",
                "role": "user",
                "ts": "2026-03-03T10:00:00+09:00",
                "content": "The login crash is fixed and deployed.",
            },
        ],
        "questions": [
            {"id": "q1", "lang": "ko", "query": "배포", "relevant": ["m1"], "kind": "keyword"},
            {
                "id": "q2",
                "lang": "en",
                "query": "Was the login crash fixed?",
                "relevant": ["m2", "m4"],
                "kind": "status",
            },
        ],
    }
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_search_export_restore_round_trip(tmp_path, dataset):
    data_dir = tmp_path / "a"
    imported = last_json(run("import", str(dataset), "--project", "Mini", "--json", data_dir=data_dir))
    assert imported["added"] == 4 and imported["failed"] == 0
    again = last_json(run("import", str(dataset), "--project", "Mini", "--json", data_dir=data_dir))
    assert again["added"] == 0 and again["skipped"] == 4

    hits = last_json(run("search", "배포", "--project", "Mini", "--json", data_dir=data_dir))["hits"]
    assert hits[0]["external_id"] == "m1" and hits[0]["author"] == "Minji"
    assert hits[0]["time"] == "2026-03-02T09:00:00+09:00"

    backup = tmp_path / "backup.json"
    last_json(run("export", "--project", "Mini", "-o", str(backup), "--json", data_dir=data_dir))
    restored_dir = tmp_path / "b"
    report = last_json(run("restore", str(backup), "--json", data_dir=restored_dir))
    assert report["messages_added"] == 4
    hits_b = last_json(run("search", "배포", "--project", "Mini", "--json", data_dir=restored_dir))["hits"]
    assert [h["external_id"] for h in hits_b] == [h["external_id"] for h in hits]

    doctor = last_json(run("doctor", "--json", data_dir=restored_dir))
    assert doctor["ok"] is True
    names = {c["name"]: c for c in doctor["checks"]}
    assert names["memory index"]["data"]["indexed"] == 4
    assert names["embedder"]["data"]["dims"] == 384


def test_bad_inputs_exit_with_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    proc = run("restore", str(bad), data_dir=tmp_path / "d")
    assert proc.returncode == 2
    assert "not valid JSON" in proc.stderr
    proc = run("search", "x", "--project", "Nope", data_dir=tmp_path / "d")
    assert proc.returncode == 2 and "No project named 'Nope'" in proc.stderr


def test_eval_prints_one_json_line_with_recall(tmp_path, dataset):
    proc = run("eval", str(dataset), "--json", data_dir=tmp_path / "unused")
    result = last_json(proc)
    assert len(proc.stdout.strip().splitlines()) == 1
    assert result["datasets"] == 1 and result["questions"] == 2
    assert result["recall@10"] == 1.0  # four messages: every relevant one is in the top 10
    assert 0 < result["mrr"] <= 1
    assert set(result["by_kind"]) == {"keyword", "status"}


def test_bench_reports_every_figure(tmp_path):
    result = last_json(run("bench", "--messages", "300", "--json", data_dir=tmp_path / "unused"))
    for key in [
        "messages",
        "embed_only_msgs_per_s",
        "ingest_msgs_per_s",
        "post_p50_ms",
        "post_p95_ms",
        "search_p50_ms",
        "search_p95_ms",
        "timeline_ms",
        "contributions_ms",
        "rss_mb",
    ]:
        assert result[key] > 0, key
    assert result["messages"] == 300


def test_bench_pages_runs_the_app_side_page_bench_in_a_child_process(tmp_path):
    """collab_core never imports streamlit: `bench --pages` runs ui/pages_bench.py as its own process."""
    proc = run("bench", "--pages", "chat", "--messages", "200", "--runs", "1", "--json", data_dir=tmp_path)
    # The exit code says whether the page-speed targets held; on a busy machine they may not, so read the report.
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["bench"] == "app_pages" and report["messages"] == 200
    assert set(report["pages"]) == {"chat"}


def test_demo_logins_let_alice_sign_in_and_the_first_sign_up_is_still_admin(tmp_path):
    proc = run("demo", "--logins", data_dir=tmp_path / "data", stdin="demo-password-1\n")
    assert proc.returncode == 0, proc.stderr
    assert "Sign in as alice, bob, carol, david" in proc.stdout
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from collab_core.hub import Hub
    from collab_core.settings import Settings
    from collab_core.store.schema import messages

    hub = Hub.open(Settings.load(env_file=None, data_dir=tmp_path / "data"))
    try:
        alice = hub.auth.sign_in(username="alice", password="demo-password-1")
        assert alice.username == "alice" and not alice.is_system_admin
        assert hub.auth.sign_up(username="minji", password="correct horse 1").is_system_admin
        with hub.engine.connect() as conn:
            last = conn.execute(select(func.max(messages.c.created_at))).scalar_one()
    finally:
        hub.close()
    now = datetime.now(UTC).replace(tzinfo=None)
    # The conversation ends within the last two days, never in the future: its week is this week.
    assert now - timedelta(days=2) < last <= now


def test_user_list_has_a_header(tmp_path):
    run("user", "add", "minji", data_dir=tmp_path / "data", stdin="correct horse 1\n")
    out = run("user", "list", data_dir=tmp_path / "data").stdout.splitlines()
    assert out[0].split() == ["ID", "USERNAME", "SIGN-IN", "FLAGS"]
    assert out[1].split()[1:] == ["minji", "password"]
