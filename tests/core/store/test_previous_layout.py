"""A data dir made before collab_core was arranged by domain still opens and works.

fixtures/previous_layout.db.gz is the SQLite file of a data dir the previous layout created (schema
revision 0003): `python -m collab_core demo` plus `user add sam` with the password below. Its
memory index is not kept (it is rebuilt from SQL), so the test also proves reindex restores search.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from sqlalchemy import func, select

from collab_core.hub import Hub
from collab_core.settings import Settings
from collab_core.store.engine import schema_revision
from collab_core.store.schema import messages, tasks

FIXTURE = Path(__file__).parent / "fixtures" / "previous_layout.db.gz"


def _old_data_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with gzip.open(FIXTURE, "rb") as src, (data_dir / "collab.db").open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return data_dir


def test_a_data_dir_of_the_previous_layout_opens_and_works(tmp_path, embedder):
    settings = Settings.load(env_file=None, data_dir=_old_data_dir(tmp_path))
    hub = Hub.open(settings, embedder=embedder)
    try:
        current, head = schema_revision(hub.engine)
        assert current == head  # migrated from 0003 to the newest revision on open
        with hub.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(messages)).scalar_one() == 57
            assert conn.execute(select(func.count()).select_from(tasks)).scalar_one() == 8

        project = hub.accounts.find_project("Landing Page Team")
        assert project is not None
        sam = hub.auth.sign_in(username="sam", password="correct-horse-9")
        assert sam.username == "sam"
        assert hub.sessions.resume(hub.sessions.start(user_id=sam.id).token).id == sam.id  # new tables exist
        assert len(hub.tasks.list_tasks(actor_id=None, project_id=project.id)) == 8
        assert len(hub.meetings.list_meetings(actor_id=None, project_id=project.id)) == 1

        result = hub.messages.reindex(project_id=project.id, full=True)
        assert result.failed == 0 and result.indexed == 57
        hits = hub.search.search(actor_id=None, project_id=project.id, query="배포 일정", limit=5)
        assert hits and any("배포" in h.message.content for h in hits)

        posted = hub.messages.post_event(
            actor_id=None, project_id=project.id, content="새 레이아웃에서도 잘 열립니다", kind="task", author_id=1
        )
        assert posted.id > 57
    finally:
        hub.close()
