"""`migrate --to`: a SQLite data dir moves to a real PostgreSQL + pgvector, verified, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from collab_core.chat.message_values import ImportItem
from collab_core.errors import ConflictError
from collab_core.hub import Hub
from collab_core.ops.demo import load_demo
from collab_core.ops.move_database import run_migration
from collab_core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
KST = timezone(timedelta(hours=9))


def _fill_sqlite(data_dir: Path, embedder) -> dict:  # type: ignore[no-untyped-def]
    """A data dir with users, a demo project, tasks with history and comments, a tombstone, odd text."""
    hub = Hub.open(Settings.load(env_file=None, data_dir=data_dir, database_url=""), embedder=embedder)
    try:
        demo = load_demo(hub, start=datetime(2026, 3, 2, tzinfo=KST))
        pid = demo["project_id"]
        owner = hub.accounts.create_user(username="mover", display_name="무버 Mover")
        hub.accounts.set_member(actor_id=None, project_id=pid, user_id=owner.id, role="owner")
        odd = hub.messages.post(
            actor_id=owner.id,
            project_id=pid,
            content="이모지 🚀 and quotes ' \" \\ 100% _under_ \n\t줄바꿈",
            meta={"assistant": "question"},
        )
        gone = hub.messages.post(actor_id=owner.id, project_id=pid, content="지울 메시지 secret")
        hub.messages.delete(actor_id=owner.id, message_id=gone.id)
        hub.messages.import_items(
            project_id=pid,
            items=[
                ImportItem(author="alice", content=f"오프셋 {h}", created_at=datetime(2026, 3, 9, h, tzinfo=KST))
                for h in range(3)
            ],
        )
        task = hub.tasks.create_task(actor_id=owner.id, project_id=pid, title="배포 체크리스트", labels=("release",))
        hub.tasks.move_task(actor_id=owner.id, task_id=task.id, status="IN_PROGRESS")
        hub.tasks.comment(actor_id=owner.id, task_id=task.id, content="진행 중 ✅")
        second = hub.accounts.create_project(actor_id=owner.id, name="둘째 프로젝트")
        hub.messages.post(actor_id=owner.id, project_id=second.id, content="second project hello 안녕")
        hub.insights.flush()  # risk notices the radar posts after these writes belong to the history too
        timeline = [
            (m.id, m.author, m.content, m.created_at.isoformat(), m.is_deleted)
            for m in hub.messages.timeline(actor_id=None, project_id=pid, limit=500).items
        ]
        return {
            "pid": pid,
            "second": second.id,
            "owner": owner.id,
            "odd": odd.id,
            "task": task.id,
            "timeline": timeline,
        }
    finally:
        hub.close()


def test_migrate_command_moves_everything_and_verifies(tmp_path: Path, pg_database: str, embedder) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    before = _fill_sqlite(data_dir, embedder)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "QDRANT_URL", "COLLAB_VECTOR_STORE")}
    cmd = [sys.executable, "-m", "collab_core", "--env-file", str(tmp_path / "none.env"), "--data-dir", str(data_dir)]
    proc = subprocess.run(
        [*cmd, "migrate", "--to", pg_database, "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"] is True
    tables = {t["table"]: t for t in report["tables"]}
    for name in (
        "users",
        "projects",
        "memberships",
        "messages",
        "message_terms",
        "tasks",
        "task_events",
        "task_comments",
    ):
        t = tables[name]
        assert t["source_rows"] == t["target_rows"] > 0, name
        assert t["source_checksum"] == t["target_checksum"] and len(t["source_checksum"]) == 64, name
    assert report["index"][str(before["pid"])]["messages"] == report["index"][str(before["pid"])]["vectors"] >= 30
    assert report["index_failed"] == 0

    # The human-readable form prints both sides' counts and checksums.
    again = subprocess.run(
        [*cmd, "migrate", "--to", pg_database], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 2 and "not empty" in again.stderr  # refused: the target has data now

    hub = Hub.open(
        Settings.load(env_file=None, data_dir=tmp_path / "pgside", database_url=pg_database), embedder=embedder
    )
    try:
        assert hub.engine.dialect.name == "postgresql" and hub.memory.store_kind == "pgvector"
        after = [
            (m.id, m.author, m.content, m.created_at.isoformat(), m.is_deleted)
            for m in hub.messages.timeline(actor_id=None, project_id=before["pid"], limit=500).items
        ]
        assert after == before["timeline"]
        odd = hub.messages.get(actor_id=None, message_id=before["odd"])
        assert odd.meta == {"assistant": "question"} and "🚀" in odd.content
        hits = hub.search.search(actor_id=before["owner"], project_id=before["pid"], query="이모지 줄바꿈", limit=5)
        assert hits and hits[0].message.id == before["odd"]
        deleted = {row[0] for row in before["timeline"] if row[4]}
        secret = hub.search.search(actor_id=before["owner"], project_id=before["pid"], query="지울 메시지 secret")
        assert deleted and not deleted & {h.message.id for h in secret}
        assert hub.search.search(actor_id=before["owner"], project_id=before["second"], query="안녕")[
            0
        ].message.content.startswith("second")
        task = hub.tasks.get_task(actor_id=before["owner"], task_id=before["task"])
        assert task.status == "IN_PROGRESS"
        # Sequences moved past the copied ids: new rows get fresh ids.
        new = hub.messages.post(actor_id=before["owner"], project_id=before["pid"], content="이사 후 첫 메시지")
        assert new.id > max(row[0] for row in before["timeline"])
        hub.tasks.create_task(actor_id=before["owner"], project_id=before["pid"], title="after move")
        hub.accounts.create_user(username="newcomer")
    finally:
        hub.close()


def test_non_empty_target_is_refused_unless_forced(tmp_path: Path, pg_database: str, embedder) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    _fill_sqlite(data_dir, embedder)
    settings = Settings.load(env_file=None, data_dir=data_dir, database_url="")
    first = run_migration(settings, pg_database, embedder=embedder)
    assert first.ok
    counts = {t.table: t.target_rows for t in first.tables}

    with pytest.raises(ConflictError, match="not empty"):
        run_migration(settings, pg_database, embedder=embedder)
    forced = run_migration(settings, pg_database, force=True, embedder=embedder)
    assert forced.ok
    assert {t.table: t.target_rows for t in forced.tables} == counts  # replaced, not appended
    assert "verified: everything matches" in forced.as_text()

    # A target that drifted from the source is caught by the checksum, not only by counts.
    from sqlalchemy import create_engine

    engine = create_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text("UPDATE messages SET content = content || '!' WHERE id = (SELECT min(id) FROM messages)"))
    engine.dispose()
    from collab_core.ops.move_database import checksums

    src_engine = create_engine(settings.resolved_database_url)
    dst_engine = create_engine(pg_database)
    with src_engine.connect() as s, dst_engine.connect() as d:
        src, dst = checksums(s), checksums(d)
    src_engine.dispose()
    dst_engine.dispose()
    assert src["messages"][0] == dst["messages"][0] and src["messages"][1] != dst["messages"][1]
    assert src["users"] == dst["users"]


def test_migrating_to_itself_is_refused(tmp_path: Path) -> None:
    from collab_core.errors import ValidationError

    settings = Settings.load(env_file=None, data_dir=tmp_path / "d", database_url="")
    with pytest.raises(ValidationError):
        run_migration(settings, settings.resolved_database_url, index=False)
