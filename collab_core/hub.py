"""Builds every service once from Settings; the app caches one Hub per process, the CLI opens one per run."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from .accounts import Accounts
from .auth import AuthService
from .db import create_db_engine, migrate
from .embeddings import Embedder, build_embedder
from .memory import MemoryIndex
from .messages import MessageService
from .search import SearchService
from .settings import Settings


@dataclass
class Hub:
    """The services of one data dir / database. Thread-safe; holds no per-user state."""

    settings: Settings
    engine: Engine
    embedder: Embedder
    memory: MemoryIndex
    accounts: Accounts
    auth: AuthService
    messages: MessageService
    search: SearchService

    @classmethod
    def open(cls, settings: Settings, *, embedder: Embedder | None = None) -> Hub:
        """Create the engine, migrate the schema, load the embedder and open the memory index."""
        engine = create_db_engine(settings)
        migrate(engine)
        embedder = embedder or build_embedder(settings)
        memory = MemoryIndex(settings, embedder)
        messages = MessageService(engine, memory, settings)
        accounts = Accounts(engine)
        return cls(
            settings=settings,
            engine=engine,
            embedder=embedder,
            memory=memory,
            accounts=accounts,
            auth=AuthService(engine, accounts),
            messages=messages,
            search=SearchService(engine, memory, messages),
        )

    def close(self) -> None:
        self.memory.close()
        self.engine.dispose()
