"""Concurrent writers: nothing lost, nothing duplicated, every message indexed, timeline order stable.

- One process, 8 threads x 50 posts (both backends; SQLite serialises writers with BEGIN IMMEDIATE).
- Two processes x 8 threads x 200 posts against one PostgreSQL (as two app servers would).
Every post goes through the whole write path: SQL row, keyword terms, embedding, vector insert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from collab_core.hub import Hub
from collab_core.memory.text import tokenize
from collab_core.models import Message
from collab_core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def _tag(proc: int, thread: int, i: int) -> str:
    # One alphanumeric keyword per message (not stemmed, unique), plus ordinary mixed text.
    return f"zq{proc}t{thread}n{i}"


def _content(proc: int, thread: int, i: int) -> str:
    return f"동시 작성 테스트 {_tag(proc, thread, i)} — writer {thread} post {i}"


def _run_writers(hub: Hub, project_id: int, user_ids: list[int], proc: int, posts: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(user_ids))

    def write(thread: int, uid: int) -> None:
        try:
            barrier.wait()
            for i in range(posts):
                m = hub.messages.post(actor_id=uid, project_id=project_id, content=_content(proc, thread, i))
                assert m.index_state == "indexed", m
        except BaseException as exc:  # collected; the test asserts there are none
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t, uid)) for t, uid in enumerate(user_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _team(hub: Hub, writers: int) -> tuple[int, list[int]]:
    owner = hub.accounts.create_user(username="conc_owner")
    pid = hub.accounts.create_project(actor_id=owner.id, name="Concurrency").id
    ids = []
    for w in range(writers):
        u = hub.accounts.create_user(username=f"writer{w}")
        hub.accounts.set_member(actor_id=owner.id, project_id=pid, user_id=u.id, role="member")
        ids.append(u.id)
    return pid, ids


def _all_messages(hub: Hub, pid: int, *, newest_first: bool = False) -> list[Message]:
    out: list[Message] = []
    offset = 0
    while True:
        page = hub.messages.timeline(actor_id=None, project_id=pid, offset=offset, limit=500, newest_first=newest_first)
        out.extend(page.items)
        offset += len(page.items)
        if not page.has_more:
            return out


def _check_timeline(hub: Hub, pid: int, expected: set[str]) -> list[Message]:
    """Exactly the expected posts, each once, in a strict (created_at, id) order that repeats exactly."""
    msgs = _all_messages(hub, pid)
    assert len(msgs) == len(expected)
    assert len({m.id for m in msgs}) == len(msgs)  # no duplicates
    assert {m.content for m in msgs} == expected  # none lost, none invented
    keys = [(m.created_at, m.id) for m in msgs]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert [m.id for m in _all_messages(hub, pid)] == [m.id for m in msgs]  # stable across reads and pages
    assert [m.id for m in _all_messages(hub, pid, newest_first=True)] == [m.id for m in reversed(msgs)]
    # Each writer's own posts appear in the order it wrote them.
    per_writer: dict[str, list[int]] = {}
    for m in msgs:
        writer, n = m.content.split("— writer ")[1].split(" post ")
        per_writer.setdefault(f"{m.author_id}:{writer}", []).append(int(n))
    for seq in per_writer.values():
        assert seq == sorted(seq)
    assert all(m.index_state == "indexed" for m in msgs)
    return msgs


def test_eight_threads_fifty_posts_each_all_saved_and_searchable(hub: Hub) -> None:
    pid, writers = _team(hub, 8)
    errors = _run_writers(hub, pid, writers, proc=0, posts=50)
    assert errors == []
    expected = {_content(0, t, i) for t in range(8) for i in range(50)}
    msgs = _check_timeline(hub, pid, expected)
    assert len(msgs) == 400
    assert hub.memory.count(pid) == 400
    # Every message is found by its own keyword...
    with hub.engine.connect() as conn:
        for m in msgs:
            tag = m.content.split()[3]
            found = hub.search.keyword(conn, pid, tokenize(tag), limit=5)
            assert [r.message_id for r in found] == [m.id], tag
    # ...and hybrid search (keyword + semantic) ranks it first.
    for m in msgs[::40]:
        hits = hub.search.search(actor_id=None, project_id=pid, query=m.content.split()[3], limit=3)
        assert hits[0].message.id == m.id


# -- two processes on one PostgreSQL ---------------------------------------------------------------

_WORKER = """
import json, sys, time
from pathlib import Path
from collab_core.memory.embeddings import LocalE5Embedder
from collab_core.hub import Hub
from collab_core.settings import Settings
from tests.core.store.test_concurrency import _run_writers

args = json.loads(sys.argv[1])
hub = Hub.open(
    Settings.load(env_file=None, data_dir=Path(args["data_dir"]), database_url=args["url"]), embedder=LocalE5Embedder()
)
Path(args["ready"]).touch()
while not Path(args["go"]).exists():
    time.sleep(0.01)
errors = _run_writers(hub, args["pid"], args["users"], proc=args["proc"], posts=args["posts"])
hub.close()
print(json.dumps({"errors": [repr(e) for e in errors]}))
"""


def test_two_processes_sixteen_threads_3200_posts_on_postgres(tmp_path: Path, pg_database: str, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.load(env_file=None, data_dir=tmp_path / "main", database_url=pg_database)
    hub = Hub.open(settings, embedder=embedder)
    try:
        pid, writers = _team(hub, 16)
        go = tmp_path / "go"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "QDRANT_URL", "COLLAB_VECTOR_STORE")}
        env["PYTHONPATH"] = str(ROOT)
        # Two app servers share this machine's cores: one embedding thread each. Two OpenMP teams
        # of spinning threads on the same cores slow each other down many times over.
        env["OMP_NUM_THREADS"] = "1"
        procs = []
        for p in range(2):
            args = {
                "url": pg_database,
                "data_dir": str(tmp_path / f"server{p}"),
                "pid": pid,
                "users": writers[p * 8 : (p + 1) * 8],
                "proc": p,
                "posts": 200,
                "ready": str(tmp_path / f"ready{p}"),
                "go": str(go),
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", _WORKER, json.dumps(args)],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"ready{p}").exists() for p in range(2)):
            assert time.monotonic() < deadline and all(pr.poll() is None for pr in procs), [
                pr.communicate()[1][-2000:] for pr in procs if pr.poll() is not None
            ]
            time.sleep(0.05)
        go.touch()  # both processes start writing at the same moment
        for pr in procs:
            out, err = pr.communicate(timeout=900)
            assert pr.returncode == 0, err[-3000:]
            assert json.loads(out.strip().splitlines()[-1]) == {"errors": []}

        expected = {_content(p, t, i) for p in range(2) for t in range(8) for i in range(200)}
        msgs = _check_timeline(hub, pid, expected)
        assert len(msgs) == 3200
        assert hub.memory.count(pid) == 3200
        # Both processes interleaved: neither wrote all of its posts before the other started.
        first_of = {p: next(i for i, m in enumerate(msgs) if m.content.split()[3].startswith(f"zq{p}")) for p in (0, 1)}
        last_of = {p: max(i for i, m in enumerate(msgs) if m.content.split()[3].startswith(f"zq{p}")) for p in (0, 1)}
        assert first_of[1] < last_of[0] and first_of[0] < last_of[1]
        with hub.engine.connect() as conn:
            for m in msgs[::97]:
                tag = m.content.split()[3]
                assert [r.message_id for r in hub.search.keyword(conn, pid, tokenize(tag), limit=5)] == [m.id]
    finally:
        hub.close()
