"""Shared fixtures: a fresh data dir and Hub per test over the real local embedder (loaded once)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["MEM0_TELEMETRY"] = "False"

from collab_core.hub import Hub
from collab_core.memory.embeddings import LocalE5Embedder
from collab_core.models import Project, User
from collab_core.settings import Settings

# The PostgreSQL fixtures (pg_server, pg_database).
pytest_plugins = ["tests.pg"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def embedder() -> LocalE5Embedder:
    """The real multilingual-e5-small; loading it once keeps the suite fast."""
    return LocalE5Embedder()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The core suite runs on both backends: SQLite and a real PostgreSQL + pgvector."""
    if "backend" in metafunc.fixturenames and "core" in Path(str(metafunc.definition.path)).parts:
        metafunc.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])


@pytest.fixture
def backend() -> str:
    """SQLite unless parametrized (tests/core runs both)."""
    return "sqlite"


@pytest.fixture
def settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    url = request.getfixturevalue("pg_database") if backend == "postgres" else ""
    return Settings.load(env_file=None, data_dir=tmp_path / "data", database_url=url)


@pytest.fixture
def hub(settings: Settings, embedder: LocalE5Embedder) -> Iterator[Hub]:
    h = Hub.open(settings, embedder=embedder)
    yield h
    h.close()


class Team:
    """A project with an owner and one user per role, for tests."""

    def __init__(self, hub: Hub, name: str = "Team") -> None:
        self.hub = hub
        self.owner = hub.accounts.create_user(username=f"{name.lower()}_owner", display_name=f"{name} Owner")
        self.project: Project = hub.accounts.create_project(actor_id=self.owner.id, name=name)
        self.users: dict[str, User] = {"owner": self.owner}
        for role in ("admin", "member", "viewer"):
            u = hub.accounts.create_user(username=f"{name.lower()}_{role}", display_name=f"{name} {role.title()}")
            hub.accounts.set_member(actor_id=self.owner.id, project_id=self.project.id, user_id=u.id, role=role)
            self.users[role] = u
        self.outsider = hub.accounts.create_user(username=f"{name.lower()}_outsider")

    @property
    def pid(self) -> int:
        return self.project.id

    def post(self, role: str, content: str):  # type: ignore[no-untyped-def]
        return self.hub.messages.post(actor_id=self.users[role].id, project_id=self.pid, content=content)


@pytest.fixture
def team(hub: Hub) -> Team:
    return Team(hub)
