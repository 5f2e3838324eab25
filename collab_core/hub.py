"""Builds every service once from Settings; the app caches one Hub per process, the CLI opens one per run."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from .accounts import Accounts
from .assistant import Assistant
from .auth import AuthService
from .db import create_db_engine, migrate
from .embeddings import Embedder, build_embedder
from .llm import LLM
from .meetings import MeetingService
from .memory import MemoryIndex
from .mentions import MentionService
from .messages import MessageService
from .notify import Notifier
from .search import SearchService
from .settings import Settings
from .tasks import TaskService


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
    notifier: Notifier
    tasks: TaskService
    meetings: MeetingService
    mentions: MentionService
    llm: LLM | None = None  # None when no LLM is configured (generation off)
    assistant: Assistant | None = None

    @classmethod
    def open(cls, settings: Settings, *, embedder: Embedder | None = None) -> Hub:
        """Create the engine, migrate the schema, load the embedder and open the memory index."""
        engine = create_db_engine(settings)
        migrate(engine)
        embedder = embedder or build_embedder(settings)
        memory = MemoryIndex(settings, embedder)
        messages = MessageService(engine, memory, settings)
        accounts = Accounts(engine, memory)
        notifier = Notifier(engine, settings)
        tasks = TaskService(engine, messages, notifier)
        mentions = MentionService(engine, notifier)
        messages.on_post(mentions.on_message)
        hub = cls(
            settings=settings,
            engine=engine,
            embedder=embedder,
            memory=memory,
            accounts=accounts,
            auth=AuthService(engine, accounts),
            messages=messages,
            search=SearchService(engine, memory, messages),
            notifier=notifier,
            tasks=tasks,
            # The assistant (when the hub has one) writes meeting summaries with its LLM.
            meetings=MeetingService(
                engine, tasks, messages, notifier, assistant=lambda: getattr(hub, "assistant", None)
            ),
            mentions=mentions,
        )
        hub.llm = LLM(settings=settings) if settings.llm_configured else None
        hub.assistant = Assistant(hub=hub, llm=hub.llm)
        return hub

    def close(self) -> None:
        self.notifier.close()
        self.memory.close()
        self.engine.dispose()
