"""stable external ids for tasks and meetings (idempotent backup restore and demo)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_tasks_project_external', ['project_id', 'external_id'], unique=True)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_meetings_project_external', ['project_id', 'external_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('uq_meetings_project_external')
        batch_op.drop_column('external_id')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_tasks_project_external')
        batch_op.drop_column('external_id')
