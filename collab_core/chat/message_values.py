"""What a message is and how it travels: roles, kinds and page limits, import items and results, the passage text
the memory embeds, and the local/UTC time conversions the message queries share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

ROLES = ("user", "assistant", "system")
KINDS = ("chat", "task", "meeting", "system")
MAX_PAGE = 500
Progress = Callable[[int, int], None]


def passage_text(author: str, content: str) -> str:
    """What the embedder sees for a message: the speaker, then the words."""
    return f"{author}: {content}"


def to_local(created_at: datetime, offset_min: int) -> datetime:
    """Stored naive UTC -> aware datetime in the given offset."""
    tz = timezone(timedelta(minutes=offset_min))
    return created_at.replace(tzinfo=UTC).astimezone(tz)


def to_utc_naive(value: datetime) -> tuple[datetime, int]:
    """Aware (or naive = UTC) datetime -> (naive UTC, offset minutes)."""
    if value.tzinfo is None:
        return value, 0
    offset = value.utcoffset() or timedelta(0)
    return value.astimezone(UTC).replace(tzinfo=None), int(offset.total_seconds() // 60)


def _bound(value: date | datetime | None, *, end: bool) -> datetime | None:
    """Filter bound as naive UTC; a plain date means the whole day (end inclusive)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc_naive(value)[0]
    day = datetime.combine(value, time.min)
    return day + timedelta(days=1) if end else day


@dataclass(frozen=True)
class ImportItem:
    """One message to import (datasets, restores, demo)."""

    author: str
    content: str
    created_at: datetime
    role: str = "user"
    kind: str = "chat"
    external_id: str | None = None
    meta: dict[str, Any] | None = None
    # A tombstone from a backup: content is empty and the message is never indexed.
    deleted_at: datetime | None = None
    deleted_by: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    added: int
    skipped: int
    indexed: int
    failed: int


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None else None
