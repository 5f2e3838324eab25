"""The change counter: one row per scope (a project's messages/tasks/meetings, a user's inbox/projects)

Open pages check these versions instead of re-reading their data; see collab_core/store/changes.py.

Revision ID: 0008_change_counter_events
Revises: 0006_insights
Create Date: 2026-12-02 08:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_change_counter_events"
down_revision = "0006_insights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_changes"),
    )


def downgrade() -> None:
    op.drop_table("changes")
