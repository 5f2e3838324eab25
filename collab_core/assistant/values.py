"""The values the assistant hands out and passes between its parts (frozen dataclasses), its tunables and small formatting helpers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from collab_core.models import Message

log = logging.getLogger(__name__)


ASSISTANT_USERNAME = "assistant"
ASSISTANT_DISPLAY_NAME = "AI Assistant"
SETUP_HINT_EN = (
    "To turn generation on, set OPENAI_API_KEY (OpenAI), or OPENAI_BASE_URL and COLLAB_LLM_MODEL "
    "for a local server such as Ollama, vLLM or LM Studio, then restart the app."
)
SETUP_HINT_KO = (
    "답변 생성을 켜려면 OPENAI_API_KEY(OpenAI)를 설정하거나, Ollama·vLLM·LM Studio 같은 로컬 서버라면 "
    "OPENAI_BASE_URL과 COLLAB_LLM_MODEL을 설정한 뒤 앱을 다시 시작하세요."
)


OPEN_STATUSES = ("TODO", "IN_PROGRESS", "REVIEW")


@dataclass(frozen=True)
class ContextMessage:
    """A message as it appears in the context (content may be an excerpt of a long message)."""

    id: int
    author: str
    created_at: datetime
    content: str
    score: float
    excerpt: bool = False
    kind: str = "chat"
    role: str = "user"


@dataclass(frozen=True)
class Supersession:
    """A later message that changes what an earlier one said (owner, deadline, decision)."""

    newer_id: int
    older_id: int
    subject: str


@dataclass(frozen=True)
class Context:
    """What the model is shown for one question, with its token count and build timings."""

    question: str
    language: str
    state: tuple[str, ...]
    messages: tuple[ContextMessage, ...]
    notes: tuple[Supersession, ...]
    text: str
    tokens: int
    budget: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def message_ids(self) -> frozenset[int]:
        return frozenset(m.id for m in self.messages)


@dataclass(frozen=True)
class Citation:
    """A valid citation: the source message with its author and time."""

    message_id: int
    author: str
    created_at: datetime
    content: str


@dataclass(frozen=True)
class Answer:
    """An answered question. `generated` is False for the no-LLM fallback."""

    question: Message
    message: Message | None
    text: str
    citations: tuple[Citation, ...]
    invalid_citations: tuple[str, ...]
    generated: bool
    language: str
    context: Context | None = None
    incomplete: bool = False  # the model stopped early (cut off): shown and saved as incomplete


@dataclass(frozen=True)
class Summary:
    """A project summary over a period."""

    text: str
    start: datetime | None
    end: datetime | None
    message_count: int
    used_messages: int
    citations: tuple[Citation, ...]
    invalid_citations: tuple[str, ...]
    generated: bool
    language: str


@dataclass(frozen=True)
class ActionItem:
    """A proposed task found in chat."""

    title: str
    owner: str | None
    owner_id: int | None
    due_date: date | None
    source_message_ids: tuple[int, ...]


@dataclass(frozen=True)
class ActionItems:
    """Validated action items from a stretch of chat (all valid, or an error was raised)."""

    items: tuple[ActionItem, ...]
    message_count: int
    generated: bool
    attempts: int
    language: str


def is_evidence(m: Message) -> bool:
    """What people wrote, the board and meetings count; the assistant's answers and the questions put to it
    never do (they are output and requests, not facts), nor do removed messages."""
    if m.is_deleted or m.role == "assistant":
        return False
    return not (isinstance(m.meta, dict) and m.meta.get("assistant") == "question")


def _cm(m: Message) -> ContextMessage:
    return ContextMessage(m.id, m.author, m.created_at, m.content, 0.0, False, m.kind, m.role)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _fmt_day(value: datetime | date | None) -> str:
    if value is None:
        return "?"
    return value.strftime("%Y-%m-%d")


def _fmt_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _as_naive(value: datetime | None) -> datetime:
    if value is None:
        return datetime.min
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _period_text(start: datetime | date | None, end: datetime | date | None, ko: bool) -> str:
    if start and end:
        return f"{_fmt_day(start)}~{_fmt_day(end)}" if ko else f"from {_fmt_day(start)} to {_fmt_day(end)}"
    if start:
        return (
            f"{_fmt_time(start) if isinstance(start, datetime) else _fmt_day(start)} 이후"
            if ko
            else f"since {_fmt_time(start) if isinstance(start, datetime) else _fmt_day(start)}"
        )
    if end:
        return f"{_fmt_day(end)}까지" if ko else f"until {_fmt_day(end)}"
    return "전체 기간" if ko else ""
