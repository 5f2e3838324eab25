"""The SQL schema (SQLAlchemy Core tables): the single source of truth for every entity.

Migrations under collab_core/migrations are generated from and checked against this metadata.
Timestamps are stored as naive UTC; messages also keep the author's UTC offset so exports
reproduce the original ISO-8601 time exactly.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    # Lower-cased username: uniqueness and sign-in are case-insensitive.
    Column("username_key", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    Column("password_hash", String(255)),
    Column("is_system_admin", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False),
    Column("name_key", String(128), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id")),
    Column("webhook_url", Text),
)

memberships = Table(
    "memberships",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("joined_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime),
    Index("ix_memberships_user", "user_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("role", String(16), nullable=False, default="user"),
    Column("kind", String(16), nullable=False, default="chat"),
    Column("content", Text, nullable=False),
    # Kept so contribution stats never read message bodies (100k rows in one GROUP BY).
    Column("char_count", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("tz_offset_min", Integer, nullable=False, default=0),
    Column("external_id", String(128)),
    Column("meta", JSON),
    Column("index_state", String(16), nullable=False, default="pending"),
    Column("memory_id", String(64)),
    Column("index_error", Text),
    Column("deleted_at", DateTime),
    Column("deleted_by", Integer, ForeignKey("users.id")),
    UniqueConstraint("project_id", "external_id", name="uq_messages_project_external"),
    Index("ix_messages_project_time", "project_id", "created_at", "id"),
    Index("ix_messages_project_author_time", "project_id", "author_id", "created_at"),
    Index("ix_messages_project_kind_time", "project_id", "kind", "created_at"),
    Index("ix_messages_index_state", "index_state", "project_id"),
)

# Keyword side of hybrid search: pre-tokenised terms (CJK bigrams + words), one row a message.
# On SQLite an FTS5 table mirrors it (created by the migration); on PostgreSQL a tsvector + GIN.
message_terms = Table(
    "message_terms",
    metadata,
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", Integer, nullable=False),
    Column("terms", Text, nullable=False),
    Index("ix_message_terms_project", "project_id"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("read_at", DateTime),
    UniqueConstraint("message_id", "user_id", name="uq_mentions_message_user"),
    Index("ix_mentions_user_unread", "user_id", "read_at"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="TODO"),
    Column("assignee_id", Integer, ForeignKey("users.id")),
    Column("due_date", Date),
    Column("priority", String(16), nullable=False, default="normal"),
    Column("labels", JSON, nullable=False, default=list),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("meeting_id", Integer, ForeignKey("meetings.id")),
    Column("source_message_id", Integer),
    Column("deleted_at", DateTime),
    # Stable id kept by backups and the demo, so restoring twice adds nothing (migration 0002).
    Column("external_id", String(64)),
    Index("ix_tasks_project_status", "project_id", "status"),
    Index("uq_tasks_project_external", "project_id", "external_id", unique=True),
    Index("ix_tasks_project_assignee", "project_id", "assignee_id"),
)

task_events = Table(
    "task_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", Integer, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("event", String(24), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16)),
    Column("detail", JSON),
    Column("created_at", DateTime, nullable=False),
    Index("ix_task_events_task", "task_id", "created_at"),
    Index("ix_task_events_project", "project_id", "created_at"),
)

task_comments = Table(
    "task_comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_task_comments_task", "task_id", "created_at"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    Column("started_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("notes", Text, nullable=False, default=""),
    Column("decisions", JSON, nullable=False, default=list),
    Column("summary", Text),
    Column("summary_message_id", Integer),
    Column("external_id", String(64)),
    Index("ix_meetings_project", "project_id", "started_at"),
    Index("uq_meetings_project_external", "project_id", "external_id", unique=True),
)

meeting_attendees = Table(
    "meeting_attendees",
    metadata,
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
)

agenda_items = Table(
    "agenda_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("presenter_id", Integer, ForeignKey("users.id")),
    Column("topic", String(200), nullable=False),
    Column("details", Text, nullable=False, default=""),
)

action_items = Table(
    "action_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("assignee_id", Integer, ForeignKey("users.id")),
    Column("due_date", Date),
    Column("task_id", Integer, ForeignKey("tasks.id")),
    Column("created_at", DateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id")),
    Column("actor_name", String(64)),
    Column("action", String(48), nullable=False),
    Column("project_id", Integer),
    Column("target", String(200)),
    Column("detail", JSON),
    Index("ix_audit_at", "at"),
    Index("ix_audit_project_at", "project_id", "at"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username_key", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_user_at", "username_key", "at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Index("ix_webhook_deliveries_project", "project_id", "created_at"),
)
