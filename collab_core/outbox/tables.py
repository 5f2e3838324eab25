"""The outbox's SQL tables (on the shared MetaData): per-person notification profiles and digest schedules,
project defaults, the outbox of deliveries, the digest runs that make each digest happen once, the
signing key of unsubscribe links and the workers' heartbeats. Migration 0007 creates them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from collab_core.store.schema import metadata

# How a person is reached: address, language and time zone (one row a person; absent = defaults).
notification_profiles = Table(
    "notification_profiles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("email", String(254)),
    Column("language", String(8), nullable=False, default="ko"),
    Column("timezone", String(64), nullable=False, default="Asia/Seoul"),
    # Kinds the person unsubscribed from everywhere by e-mail link ("daily", "weekly"): inbox only.
    Column("email_off", JSON, nullable=False, default=list),
    Column("updated_at", DateTime, nullable=False),
)

# A person's own schedule in one project (absent = the project's default).
digest_preferences = Table(
    "digest_preferences",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(8), nullable=False),  # off / daily / weekly
    Column("minute", Integer, nullable=False, default=540),  # local minutes after midnight
    Column("weekday", Integer, nullable=False, default=0),  # Monday = 0, for weekly
    Column("updated_at", DateTime, nullable=False),
)

# The project admin's default schedule, and whether the project webhook gets a team digest.
digest_defaults = Table(
    "digest_defaults",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(8), nullable=False, default="daily"),
    Column("minute", Integer, nullable=False, default=540),
    Column("weekday", Integer, nullable=False, default=0),
    Column("timezone", String(64), nullable=False, default="Asia/Seoul"),
    Column("webhook", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime, nullable=False),
)

# One row per digest made (person or team, kind, scheduled slot): the unique key makes each digest
# exactly once however many workers run; the rows also tell the next digest where to start.
digest_runs = Table(
    "digest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, nullable=False),  # 0 = the project's team digest (webhook)
    Column("kind", String(8), nullable=False),
    Column("slot", DateTime, nullable=False),  # the scheduled moment, naive UTC
    Column("since", DateTime, nullable=False),
    Column("items", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("project_id", "user_id", "kind", "slot", name="uq_digest_runs_once"),
    Index("ix_digest_runs_latest", "project_id", "user_id", "kind", "slot"),
)

# Every outgoing delivery (inbox, e-mail, webhook): written in the transaction of its cause, then
# claimed by one worker at a time (lease) and retried with backoff until sent or failed.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE")),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("kind", String(16), nullable=False),  # daily / weekly / test
    Column("channel", String(8), nullable=False),  # inbox / email / webhook
    Column("recipient", String(254)),  # e-mail address (the webhook URL is read at send time: a secret)
    Column("subject", String(300), nullable=False, default=""),
    Column("payload", JSON, nullable=False),  # text, html, sections
    Column("state", String(10), nullable=False),  # pending / sending / sent / failed / skipped
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime),
    Column("lease_until", DateTime),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("read_at", DateTime),
    Column("run_id", Integer),
    Index("ix_outbox_due", "state", "next_attempt_at"),
    Index("ix_outbox_user", "user_id", "channel", "created_at"),
)

# The key that signs unsubscribe links, made on first use and shared by every server (never backed up).
outbox_keys = Table(
    "outbox_keys",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)

worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    Column("worker_id", String(64), primary_key=True),
    Column("host", String(128), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("beat_at", DateTime, nullable=False),
    Column("last_run", JSON),
)
