"""insight tables: commitments, decisions, board proposals, risks with state, per-project radar settings

Revision ID: 0006_insights
Revises: 0007_outbox_digests
Create Date: 2026-12-02 08:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0006_insights"
down_revision = "0007_outbox_digests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insight_commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=128), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_insight_commitments_project_id_projects", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_insight_commitments_message_id_messages", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_insight_commitments_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_insight_commitments"),
        sa.UniqueConstraint("project_id", "message_id", "seq", name="uq_insight_commitments_message"),
    )
    op.create_index("ix_insight_commitments_person", "insight_commitments", ["project_id", "user_id", "made_at"])
    op.create_table(
        "insight_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_insight_decisions_project_id_projects", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_insight_decisions_message_id_messages", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_insight_decisions_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_insight_decisions"),
        sa.UniqueConstraint("project_id", "message_id", "seq", name="uq_insight_decisions_message"),
    )
    op.create_index("ix_insight_decisions_time", "insight_decisions", ["project_id", "decided_at"])
    op.create_table(
        "insight_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_insight_proposals_project_id_projects", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_insight_proposals_message_id_messages", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name="fk_insight_proposals_task_id_tasks", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name="fk_insight_proposals_decided_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_insight_proposals"),
        sa.UniqueConstraint("project_id", "message_id", "task_id", "to_status", name="uq_insight_proposals_key"),
    )
    op.create_index("ix_insight_proposals_open", "insight_proposals", ["project_id", "state"])
    op.create_table(
        "insight_risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=128), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(), nullable=True),
        sa.Column("state_by", sa.Integer(), nullable=True),
        sa.Column("state_at", sa.DateTime(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_insight_risks_project_id_projects", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_insight_risks_user_id_users"),
        sa.ForeignKeyConstraint(["state_by"], ["users.id"], name="fk_insight_risks_state_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_insight_risks"),
        sa.UniqueConstraint("project_id", "key", name="uq_insight_risks_key"),
    )
    op.create_index("ix_insight_risks_state", "insight_risks", ["project_id", "state"])
    op.create_table(
        "insight_settings",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name="fk_insight_settings_project_id_projects", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name="fk_insight_settings_updated_by_users"),
        sa.PrimaryKeyConstraint("project_id", name="pk_insight_settings"),
    )


def downgrade() -> None:
    op.drop_table("insight_settings")
    op.drop_index("ix_insight_risks_state", table_name="insight_risks")
    op.drop_table("insight_risks")
    op.drop_index("ix_insight_proposals_open", table_name="insight_proposals")
    op.drop_table("insight_proposals")
    op.drop_index("ix_insight_decisions_time", table_name="insight_decisions")
    op.drop_table("insight_decisions")
    op.drop_index("ix_insight_commitments_person", table_name="insight_commitments")
    op.drop_table("insight_commitments")
