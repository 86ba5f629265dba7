"""task_row.step: one case's history ordered by engine step (docs/ARCHITECTURE.md "Data model")

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_row') as batch:
        batch.add_column(sa.Column('step', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('task_row') as batch:
        batch.drop_column('step')
