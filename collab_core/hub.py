"""The composition root: builds every service once from Settings and wires them together.

The app caches one Hub per process, the CLI opens one per run. This is the only module that knows
every service; the services get what they need (an engine, the memory index, another service) and
never the Hub. Listeners, diagnostics checks and backup sections are wired here, in one visible list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from collab_core.assistant.llm import LLM
from collab_core.assistant.service import Assistant, Clock
from collab_core.chat.mentions import MentionService
from collab_core.chat.messages import MessageService
from collab_core.insights.backup import export_insights, restore_insights, validate_insights
from collab_core.insights.service import InsightService
from collab_core.memory.embeddings import Embedder, build_embedder
from collab_core.memory.index import MemoryIndex
from collab_core.memory.search import SearchService
from collab_core.models import BackupSection, Check
from collab_core.outbox.backup_section import export_outbox, restore_outbox, validate_outbox
from collab_core.outbox.compose import BASE_SECTIONS, SectionBuilder
from collab_core.outbox.delivery import Deliverer
from collab_core.outbox.digests import DigestService
from collab_core.outbox.mail import Mailer
from collab_core.outbox.prefs import Preferences
from collab_core.outbox.webhooks import Notifier, webhook_check
from collab_core.outbox.worker import outbox_check
from collab_core.people.accounts import Accounts
from collab_core.people.auth import AuthService
from collab_core.people.invites import InviteService
from collab_core.people.sessions import SessionService
from collab_core.people.visits import Visits
from collab_core.settings import Settings
from collab_core.store.changes import ChangeFeed
from collab_core.store.engine import create_db_engine, migrate
from collab_core.work.backup_sections import (
    export_meetings,
    export_tasks,
    restore_meetings,
    restore_tasks,
    validate_meetings,
    validate_tasks,
)
from collab_core.work.meetings import MeetingService
from collab_core.work.tasks import TaskService

# What a backup holds beyond users, projects and messages, in restore order (meetings link to tasks).
BACKUP_SECTIONS = (
    BackupSection("tasks", export_tasks, validate_tasks, restore_tasks),
    BackupSection("meetings", export_meetings, validate_meetings, restore_meetings),
    # Commitments, decisions, proposals (with their answers), risks (with their states), radar settings.
    BackupSection("insights", export_insights, validate_insights, restore_insights),
    BackupSection("outbox", export_outbox, validate_outbox, restore_outbox),
)

# Feature checks the diagnostics report runs after its own: fn(hub) -> Check.
CHECKS: tuple[Callable[[Any], Check], ...] = (webhook_check, outbox_check)

# The sections of every digest and of the "since you were last here" banner, in order:
# fn(conn, DigestScope) -> Section | None (mentions, my tasks, meetings and my action items, decisions).
DIGEST_SECTIONS: tuple[SectionBuilder, ...] = BASE_SECTIONS


@dataclass
class OutboxServices:
    """What the worker needs (no memory index: a worker runs beside app servers that hold it)."""

    engine: Engine
    prefs: Preferences
    digests: DigestService
    deliverer: Deliverer
    notifier: Notifier

    def close(self) -> None:
        self.notifier.close()
        self.deliverer.close()
        self.engine.dispose()


def outbox_services(engine: Engine, settings: Settings, *, notifier: Notifier | None = None) -> OutboxServices:
    """Digest preferences, composition (DIGEST_SECTIONS) and delivery over one engine."""
    lang = settings.language if settings.language in ("ko", "en") else "ko"
    prefs = Preferences(engine, default_language=lang)
    mailer = (
        Mailer(url=settings.smtp_url, sender=settings.smtp_from, timeout_s=settings.smtp_timeout_s)
        if settings.smtp_url
        else None
    )
    return OutboxServices(
        engine=engine,
        prefs=prefs,
        digests=DigestService(
            engine, prefs, sections=DIGEST_SECTIONS, base_url=settings.public_url, email_on=mailer is not None
        ),
        deliverer=Deliverer(engine, mailer=mailer, webhook_timeout_s=settings.webhook_timeout_s),
        notifier=notifier or Notifier(engine, settings),
    )


def open_outbox(settings: Settings) -> OutboxServices:
    """The worker's services: engine (migrated) and the outbox, without the embedder or memory index."""
    engine = create_db_engine(settings)
    migrate(engine)
    return outbox_services(engine, settings)


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
    insights: InsightService
    sessions: SessionService
    invites: InviteService
    visits: Visits
    prefs: Preferences
    digests: DigestService
    deliverer: Deliverer
    changes: ChangeFeed  # what open pages check to see whether anything they show changed
    llm: LLM | None = None  # None when no LLM is configured (generation off)
    assistant: Assistant | None = None
    backup_sections: tuple[BackupSection, ...] = BACKUP_SECTIONS
    checks: tuple[Callable[[Any], Check], ...] = CHECKS

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
        # Assignment suggestions compare tasks and chat with the local embedder's passage vectors.
        insights = InsightService(
            engine=engine, messages=messages, tasks=tasks, accounts=accounts, embed=embedder.embed_passages
        )
        out = outbox_services(engine, settings, notifier=notifier)
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
            insights=insights,
            sessions=SessionService(engine, accounts, days=settings.session_days),
            invites=InviteService(engine),
            visits=Visits(engine),
            prefs=out.prefs,
            digests=out.digests,
            deliverer=out.deliverer,
            changes=ChangeFeed(engine),
        )
        # Listeners: who hears about a posted message.
        messages.on_post(mentions.on_message)
        messages.on_post(insights.on_message)  # marks the project for the insight worker; no work in the post
        hub.llm = LLM(settings=settings) if settings.llm_configured else None
        hub.assistant = assistant_for(hub, llm=hub.llm)
        return hub

    def close(self) -> None:
        self.changes.close()
        self.messages.close()
        self.insights.close()
        self.notifier.close()
        self.deliverer.close()
        self.memory.close()
        self.engine.dispose()


def assistant_for(hub: Hub, *, llm: LLM | None = None, clock: Clock | None = None) -> Assistant:
    """An Assistant over the hub's services (the LLM from settings when llm is None and one is configured)."""
    return Assistant(
        settings=hub.settings,
        engine=hub.engine,
        accounts=hub.accounts,
        messages=hub.messages,
        search=hub.search,
        tasks=hub.tasks,
        meetings=hub.meetings,
        llm=llm,
        clock=clock,
        embedder=hub.embedder,
    )
