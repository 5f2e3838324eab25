"""sign-in sessions (hashed tokens that survive a reload) and project invite links

Revision ID: 0005_signin_tokens_invites
Revises: 0003
Create Date: 2026-12-02 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_signin_tokens_invites"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("credential", sa.String(length=32), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_signin_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signin_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_signin_sessions_token_hash"),
    )
    op.create_index("ix_signin_sessions_user", "signin_sessions", ["user_id"])
    op.create_table(
        "project_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_project_invites_project_id_projects", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_project_invites_created_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_project_invites"),
        sa.UniqueConstraint("token_hash", name="uq_project_invites_token_hash"),
    )
    op.create_index("ix_project_invites_project_id", "project_invites", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_project_invites_project_id", table_name="project_invites")
    op.drop_table("project_invites")
    op.drop_index("ix_signin_sessions_user", table_name="signin_sessions")
    op.drop_table("signin_sessions")
