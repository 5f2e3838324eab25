"""The insight tables (on the shared MetaData): what the memory extracted and what people did with it.

Commitments, decisions and board proposals are rebuilt from SQL by a refresh (`reindex` rebuilds them all),
so they hold only detector output plus the people's answers that must survive a rebuild: a proposal's
state (applied / dismissed) and a risk's state (acknowledged / snoozed, and when its notice went out) are
kept by their stable keys. Per-project radar thresholds live in `insight_settings`. Migration 0006_insights.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
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

insight_commitments = Table(
    "insight_commitments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False, default=0),  # several promises in one message
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("person", String(128), nullable=False),
    Column("what", Text, nullable=False),
    Column("made_at", DateTime, nullable=False),
    Column("due", Date),
    Column("status", String(16), nullable=False),  # open / done / late
    Column("done_at", DateTime),
    Column("evidence", JSON, nullable=False, default=list),  # [{"message": id} | {"task": id}]
    Column("task_id", Integer),
    UniqueConstraint("project_id", "message_id", "seq", name="uq_insight_commitments_message"),
    Index("ix_insight_commitments_person", "project_id", "user_id", "made_at"),
)

insight_decisions = Table(
    "insight_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False, default=0),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("person", String(128), nullable=False),
    Column("text", Text, nullable=False),
    Column("subject", Text, nullable=False, default=""),
    Column("decided_at", DateTime, nullable=False),
    Column("superseded_by", Integer),  # message id of the later decision on the same subject
    UniqueConstraint("project_id", "message_id", "seq", name="uq_insight_decisions_message"),
    Index("ix_insight_decisions_time", "project_id", "decided_at"),
)

insight_proposals = Table(
    "insight_proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("state", String(16), nullable=False, default="open"),  # open / applied / dismissed / stale
    Column("created_at", DateTime, nullable=False),
    Column("decided_by", Integer, ForeignKey("users.id")),
    Column("decided_at", DateTime),
    UniqueConstraint("project_id", "message_id", "task_id", "to_status", name="uq_insight_proposals_key"),
    Index("ix_insight_proposals_open", "project_id", "state"),
)

insight_risks = Table(
    "insight_risks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(255), nullable=False),  # kind:subject, stable across recomputations
    Column("kind", String(32), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("task_id", Integer),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("person", String(128)),
    Column("evidence", JSON, nullable=False, default=list),  # [{"message": id} | {"task": id}]
    Column("reason", Text, nullable=False, default=""),
    Column("params", JSON, nullable=False, default=dict),
    Column("state", String(16), nullable=False, default="open"),  # open / acknowledged / snoozed / resolved
    Column("snoozed_until", DateTime),
    Column("state_by", Integer, ForeignKey("users.id")),
    Column("state_at", DateTime),
    Column("first_seen", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("notified_at", DateTime),
    UniqueConstraint("project_id", "key", name="uq_insight_risks_key"),
    Index("ix_insight_risks_state", "project_id", "state"),
)

insight_settings = Table(
    "insight_settings",
    metadata,
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("values", JSON, nullable=False, default=dict),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", Integer, ForeignKey("users.id")),
)

TABLES = (insight_commitments, insight_decisions, insight_proposals, insight_risks, insight_settings)
