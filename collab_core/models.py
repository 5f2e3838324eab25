"""Frozen value objects that services return (never SQLAlchemy rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class User:
    """An account. password_hash is never part of this object."""

    id: int
    username: str
    display_name: str
    is_system_admin: bool
    created_at: datetime
    has_password: bool = False
    disabled: bool = False


@dataclass(frozen=True)
class Project:
    """A shared project space."""

    id: int
    name: str
    description: str
    created_at: datetime
    role: str | None = None  # the viewing user's role, when listed for a user


@dataclass(frozen=True)
class Member:
    """A user's membership in a project."""

    project_id: int
    user_id: int
    username: str
    display_name: str
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class Message:
    """One message; created_at is timezone-aware in the author's original offset."""

    id: int
    project_id: int
    author_id: int
    author: str
    role: str
    kind: str
    content: str
    created_at: datetime
    external_id: str | None = None
    index_state: str = "pending"
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    meta: dict[str, Any] | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True)
class Page:
    """One page of a listing plus the total that matched."""

    items: list[Any]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True)
class AuthorGroup:
    """Messages of one author within the current filters."""

    author_id: int
    author: str
    count: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True)
class Contribution:
    """Per-author contribution statistics."""

    author_id: int
    author: str
    messages: int
    characters: int
    active_days: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True)
class SearchHit:
    """One search result; sources says which side(s) found it ("keyword", "semantic")."""

    message: Message
    score: float
    sources: tuple[str, ...]
    terms: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TimeFilter:
    """Common timeline/search filters."""

    author_ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    start: date | datetime | None = None
    end: date | datetime | None = None
    text: str = ""


@dataclass
class Check:
    """One line of the report: status is ok, warn or fail."""

    name: str
    status: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BackupSection:
    """A feature's part of a backup: export rows per project, validate them, restore them (the Hub lists them)."""

    name: str
    export: Callable[..., list[dict[str, Any]]]
    validate: Callable[..., None]
    restore: Callable[..., int]
