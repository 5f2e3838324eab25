"""Two worker processes on one PostgreSQL race over the same due digests: each is made and e-mailed once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collab_core.hub import Hub
from collab_core.outbox.tables import digest_runs, outbox
from collab_core.settings import Settings
from tests.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.postgres
def test_two_worker_processes_send_each_digest_exactly_once(pg_database, embedder, smtp: SmtpServer, tmp_path):
    settings = Settings.load(env_file=None, data_dir=tmp_path / "data", database_url=pg_database, smtp_url=smtp.url)
    hub = Hub.open(settings, embedder=embedder)
    try:
        owner = hub.accounts.create_user(username="owner")
        project = hub.accounts.create_project(actor_id=owner.id, name="Race")
        hub.prefs.set_project_default(actor_id=owner.id, project_id=project.id, mode="daily", at="09:00")
        people = []
        for i in range(12):
            u = hub.accounts.create_user(username=f"p{i}")
            hub.accounts.set_member(actor_id=owner.id, project_id=project.id, user_id=u.id, role="member")
            hub.prefs.set_profile(
                actor_id=u.id, user_id=u.id, email=f"p{i}@example.com", language="en", timezone="Asia/Seoul"
            )
            people.append(u)
        hub.messages.post(
            actor_id=owner.id, project_id=project.id, content=" ".join(f"@p{i}" for i in range(12)) + " standup moved"
        )
    finally:
        hub.close()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    as_of = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 0, 1, tzinfo=UTC).isoformat()  # 09:01 Seoul
    env = {**os.environ, "DATABASE_URL": pg_database, "COLLAB_SMTP_URL": smtp.url, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "collab_core",
        "--env-file",
        "",
        "--data-dir",
        str(tmp_path / "data"),
        "digest",
        "--now",
        "--as-of",
        as_of,
        "--json",
    ]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    reports = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
    assert sum(r["made"] for r in reports) == 12
    assert sum(r["deliveries_sent"] for r in reports) == 12
    for i in range(12):
        assert len(smtp.inbox.to(f"p{i}@example.com")) == 1, i
    check = Hub.open(settings, embedder=embedder)
    try:
        with check.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(digest_runs)).scalar_one() == 13  # 12 people + owner
            assert (
                conn.execute(select(func.count()).select_from(outbox).where(outbox.c.channel == "email")).scalar_one()
                == 12
            )
    finally:
        check.close()
