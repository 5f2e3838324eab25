"""The Assistant: one object over the services it reads, assembled from one mixin per concern (retrieval, context,
answers, summaries, action items); the Hub builds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from collab_core.assistant.action_items import ActionItemWork
from collab_core.assistant.answers import Answering
from collab_core.assistant.context import ContextBuilding
from collab_core.assistant.grounding import Grounding, GroundingChecker, Source, embedder_pair
from collab_core.assistant.llm import LLM
from collab_core.assistant.retrieval import Retrieval
from collab_core.assistant.summaries import Summaries
from collab_core.assistant.tokens import TokenCounter, token_counter_for
from collab_core.assistant.values import ASSISTANT_DISPLAY_NAME, ASSISTANT_USERNAME, Context
from collab_core.chat.messages import AnswerWriter
from collab_core.errors import CollabError, ValidationError
from collab_core.models import Member

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from collab_core.chat.messages import MessageService
    from collab_core.memory.embeddings import Embedder
    from collab_core.memory.search import SearchService
    from collab_core.people.accounts import Accounts
    from collab_core.settings import Settings
    from collab_core.work.meetings import MeetingService
    from collab_core.work.tasks import TaskService

Clock = Callable[[], datetime]


class Assistant(Retrieval, ContextBuilding, Answering, Summaries, ActionItemWork):
    """The assistant over one project store; thread-safe and stateless apart from cached ids.

    It gets the services it reads (the Hub wires them): accounts, messages and search always; the task
    board and meetings when the house has them (None leaves those answers out).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        accounts: Accounts,
        messages: MessageService,
        search: SearchService,
        tasks: TaskService | None = None,
        meetings: MeetingService | None = None,
        llm: LLM | None = None,
        clock: Clock | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.accounts = accounts
        self.messages = messages
        self.search = search
        self.tasks = tasks
        self.meetings = meetings
        self.llm = llm if llm is not None else (LLM(settings=settings) if settings.llm_configured else None)
        self.counter: TokenCounter = self.llm.counter if self.llm is not None else token_counter_for(settings)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._assistant_id: int | None = None
        self.embedder = embedder  # for the grounding check (None: words and specifics only)
        # Only the assistant writes role=assistant messages, always as its own account.
        self.answer_writer = AnswerWriter(messages, author=self.assistant_user_id)

    @property
    def generation_on(self) -> bool:
        return self.llm is not None and self.llm.configured

    def count_tokens(self, text: str) -> int:
        return self.counter.count(text)

    def assistant_user_id(self) -> int:
        """The assistant system user (created on demand; never a project member, cannot sign in)."""
        if self._assistant_id is not None:
            return self._assistant_id
        accounts = self.accounts
        for name in (ASSISTANT_USERNAME, "ai-assistant", "ai-assistant-bot"):
            user = accounts.find_user(name)
            if user is None:
                try:
                    user = accounts.create_user(username=name, display_name=ASSISTANT_DISPLAY_NAME)
                except CollabError:  # created concurrently: look again
                    user = accounts.find_user(name)
                    if user is None:
                        continue
            if not user.has_password and user.display_name == ASSISTANT_DISPLAY_NAME:
                self._assistant_id = user.id
                return user.id
        raise ValidationError("Could not set up the assistant's account: the usernames are taken by people.")

    def _members(self, project_id: int) -> list[Member]:
        return self.accounts.list_members(actor_id=None, project_id=project_id)

    def grounding_checker(self, project_id: int) -> GroundingChecker:
        """The sentence-support checker for a project (its members' names, the embedder)."""
        names: dict[str, int] = {}
        for m in self._members(project_id):
            for name in (m.display_name, m.username):
                if name:
                    names.setdefault(name, m.user_id)
        embed = embedder_pair(self.embedder) if self.embedder is not None else None
        return GroundingChecker(names=names, embed=embed)

    def ground(self, *, project_id: int, text: str, ctx: Context) -> Grounding:
        """Which sentences of an answer rest on the messages they cite (or on the project state)."""
        sources = {m.id: Source(m.author, m.content) for m in ctx.messages}
        return self.grounding_checker(project_id).check(text, sources=sources, question=ctx.question, state=ctx.state)
